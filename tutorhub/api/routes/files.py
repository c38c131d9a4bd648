"""Private file downloads (credential documents), and tutors' profile photos (public by design).

Authorized by a Bearer token or by the web UI's `th_session` cookie, because the Reflex admin
console and the tutor's own page link here. Anyone who is not the owner or an admin gets the
same 404 as for a document that does not exist, so ids reveal nothing.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Response

from tutorhub.api.deps import OptionalViewer
from tutorhub.api.schemas import ErrorOut
from tutorhub.db import session_scope
from tutorhub.services.errors import NotFound
from tutorhub.services.tutors import photos as tutor_photos
from tutorhub.services.tutors import profiles as tutor_profiles

router = APIRouter(prefix="/api/v1/files", tags=["files"])

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def content_disposition(name: str, content_type: str) -> str:
    """`inline` with an ASCII-only fallback name and the exact UTF-8 name (RFC 6266 / 5987)."""
    ascii_name = _UNSAFE.sub("_", name).strip("._")[:100] or "document"
    ext = _EXTENSIONS.get(content_type, "")
    if ext and not ascii_name.lower().endswith(ext):
        ascii_name += ext
    utf8_name = quote(name[:200], safe="")
    return f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"


def private_file(data: bytes, content_type: str, name: str) -> Response:
    """A user's private upload: shown inline under its own name, never sniffed or cached."""
    return Response(
        content=data,
        media_type=content_type,
        headers={
            "Content-Disposition": content_disposition(name, content_type),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/credentials/{doc_id}",
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}},
            "description": "The document's bytes",
        },
        404: {"model": ErrorOut, "description": "No such document, or not yours (also when not signed in)"},
    },
)
def download_credential(doc_id: str, viewer: OptionalViewer) -> Response:
    """A credential document, for its tutor or an admin."""
    if viewer is None:
        raise NotFound("Document not found.")
    with session_scope(read_only=True) as session:
        doc, data = tutor_profiles.read_credential(session, actor=viewer, document_id=doc_id)
    return private_file(data, doc.content_type, doc.original_name)


@router.get(
    "/tutor-photos/{tutor_id}/{size}",
    response_class=Response,
    responses={
        200: {"content": {"image/webp": {}}, "description": "The tutor's profile photo (WebP, square)"},
        404: {"model": ErrorOut, "description": "No such tutor, or the tutor has no photo"},
    },
)
def tutor_photo(tutor_id: str, size: Literal["large", "small"], v: int | None = None) -> Response:
    """A tutor's profile photo, public by design (no sign-in): `large` is 400×400, `small` 96×96.

    The URL the app builds carries the photo's version (`v`), which changes with every upload, so that
    URL may be cached for a year; without it, or with an old version, the current photo is cached briefly.
    """
    with session_scope(read_only=True) as session:
        data, version = tutor_photos.read_photo(session, tutor_id=tutor_id, size=size)
    cache = "public, max-age=31536000, immutable" if v == version else "public, max-age=300"
    return Response(
        content=data,
        media_type=tutor_photos.CONTENT_TYPE,
        headers={"Cache-Control": cache, "ETag": f'"{tutor_id}-{version}-{size}"', "X-Content-Type-Options": "nosniff"},
    )
