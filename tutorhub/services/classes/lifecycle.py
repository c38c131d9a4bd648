"""A class's status machine and its history: every transition is a `class_events` row.

DRAFT → PUBLISHED (tutor publishes, conflict-checked) → IN_PROGRESS (first session started, job)
→ COMPLETED (last session ended, job); DRAFT / PUBLISHED / IN_PROGRESS → CANCELLED (the tutor, or the
minimum-size job). Seat changes are recorded in the same table with `enrolment_id`.

Every recorded change also queues a live hint on the class's channel (published after the commit,
integrations/broker.py), so open class pages re-read seats left and their own seat at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from tutorhub.integrations.broker import publish_after_commit
from tutorhub.models.bookings import ActorRole
from tutorhub.models.classes import ClassEvent, ClassStatus, GroupClass
from tutorhub.services.errors import Conflict

_ALLOWED: dict[str, tuple[str, ...]] = {
    ClassStatus.DRAFT: (ClassStatus.PUBLISHED, ClassStatus.CANCELLED),
    ClassStatus.PUBLISHED: (ClassStatus.IN_PROGRESS, ClassStatus.CANCELLED, ClassStatus.COMPLETED),
    ClassStatus.IN_PROGRESS: (ClassStatus.COMPLETED, ClassStatus.CANCELLED),
    ClassStatus.COMPLETED: (),
    ClassStatus.CANCELLED: (),
}


@dataclass(frozen=True, slots=True)
class ClassActor:
    user_id: int | None
    role: str


SYSTEM = ClassActor(None, ActorRole.SYSTEM)


def class_channel(class_id: int | str) -> str:
    return f"class:{class_id}"


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in _ALLOWED.get(from_status, ())


def record(session: Session, cls: GroupClass, *, action: str, from_status: str, to_status: str, actor: ClassActor,
           now: datetime, reason: str = "", enrolment_id: int | None = None) -> None:
    """One history row, written at once by a plain INSERT: nothing reads it back in the unit of work, and
    an enrolment race writes one per racer (no ORM object to build and flush)."""
    assert cls.id is not None
    session.execute(insert(ClassEvent.__table__).values(  # type: ignore[attr-defined]
        class_id=cls.id, enrolment_id=enrolment_id, action=action, from_status=from_status, to_status=to_status,
        actor_id=actor.user_id, actor_role=actor.role, reason=reason[:500], created_at=now))
    publish_after_commit(session, class_channel(cls.id), {"type": "class", "id": cls.id})


def transition(session: Session, cls: GroupClass, to_status: str, *, action: str, actor: ClassActor, now: datetime,
               reason: str = "") -> None:
    """Move the class to `to_status` (409 when not allowed from its current status) and record it."""
    if not can_transition(cls.status, to_status):
        state = cls.status.lower().replace("_", " ")
        raise Conflict(f"Not possible: this class is {state} ({action} refused).", extra={"status": cls.status})
    record(session, cls, action=action, from_status=cls.status, to_status=to_status, actor=actor, now=now,
           reason=reason)
    cls.status = to_status
    cls.updated_at = now
    session.add(cls)
