"""The ``lockmigrate`` command line: parses options, calls :mod:`lockmigrate.api`, maps
errors to exit codes. No logic lives here.

This module imports nothing heavy: ``lockmigrate --version`` is answered before typer is
imported, and so are a ``diff`` and a ``check`` whose options are all in plain forms
(:mod:`lockmigrate.cli.declared`: each of their options is declared once); the typer application
lives in :mod:`lockmigrate.cli.application`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Any, NoReturn

from lockmigrate import __version__
from lockmigrate.errors import ExitCode, FindingsError, InputError, LockmigrateError

__all__ = ["elapsed", "main", "run"]

_STARTED = [time.monotonic()]


def elapsed() -> float:
    """Seconds since the current run of :func:`main` began (for the closing summary)."""
    return time.monotonic() - _STARTED[0]


def run() -> NoReturn:
    """The console script and ``python -m lockmigrate``: :func:`main`, then exit at once.

    Tearing the interpreter down (freeing every module, collecting every object) takes
    30-50 ms once typer, packaging and the readers are loaded, a tenth of a ``diff`` run.
    By the time :func:`main` returns, every file lockmigrate wrote is closed, its worker
    threads are finished and its scratch folders are removed; only the standard streams
    are left to flush.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        # `lockmigrate diff | head`: the reader may have left already
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code instead of exiting, and never shows a traceback
    for an error lockmigrate raised on purpose."""
    _STARTED[0] = time.monotonic()
    arguments = sys.argv[1:] if argv is None else argv
    if sys.stdout is None or sys.stderr is None:  # started with `>&-`: Python leaves None
        devnull = open(os.devnull, "w")  # noqa: SIM115, PTH123 - kept for the whole process
        sys.stdout, sys.stderr = sys.stdout or devnull, sys.stderr or devnull
    if arguments in (["--version"], ["-V"]):  # answered before typer is even imported
        sys.stdout.write(f"lockmigrate {__version__}\n")
        return int(ExitCode.OK)
    previous = _on_interrupt()
    try:
        if arguments[:1] == ["diff"]:
            code = _diff(arguments, keep=argv is None)
            if code is not None:
                return code
        if arguments[:1] == ["check"]:
            return _check(arguments)
        return _run_typer(arguments)
    except InputError as error:
        _report_bad_input(error)
        return int(error.exit_code)
    except LockmigrateError as error:
        sys.stderr.write(f"lockmigrate: error: {error}\n")
        return int(error.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("lockmigrate: interrupted; no file was changed\n")
        return int(ExitCode.INTERRUPTED)
    except OSError as error:  # the system refused something no reader turned into an error
        from lockmigrate.redact import redact_text

        where = f"{error.filename}: " if error.filename else ""
        sys.stderr.write(redact_text(f"lockmigrate: error: {where}{error.strerror or error}\n"))
        return int(ExitCode.BAD_INPUT)
    except Exception:  # noqa: BLE001 - a bug: say so, with what a report needs; never exit 1
        import traceback

        sys.stderr.write(
            "lockmigrate: internal error (a bug in lockmigrate, not in your files); "
            "please report it with the traceback below\n" + traceback.format_exc()
        )
        return int(ExitCode.INTERNAL)
    finally:
        _restore(previous)


def _diff(arguments: list[str], *, keep: bool) -> int | None:
    """``lockmigrate diff`` in the plain forms of its options, read without typer (see
    :mod:`lockmigrate.cli.diff_run`); ``None`` when typer must read them. With ``keep`` (the
    command line, not a program calling :func:`main`), a warm run's answer is replayed or
    kept (:mod:`lockmigrate.cli.kept`). The cyclic garbage collector is paused meanwhile, as
    for ``check`` (:func:`_check`): a warm ``diff`` is mostly imports and a model that lives
    to the end, which the collector would walk again and again (4 ms of a 110 ms run on a
    200-package lock). Its state is put back."""
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        recorder = None
        if keep:
            from lockmigrate.cli import kept

            try:
                code = kept.replay(arguments[1:])
            except BrokenPipeError:  # as below
                return int(ExitCode.FINDINGS)
            if code is not None:
                return code
        from lockmigrate.cli import diff_run

        read = diff_run.read_arguments(arguments[1:])
        if read is None:
            return None
        if keep:
            recorder = kept.Recorder.start(arguments[1:])
        try:
            diff_run.run(read)
        except BrokenPipeError:  # `lockmigrate diff | head`: as click ends it
            if recorder is not None:
                recorder.abandon()
            return int(ExitCode.FINDINGS)
        except FindingsError as error:  # main prints it; a replay prints it the same way
            if recorder is not None:
                recorder.finish(int(error.exit_code), f"lockmigrate: error: {error}\n")
            raise
        except BaseException:
            if recorder is not None:
                recorder.abandon()
            raise
        if recorder is not None:
            recorder.finish(int(ExitCode.OK))
        return int(ExitCode.OK)
    finally:
        if collecting:
            gc.enable()


def _check(arguments: list[str]) -> int:
    """``lockmigrate check``, what a pre-commit hook runs on every commit: read without typer
    when its options are in plain forms. The cyclic garbage collector is paused meanwhile, as
    for ``scan``: a check whose locks are trusted by their digests is mostly start-up, whose
    modules and files stay alive to the end, and the collector would walk them again and
    again to find no cycle worth collecting (a check that re-resolves or imports spends its
    time waiting for its subprocesses). Its state is put back."""
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        from lockmigrate.cli import check_run

        read_check = check_run.read_arguments(arguments[1:])
        if read_check is not None:
            return check_run.run(read_check)
        return _run_typer(arguments)
    finally:
        if collecting:
            gc.enable()


def _report_bad_input(error: InputError) -> None:
    """Every bad line, each as ``lockmigrate: error: file:line: what is wrong`` with the
    line below it; a count at the end when there are several."""
    problems = error.problems
    for problem in problems:
        sys.stderr.write(f"lockmigrate: error: {problem}\n")
    if len(problems) > 1:
        files = {problem.origin.path for problem in problems if problem.origin is not None}
        where = f" in {len(files)} files" if len(files) > 1 else ""
        sys.stderr.write(f"lockmigrate: {len(problems)} errors{where}\n")


def _on_interrupt() -> dict[int, Any]:
    """Ctrl-C (SIGINT) and a cancelled CI job (SIGTERM) say at once that lockmigrate is
    stopping, then raise :class:`KeyboardInterrupt`: the resolvers are ended
    (:func:`lockmigrate.resolve.stop_all`), scratch trees removed, nothing is written, and
    the run exits 130. A second signal while it stops is ignored: stopping takes under a
    second, and an interrupt in the middle of it could leave a resolver running or a file
    half put back. Returns the handlers it replaced (for :func:`_restore`)."""
    import signal

    stopping: list[int] = []

    def interrupt(signum: int, frame: object) -> None:
        if stopping:
            return
        stopping.append(signum)
        what = "interrupted" if signum == signal.SIGINT else "terminated"
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"lockmigrate: {what}: stopping, no file is changed ...\n")
            sys.stderr.flush()
        raise KeyboardInterrupt

    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, interrupt)
        except ValueError:  # only the main thread may (lockmigrate used as a library)
            return previous
    return previous


def _restore(previous: dict[int, Any]) -> None:
    import signal

    for signum, handler in previous.items():
        # None: a handler set outside Python, which cannot be put back; the default then
        signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def _run_typer(arguments: list[str]) -> int:
    """``arguments`` read and run by the typer application; a :class:`LockmigrateError` or
    an interrupt is left to :func:`main`."""
    import typer

    from lockmigrate.cli.application import app_for

    try:
        app = app_for(arguments)
        result = app(args=arguments, prog_name="lockmigrate", standalone_mode=False)
    except typer.Exit as exit_:
        if exit_.exit_code == ExitCode.INTERRUPTED:  # typer's own form of Ctrl-C
            sys.stderr.write("lockmigrate: interrupted; no file was changed\n")
        return int(exit_.exit_code)
    except typer.Abort:
        raise KeyboardInterrupt from None
    except SystemExit as exit_:  # typer ends a run whose reader left early with sys.exit(1)
        code = exit_.code
        return int(ExitCode.OK) if code is None else code if isinstance(code, int) else 1
    except LockmigrateError:
        raise
    except Exception as error:
        # typer's usage errors (its own copy of click's ClickException): print them the way
        # typer would, with exit code 2. Anything else is a bug and keeps its traceback.
        show = getattr(error, "show", None)
        if callable(show) and isinstance(getattr(error, "exit_code", None), int):
            show()
            return int(ExitCode.BAD_INPUT)
        raise
    if result == ExitCode.INTERRUPTED:  # typer turns Ctrl-C into a plain exit code
        sys.stderr.write("lockmigrate: interrupted; no file was changed\n")
    return result if isinstance(result, int) else int(ExitCode.OK)
