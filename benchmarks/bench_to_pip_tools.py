"""How long ``lockmigrate to-pip-tools`` takes against running pip-compile by hand (issue 3).

Two inputs, each with three services of a ``requirements-prod.txt`` and a
``requirements-dev.txt`` that starts with ``-r requirements-prod.txt`` (six files):

- ``adr``: ``examples/adr`` resolved against the real index (pypi.org, or whatever the machine's
  DNS and proxy make of it). The machine's pip and uv configuration is kept out:
  every ``PIP_*``, ``UV_*`` and ``POETRY_*`` variable is dropped (``PIP_FIND_LINKS``,
  ``PIP_INDEX_URL``...), ``PIP_CONFIG_FILE=/dev/null`` makes pip read no ``pip.conf``, and
  ``UV_NO_CONFIG=1`` makes uv read no ``uv.toml``. Network proxies are left as they are.
- ``local``: ``tests/fixtures/pip_tools/three-services`` resolved against the local test index
  of real wheels (``tests/index``, ``LocalIndex`` on 127.0.0.1; nothing else is reachable).

Contenders, alternating within each round, each run on a fresh copy of the input:

1. ``lockmigrate to-pip-tools COPY`` (the pip-tools backend);
2. ``lockmigrate to-pip-tools --resolver uv COPY``;
3. by hand: the ``.in`` files lockmigrate writes (generated once, before timing), then
   ``python -m piptools compile <lockmigrate's flags> --output-file X.txt X.in`` once per file,
   sequentially, prod before dev, in each service folder, as a person would. The wall time of
   the whole loop is timed;
4. uv by hand: the same loop with ``uv pip compile <lockmigrate's flags>`` (the uv binary,
   in the activated virtual environment: ``VIRTUAL_ENV`` names it).

All four share one cache folder per input (pip's, pip-compile's and uv's caches), filled by one
untimed warm-up run of each, so every contender runs warm and none gets a cache the others lack.

Targets (issue 3), on medians: lockmigrate (pip-tools) at most 0.7x the hand loop, and
lockmigrate (uv) at most 0.15x the hand loop; (issue 13) lockmigrate (uv) at most 1.3x uv by
hand.

Every timed run is checked: lockmigrate must exit 0 and leave six pip-compile locks, each beside
a ``.in`` identical to the one the hand loop compiles.

    python benchmarks/bench_to_pip_tools.py [--only adr|local] [--rounds N] [--warmup N]
                                            [--keep DIR] [--timeline]

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from _harness import Contender, executable, time_alternating, verdict

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the local index lives in tests/index

from index.environment import scrubbed_env  # noqa: E402
from index.server import LocalIndex  # noqa: E402

from lockmigrate.resolve import Backend, CompileJob, CompileOptions, resolver_argv  # noqa: E402

TARGET_PIP_TOOLS = 0.7  # lockmigrate (pip-tools) median / hand median
TARGET_UV = 0.15  # lockmigrate (uv) median / hand median
TARGET_UV_HAND = 1.3  # lockmigrate (uv) median / uv by hand median (issue 13)
ROLES = ("prod", "dev")  # the order a person compiles them in: dev is layered on prod's lock

LM_PIP_TOOLS = "lockmigrate (pip-tools)"
LM_UV = "lockmigrate (uv)"
HAND = "by hand (pip-compile x6)"
HAND_UV = "by hand (uv pip compile x6)"

_PIN_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)
_RANGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\[\],-]*\s*~=", re.MULTILINE)


@dataclass(kw_only=True)
class Case:
    """One input: where it is, how many rounds, and the environment its tools run in."""

    name: str
    source: Path
    rounds: int
    describe: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def services(self) -> list[str]:
        return sorted(
            p.parent.name for p in self.source.glob("*/requirements-prod.txt") if p.is_file()
        )


# -- the runs ---------------------------------------------------------------------------------


class Workspace:
    """Fresh copies of the input, one folder per run; only the last run of a contender stays."""

    def __init__(self, root: Path, case: Case) -> None:
        self.root = root / case.name
        self.case = case
        self.count = 0
        self.last: dict[str, Path] = {}

    def fresh(self, label: str, template: Path | None = None) -> Path:
        self.count += 1
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        target = self.root / f"{self.count:03d}-{slug}" / self.case.source.name
        shutil.copytree(template or self.case.source, target)
        previous = self.last.get(label)
        if previous is not None:
            shutil.rmtree(previous.parent, ignore_errors=True)
        self.last[label] = target
        return target


def run_checked(argv: list[str], *, cwd: Path | None, env: dict[str, str]) -> None:
    completed = subprocess.run(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    if completed.returncode != 0:
        sys.exit(
            f"{' '.join(argv)} (in {cwd or Path.cwd()}) exited {completed.returncode}:\n"
            + (completed.stderr or completed.stdout).decode(errors="replace")[-4000:]
        )


def check_locks(tree: Path, case: Case, ins: dict[str, bytes], who: str) -> None:
    """Six locks (one per service and role), each beside the ``.in`` the hand loop compiles."""
    problems: list[str] = []
    for service in case.services:
        for role in ROLES:
            lock = tree / service / f"requirements-{role}.txt"
            source = tree / service / f"requirements-{role}.in"
            key = f"{service}/requirements-{role}.in"
            text = lock.read_text(encoding="utf-8") if lock.is_file() else ""
            if "autogenerated" not in text or not _PIN_RE.search(text) or _RANGE_RE.search(text):
                problems.append(f"{lock} is not a lock of exact pins")
            if not source.is_file() or source.read_bytes() != ins[key]:
                problems.append(f"{source} is missing or differs from the hand loop's")
    if len(case.services) * len(ROLES) != 6:
        problems.append(f"expected 3 services x prod+dev, found services {case.services}")
    if problems:
        sys.exit(f"{who} on {case.name}: " + "; ".join(problems))


def pins(tree: Path, case: Case) -> dict[str, dict[str, str]]:
    return {
        f"{service}/requirements-{role}.txt": dict(
            _PIN_RE.findall((tree / service / f"requirements-{role}.txt").read_text("utf-8"))
        )
        for service in case.services
        for role in ROLES
    }


def generate_ins(case: Case, work: Workspace, lockmigrate: str) -> tuple[Path, dict[str, bytes]]:
    """The ``.in`` files lockmigrate writes, in a tree with no ranged ``.txt`` left.

    Generated with the uv backend because it is quick: the ``.in`` is the source file as
    written plus the layering, whatever the resolver. Every timed lockmigrate run is checked
    to write the very same bytes.
    """
    tree = work.fresh("in-files")
    run_checked(
        [lockmigrate, "to-pip-tools", "--resolver", "uv", str(tree)], cwd=None, env=case.env
    )
    template = work.root / "hand-template" / case.source.name
    ins: dict[str, bytes] = {}
    for service in case.services:
        (template / service).mkdir(parents=True)
        for role in ROLES:
            name = f"requirements-{role}.in"
            content = (tree / service / name).read_bytes()
            (template / service / name).write_bytes(content)
            ins[f"{service}/{name}"] = content
    return template, ins


def contenders(
    case: Case,
    work: Workspace,
    template: Path,
    ins: dict[str, bytes],
    per_file: dict[str, list[float]],
) -> list[Contender]:
    lockmigrate = executable("lockmigrate")

    def migrate(label: str, *extra: str) -> Callable[[], None]:
        def run() -> None:
            tree = work.fresh(label)
            run_checked([lockmigrate, "to-pip-tools", *extra, str(tree)], cwd=None, env=case.env)
            check_locks(tree, case, ins, label)

        return run

    # The environment lockmigrate gives pip-compile
    # (lockmigrate.resolve.compile.resolver_environment), so the hand loop runs under the
    # same settings.
    hand_env = {**case.env, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    hand_env["NO_COLOR"] = "1"
    hand_env.pop("CUSTOM_COMPILE_COMMAND", None)

    def by_hand() -> None:
        tree = work.fresh(HAND, template)
        for service in case.services:
            for role in ROLES:
                argv = resolver_argv(
                    CompileJob(
                        workdir=".",
                        input=f"requirements-{role}.in",
                        output=f"requirements-{role}.txt",
                    ),
                    CompileOptions(),
                )
                start = time.perf_counter()
                run_checked(argv, cwd=tree / service, env=hand_env)
                per_file.setdefault(f"{service}/requirements-{role}.txt", []).append(
                    time.perf_counter() - start
                )
        check_locks(tree, case, ins, HAND)

    # A person running uv by hand does so in an activated virtual environment: uv resolves
    # for its interpreter (VIRTUAL_ENV), as lockmigrate names its own (UV_PYTHON).
    uv_env = {**hand_env, "VIRTUAL_ENV": sys.prefix, "UV_INDEX_STRATEGY": "unsafe-best-match"}
    uv_env.pop("UV_CUSTOM_COMPILE_COMMAND", None)
    if "PIP_INDEX_URL" in uv_env and "UV_DEFAULT_INDEX" not in uv_env:
        uv_env["UV_INDEX_URL"] = uv_env["PIP_INDEX_URL"]

    def uv_by_hand() -> None:
        tree = work.fresh(HAND_UV, template)
        for service in case.services:
            for role in ROLES:
                argv = resolver_argv(
                    CompileJob(
                        workdir=".",
                        input=f"requirements-{role}.in",
                        output=f"requirements-{role}.txt",
                    ),
                    CompileOptions(backend=Backend.UV),
                )
                run_checked(argv, cwd=tree / service, env=uv_env)
        check_locks(tree, case, ins, HAND_UV)

    return [
        Contender(label=LM_PIP_TOOLS, run=migrate(LM_PIP_TOOLS)),
        Contender(label=LM_UV, run=migrate(LM_UV, "--resolver", "uv")),
        Contender(label=HAND, run=by_hand),
        Contender(label=HAND_UV, run=uv_by_hand),
    ]


# -- reporting --------------------------------------------------------------------------------


def table(timings: dict[str, list[float]], hand: str) -> dict[str, float]:
    medians = {label: statistics.median(runs) for label, runs in timings.items()}
    width = max(len(label) for label in timings)
    print(f"  {'':{width}}  {'median':>9}  {'min':>9}  {'max':>9}  runs  vs hand")
    for label, runs in timings.items():
        ratio = medians[label] / medians[hand]
        print(
            f"  {label:{width}}  {medians[label]:8.2f}s  {min(runs):8.2f}s  {max(runs):8.2f}s"
            f"  {len(runs):4d}  {ratio:6.3f}x"
        )
    return medians


def schedule_bound(case: Case, per_file: dict[str, list[float]], cores: int) -> None:
    """What perfect parallel scheduling of the hand loop's own compiles could reach."""
    if not per_file:
        return
    median = {key: statistics.median(values) for key, values in per_file.items()}
    total = sum(median.values())
    chains = {
        service: sum(median[f"{service}/requirements-{role}.txt"] for role in ROLES)
        for service in case.services
    }
    longest = max(chains.values())
    bound = max(longest, total / cores)
    print("  hand loop, median per pip-compile run:")
    for key, seconds in median.items():
        print(f"    {key:50} {seconds:7.2f}s")
    print(
        f"  sum {total:.2f}s; longest prod->dev chain {longest:.2f}s; with {cores} cores a"
        f" perfect schedule of these same runs needs >= {bound:.2f}s ({bound / total:.2f}x),"
        " if running them side by side did not slow each one down"
    )


