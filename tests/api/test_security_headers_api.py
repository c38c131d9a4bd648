"""Security headers and CORS on the single port (issue 11, defects 3 and 5).

Before the fix no answer carried any of these headers, and Reflex's default CORS (`*` with
credentials) echoed any Origin, `null` included: every test below failed on that code."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib

import pytest
from fastapi.testclient import TestClient
from reflex.app import App
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route

from tests.api.conftest import PDF_BYTES
from tutorhub.api.app import api
from tutorhub.api.security_headers import SecurityHeadersMiddleware
from tutorhub.settings import reset_settings

COMMON = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def _assert_common(res) -> None:
    for name, value in COMMON.items():
        assert res.headers.get(name) == value, (res.request.url, name)
    csp = res.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "camera=()" in res.headers["permissions-policy"]
    assert "strict-transport-security" not in res.headers  # http public URL


def test_json_404_and_401_answers_carry_the_headers(client):
    for path, status in (("/health", 200), ("/api/v1/me", 401), ("/api/v1/no-such-thing", 404)):
        res = client.get(path)
        assert res.status_code == status
        _assert_common(res)
        assert res.headers["content-security-policy"].startswith("default-src 'none'")
        assert "sandbox" in res.headers["content-security-policy"]


def test_file_downloads_carry_the_headers(client, as_role):
    _, headers = as_role("tutor")
    up = client.post("/api/v1/tutors/me/credentials", files={"file": ("d.pdf", PDF_BYTES, "application/pdf")},
                     headers=headers)
    assert up.status_code == 201, up.text
    res = client.get(f"/api/v1/files/credentials/{up.json()['id']}", headers=headers)
    assert res.status_code == 200 and res.content == PDF_BYTES
    _assert_common(res)
    assert "sandbox" in res.headers["content-security-policy"]  # an opened file never runs as our page


def test_camera_and_microphone_only_in_a_lesson_room(client):
    room = client.get("/lessons/42")
    assert "camera=(self)" in room.headers["permissions-policy"]
    assert "microphone=(self)" in room.headers["permissions-policy"]
    for path in ("/lessons", "/", "/tutors/3", "/api/v1/lessons/42"):
        policy = client.get(path).headers["permissions-policy"]
        assert "camera=()" in policy and "microphone=()" in policy, path


def test_hsts_only_when_the_public_url_is_https(client, monkeypatch):
    assert "strict-transport-security" not in client.get("/health").headers
    monkeypatch.setenv("TUTORHUB_PUBLIC_URL", "https://tutorhub.example")
    reset_settings()
    try:
        res = client.get("/health")
        assert res.headers["strict-transport-security"].startswith("max-age=")
    finally:
        monkeypatch.undo()
        reset_settings()


def _sha(script: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"


PAGE = b"""<!DOCTYPE html><html><head><script>window.a = 1;</script>
<script type="module" src="/assets/app.js"></script><script id="_R_">import("/assets/x.js");</script>
</head><body><p>hi</p><script>$RC("B:1","S:1")</script></body></html>"""


def _html_app(body: bytes, encoding: str | None = None) -> TestClient:
    async def page(request):
        headers = {"content-encoding": encoding} if encoding else {}
        return Response(body, media_type="text/html; charset=utf-8", headers=headers)

    async def big(request):
        return HTMLResponse("<script>x()</script>" + "a" * (3 * 1024 * 1024))

    app = Starlette(routes=[Route("/", page), Route("/big", big)])
    return TestClient(SecurityHeadersMiddleware(app))


@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_pages_allow_exactly_their_own_inline_scripts_by_hash(encoding):
    body = gzip.compress(PAGE) if encoding else PAGE
    res = _html_app(body, encoding).get("/", headers={"accept-encoding": "identity"})
    assert res.status_code == 200
    csp = res.headers["content-security-policy"]
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    for inline in (b"window.a = 1;", b'import("/assets/x.js");', b'$RC("B:1","S:1")'):
        assert _sha(inline) in script_src
    assert "'unsafe-inline'" not in script_src and script_src.count("sha256-") == 3
    assert "connect-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert res.headers["x-frame-options"] == "DENY"


def test_an_oversized_page_is_streamed_whole():
    res = _html_app(b"").get("/big")
    assert res.status_code == 200 and len(res.content) > 3 * 1024 * 1024
    assert "content-security-policy" in res.headers


def _with_reflex_cors() -> TestClient:
    """The API inside a Starlette app with CORS exactly as Reflex adds it (rxconfig's origins)."""
    outer = Starlette(routes=[Mount("", api)])
    App._add_cors(outer)
    return TestClient(outer)


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://localhost:3000.evil.example"])
def test_foreign_and_null_origins_get_no_cors_grant(origin):
    client = _with_reflex_cors()
    res = client.get("/health", headers={"Origin": origin})
    assert res.status_code == 200
    assert "access-control-allow-origin" not in res.headers  # (Allow-Credentials alone grants nothing)
    pre = client.options("/api/v1/me", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
    assert pre.headers.get("access-control-allow-origin") in (None, "")


def test_the_public_origin_gets_the_cors_grant():
    client = _with_reflex_cors()
    res = client.get("/health", headers={"Origin": "http://localhost:3000"})
    assert res.headers["access-control-allow-origin"] == "http://localhost:3000"
    pre = client.options(
        "/api/v1/me", headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}
    )
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_pages_sent_by_path_are_hashed_from_the_file(tmp_path):
    """granian (Reflex's production server) serves static files with the ASGI `pathsend` extension."""
    page = tmp_path / "page.html"
    page.write_bytes(PAGE)

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html")]})
        await send({"type": "http.response.pathsend", "path": str(page)})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "path": "/", "method": "GET", "headers": []}
    asyncio.run(SecurityHeadersMiddleware(app)(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
    headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    assert _sha(b"window.a = 1;") in headers["content-security-policy"]


def test_a_revalidated_page_keeps_its_stored_policy():
    """A 304 has no body to hash, and its headers replace the cached response's (RFC 9111 §4.3.4):
    a policy sent with it would block the cached page's inline scripts on every reload."""

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", b'"v1"')]})
        await send({"type": "http.response.body", "body": b""})

    res = TestClient(SecurityHeadersMiddleware(app)).get("/settings/notifications", headers={"if-none-match": '"v1"'})
    assert res.status_code == 304
    assert "content-security-policy" not in res.headers
    assert res.headers["x-frame-options"] == "DENY" and res.headers["x-content-type-options"] == "nosniff"
