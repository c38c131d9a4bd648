"""A class's conversation and the tutor's broadcasts, through the messaging domain.

One conversation per class (kind "class", key "class:{id}"), created with the tutor when the class is
published. An enrolled student joins it when their seat is paid and is removed when the seat ends (left,
refunded, expired): the chat service lets only members read or send, so a student who is not enrolled
never reads the class chat. Everything else — live updates, unread counts, attachments, flood limits —
is the ordinary chat's (/messages?c=<id>).

A broadcast is a message from the tutor in the class chat plus a notification to every enrolled student
(kind "classes"): in-app always, and by email / SMS / WhatsApp as each student chose in their preferences.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.chat import Conversation
from tutorhub.models.classes import ClassEnrolment, ClassStatus, GroupClass, SeatStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.classes.access import load_class, owned_class
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.messaging import conversations, messages, notifications

NOT_FOUND = "No such class chat (or you are not in this class)."


def chat_key(class_id: int) -> str:
    return f"class:{class_id}"


def _tutor_user(session: Session, cls: GroupClass) -> int:
    uid = session.exec(select(TutorProfile.user_id).where(col(TutorProfile.id) == cls.tutor_id)).first()
    assert uid is not None
    return uid


def ensure_class_chat(session: Session, cls: GroupClass, now: datetime) -> int:
    assert cls.id is not None
    return conversations.ensure_group_conversation(session, key=chat_key(cls.id), title=cls.title,
                                                   owner_user_id=_tutor_user(session, cls), now=now)


def add_student(session: Session, cls: GroupClass, student_id: int, now: datetime) -> None:
    cid = ensure_class_chat(session, cls, now)
    conversations.join(session, cid, student_id, "student", now)


def join_student(session: Session, cls: GroupClass, student_id: int, now: datetime) -> None:
    """`add_student` in one statement (the enrolment path runs it under the class's row lock): the student
    joins the conversation published with the class by its key, with no write to the conversation row. The
    full `add_student` runs only when nothing was inserted (a class whose chat is missing, or a student
    already in it)."""
    assert cls.id is not None
    if not conversations.join_by_key(session, chat_key(cls.id), student_id, "student", now):
        add_student(session, cls, student_id, now)


def remove_student(session: Session, cls: GroupClass, student_id: int, now: datetime) -> None:
    cid = ensure_class_chat(session, cls, now)
    conversations.remove_member(session, cid, student_id)


def class_chat(session: Session, *, actor: UserOut | None, class_id: Any) -> int:
    """The class conversation's id for its tutor or an enrolled student; 404 for anyone else."""
    user = require_role(actor)
    cls = load_class(session, class_id)
    assert cls.id is not None
    is_tutor = user.role == Role.TUTOR and _tutor_user(session, cls) == user.id
    enrolled = user.role == Role.STUDENT and session.exec(select(ClassEnrolment.id).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.student_id) == user.id,
        col(ClassEnrolment.status) == SeatStatus.ENROLLED)).first() is not None
    if not (is_tutor or enrolled) or cls.status == ClassStatus.DRAFT:
        raise NotFound(NOT_FOUND)
    cid = session.exec(select(Conversation.id).where(
        col(Conversation.pair_key) == chat_key(cls.id))).first()
    if cid is None:
        raise NotFound(NOT_FOUND)
    return cid


def broadcast(session: Session, *, actor: UserOut | None, class_id: Any, body: Any,
              now: datetime | None = None) -> dict[str, int]:
    """The tutor's update to every enrolled student: a class-chat message and a notification each."""
    now = now or utcnow()
    cls, _ = owned_class(session, actor, class_id)
    if cls.status not in ClassStatus.OPEN:
        raise Conflict("Only a published or running class can be messaged.", extra={"status": cls.status})
    text = messages.clean_body(body, required=True)
    cid = ensure_class_chat(session, cls, now)
    got = conversations.access(session, actor, cid)
    messages.guard_flood(session, got, now)
    msg = messages.insert_message(session, got, text, now)
    students = session.exec(select(ClassEnrolment.student_id).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.status) == SeatStatus.ENROLLED)).all()
    for student_id in students:
        notifications.notify(session, user_id=student_id, kind="classes", title=f"{cls.title}: update from your tutor",
                             body=text[:2000], link=f"/classes/{cls.id}", now=now)
    return {"conversation_id": cid, "message_id": msg.id or 0, "recipients": len(students)}



def notify_students(session: Session, cls: GroupClass, student_ids: list[int], *, title: str, body: str,
                    now: datetime) -> None:
    """A "classes" notification (in-app + each student's chosen channels) linking to the class page."""
    for student_id in student_ids:
        notifications.notify(session, user_id=student_id, kind="classes", title=title[:200], body=body[:2000],
                             link=f"/classes/{cls.id}", now=now)
