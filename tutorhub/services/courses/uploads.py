"""Chapter video uploads, shaped like S3 multipart uploads so one client serves both storages.

1. `start_upload` (the course's tutor) checks the declared size against the limit (default 2 GB,
   TUTORHUB_COURSE_VIDEO_MAX_MB) and answers `{"upload_id", "part_size", "parts": [{"n", "url",
   "method": "PUT"}]}`: pre-signed `upload_part` URLs of the bucket when S3 is configured, otherwise
   the app's own part URLs (signed, see signing.py), which stream each body to disk (`receive_part`).
2. The client PUTs each part and keeps the `ETag` answer header; a part that failed is sent again.
3. `complete_upload` with `[{"n", "etag"}]`: every part present with its ETag, joined into one object,
   whose first bytes must be an MP4 or WebM container — anything else is deleted and refused (415).
   A size that differs from the declared one is refused too (the limit cannot be dodged by declaring
   less: every part is cut off at its declared length while it streams in).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from tutorhub.integrations.object_store import get_s3_video_store
from tutorhub.integrations.storage import LocalVideoStore, PartIncomplete, PartTooLarge, get_local_video_store
from tutorhub.models.base import utcnow
from tutorhub.models.courses import CourseUpload, UploadStatus, VideoStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.courses import signing
from tutorhub.services.courses.access import course_chapter, owned_course
from tutorhub.services.errors import Conflict, DomainError, InvalidInput, NotFound
from tutorhub.services.uploads import VIDEO_TYPES, sniff_video_type
from tutorhub.services.validation import clean_int, clean_text, fail
from tutorhub.settings import get_settings

PART_SIZE = 8 * 1024 * 1024  # S3's minimum part is 5 MiB (except the last)
MAX_PARTS = 10_000
NO_UPLOAD = "No such upload."


class UnsupportedMedia(DomainError):
    status_code = 415


class WrongSize(InvalidInput):
    """The assembled upload is not the declared size (or over the limit): deleted like a non-video."""


REJECTIONS = (UnsupportedMedia, WrongSize)  # the bytes are gone: the route records the upload as REJECTED


class PartRefused(DomainError):
    status_code = 413


class PartShort(DomainError):
    status_code = 400


@dataclass(frozen=True)
class PartGrant:
    upload_id: str
    n: int
    offset: int  # where the part starts in the file
    limit: int  # this part's declared length


def _part_length(size: int, part_size: int, n: int) -> int:
    return min(part_size, size - (n - 1) * part_size)


def _local_part_url(upload_id: str, n: int, now: datetime) -> str:
    expires, sig = signing.sign("part", f"{upload_id}:{n}", now=now, ttl=signing.PART_URL_TTL)
    return f"/api/v1/uploads/{upload_id}/parts/{n}?expires={expires}&sig={sig}"


def start_upload(session: Session, *, actor: UserOut | None, course_id: Any, chapter_id: Any, filename: Any,
                 size: Any, content_type: Any, now: datetime | None = None) -> dict[str, Any]:
    """Open a multipart upload of a chapter's video (the course's tutor only)."""
    now = now or utcnow()
    course = owned_course(session, actor, course_id)
    chapter = course_chapter(session, course, chapter_id)
    limit = get_settings().course_video_max_bytes
    name = clean_text(filename, "filename", max_len=200, required=True)
    length = clean_int(size, "size", minimum=1, maximum=2**53)
    if length > limit:
        raise fail("size", f"must be at most {limit // (1024 * 1024)} MB")
    if content_type not in VIDEO_TYPES:
        raise fail("content_type", "must be video/mp4 or video/webm")
    count = -(-length // PART_SIZE)
    if count > MAX_PARTS:
        raise fail("size", "is too large")
    upload_id = secrets.token_hex(16)
    assert course.id is not None and chapter.id is not None and actor is not None
    key = f"courses/{course.id}/chapters/{chapter.id}/{upload_id}"
    s3 = get_s3_video_store()
    row = CourseUpload(id=upload_id, chapter_id=chapter.id, course_id=course.id, user_id=actor.id,
                       backend="s3" if s3 else "local", key=key, filename=name, size=length, part_size=PART_SIZE,
                       part_count=count, created_at=now)
    if s3 is not None:
        row.s3_upload_id = s3.create_upload(key, str(content_type))
        ttl = int(signing.PART_URL_TTL.total_seconds())
        urls = [s3.part_url(key, row.s3_upload_id, n, expires_s=ttl) for n in range(1, count + 1)]
    else:
        urls = [_local_part_url(upload_id, n, now) for n in range(1, count + 1)]
    session.add(row)
    session.flush()
    return {"upload_id": upload_id, "part_size": PART_SIZE,
            "parts": [{"n": n, "url": url, "method": "PUT"} for n, url in enumerate(urls, start=1)]}


def part_grant(session: Session, *, upload_id: Any, n: Any, expires: Any, sig: Any,
               now: datetime | None = None) -> PartGrant:
    """What a signed local part URL allows (404 for a bad or expired signature, a closed upload)."""
    now = now or utcnow()
    if not isinstance(upload_id, str) or not isinstance(n, int):
        raise NotFound(NO_UPLOAD)
    if not signing.is_valid("part", f"{upload_id}:{n}", expires=expires, signature=sig, now=now):
        raise NotFound(NO_UPLOAD)
    row = session.get(CourseUpload, upload_id)
    if row is None or row.status != UploadStatus.OPEN or row.backend != "local" or not 1 <= n <= row.part_count:
        raise NotFound(NO_UPLOAD)
    return PartGrant(upload_id=upload_id, n=n, offset=(n - 1) * row.part_size,
                     limit=_part_length(row.size, row.part_size, n))


async def receive_part(grant: PartGrant, body: AsyncIterator[bytes], *, store: LocalVideoStore | None = None) -> str:
    """Stream a part's bytes to disk; returns its ETag (the md5, quoted as S3 does). 413 when the body is
    longer than the part's declared length (the rest is never read), 400 when shorter; either way the
    part does not count until it is sent again whole."""
    try:
        digest, _size = await (store or get_local_video_store()).write_part(grant.upload_id, grant.n, body,
                                                                            offset=grant.offset, limit=grant.limit)
    except PartTooLarge:
        raise PartRefused(f"Part {grant.n} is larger than declared ({grant.limit} bytes): refused.") from None
    except PartIncomplete:
        raise PartShort(f"Part {grant.n} must be exactly {grant.limit} bytes: send it again.") from None
    return f'"{digest}"'


def _clean_parts(parts: Any, count: int) -> list[tuple[int, str]]:
    if not isinstance(parts, list) or len(parts) != count:
        raise fail("parts", f"must list all {count} parts")
    out: list[tuple[int, str]] = []
    for i, item in enumerate(parts, start=1):
        if not isinstance(item, dict) or item.get("n") != i or not isinstance(item.get("etag"), str):
            raise fail("parts", "must be [{n, etag}] in order, n from 1")
        out.append((i, clean_text(item["etag"], "parts", max_len=100, required=True)))
    return out


def _reject(store: Any, key: str, row: CourseUpload, message: str, *, media: bool) -> DomainError:
    store.delete(key)
    return UnsupportedMedia(message) if media else WrongSize(f"size: {message}", fields={"size": message})


def mark_rejected(session: Session, *, actor: UserOut | None, upload_id: Any) -> None:
    """After a refused completion (its transaction rolled back, the bytes already deleted): the upload is
    REJECTED for good, so completing it again answers 409 rather than asking for parts that are gone."""
    user = require_role(actor)
    row = session.get(CourseUpload, upload_id) if isinstance(upload_id, str) and len(upload_id) <= 40 else None
    if row is not None and row.user_id == user.id and row.status == UploadStatus.OPEN:
        row.status = UploadStatus.REJECTED
        session.add(row)


def complete_upload(session: Session, *, actor: UserOut | None, upload_id: Any, parts: Any,
                    now: datetime | None = None) -> dict[str, str]:
    """Join the parts, check the content, and make the video the chapter's (`{"status": "ready"}`)."""
    now = now or utcnow()
    user = require_role(actor)
    row = session.get(CourseUpload, upload_id) if isinstance(upload_id, str) and len(upload_id) <= 40 else None
    if row is None or row.user_id != user.id:
        raise NotFound(NO_UPLOAD)
    if row.status != UploadStatus.OPEN:
        raise Conflict("This upload is already finished.", extra={"status": row.status})
    chapter = course_chapter(session, owned_course(session, actor, row.course_id), row.chapter_id)
    listed = _clean_parts(parts, row.part_count)
    s3 = get_s3_video_store() if row.backend == "s3" else None
    store: Any = s3 or get_local_video_store()
    if s3 is not None:
        size = s3.complete(row.key, row.s3_upload_id, listed)
    else:
        for n, etag in listed:
            if store.part_etag(row.id, n) != etag.strip('"'):
                raise fail("parts", f"part {n} has not arrived whole (or its etag differs): send it again")
        size = store.assemble(row.id, row.key, row.size)
    if size != row.size or size > get_settings().course_video_max_bytes:
        raise _reject(store, row.key, row, "differs from the declared size", media=False)
    sniffed = sniff_video_type(store.head(row.key))
    if sniffed is None:
        raise _reject(store, row.key, row, "This file is not a video (MP4 or WebM); it was deleted.", media=True)
    old_key = chapter.video_key if chapter.video_key != row.key else ""
    chapter.video_key, chapter.video_type, chapter.video_size = row.key, sniffed[0], size
    chapter.video_status = VideoStatus.READY
    row.status, row.completed_at = UploadStatus.READY, now
    session.add_all([chapter, row])
    session.flush()
    if old_key:
        store.delete(old_key)
    return {"status": "ready"}


def import_video(session: Session, *, actor: UserOut | None, course_id: Any, chapter_id: Any, data: bytes,
                 filename: str, now: datetime | None = None) -> dict[str, str]:
    """A small video given whole (the demo data): the same start → parts → complete path as a browser's
    upload, on local disk whatever storage is configured, so every check applies to it too."""
    if len(data) > PART_SIZE:
        raise fail("file", "is too large to import in one piece")
    content_type = "video/webm" if filename.endswith(".webm") else "video/mp4"
    row = session.get(CourseUpload, start_upload(session, actor=actor, course_id=course_id, chapter_id=chapter_id,
                                                 filename=filename, size=len(data), content_type=content_type,
                                                 now=now)["upload_id"])
    assert row is not None
    if row.backend == "s3":  # keep the demo on local disk: no bucket round trip at start-up
        s3 = get_s3_video_store()
        if s3 is not None:
            s3.abort(row.key, row.s3_upload_id)
        row.backend, row.s3_upload_id = "local", ""
    etag = get_local_video_store().save_part(row.id, 1, data)
    return complete_upload(session, actor=actor, upload_id=row.id, parts=[{"n": 1, "etag": etag}], now=now)
