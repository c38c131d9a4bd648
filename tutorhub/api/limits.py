"""Request body size limits for /api/ routes, enforced before the body is parsed.

JSON bodies are small (a tutor bio is at most 5,000 characters), so anything over 1 MiB is
refused with 413. Credential uploads may be up to `max_upload_bytes` plus multipart overhead;
bigger ones get the same 422 the service gives for an oversized file. A declared
Content-Length is checked at once; chunked bodies are counted as they stream in.

Reflex's own upload route (`/_upload`, used by the tutor's credential page) runs inside this app
too (the API is Reflex's `api_transformer`, so it wraps every backend request). Starlette spools
multipart files to disk with no size limit, so without this a client could fill the disk with
one request; it gets the same upload limit (413 there, as the Reflex client expects no JSON).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tutorhub.services.courses.uploads import PART_SIZE
from tutorhub.services.uploads import file_too_large
from tutorhub.settings import get_settings

JSON_BODY_LIMIT = 1024 * 1024
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_PATHS = ("/api/v1/tutors/me/credentials", "/api/v1/tutors/me/photo")  # the photo: 5 MB in the service
# Chat attachments (services/messaging/attachments.py): same limit, path with the conversation id.
UPLOAD_PATTERNS = (re.compile(r"^/api/v1/conversations/[^/]+/attachments$"),
                   re.compile(r"^/api/v1/courses/[^/]+/cover$"))  # course covers (services/courses/covers.py)
REFLEX_UPLOAD_PATH = "/_upload"
# Course video parts (services/courses/uploads.py): one part at most, checked again per part while streaming.
PART_PATTERN = re.compile(r"^/api/v1/uploads/[^/]+/parts/[0-9]+$")


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; FastAPI re-raises HTTPException from body parsing as is."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        super().__init__(status_code=status_code, detail=body["detail"])
        self.fields: dict[str, str] = body.get("fields") or {}


def _limit_for(path: str) -> tuple[int, int, dict[str, Any]]:
    if path.rstrip("/") == REFLEX_UPLOAD_PATH:
        max_bytes = get_settings().max_upload_bytes
        return max_bytes + MULTIPART_OVERHEAD, 413, {"detail": f"Upload too large (at most {max_bytes} bytes)."}
    if PART_PATTERN.match(path):
        return PART_SIZE, 413, {"detail": f"A part is at most {PART_SIZE} bytes."}
    if path.rstrip("/") in UPLOAD_PATHS or any(p.match(path.rstrip("/")) for p in UPLOAD_PATTERNS):
        max_bytes = get_settings().max_upload_bytes
        error = file_too_large(max_bytes)
        return max_bytes + MULTIPART_OVERHEAD, 422, {"detail": error.message, "fields": error.fields}
    return JSON_BODY_LIMIT, 413, {"detail": f"Request body too large (at most {JSON_BODY_LIMIT} bytes)."}


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path.startswith("/api/") or path.rstrip("/") == REFLEX_UPLOAD_PATH):
            await self.app(scope, receive, send)
            return
        limit, status, body = _limit_for(scope["path"])
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        if declared is not None and declared > limit:
            await JSONResponse(body, status_code=status, headers={"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(status, body)
            return message

        await self.app(scope, limited_receive, send)
