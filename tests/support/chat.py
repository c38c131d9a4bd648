"""Shared helpers for the chat tests: a student–tutor pair with its conversation, file samples."""

from __future__ import annotations

from dataclasses import dataclass

from tutorhub.models import Role
from tutorhub.services.actor import UserOut
from tutorhub.services.messaging import conversations as chat_conversations
from tutorhub.services.messaging import messages as chat_messages

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
PDF = b"%PDF-1.4\n%%EOF\n"
GIF = b"GIF89a" + b"\x00" * 40


@dataclass
class Pair:
    student: UserOut
    tutor: UserOut
    conversation_id: int


def make_pair(db, make_user, *, student: UserOut | None = None, tutor: UserOut | None = None) -> Pair:
    """A student and a tutor with their conversation (as the booking path creates it), committed."""
    student = student or make_user(Role.STUDENT)
    tutor = tutor or make_user(Role.TUTOR)
    cid = chat_conversations.ensure_pair_conversation(db, student_id=student.id, tutor_user_id=tutor.id)
    db.commit()
    return Pair(student, tutor, cid)


def send(db, actor: UserOut, cid: int, body: str, **kw):
    """Send a message through the service and commit it."""
    out = chat_messages.send_message(db, actor=actor, conversation_id=cid, body=body, **kw)
    db.commit()
    return out

