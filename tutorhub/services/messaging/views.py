"""What chat services return: plain pydantic objects (never ORM rows), shared by API and UI."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

SUPPORT_NAME = "TutorHub support"
PREVIEW_CHARS = 80


class AttachmentOut(BaseModel):
    id: int
    name: str
    content_type: str
    size_bytes: int
    url: str  # the authorized download route (participants only)


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    sender_id: int
    sender_name: str
    mine: bool
    body: str
    created_at: datetime
    attachment: AttachmentOut | None = None


class ConversationOut(BaseModel):
    id: int
    kind: str  # pair | support
    title: str  # the other party's name; "TutorHub support" for the user of a support thread
    other_role: str  # tutor | student | support | user (an admin looking at a support thread)
    unread: int
    last_message: str  # preview, "" when there is none yet
    last_message_at: datetime | None


class MessagePage(BaseModel):
    messages: list[MessageOut]  # oldest first, so a thread renders top to bottom
    next_before: int | None  # pass as `before` for the previous (older) page; None at the start


def attachment_url(conversation_id: int, attachment_id: int) -> str:
    return f"/api/v1/conversations/{conversation_id}/attachments/{attachment_id}"


def preview(body: str, has_attachment: bool) -> str:
    text = " ".join(body.split())
    if not text and has_attachment:
        return "📎 Attachment"
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
