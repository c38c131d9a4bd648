"""Chat attachments: images (JPEG, PNG, WebP) and PDFs, size-limited, stored privately.

The upload checks of services/uploads.py (type from the file's first bytes, never its name or
the browser's claim; size within `TUTORHUB_MAX_UPLOAD_MB`); the bytes go to private storage
(integrations/storage.py) that no public route serves. Downloads go through `read_attachment`,
which answers NotFound to anyone who may not read the conversation.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.integrations.storage import get_storage
from tutorhub.models.base import utcnow
from tutorhub.models.chat import ChatAttachment
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import NotFound
from tutorhub.services.messaging.conversations import access
from tutorhub.services.messaging.messages import clean_body, guard_flood, insert_message, message_outs
from tutorhub.services.messaging.views import AttachmentOut, MessageOut, attachment_url
from tutorhub.services.uploads import check_upload, sniff_image_or_document_type
from tutorhub.services.validation import clean_id, clean_text

ALLOWED = "a JPEG, PNG or WebP image or a PDF"


def send_attachment(session: Session, *, actor: UserOut | None, conversation_id: Any, filename: Any, data: Any,
                    body: Any = "", now: datetime | None = None) -> MessageOut:
    """A message carrying one file (and an optional caption)."""
    got = access(session, actor, conversation_id)
    content_type, ext = check_upload(data, sniff=sniff_image_or_document_type, allowed=ALLOWED)
    caption = clean_body(body, required=False)
    name = clean_text(filename or "file", "filename", max_len=500) or "file"
    name = name.replace("/", "_").replace("\\", "_")[-200:]
    now = now or utcnow()
    guard_flood(session, got, now)  # before storing, so a refused send leaves no file behind
    key = f"chat/{got.conv.id}/{uuid.uuid4().hex}-{ext}"
    storage = get_storage()
    storage.save(key, bytes(data))
    try:
        msg = insert_message(session, got, caption, now)
        assert msg.id is not None and got.conv.id is not None
        session.add(ChatAttachment(
            message_id=msg.id, conversation_id=got.conv.id, original_name=name, content_type=content_type,
            size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key, created_at=now,
        ))
        session.flush()
    except BaseException:
        storage.delete(key)
        raise
    return message_outs(session, got.user, [msg])[0]


def read_attachment(session: Session, *, actor: UserOut | None, conversation_id: Any,
                    attachment_id: Any) -> tuple[AttachmentOut, bytes]:
    """The file and its bytes for someone who may read the conversation; NotFound for anyone else."""
    got = access(session, actor, conversation_id)
    aid = clean_id(attachment_id, "Attachment not found.")
    row = session.exec(select(ChatAttachment).where(
        col(ChatAttachment.id) == aid, col(ChatAttachment.conversation_id) == got.conv.id)).first()
    if row is None or row.id is None:
        raise NotFound("Attachment not found.")
    try:
        data = get_storage().read(row.storage_key)
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound("Attachment not found.") from exc
    return AttachmentOut(id=row.id, name=row.original_name, content_type=row.content_type, size_bytes=row.size_bytes,
                         url=attachment_url(row.conversation_id, row.id)), data
