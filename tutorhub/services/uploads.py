"""Checks every uploaded file passes before it is stored: not empty, within
`TUTORHUB_MAX_UPLOAD_MB`, and of an allowed type decided by the file's first bytes (never its
name or the browser's claim). Credential documents and chat attachments share these rules, and the
API's upload-size middleware answers with the same words before reading the body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tutorhub.services.errors import InvalidInput
from tutorhub.services.validation import fail
from tutorhub.settings import get_settings

DOCUMENT_SNIFFERS: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff_document_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG, decided by the file's first bytes."""
    for magic, content_type, ext in DOCUMENT_SNIFFERS:
        if data.startswith(magic):
            return content_type, ext
    return None


def sniff_image_or_document_type(data: bytes) -> tuple[str, str] | None:
    """The document types plus WebP, whose magic is not a plain prefix."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return sniff_document_type(data)


def file_too_large(limit: int) -> InvalidInput:
    """The error for an upload over `limit` bytes (the API middleware gives it before reading the body)."""
    return fail("file", f"must be at most {limit // (1024 * 1024)} MB")


def check_upload(data: Any, *, sniff: Callable[[bytes], tuple[str, str] | None], allowed: str) -> tuple[str, str]:
    """(content type, extension) of an acceptable upload; InvalidInput on the `file` field otherwise.

    `sniff` is one of the sniffers above; `allowed` names its types for the error ("a PDF, JPEG or PNG file").
    """
    if not isinstance(data, bytes | bytearray):
        raise fail("file", "must be a file upload")
    limit = get_settings().max_upload_bytes
    if len(data) == 0:
        raise fail("file", "is empty")
    if len(data) > limit:
        raise file_too_large(limit)
    sniffed = sniff(bytes(data[:16]))
    if sniffed is None:
        raise fail("file", f"must be {allowed}")
    return sniffed


VIDEO_TYPES = {"video/mp4": "mp4", "video/webm": "webm"}


def sniff_video_type(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an MP4 (an ISO-BMFF `ftyp` box first) or a WebM (an EBML header
    whose DocType is "webm"), decided by the first bytes; None for anything else."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4", "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        return "video/webm", "webm"
    return None
