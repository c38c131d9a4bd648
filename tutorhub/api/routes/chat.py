"""Chat: the caller's conversations, history paged backwards, sending, attachments, read markers.

Only participants (and, for support threads, admins) get anything: every other caller gets the
same 404 as for a conversation that does not exist, and an id that is not a number is simply not
found. Attachment downloads also accept the web UI's session cookie, like credential documents,
because the /messages page links to them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel

from tutorhub.api.deps import CurrentUser, OptionalViewer
from tutorhub.api.routes.files import private_file
from tutorhub.api.schemas import ErrorOut, StrictIn, error_responses, need, query, rule, text_rule
from tutorhub.db import session_scope
from tutorhub.services.errors import NotFound
from tutorhub.services.messaging import attachments as chat_attachments
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import entry as chat_entry
from tutorhub.services.messaging import messages as chat_messages
from tutorhub.services.messaging.messages import MAX_BODY
from tutorhub.services.messaging.views import ConversationOut, MessageOut, MessagePage
from tutorhub.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["chat"])

_CONV = error_responses(401, 404, 422, e404="No such conversation (or not yours)")
_SEND = error_responses(401, 404, 422, 429, e404="No such conversation (or not yours)",
                        e422="Empty or over 4,000 characters (`fields.body`), or a malformed `client_id`",
                        e429="More than 20 messages in 10 seconds (see Retry-After)")


class ConversationList(BaseModel):
    items: list[ConversationOut]  # most recently active first (at most 50)
    unread_total: int


class MessageIn(StrictIn):
    body: str = need(**text_rule(MAX_BODY, required=True, multiline=True))
    # The client's id for this composed message: sending it again returns the stored message.
    client_id: str | None = rule(pattern="^[A-Za-z0-9_-]{8,64}$")


class ReadIn(StrictIn):
    up_to: int | None = None  # default: the newest message


class UnreadOut(BaseModel):
    unread: int  # left in this conversation after marking


class SupportIn(StrictIn):
    email: str | None = None
    user_id: int | None = None


@router.get("/conversations", response_model=ConversationList, responses=error_responses(401))
def list_conversations(user: CurrentUser) -> ConversationList:
    """Your conversations with unread counts, the last message's preview and the other party's name
    (admins: every support conversation)."""
    with session_scope(read_only=True) as session:
        return ConversationList(items=chat_conversations.list_conversations(session, actor=user),
                                unread_total=chat_conversations.unread_total(session, actor=user))


@router.get("/conversations/{conversation_id}/messages", response_model=MessagePage, responses=_CONV)
def list_messages(
    user: CurrentUser,
    conversation_id: str,
    before: Annotated[str | None, query(pattern="^([1-9][0-9]{0,11})?$",
                                        description="a message id: the page ends just before it")] = None,
) -> MessagePage:
    """30 messages, oldest first, ending with the newest (or just before `before`); pass
    `next_before` back as `before` for the previous page (null at the start of the history)."""
    with session_scope(read_only=True) as session:
        return chat_messages.list_messages(session, actor=user, conversation_id=conversation_id, before=before)


@router.post("/conversations/{conversation_id}/messages", response_model=MessageOut, status_code=201,
             responses=_SEND)
def send_message(user: CurrentUser, conversation_id: str, data: MessageIn) -> MessageOut:
    """Send `{"body"}` (trimmed, 1–4,000 characters). With a `client_id`, a repeated send (a retry
    after a lost answer, a double click) returns the message already stored instead of a second one."""
    with session_scope() as session:
        return chat_messages.send_message(session, actor=user, conversation_id=conversation_id, body=data.body,
                                          client_id=data.client_id)


@router.post("/conversations/{conversation_id}/attachments", response_model=MessageOut, status_code=201,
             responses={**_SEND, 422: {"model": ErrorOut,
                                       "description": "Not a JPEG/PNG/WebP/PDF (by content), empty or too large"}})
def send_attachment(
    user: CurrentUser,
    conversation_id: str,
    file: Annotated[UploadFile, File()],
    body: Annotated[str, Form(json_schema_extra=text_rule(MAX_BODY, multiline=True))] = "",
) -> MessageOut:
    """Send a file (JPEG, PNG, WebP or PDF, judged by its content; size-limited) with an optional
    caption `body`. Stored privately; only the conversation's participants can download it."""
    limit = get_settings().max_upload_bytes
    data = file.file.read(limit + 1)  # one byte over the limit is enough to refuse it
    with session_scope() as session:
        return chat_attachments.send_attachment(session, actor=user, conversation_id=conversation_id,
                                                filename=file.filename, data=data, body=body)


@router.get(
    "/conversations/{conversation_id}/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}, "image/webp": {}},
              "description": "The file's bytes"},
        404: {"model": ErrorOut, "description": "No such file, or not your conversation (also when not signed in)"},
    },
)
def download_attachment(conversation_id: str, attachment_id: str, viewer: OptionalViewer) -> Response:
    """A chat attachment, for the conversation's participants (Bearer token or browser session)."""
    if viewer is None:
        raise NotFound("Attachment not found.")
    with session_scope(read_only=True) as session:
        meta, data = chat_attachments.read_attachment(session, actor=viewer, conversation_id=conversation_id,
                                                      attachment_id=attachment_id)
    return private_file(data, meta.content_type, meta.name)


@router.post("/conversations/{conversation_id}/read", response_model=UnreadOut, responses=_CONV)
def mark_read(user: CurrentUser, conversation_id: str, data: ReadIn | None = None) -> UnreadOut:
    """Mark the conversation read up to `up_to` (default: everything); markers never move back."""
    with session_scope() as session:
        left = chat_messages.mark_read(session, actor=user, conversation_id=conversation_id,
                              up_to=data.up_to if data else None)
    return UnreadOut(unread=left)


@router.post("/admin/support-conversations", response_model=ConversationOut,
             responses=error_responses(401, 403, 422, e403="Not an admin", e422="No such student or tutor"))
def open_support_conversation(user: CurrentUser, data: SupportIn) -> ConversationOut:
    """Admins: open (or reopen) the support conversation with a student or tutor by `email` or
    `user_id`; they see it as "TutorHub support"."""
    with session_scope() as session:
        return chat_entry.open_support_conversation(session, actor=user, email=data.email, user_id=data.user_id)
