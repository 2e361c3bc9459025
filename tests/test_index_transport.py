"""pip's network behaviour in ``lockmigrate diff`` (:mod:`lockmigrate.index.transport`), against
real servers on 127.0.0.1 (``tests/index/scripted.py``, ``tests/index/server.py``):

* pip's configuration read as pip 26.3's own option parser reads it (pip is the oracle);
* TLS: ``--cert``, the OS trust store (truststore; ``SSL_CERT_FILE`` on Linux), the CA bundle
  variables as requests lets them win, ``legacy-certs``, trusted hosts, client certificates;
* proxies: HTTP forwarding and CONNECT, ``--proxy``, ``NO_PROXY`` with a CIDR range (requests'
  rules, checked against pip's vendored requests), SOCKS5 with and without remote DNS;
* retries (503 then 200, a reset connection then 200), timeouts, an unreachable origin;
* credentials: keyring after a 401 (in-process and through the ``keyring`` executable), the
  index URL's credentials for the same host, none sent to another host after a redirect;
* leniency: header lines ending in a bare LF, URLs with characters outside Latin-1;
* no credential in any row, message or cache file.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import trustme
from index.environment import scrubbed_env
from index.fixtures import LocalIndexFactory
from index.keyring_backend import EnvironmentKeyring
from index.scripted import JSON_TYPE, Proxy, Reply, Scripted, json_page
from index.server import LocalIndex

from lockmigrate.index import IndexSources, ProjectVersions, fetch_versions
from lockmigrate.index.transport import bypasses_proxy, select_proxy

TESTS = Path(__file__).resolve().parent
BLACK_HOLE = "http://127.0.0.1:9"  # nothing listens there: a request through it fails at once


def versions(found: ProjectVersions) -> list[str]:
    return [str(v.version) for v in found.versions]


def one_page(server: Scripted, **settings: object) -> ProjectVersions:
    """What ``fetch_versions`` says of project ``a`` on ``server``'s ``/simple/``."""
    sources = IndexSources(index_urls=(f"{server.url}/simple/",), **settings)  # type: ignore[arg-type]
    return fetch_versions(["a"], sources=sources)["a"]


# -- pip's configuration: pip's own option parser is the oracle ------------------------------------

_PIP_OPTIONS = """\
import json
from pip._internal.commands import create_command
options, _ = create_command("install").parse_args([])
names = ("timeout", "retries", "cert", "client_cert", "proxy", "no_proxy_env",
         "keyring_provider", "no_input", "deprecated_features_enabled")
print(json.dumps({name: getattr(options, name) for name in names}))
"""


@pytest.mark.parametrize(
    ("config", "variables"),
    [
        ("", {}),
        (
            "[global]\ntimeout = 4\ndefault-timeout = 9\nretries = 2\ncert = /etc/ca.pem\n"
            "[install]\nclient-cert = /etc/me.pem\nproxy = http://proxy.example:3128\n"
            "keyring-provider = subprocess\n",
            {},
        ),
        (
            "[global]\nretries = 7\nno-input = yes\n",
            {
                "PIP_TIMEOUT": "0",
                "PIP_RETRIES": "1",
                "PIP_NO_PROXY_ENV": "1",
                "PIP_KEYRING_PROVIDER": "import",
                "PIP_USE_DEPRECATED": "legacy-certs legacy-resolver",
                "PIP_NO_INPUT": "off",
            },
        ),
        ("[global]\nuse-deprecated = legacy-certs\n", {"PIP_DEFAULT_TIMEOUT": "2.5"}),
    ],
    ids=["defaults", "config-file", "environment", "legacy-certs"],
)
def test_network_settings_as_pip_reads_them(
    config: str, variables: dict[str, str], tmp_path: Path
) -> None:
    config_file = tmp_path / "pip.conf"
    config_file.write_text(config)
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIP_")},
        "PIP_CONFIG_FILE": str(config_file),
        "HOME": str(tmp_path),
        **variables,
    }
    done = subprocess.run(
        [sys.executable, "-c", _PIP_OPTIONS], capture_output=True, text=True, check=True,
        env=environ,
    )  # fmt: skip
    pip = json.loads(done.stdout)
    from lockmigrate.pipconfig import read_index_settings

    settings = read_index_settings(environ)
    mine = IndexSources.from_settings(settings, environ=environ)
    # pip sets no timeout at all for 0 (index_command.py: "if options.timeout")
    assert mine.timeout == (pip["timeout"] or None)
    assert mine.retries == pip["retries"]
    assert mine.cert == pip["cert"]
    assert mine.client_cert == pip["client_cert"]
    assert mine.proxy == pip["proxy"]
    assert mine.no_proxy_env == pip["no_proxy_env"]
    assert mine.keyring_provider == pip["keyring_provider"]
    assert settings.no_input == bool(pip["no_input"])
    # as lockmigrate runs pip-compile: PIP_NO_INPUT=1 unless the variable is set
    assert mine.no_input == (bool(pip["no_input"]) if "PIP_NO_INPUT" in variables else True)
    assert mine.legacy_certs == ("legacy-certs" in pip["deprecated_features_enabled"])


