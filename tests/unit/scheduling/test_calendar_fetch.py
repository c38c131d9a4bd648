"""The calendar fetcher's guards (integrations/calendar_fetch.py) against a local server: schemes,
private and loopback addresses checked after DNS resolution and on every redirect hop, the
redirect limit, the size limit, timeouts, and that the checked address is the one connected to."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.support.calendars import CalendarServer, ics
from tutorhub.integrations import calendar_fetch
from tutorhub.integrations.calendar_fetch import CalendarFetchError, fetch_calendar, is_public_address

BODY = ics("UID:a\nDTSTAMP:20270101T000000Z\nDTSTART:20270105T100000Z\nDTEND:20270105T110000Z")


@pytest.fixture
def server():
    srv = CalendarServer()
    yield srv
    srv.close()


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.5.5.5", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1",
    "0.0.0.0", "::1", "::", "fe80::1", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "ff02::1",
])
def test_private_loopback_and_special_addresses_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_internet_addresses_are_public(address):
    assert is_public_address(address)


def test_a_host_name_that_resolves_to_loopback_is_refused_before_connecting(server):
    url = server.serve("/c.ics", BODY).replace("127.0.0.1", "calendar.example.test")
    with pytest.raises(CalendarFetchError, match="private network"):
        fetch_calendar(url, allow_http=True, resolver=lambda host, port: ["127.0.0.1"])
    with pytest.raises(CalendarFetchError, match="private network"):  # one bad answer among good ones is enough
        fetch_calendar(url, allow_http=True, resolver=lambda host, port: ["93.184.216.34", "10.0.0.5"])
    with pytest.raises(CalendarFetchError, match="private network"):  # the system resolver, literal address
        fetch_calendar(server.url("/c.ics"), allow_http=True)
    assert server.requests == []


def test_the_development_setting_allows_loopback(server):
    result = fetch_calendar(server.serve("/c.ics", BODY), allow_http=True, allow_private=True)
    assert result.body == BODY.encode() and result.etag and not result.not_modified


def test_http_only_when_allowed(server):
    with pytest.raises(CalendarFetchError, match="https"):
        fetch_calendar(server.serve("/c.ics", BODY), allow_private=True)
    for bad in ("ftp://example.com/x.ics", "file:///etc/passwd", "https:///nohost", "gopher://x"):
        with pytest.raises(CalendarFetchError):
            fetch_calendar(bad, allow_http=True, allow_private=True)


@pytest.fixture
def pretend_public(monkeypatch):
    """127.0.0.1 plays a public server (the one this test runs); every other private address stays private."""
    real = calendar_fetch.is_public_address
    monkeypatch.setattr(calendar_fetch, "is_public_address", lambda a: a == "127.0.0.1" or real(a))
    names = {"good.test": ["127.0.0.1"], "evil.test": ["10.0.0.1"]}
    return lambda host, port: names.get(host) or calendar_fetch.resolve_host(host, port)


def test_every_redirect_hop_is_checked_again(server, pretend_public):
    port = server.port
    server.serve("/to-evil", "", status=302, location=f"http://evil.test:{port}/c.ics")
    server.serve("/to-metadata", "", status=307, location="http://169.254.169.254/latest/meta-data/")
    server.serve("/to-good", "", status=301, location="/c.ics")
    server.serve("/c.ics", BODY)
    for path in ("/to-evil", "/to-metadata"):
        with pytest.raises(CalendarFetchError, match="private network"):
            fetch_calendar(f"http://good.test:{port}{path}", allow_http=True, resolver=pretend_public)
    assert [p for p, _ in server.requests] == ["/to-evil", "/to-metadata"]  # the second hops never left
    result = fetch_calendar(f"http://good.test:{port}/to-good", allow_http=True, resolver=pretend_public)
    assert result.body == BODY.encode() and result.final_url.endswith("/c.ics")
    assert server.requests[-1][1]["host"] == f"good.test:{port}"  # connected by address, named by host


def test_redirects_are_limited(server):
    for i in range(5):
        server.serve(f"/r{i}", "", status=302, location=f"/r{i + 1}")
    server.serve("/r5", BODY)
    server.serve("/r2b", "", status=302, location="/r5")
    with pytest.raises(CalendarFetchError, match="redirected more than 3"):
        fetch_calendar(server.url("/r0"), allow_http=True, allow_private=True)
    assert fetch_calendar(server.url("/r4"), allow_http=True, allow_private=True).body == BODY.encode()


def test_the_size_limit_holds_with_and_without_a_declared_length(server):
    url = server.serve("/big.ics", "X" * 5000)
    with pytest.raises(CalendarFetchError, match="larger than"):
        fetch_calendar(url, allow_http=True, allow_private=True, max_bytes=4000)
    undeclared = server.serve("/undeclared.ics", "X" * 50_000, declare_length=False)
    with pytest.raises(CalendarFetchError, match="larger than 4 KB"):
        fetch_calendar(undeclared, allow_http=True, allow_private=True, max_bytes=4096)
    assert fetch_calendar(undeclared, allow_http=True, allow_private=True, max_bytes=50_000).body == b"X" * 50_000


def test_a_slow_server_times_out(server, monkeypatch):
    monkeypatch.setattr(calendar_fetch, "READ_TIMEOUT", 0.3)
    url = server.serve("/slow.ics", BODY, delay=1.5)
    with pytest.raises(CalendarFetchError, match="in time"):
        fetch_calendar(url, allow_http=True, allow_private=True)


def test_conditional_requests_and_error_statuses(server):
    url = server.serve("/c.ics", BODY)
    first = fetch_calendar(url, allow_http=True, allow_private=True)
    again = fetch_calendar(url, etag=first.etag, last_modified="Tue, 01 Jun 2027 10:00:00 GMT",
                           allow_http=True, allow_private=True)
    assert again.not_modified and server.requests[-1][1]["if-none-match"] == first.etag
    assert server.requests[-1][1]["if-modified-since"] == "Tue, 01 Jun 2027 10:00:00 GMT"
    with pytest.raises(CalendarFetchError, match="HTTP 404"):
        fetch_calendar(server.url("/nothing"), allow_http=True, allow_private=True)
    with pytest.raises(CalendarFetchError, match="could not be reached"):
        port = server.port
        server.close()
        fetch_calendar(f"http://127.0.0.1:{port}/c.ics", allow_http=True, allow_private=True)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed to make a test certificate")
def test_https_connects_to_the_checked_address_and_verifies_the_real_name(tmp_path):
    """The address is pinned, yet TLS still sends the host name (SNI) and checks the certificate for it."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=calhost.test", "-addext", "subjectAltName=DNS:calhost.test"],
                   check=True, capture_output=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = BODY.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    trust = ssl.create_default_context(cafile=str(cert))
    loopback = lambda host, port: ["127.0.0.1"]  # noqa: E731
    try:
        result = fetch_calendar(f"https://calhost.test:{port}/c.ics", allow_private=True, resolver=loopback,
                                transport=httpx.HTTPTransport(verify=trust))
        assert result.body == BODY.encode()
        with pytest.raises(CalendarFetchError):  # same address, another name: the certificate does not match
            fetch_calendar(f"https://other.test:{port}/c.ics", allow_private=True, resolver=loopback,
                           transport=httpx.HTTPTransport(verify=trust))
    finally:
        server.shutdown()
        server.server_close()