@contextmanager
def patched_environ(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def timeline(case: Case, work: Workspace) -> None:
    """One in-process run per backend, printing when each pip-compile/uv subprocess ran."""
    for backend in (Backend.PIP_TOOLS, Backend.UV):
        _timeline_one(case, work, backend)


def _timeline_one(case: Case, work: Workspace, backend: Backend) -> None:
    from lockmigrate import api, pipconfig

    tree = work.fresh(f"timeline-{backend.value}")
    starts: dict[str, float] = {}
    spans: list[tuple[str, float, float]] = []
    origin = time.perf_counter()

    def progress(shown: str, state: str) -> None:
        now = time.perf_counter() - origin
        if state == "compiling":
            starts[shown] = now
        else:
            spans.append((shown, starts[shown], now))

    cpu_before = os.times()
    with patched_environ(case.env):
        # pip's settings may be cached per process, and the two inputs' environments differ
        for value in vars(pipconfig).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
        api.to_pip_tools([tree], options=CompileOptions(backend=backend), progress=progress)
    wall = time.perf_counter() - origin
    cpu_after = os.times()
    children = (cpu_after.children_user - cpu_before.children_user) + (
        cpu_after.children_system - cpu_before.children_system
    )
    busy = sum(end - begin for _, begin, end in spans)
    print(f"  timeline, {backend.value} backend (in-process api.to_pip_tools, nothing written):")
    for shown, begin, end in sorted(spans, key=lambda span: span[1]):
        print(
            f"    {Path(shown).resolve().relative_to(tree.resolve()).as_posix():50}"
            f" {begin:7.2f}s -> {end:7.2f}s  ({end - begin:6.2f}s)"
        )
    first = min(begin for _, begin, _ in spans)
    last = max(end for _, _, end in spans)
    print(
        f"    wall {wall:.2f}s: {first:.2f}s before the first compile starts, {wall - last:.2f}s"
        f" after the last ends; {busy / (last - first):.2f} compiles running on average;"
        f" resolver CPU {children:.1f}s ({children / wall:.2f} cores busy)"
    )


# -- main -------------------------------------------------------------------------------------


def bench(case: Case, root: Path, *, warmup: int, show_timeline: bool) -> bool:
    print(f"\n== {case.name}: {case.describe}")
    print(f"   {len(case.services)} services x prod+dev: {', '.join(case.services)}")
    work = Workspace(root, case)
    lockmigrate = executable("lockmigrate")
    started = time.perf_counter()
    template, ins = generate_ins(case, work, lockmigrate)
    per_file: dict[str, list[float]] = {}
    runners = contenders(case, work, template, ins, per_file)
    timings = time_alternating(runners, rounds=case.rounds, warmup=warmup)
    if warmup:  # the warm-up runs of the hand loop are not part of the per-file medians
        for values in per_file.values():
            del values[:warmup]
    print(
        f"   {case.rounds} rounds after {warmup} warm-up run(s) each,"
        f" {time.perf_counter() - started:.0f}s in all; load average now"
        f" {os.getloadavg()[0]:.2f}"
    )
    medians = table(timings, HAND)
    same = pins(work.last[LM_PIP_TOOLS], case) == pins(work.last[HAND], case)
    print(
        "  pins of the last lockmigrate (pip-tools) run and the last hand run: "
        + ("identical" if same else "DIFFERENT (the index moved between runs?)")
    )
    schedule_bound(case, per_file, os.cpu_count() or 1)
    if show_timeline:
        timeline(case, work)
    ratio_pip_tools = medians[LM_PIP_TOOLS] / medians[HAND]
    ratio_uv = medians[LM_UV] / medians[HAND]
    pip_tools_ok = verdict(
        f"{case.name}: lockmigrate (pip-tools) {ratio_pip_tools:.3f}x the hand loop"
        f" (target <= {TARGET_PIP_TOOLS}x)",
        ok=ratio_pip_tools <= TARGET_PIP_TOOLS,
    )
    uv_ok = verdict(
        f"{case.name}: lockmigrate (uv) {ratio_uv:.3f}x the hand loop (target <= {TARGET_UV}x)",
        ok=ratio_uv <= TARGET_UV,
    )
    ratio_uv_hand = medians[LM_UV] / medians[HAND_UV]
    uv_hand_ok = verdict(
        f"{case.name}: lockmigrate (uv) {ratio_uv_hand:.3f}x uv pip compile by hand"
        f" (target <= {TARGET_UV_HAND}x)",
        ok=ratio_uv_hand <= TARGET_UV_HAND,
    )
    return pip_tools_ok and uv_ok and uv_hand_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=("adr", "local"), help="run one input only")
    parser.add_argument(
        "--rounds", type=int, help="timed runs per contender (default: 3 on adr, 5 on local)"
    )
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs each (default: 1)")
    parser.add_argument("--keep", type=Path, help="work in DIR and leave it there (copies, caches)")
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="after timing, show when each resolver subprocess ran inside one lockmigrate run",
    )
    args = parser.parse_args()
    if args.warmup < 1:
        parser.error("--warmup must be at least 1: the comparison is between warm caches")

    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {cores} cores;"
        f" load average {load:.2f} at start"
    )
    if load > cores / 2:
        print(
            f"  warning: the machine is busy (load {load:.2f} on {cores} cores): lockmigrate's"
            " parallel compiles have fewer idle cores to use; the figures will be pessimistic"
        )

    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-to-pip-tools-"))
    root.mkdir(parents=True, exist_ok=True)
    ok = True
    try:
        if args.only in (None, "adr"):
            env = scrubbed_env(cache_dir=root / "cache-adr", block_network=False)
            env.pop("PYTHONDONTWRITEBYTECODE", None)  # as _harness.child_env, see README
            case = Case(
                name="adr",
                source=REPO / "examples" / "adr",
                rounds=args.rounds or 3,
                describe="examples/adr against the real index (no pip.conf, no PIP_*/UV_*)",
                env=env,
            )
            ok = bench(case, root, warmup=args.warmup, show_timeline=args.timeline) and ok
        if args.only in (None, "local"):
            with LocalIndex() as index:
                env = index.env(cache_dir=root / "cache-local")
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                case = Case(
                    name="local",
                    source=REPO / "tests" / "fixtures" / "pip_tools" / "three-services",
                    rounds=args.rounds or 5,
                    describe=f"three-services fixture against the local test index {index.url}",
                    env=env,
                )
                ok = bench(case, root, warmup=args.warmup, show_timeline=args.timeline) and ok
                if index.errors:
                    sys.exit("the local index failed:\n" + "\n".join(index.errors))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
