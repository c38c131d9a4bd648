"""Class-session reminders, 24 h and 1 h before every session, exactly once per (session occurrence,
recipient, kind) — to each enrolled student, their guardian (guardian email / phone on the student
profile) and the tutor, through each one's chosen channels. Run by the minutely `send_reminders` job
next to the lesson reminders, and with the same rules (services/booking/reminders.py):

- Due instants are UTC elapsed time before the stored UTC start (24 real hours, also across DST).
- "While still useful": a due reminder goes out as long as the session has not started and the 1 h
  one has not superseded the 24 h one, so after an outage each recipient gets at most one.
- Somebody who joined after a reminder's due instant does not get it (a student enrolled 5 h ahead:
  no "24 h" reminder; for the tutor, the class's publication counts).
- Only SCHEDULED sessions of PUBLISHED / IN_PROGRESS classes, and only ENROLLED students.
- Exactly once: each reminder is its own transaction that inserts the `class_reminder_logs` row
  (UNIQUE key) before writing the notification; a concurrent duplicate fails on the key and is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.models.accounts import StudentProfile, User
from tutorhub.models.classes import (
    ClassEnrolment,
    ClassReminderLog,
    ClassSession,
    ClassStatus,
    GroupClass,
    SeatStatus,
    SessionStatus,
)
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.booking.notify import local_when
from tutorhub.services.booking.reminders import KINDS, lead_text, leads
from tutorhub.services.booking.views import student_zone
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.messaging.preferences import is_enabled
from tutorhub.services.outbox import queue_message


@dataclass(frozen=True)
class DueClassReminder:
    session_id: int
    recipient_user_id: int  # the student's id for guardian reminders
    kind: str  # 24h | 1h | guardian_24h | guardian_1h
    session_start_at: datetime
    due_at: datetime


def _lead(kind: str) -> str:
    return kind.removeprefix("guardian_")


def _wanted(start: datetime, lead: str, now: datetime, joined: datetime | None) -> datetime | None:
    offsets = leads()
    due = start - offsets[lead]
    if due > now or now >= start or (joined is not None and joined >= due):
        return None
    if lead == "24h" and now >= start - offsets["1h"]:
        return None  # superseded by the 1 h reminder
    return due


def _aware(at: datetime | None, like: datetime) -> datetime | None:
    return at.replace(tzinfo=like.tzinfo) if at is not None and at.tzinfo is None else at


def find_due(session: Session, *, now: datetime) -> list[DueClassReminder]:
    """Every class-session reminder that should go out at `now` and has not been sent yet."""
    rows = session.exec(
        select(ClassSession, GroupClass).join(GroupClass, col(GroupClass.id) == ClassSession.class_id).where(
            col(ClassSession.status) == SessionStatus.SCHEDULED, col(GroupClass.status).in_(ClassStatus.OPEN),
            col(ClassSession.start_at) > now, col(ClassSession.start_at) <= now + max(leads().values()),
        ).order_by(col(ClassSession.start_at), col(ClassSession.id))
    ).all()
    out: list[DueClassReminder] = []
    for row, cls in rows:
        assert row.id is not None
        tutor_user = session.exec(select(TutorProfile.user_id).where(col(TutorProfile.id) == cls.tutor_id)).first()
        seats = session.exec(select(ClassEnrolment.student_id, ClassEnrolment.enrolled_at).where(
            col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.status) == SeatStatus.ENROLLED)).all()
        guardians = set(session.exec(select(StudentProfile.user_id).where(
            col(StudentProfile.user_id).in_([s for s, _ in seats]),
            (col(StudentProfile.guardian_email) != "") | (col(StudentProfile.guardian_phone) != ""))).all())
        sent = {(r.recipient_user_id, r.kind) for r in session.exec(select(ClassReminderLog).where(
            col(ClassReminderLog.session_id) == row.id, col(ClassReminderLog.session_start_at) == row.start_at)).all()}
        people: list[tuple[int, datetime | None, bool]] = [(sid, _aware(at, row.start_at), sid in guardians)
                                                          for sid, at in seats]
        if tutor_user is not None:
            people.append((int(tutor_user), _aware(cls.published_at, row.start_at), False))
        for lead in KINDS:
            for uid, joined, guardian in people:
                due = _wanted(row.start_at, lead, now, joined)
                if due is None:
                    continue
                kinds = [lead, f"guardian_{lead}"] if guardian else [lead]
                out.extend(DueClassReminder(row.id, uid, kind, row.start_at, due) for kind in kinds
                           if (uid, kind) not in sent)
    return out


def _deliver(session: Session, row: ClassSession, cls: GroupClass, due: DueClassReminder, now: datetime) -> None:
    lead = _lead(due.kind)
    subject = f"Reminder: {cls.title} {lead_text(lead)}"
    tutor_profile = session.get(TutorProfile, cls.tutor_id)
    if tutor_profile is not None and tutor_profile.user_id == due.recipient_user_id:
        when = local_when(row.start_at, tutor_profile.timezone or cls.timezone)
        body = f"Session {row.seq} of your class {cls.title} starts {lead_text(lead)}, on {when}."
        notify(session, user_id=due.recipient_user_id, kind="reminder", title=subject, body=body,
               link=f"/classes/{cls.id}", now=now)
        return
    when = local_when(row.start_at, student_zone(session, due.recipient_user_id))
    if not due.kind.startswith("guardian_"):
        body = f"Session {row.seq} of {cls.title} starts {lead_text(lead)}, on {when}."
        notify(session, user_id=due.recipient_user_id, kind="reminder", title=subject, body=body,
               link=f"/classes/{cls.id}", now=now)
        return
    profile = session.exec(select(StudentProfile).where(col(StudentProfile.user_id) == due.recipient_user_id)).first()
    student = session.get(User, due.recipient_user_id)
    if profile is None:
        return
    body = f"{student.full_name if student else 'Your student'}'s class {cls.title} starts {lead_text(lead)}, on {when}."
    if profile.guardian_email:
        queue_message(session, channel="email", recipient=profile.guardian_email, subject=subject, body=body)
    if profile.guardian_phone:
        for channel in ("sms", "whatsapp"):
            if is_enabled(session, due.recipient_user_id, "reminder", channel):
                queue_message(session, channel=channel, recipient=profile.guardian_phone, subject=subject, body=body)


def send_class_reminder(session: Session, due: DueClassReminder, *, now: datetime) -> bool:
    """Send one reminder in the caller's transaction; False (nothing written) when the session no longer
    qualifies or it was sent already. IntegrityError when a concurrent sender won (the caller rolls back)."""
    row = session.exec(select(ClassSession).where(col(ClassSession.id) == due.session_id).with_for_update()).first()
    cls = session.get(GroupClass, row.class_id) if row is not None else None
    if row is None or cls is None or row.status != SessionStatus.SCHEDULED or cls.status not in ClassStatus.OPEN \
            or row.start_at != due.session_start_at or now >= row.start_at:
        return False
    tutor_user = session.exec(select(TutorProfile.user_id).where(col(TutorProfile.id) == cls.tutor_id)).first()
    if due.recipient_user_id != tutor_user and session.exec(select(ClassEnrolment.id).where(
            col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.student_id) == due.recipient_user_id,
            col(ClassEnrolment.status) == SeatStatus.ENROLLED)).first() is None:
        return False  # left the class since
    if session.exec(select(ClassReminderLog.id).where(
            col(ClassReminderLog.session_id) == due.session_id, col(ClassReminderLog.kind) == due.kind,
            col(ClassReminderLog.recipient_user_id) == due.recipient_user_id,
            col(ClassReminderLog.session_start_at) == due.session_start_at)).first() is not None:
        return False
    session.add(ClassReminderLog(session_id=due.session_id, recipient_user_id=due.recipient_user_id, kind=due.kind,
                                 session_start_at=due.session_start_at, due_at=due.due_at, sent_at=now))
    session.flush()  # the unique key: a concurrent duplicate fails here, before anything is sent
    _deliver(session, row, cls, due, now)
    return True


def run_class_reminders(*, now: datetime) -> dict[str, int]:
    """Find what is due, send each reminder in its own transaction."""
    with session_scope(read_only=True) as session:
        due_list = find_due(session, now=now)
    sent = skipped = 0
    for due in due_list:
        try:
            with session_scope() as session:
                ok = send_class_reminder(session, due, now=now)
        except IntegrityError:
            ok = False
        sent += ok
        skipped += not ok
    return {"class_sent": sent, "class_skipped": skipped}