# -- TLS -------------------------------------------------------------------------------------------


@pytest.fixture
def tls_server(scripted: Callable[..., Scripted], certificate_authority: trustme.CA) -> Scripted:
    """An HTTPS index whose certificate the trustme CA signed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    return scripted({"/simple/a/": json_page("a-1.0.tar.gz")}, tls=context)


@pytest.fixture
def ca_file(certificate_authority: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(path))
    return path


def test_an_unknown_certificate_is_refused(tls_server: Scripted) -> None:
    found = one_page(tls_server, retries=0)
    assert "CERTIFICATE_VERIFY_FAILED" in (found.error or "")
    assert not found.versions


def test_pip_cert_is_trusted_beside_the_system_store(
    tls_server: Scripted, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_CERT", str(ca_file))
    sources = replace(IndexSources.from_pip(), index_urls=(f"{tls_server.url}/simple/",))
    assert sources.cert == str(ca_file)
    found = fetch_versions(["a"], sources=sources)["a"]
    assert found.error is None and versions(found) == ["1.0"]


def test_the_os_trust_store_is_used(
    tls_server: Scripted, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """truststore on Linux verifies with OpenSSL's default paths, which SSL_CERT_FILE sets:
    a CA installed in the system store is trusted without --cert, as pip (24.2+) trusts it."""
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    found = one_page(tls_server, retries=0)
    assert found.error is None and versions(found) == ["1.0"]
    # pip's --use-deprecated=legacy-certs: certifi's bundle alone, not the system's
    legacy = one_page(tls_server, retries=0, legacy_certs=True)
    assert "CERTIFICATE_VERIFY_FAILED" in (legacy.error or "")
    with_cert = one_page(tls_server, retries=0, legacy_certs=True, cert=str(ca_file))
    assert with_cert.error is None


def test_requests_ca_bundle_wins_over_pip_cert_as_in_pip(
    tls_server: Scripted, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip hands --cert to requests as the session's ``verify``; requests lets
    ``REQUESTS_CA_BUNDLE`` (or ``CURL_CA_BUNDLE``) override it unless pip turned the
    environment off (``--proxy``, ``--no-proxy-env``). Measured with pip 26.3."""
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    assert one_page(tls_server, retries=0, cert=str(other)).error is None
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(ca_file))  # requests reads the first one set
    assert "CERTIFICATE_VERIFY_FAILED" in (
        one_page(tls_server, retries=0, cert=str(ca_file)).error or ""
    )
    # with pip's --no-proxy-env, the variables are not read: --cert decides
    ignored = one_page(tls_server, retries=0, cert=str(ca_file), no_proxy_env=True)
    assert ignored.error is None


def test_a_trusted_host_is_not_verified(tls_server: Scripted) -> None:
    """pip does not check a --trusted-host's certificate (and silences urllib3's warning:
    pytest's warnings are errors here)."""
    found = one_page(tls_server, retries=0, trusted_hosts=("127.0.0.1",))
    assert found.error is None and versions(found) == ["1.0"]
    port = tls_server.url.rsplit(":", 1)[1]
    other_port = one_page(tls_server, retries=0, trusted_hosts=(f"127.0.0.1:{int(port) + 1}",))
    assert "CERTIFICATE_VERIFY_FAILED" in (other_port.error or "")


