"""A course's cover image: checked by content (PNG, JPEG or WebP by their first bytes, never the name),
size-limited like every upload (services/uploads.py), kept in private storage and served through the
API only for courses the viewer may see."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from tutorhub.integrations.storage import get_storage
from tutorhub.models.base import utcnow
from tutorhub.services.actor import UserOut
from tutorhub.services.courses.access import owned_course, visible_course
from tutorhub.services.errors import NotFound
from tutorhub.services.uploads import check_upload, sniff_image_or_document_type


def _sniff_image(data: bytes) -> tuple[str, str] | None:
    found = sniff_image_or_document_type(data)
    return found if found is not None and found[0].startswith("image/") else None


def set_cover(session: Session, *, actor: UserOut | None, course_id: Any, data: Any,
              now: datetime | None = None) -> dict[str, str]:
    """Store the course's cover (the course's tutor only); 422 for anything but a PNG, JPEG or WebP."""
    course = owned_course(session, actor, course_id)
    content_type, _ext = check_upload(data, sniff=_sniff_image, allowed="a PNG, JPEG or WebP image")
    key = f"courses/{course.id}/cover"
    get_storage().save(key, bytes(data))
    course.cover_key, course.cover_type, course.updated_at = key, content_type, now or utcnow()
    session.add(course)
    return {"content_type": content_type}


def read_cover(session: Session, *, viewer: UserOut | None, course_id: Any) -> tuple[bytes, str]:
    course = visible_course(session, viewer, course_id)
    if not course.cover_key:
        raise NotFound("This course has no cover image.")
    return get_storage().read(course.cover_key), course.cover_type
