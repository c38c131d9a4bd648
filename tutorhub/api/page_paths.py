"""Serve a prerendered page at its own address, without a redirect to the trailing-slash form.

The compiled frontend stores each static page as `<route>/index.html`; Starlette's StaticFiles answers
`/tutors` with a 307 to `/tutors/`, so every direct visit, shared link or search result paid one more
round trip before the first byte of HTML (Lighthouse: "avoid redirects", about 600 ms on a
throttled phone). This middleware hands such a request to the static files as `/tutors/` at once.
Only GET/HEAD of paths that name a page folder are rewritten; API routes, the event websocket,
files and dynamic routes are untouched.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from reflex import constants
from reflex.config import get_config
from reflex.utils import prerequisites
from starlette.types import ASGIApp, Receive, Scope, Send

_NOT_PAGES = ("/api/", "/_event", "/_upload", "/_health", "/assets/", "/ping", "/health", "/ready", "/metrics")


def compiled_frontend_dir() -> Path:
    """Where `reflex export`/`reflex run --env prod` put the static pages (`.web/build/client`)."""
    return (prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")).resolve()


class SlashlessPagesMiddleware:
    def __init__(self, app: ASGIApp, static_dir: Path | None = None) -> None:
        self.app = app
        self._static_dir = static_dir

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in ("GET", "HEAD"):
            path: str = scope.get("path", "")
            if self._is_page_folder(path):
                scope = {**scope, "path": path + "/", "raw_path": (path + "/").encode()}
        await self.app(scope, receive, send)

    def _is_page_folder(self, path: str) -> bool:
        if len(path) < 2 or path.endswith("/") or "." in path.rsplit("/", 1)[-1] or path.startswith(_NOT_PAGES):
            return False
        return _has_index(self._static_dir or compiled_frontend_dir(), path)


@lru_cache(maxsize=1024)
def _has_index(static_dir: Path, path: str) -> Any:
    """Whether `<static_dir><path>/index.html` exists (inside the folder: `..` never escapes it)."""
    candidate = (static_dir / path.lstrip("/") / "index.html").resolve()
    return candidate.is_relative_to(static_dir) and candidate.is_file()