def test_a_client_certificate_the_server_requires(
    scripted: Callable[..., Scripted],
    certificate_authority: trustme.CA,
    ca_file: Path,
    tmp_path: Path,
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    context.verify_mode = ssl.CERT_REQUIRED
    certificate_authority.configure_trust(context)
    server = scripted({"/simple/a/": json_page("a-1.0.tar.gz")}, tls=context)
    without = one_page(server, retries=0, cert=str(ca_file))
    assert without.error and not without.versions
    client = tmp_path / "client.pem"  # pip's --client-cert: the key and the certificate
    certificate_authority.issue_cert(
        "lockmigrate@example.org"
    ).private_key_and_cert_chain_pem.write_to_path(str(client))
    found = one_page(server, retries=0, cert=str(ca_file), client_cert=str(client))
    assert found.error is None and versions(found) == ["1.0"]
    missing = one_page(server, retries=0, cert=str(ca_file), client_cert=str(tmp_path / "none.pem"))
    assert "client certificate" in (missing.error or "")


# -- proxies ---------------------------------------------------------------------------------------


def test_plain_http_is_forwarded_by_a_proxy(
    local_index: LocalIndex, http_proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", http_proxy.url)
    monkeypatch.setenv("no_proxy", "example.invalid")  # loopback no longer bypasses it
    found = fetch_versions(["numpy"], sources=IndexSources(index_urls=(local_index.url,)))
    assert found["numpy"].error is None and found["numpy"].versions
    assert http_proxy.seen == [f"GET {local_index.url}numpy/"]


def test_https_goes_through_a_connect_tunnel_with_proxy_credentials(
    tls_server: Scripted, ca_file: Path, http_proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = http_proxy.url.removeprefix("http://")
    monkeypatch.setenv("HTTPS_PROXY", f"http://proxy-user:proxy-s3cr3t@{address}")
    monkeypatch.setenv("https_proxy", f"http://proxy-user:proxy-s3cr3t@{address}")
    monkeypatch.setenv("NO_PROXY", "example.invalid")
    monkeypatch.setenv("no_proxy", "example.invalid")
    found = one_page(tls_server, retries=0, cert=str(ca_file))
    assert found.error is None and versions(found) == ["1.0"]
    assert http_proxy.seen == [f"CONNECT {tls_server.url.removeprefix('https://')}"]
    import base64

    assert http_proxy.authorizations == [
        "Basic " + base64.b64encode(b"proxy-user:proxy-s3cr3t").decode()
    ]


def test_an_https_proxy(
    local_index: LocalIndex,
    tls_server: Scripted,
    ca_file: Path,
    https_proxy: Proxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """TLS to the proxy itself (checked against the same certificates as the index), then
    plain HTTP forwarded, or a CONNECT tunnel with TLS to the index inside TLS."""
    monkeypatch.setenv("http_proxy", https_proxy.url)
    monkeypatch.setenv("https_proxy", https_proxy.url)
    monkeypatch.setenv("no_proxy", "example.invalid")
    sources = IndexSources(index_urls=(local_index.url,), retries=0, cert=str(ca_file))
    found = fetch_versions(["numpy"], sources=sources)["numpy"]
    assert found.error is None and found.versions
    tunnelled = one_page(tls_server, retries=0, cert=str(ca_file))
    assert tunnelled.error is None and versions(tunnelled) == ["1.0"]
    assert https_proxy.seen == [
        f"GET {local_index.url}numpy/",
        f"CONNECT {tls_server.url.removeprefix('https://')}",
    ]
    unknown = one_page(tls_server, retries=0)  # the proxy's certificate is not trusted
    assert "CERTIFICATE_VERIFY_FAILED" in (unknown.error or "")
    assert https_proxy.url.removeprefix("https://") in (unknown.error or "")


def test_pip_proxy_replaces_the_environment(
    local_index: LocalIndex, http_proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip's --proxy is used for every request, loopback included: requests reads neither
    the *_proxy variables nor no_proxy then. ``--proxy ""`` and --no-proxy-env go direct."""
    monkeypatch.setenv("http_proxy", BLACK_HOLE)
    monkeypatch.setenv("HTTP_PROXY", BLACK_HOLE)
    monkeypatch.setenv("no_proxy", "")
    monkeypatch.setenv("NO_PROXY", "")
    sources = IndexSources(index_urls=(local_index.url,), retries=0)
    assert fetch_versions(["numpy"], sources=sources)["numpy"].error  # the black hole
    proxied = IndexSources(index_urls=(local_index.url,), retries=0, proxy=http_proxy.url)
    assert fetch_versions(["numpy"], sources=proxied)["numpy"].versions
    assert http_proxy.seen == [f"GET {local_index.url}numpy/"]
    for direct in (
        IndexSources(index_urls=(local_index.url,), retries=0, proxy=""),
        IndexSources(index_urls=(local_index.url,), retries=0, no_proxy_env=True),
    ):
        assert fetch_versions(["numpy"], sources=direct)["numpy"].versions
    assert len(http_proxy.seen) == 1


def test_no_proxy_with_a_cidr_range(
    local_index: LocalIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", BLACK_HOLE)
    monkeypatch.setenv("no_proxy", "pypi.internal.example, 127.0.0.0/8")
    sources = IndexSources(index_urls=(local_index.url,), retries=0)
    assert fetch_versions(["numpy"], sources=sources)["numpy"].versions
    monkeypatch.setenv("no_proxy", "10.0.0.0/8")
    assert "127.0.0.1:9" in (fetch_versions(["numpy"], sources=sources)["numpy"].error or "")


@pytest.mark.parametrize(
    "no_proxy",
    [
        "",
        "*",
        "127.0.0.0/8",
        "127.0.0.1/32",
        "127.0.0.2/32",
        "10.0.0.0/8,127.0.0.0/24",
        "127.0.0.0/0",
        "127.0.0.1",
        "pypi.org",
        ".pypi.org",
        "files.pypi.org:443",
        "ypi.org",
        "example.org, pypi.org",
        "pypi.org:8080",
        "localhost",
        "[::1]",
        "::1",
    ],
)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/simple/",
        "https://pypi.org/simple/",
        "https://files.pypi.org/x",
        "https://files.pypi.org:443/x",
        "http://pypi.org:8080/",
        "http://localhost/simple/",
        "http://[::1]:8080/simple/",
        "file:///srv/wheels",
    ],
)
def test_no_proxy_rules_are_requests_rules(
    url: str, no_proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pip._vendor.requests.utils import should_bypass_proxies  # pip 26.3's requests

    monkeypatch.setenv("no_proxy", no_proxy)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert bypasses_proxy(url, no_proxy) == should_bypass_proxies(url, no_proxy=None)


@pytest.mark.parametrize(
    "proxies",
    [
        {"http": "h", "https": "s", "all": "a"},
        {"all": "a"},
        {"https://pypi.org": "host", "https": "s"},
        {"all://pypi.org": "host", "all": "a"},
        {},
    ],
)
@pytest.mark.parametrize("url", ["https://pypi.org/simple/", "http://127.0.0.1/x", "file:///x"])
def test_proxy_selection_is_requests_selection(url: str, proxies: dict[str, str]) -> None:
    from pip._vendor.requests.utils import select_proxy as requests_select_proxy

    assert select_proxy(url, proxies) == requests_select_proxy(url, proxies)


@pytest.mark.parametrize(
    ("scheme", "asked_for"), [("socks5", "127.0.0.1"), ("socks5h", "localhost")]
)
def test_a_socks_proxy(
    local_index: LocalIndex,
    socks_proxy: Callable[..., Proxy],
    monkeypatch: pytest.MonkeyPatch,
    scheme: str,
    asked_for: str,
) -> None:
    """socks5 resolves the name here, socks5h lets the proxy resolve it (urllib3's SOCKS
    support, with PySocks; lockmigrate[socks])."""
    pytest.importorskip("socks")
    proxy = socks_proxy(credentials=("sock-user", "sock-s3cr3t"))
    monkeypatch.setenv("all_proxy", f"{scheme}://sock-user:sock-s3cr3t@{proxy.url}")
    monkeypatch.delenv("http_proxy")
    monkeypatch.delenv("HTTP_PROXY")
    monkeypatch.setenv("no_proxy", "example.invalid")
    monkeypatch.setenv("NO_PROXY", "example.invalid")
    url = local_index.url.replace("127.0.0.1", "localhost")
    found = fetch_versions(["numpy"], sources=IndexSources(index_urls=(url,), retries=0))
    assert found["numpy"].error is None and found["numpy"].versions
    port = url.split(":")[2].split("/")[0]
    assert proxy.seen == [f"{asked_for}:{port}"]
    assert proxy.authorizations == ["sock-user:sock-s3cr3t"]


def test_a_socks_proxy_without_pysocks_says_what_to_install(
    local_index: LocalIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "socks", None)  # as if PySocks were not installed
    monkeypatch.setenv("http_proxy", "socks5://user:sock-s3cr3t@127.0.0.1:1080")
    monkeypatch.setenv("no_proxy", "example.invalid")
    found = fetch_versions(["numpy"], sources=IndexSources(index_urls=(local_index.url,)))
    error = found["numpy"].error or ""
    assert "socks5://user:****@127.0.0.1:1080" in error
    assert "PySocks" in error and "lockmigrate[socks]" in error
    assert "sock-s3cr3t" not in error


# -- retries, timeouts, unreachable origins --------------------------------------------------------


def _flaky(*first: Reply) -> Callable[..., Reply]:
    """A route that answers ``first`` in turn, then the page of ``a-1.0``."""
    pending = list(first)

    def answer(handler: object) -> Reply:
        return pending.pop(0) if pending else json_page("a-1.0.tar.gz")

    return answer


@pytest.mark.parametrize(
    "trouble",
    [Reply(status=503, body=b"busy"), Reply(reset=True), Reply(status=502), Reply(status=520)],
    ids=["503", "reset", "502", "520"],
)
def test_a_transient_failure_is_retried(scripted: Callable[..., Scripted], trouble: Reply) -> None:
    server = scripted({"/simple/a/": _flaky(trouble)})
    found = one_page(server)  # pip's default: 5 retries
    assert found.error is None and versions(found) == ["1.0"]
    assert server.paths() == ["/simple/a/", "/simple/a/"]


def test_retries_run_out(scripted: Callable[..., Scripted]) -> None:
    server = scripted(
        {"/simple/a/": Reply(status=503, body=b"down"), "/simple/b/": Reply(status=504)}
    )
    found = fetch_versions(
        ["a", "b"], sources=IndexSources(index_urls=(f"{server.url}/simple/",), retries=1)
    )
    assert "HTTP 503" in (found["a"].error or "")
    assert server.paths().count("/simple/a/") == 2  # the first attempt and one retry
    assert server.paths().count("/simple/b/") == 1  # 504 is not one of pip's retried statuses


def test_a_server_that_does_not_answer_in_time(scripted: Callable[..., Scripted]) -> None:
    server = scripted({"/simple/a/": Reply(delay=3, body=b"late")})
    started = time.monotonic()
    found = one_page(server, retries=0, timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert "timed out" in (found.error or "").lower()


def test_an_unreachable_index_is_not_dialled_for_every_page() -> None:
    """After its retries, every other page of an origin that cannot be reached fails at
    once with the same reason (pip, asking one page at a time, would wait each time)."""
    names = [f"p{n}" for n in range(24)]
    sources = IndexSources(index_urls=("http://127.0.0.1:9/simple/",), retries=2)
    started = time.monotonic()
    found = fetch_versions(names, sources=sources, workers=2)
    assert time.monotonic() - started < 3  # 12 rounds of 0.5 s back-off would be 6 s
    assert all("Connection refused" in (found[name].error or "") for name in names)


# -- credentials -----------------------------------------------------------------------------------


def test_credentials_from_keyring_after_a_401(
    local_index_factory: LocalIndexFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring.core

    private = local_index_factory(auth=("deploy", "k3yr1ng-s3cr3t"))
    backend = EnvironmentKeyring({private.url: ("deploy", "k3yr1ng-s3cr3t")})
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    sources = IndexSources(index_urls=(private.url,), keyring_provider="import", no_input=True)
    found = fetch_versions(["numpy", "pandas"], sources=sources)
    assert all(found[name].error is None and found[name].versions for name in found)
    assert backend.asked == [(private.url, None)]  # asked once, for the index URL
    # pip's "auto" asks keyring only while it may prompt: never with --no-input
    backend.asked.clear()
    auto = IndexSources(index_urls=(private.url,), no_input=True)
    assert "HTTP 401" in (fetch_versions(["numpy"], sources=auto)["numpy"].error or "")
    assert backend.asked == []
    interactive = IndexSources(index_urls=(private.url,), no_input=False)
    assert fetch_versions(["numpy"], sources=interactive)["numpy"].versions
    disabled = IndexSources(index_urls=(private.url,), keyring_provider="disabled")
    assert "HTTP 401" in (fetch_versions(["numpy"], sources=disabled)["numpy"].error or "")


def test_a_keyring_that_fails_is_named_on_the_row(
    local_index_factory: LocalIndexFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring.core

    class Locked(EnvironmentKeyring):
        def get_credential(self, service: str, username: str | None) -> None:
            raise RuntimeError("the keyring is locked")

    private = local_index_factory(auth=("deploy", "l0cked-s3cr3t"))
    monkeypatch.setattr(keyring.core, "_keyring_backend", Locked({}))
    sources = IndexSources(index_urls=(private.url,), keyring_provider="import")
    error = fetch_versions(["numpy"], sources=sources)["numpy"].error or ""
    assert "HTTP 401" in error and "the keyring is locked" in error


def test_credentials_from_the_keyring_executable(
    local_index_factory: LocalIndexFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip's ``subprocess`` provider: ``keyring --mode=creds --output=json get URL`` from
    PATH (the real keyring CLI, with the test backend)."""
    private = local_index_factory(auth=("deploy", "cl1-s3cr3t"))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "keyring"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m keyring "$@"\n')
    wrapper.chmod(0o755)
    log = tmp_path / "asked.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "index.keyring_backend.EnvironmentKeyring")
    monkeypatch.setenv(
        "TEST_KEYRING_CREDENTIALS", json.dumps({private.url: ["deploy", "cl1-s3cr3t"]})
    )
    monkeypatch.setenv("TEST_KEYRING_LOG", str(log))
    sources = IndexSources(index_urls=(private.url,), keyring_provider="subprocess")
    found = fetch_versions(["numpy"], sources=sources)["numpy"]
    assert found.error is None and found.versions
    assert log.read_text().splitlines() == [f"{private.url} None"]


def test_the_index_credentials_serve_its_host(local_index_factory: LocalIndexFactory) -> None:
    """As pip's MultiDomainBasicAuth: a page on the index's host without credentials of
    its own (here a --find-links page) is sent the index URL's."""
    private = local_index_factory(auth=("deploy", "h0st-s3cr3t"))
    sources = IndexSources(
        index_urls=(private.authenticated_url,), find_links=(f"{private.url}numpy/",)
    )
    found = fetch_versions(["numpy"], sources=sources)["numpy"]
    assert found.error is None and found.versions


def test_no_authorization_follows_a_redirect_to_another_host(
    scripted: Callable[..., Scripted],
) -> None:
    elsewhere = scripted({"/simple/a/": json_page("a-1.0.tar.gz")})
    index = scripted(
        {"/simple/a/": Reply(status=302, headers={"Location": f"{elsewhere.url}/simple/a/"})}
    )
    authenticated = index.url.replace("http://", "http://deploy:r3d1rect-s3cr3t@")
    found = fetch_versions(["a"], sources=IndexSources(index_urls=(f"{authenticated}/simple/",)))[
        "a"
    ]
    assert versions(found) == ["1.0"]
    assert "authorization" in index.seen[0][1]
    assert "authorization" not in elsewhere.seen[0][1]


def test_no_credential_in_rows_messages_or_the_cache(
    scripted: Callable[..., Scripted], tmp_path: Path
) -> None:
    secret = "t0ken-s3cr3t"
    server = scripted(
        {
            "/simple/a/": Reply(
                body=json_page("a-1.0.tar.gz").body,
                headers={"Content-Type": JSON_TYPE, "Cache-Control": "max-age=600"},
            ),
            "/simple/b/": Reply(status=500, body=secret.encode()),
            "/simple/c/": Reply(status=401),
        }
    )
    authenticated = server.url.replace("http://", f"http://deploy:{secret}@")
    unreachable = f"https://deploy:{secret}@127.0.0.1:9/simple/"
    sources = IndexSources(
        index_urls=(f"{authenticated}/simple/", unreachable, f"https://{secret}@bücher.invalid/"),
        find_links=(f"http://{secret}@127.0.0.1:9/links/",),
        trusted_hosts=("127.0.0.1:9",),
        retries=0,
    )
    found = fetch_versions(["a", "b", "c"], sources=sources, cache_dir=tmp_path)
    assert versions(found["a"]) == ["1.0"]
    assert all(found[name].error for name in "abc")
    assert secret not in repr(found)
    assert "deploy:****@127.0.0.1" in (found["a"].error or "")
    cached = sorted(path for path in tmp_path.rglob("*") if path.is_file())
    assert cached
    for path in cached:
        assert secret not in path.name
        assert secret.encode() not in path.read_bytes()
    # the same page asked without credentials reuses the entry: the key holds none
    again = fetch_versions(
        ["a"], sources=IndexSources(index_urls=(f"{server.url}/simple/",)), cache_dir=tmp_path
    )
    assert versions(again["a"]) == ["1.0"]
    assert server.paths().count("/simple/a/") == 1


def test_diff_shows_no_credential(scripted: Callable[..., Scripted], tmp_path: Path) -> None:
    secret = "d1ff-s3cr3t"
    server = scripted({"/simple/numpy/": Reply(status=503, body=secret.encode())})
    (tmp_path / "requirements.in").write_text("numpy~=1.26\n")
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n    # via -r requirements.in\n")
    index = server.url.replace("http://", f"http://deploy:{secret}@") + "/simple/"
    env = scrubbed_env(
        PIP_INDEX_URL=index, PIP_RETRIES="0", LOCKMIGRATE_CACHE_DIR=str(tmp_path / "cache")
    )
    for output in ("table", "json"):
        done = subprocess.run(
            [sys.executable, "-m", "lockmigrate", "diff", "--format", output, "--fail-on", ""],
            cwd=tmp_path, capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        assert done.returncode == 3, done.stderr
        assert "HTTP 503" in done.stdout + done.stderr
        assert secret not in done.stdout + done.stderr


# -- leniency --------------------------------------------------------------------------------------


def test_header_lines_ending_in_a_bare_line_feed(scripted: Callable[..., Scripted]) -> None:
    body = json_page("a-1.0.tar.gz").body
    raw = (
        b"HTTP/1.1 200 OK\nContent-Type: " + JSON_TYPE.encode() + b"\n"
        b"Content-Length: " + str(len(body)).encode() + b"\n\n" + body
    )
    server = scripted({"/simple/a/": Reply(raw=raw)})
    started = time.monotonic()
    found = one_page(server, timeout=5)
    assert found.error is None and versions(found) == ["1.0"]
    assert time.monotonic() - started < 2


def test_an_index_url_outside_latin_1(scripted: Callable[..., Scripted]) -> None:
    """Percent-encoded as UTF-8, as requests (inside pip) sends it."""
    server = scripted({"/simple-%C3%BC%E2%82%AC/a/": json_page("a-1.0.tar.gz")})
    found = fetch_versions(["a"], sources=IndexSources(index_urls=(f"{server.url}/simple-ü€/",)))[
        "a"
    ]
    assert found.error is None and versions(found) == ["1.0"]
    # a host name or password outside Latin-1 is an error row (or works), never an exception
    odd = IndexSources(
        index_urls=(
            "https://bücher€.invalid/simple/",
            f"{server.url.replace('//', '//ü:€@')}/simple-ü€/",
        ),
        retries=0,
    )
    assert versions(fetch_versions(["a"], sources=odd)["a"]) == ["1.0"]


# -- start-up --------------------------------------------------------------------------------------


def test_urllib3_is_imported_only_to_ask_an_index(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("numpy~=1.26\n")
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    script = (
        "import sys\n"
        "from lockmigrate.cli import main\n"
        "code = main(['diff', '--offline', '--format', 'json', '--fail-on', ''])\n"
        "print(code, 'urllib3' in sys.modules, 'truststore' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert done.stderr.splitlines()[-1] == "0 False False"
    help_run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lockmigrate", "--help"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "urllib3" not in help_run.stderr
