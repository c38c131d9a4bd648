"""Lesson reminders, 24 h and 1 h before every confirmed lesson, exactly once per
(lesson occurrence, recipient, kind) — to the student, their guardian (when the student profile
has a guardian email / phone) and the tutor, through each one's chosen channels.

Decisions (also in the README):
- Due instants are computed in UTC from the stored UTC start: "24 h before" is 24 real hours, also
  across a DST change (a 09:00 Berlin lesson the morning after clocks go forward is reminded at
  08:00 local the day before, not 09:00). Reminders are about elapsed time, not wall clocks.
- "While still useful": a due reminder is sent as long as the lesson has not started and no later
  reminder supersedes it — the 24 h reminder is dropped once the 1 h one is due. So after an
  outage of any length, each recipient gets at most the one reminder that still makes sense.
- A lesson booked, confirmed or moved after a reminder's due instant does not get that reminder
  (booked 5 h ahead: no "24 h" reminder; the booking confirmation already told them).
- Only CONFIRMED lessons are reminded; a lesson cancelled (or otherwise moved out of CONFIRMED)
  before its reminder is due gets none. A rescheduled lesson is a new occurrence (the start is
  part of the log key) and is reminded again for its new time.
- Exactly once: each reminder is its own transaction that locks the booking row (PostgreSQL; on
  SQLite the write transaction is already exclusive), re-checks the booking, inserts the
  `reminder_logs` row and only then writes the notification and its outbox rows. The log's UNIQUE
  key is the real guard: a concurrent scheduler (or a restart) hitting it rolls back and skips.
  Email/SMS copies go through the outbox queue, so a failed provider call is retried, not lost,
  and never re-creates the reminder.
- Guardian accounts with an ACTIVE link to the student (learning) are users: each gets the
  reminder as a notification through their own channel preferences, logged under their own id
  (kinds "24h"/"1h", the same unique key).
- Guardians named on the student profile (not users) get email (guardian_email) and, if the student opted into SMS /
  WhatsApp reminders, a text to guardian_phone; logged with kind "guardian_24h"/"guardian_1h"
  under the student's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.db import session_scope
from tutorhub.models.accounts import StudentProfile, User
from tutorhub.models.bookings import Booking, BookingEvent, BookingStatus
from tutorhub.models.notifications import ReminderLog
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.booking.notify import guardian_ids, local_when
from tutorhub.services.booking.views import student_zone
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.messaging.preferences import is_enabled
from tutorhub.services.outbox import queue_message
from tutorhub.services.platform.store import int_value

# The two reminders keep their kinds ("24h" = the first, "1h" = the second: the reminder log's key)
# whatever offsets an admin sets (platform settings reminder_first_hours / reminder_second_minutes).
KINDS = ("24h", "1h")


def leads() -> dict[str, timedelta]:
    """How long before the lesson each reminder kind goes out (admin-set; default 24 h and 1 h)."""
    return {"24h": timedelta(hours=int_value("reminder_first_hours")),
            "1h": timedelta(minutes=int_value("reminder_second_minutes"))}


def lead_text(kind: str) -> str:
    """ "in 24 hours", "in 1 hour", "in 30 minutes" for a reminder kind."""
    seconds = int(leads()[kind].total_seconds())
    amount, unit = (seconds // 3600, "hour") if seconds % 3600 == 0 else (seconds // 60, "minute")
    return f"in {amount} {unit}{'' if amount == 1 else 's'}"


@dataclass(frozen=True)
class DueReminder:
    booking_id: int
    recipient_user_id: int  # the student's id for profile-guardian reminders; a linked guardian's own id
    kind: str  # 24h | 1h | guardian_24h | guardian_1h
    lesson_start_at: datetime
    due_at: datetime


def _lead(kind: str) -> str:
    return kind.removeprefix("guardian_")


def _arranged_at(session: Session, booking: Booking) -> datetime:
    """When the lesson got its current time and confirmation: the later of confirmation and the
    last reschedule (a reminder due before that is not sent)."""
    moved = session.exec(
        select(func.max(BookingEvent.created_at)).where(BookingEvent.booking_id == booking.id,
                                                         BookingEvent.action == "reschedule")
    ).one()
    times = [t for t in (booking.confirmed_at, booking.created_at, moved) if t is not None]
    latest = max(times)
    return latest if latest.tzinfo else latest.replace(tzinfo=booking.start_at.tzinfo)


def _wanted(booking: Booking, kind: str, now: datetime, arranged: datetime) -> datetime | None:
    """The due instant when this kind of reminder should go out now, else None."""
    offsets = leads()
    due = booking.start_at - offsets[_lead(kind)]
    if due > now or now >= booking.start_at or arranged >= due:
        return None
    if _lead(kind) == "24h" and now >= booking.start_at - offsets["1h"]:
        return None  # superseded by the 1 h reminder
    return due


def find_due(session: Session, *, now: datetime) -> list[DueReminder]:
    """Every reminder that should go out at `now` and has not been sent yet."""
    horizon = now + max(leads().values())
    rows = session.exec(
        select(Booking).where(Booking.status == BookingStatus.CONFIRMED, col(Booking.start_at) > now,
                              col(Booking.start_at) <= horizon).order_by(col(Booking.start_at))
    ).all()
    out: list[DueReminder] = []
    for booking in rows:
        assert booking.id is not None
        arranged = _arranged_at(session, booking)
        tutor_user = session.exec(select(TutorProfile.user_id).where(TutorProfile.id == booking.tutor_id)).first()
        profile = session.exec(select(StudentProfile).where(StudentProfile.user_id == booking.student_id)).first()
        has_guardian = profile is not None and bool(profile.guardian_email or profile.guardian_phone)
        linked = guardian_ids(session, booking.student_id)
        sent = {(r.recipient_user_id, r.kind) for r in session.exec(
            select(ReminderLog).where(ReminderLog.booking_id == booking.id,
                                      ReminderLog.lesson_start_at == booking.start_at)).all()}
        for lead in KINDS:
            due = _wanted(booking, lead, now, arranged)
            if due is None:
                continue
            targets = [(booking.student_id, lead)]
            if tutor_user is not None:
                targets.append((int(tutor_user), lead))
            if has_guardian:
                targets.append((booking.student_id, f"guardian_{lead}"))
            targets.extend((gid, lead) for gid in linked)
            out.extend(DueReminder(booking.id, uid, kind, booking.start_at, due)
                       for uid, kind in targets if (uid, kind) not in sent)
    return out


def _deliver(session: Session, booking: Booking, due: DueReminder, now: datetime) -> None:
    lead = _lead(due.kind)
    student = session.get(User, booking.student_id)
    tutor_profile = session.get(TutorProfile, booking.tutor_id)
    tutor = session.get(User, tutor_profile.user_id) if tutor_profile else None
    student_name = student.full_name if student else "your student"
    tutor_name = tutor.full_name if tutor else "your tutor"
    link = f"/lessons/{booking.id}"
    subject = f"Reminder: lesson {lead_text(lead)}"
    if due.kind.startswith("guardian_"):
        profile = session.exec(select(StudentProfile).where(StudentProfile.user_id == booking.student_id)).first()
        if profile is None:
            return
        when = local_when(booking.start_at, student_zone(session, booking.student_id))
        body = f"{student_name}'s lesson with {tutor_name} starts {lead_text(lead)}, on {when}."
        if profile.guardian_email:
            queue_message(session, channel="email", recipient=profile.guardian_email, subject=subject, body=body)
        if profile.guardian_phone:
            for channel in ("sms", "whatsapp"):
                if is_enabled(session, booking.student_id, "reminder", channel):
                    queue_message(session, channel=channel, recipient=profile.guardian_phone, subject=subject, body=body)
        return
    if due.recipient_user_id == booking.student_id:
        when = local_when(booking.start_at, student_zone(session, booking.student_id))
        body = f"Your lesson with {tutor_name} starts {lead_text(lead)}, on {when}."
    elif tutor is None or due.recipient_user_id != tutor.id:  # a linked guardian (re-checked: still linked?)
        if due.recipient_user_id not in guardian_ids(session, booking.student_id):
            return
        guardian = session.get(User, due.recipient_user_id)
        when = local_when(booking.start_at, guardian.timezone if guardian and guardian.timezone else "UTC")
        body = f"{student_name}'s lesson with {tutor_name} starts {lead_text(lead)}, on {when}."
        subject, link = f"{student_name}: {subject}", "/guardian"
    else:
        when = local_when(booking.start_at, tutor_profile.timezone if tutor_profile else "UTC")
        body = f"Your lesson with {student_name} starts {lead_text(lead)}, on {when}."
    notify(session, user_id=due.recipient_user_id, kind="reminder", title=subject, body=body, link=link, now=now)


def send_reminder(session: Session, due: DueReminder, *, now: datetime, holder: str = "") -> bool:
    """Send one reminder in the caller's transaction. False (nothing written) when the lesson no
    longer qualifies or the reminder was already sent; raises IntegrityError when a concurrent
    sender inserted the same log row first (the caller rolls back)."""
    booking = session.exec(select(Booking).where(Booking.id == due.booking_id).with_for_update()).first()
    if booking is None or booking.status != BookingStatus.CONFIRMED or booking.start_at != due.lesson_start_at:
        return False
    if now >= booking.start_at:
        return False
    exists = session.exec(select(ReminderLog.id).where(
        ReminderLog.booking_id == due.booking_id, ReminderLog.recipient_user_id == due.recipient_user_id,
        ReminderLog.kind == due.kind, ReminderLog.lesson_start_at == due.lesson_start_at)).first()
    if exists is not None:
        return False
    session.add(ReminderLog(booking_id=due.booking_id, recipient_user_id=due.recipient_user_id, kind=due.kind,
                            lesson_start_at=due.lesson_start_at, due_at=due.due_at, sent_at=now, holder=holder[:120]))
    session.flush()  # the unique key: a concurrent duplicate fails here, before anything is sent
    _deliver(session, booking, due, now)
    return True


def run_reminders(*, now: datetime, holder: str = "") -> dict[str, int]:
    """The minutely job: find what is due, send each reminder in its own transaction."""
    with session_scope(read_only=True) as session:
        due_list = find_due(session, now=now)
    sent = skipped = 0
    for due in due_list:
        try:
            with session_scope() as session:
                ok = send_reminder(session, due, now=now, holder=holder)
        except IntegrityError:
            ok = False
        sent += ok
        skipped += not ok
    return {"sent": sent, "skipped": skipped}
