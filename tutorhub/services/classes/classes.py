"""Tutors create, publish and cancel group classes.

Creating a class (DRAFT) expands its rule into sessions (schedule.py); nothing is blocked yet. Publishing
takes the tutor's time through the same guarded path as lessons (services/booking/guard.py): the tutor
lock first, then every session's padded block is checked against lessons and holds (a hold past its 15
minutes is released instead of counting), the tutor's manual and imported busy time, and the sessions of
their other classes; any conflict refuses the publish (409) with the conflicts listed. Otherwise the
sessions become `blocking` — busy time for every reader (calendar_store.busy_spans), so the booking path
refuses 1:1 lessons over them — and the free-slot index is refreshed in the same transaction, which
tells open slot pages to re-read (live). On PostgreSQL the exclusion constraint of migration 0017 backs
the check between classes.

Cancelling (tutor) frees the remaining sessions' time and refunds every seat the share of the sessions
not yet started (seat_money.py); waitlisted students are released at no cost.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole, Booking, BookingStatus
from tutorhub.models.classes import ClassEnrolment, ClassSession, ClassStatus, GroupClass, SeatStatus, SessionStatus
from tutorhub.models.scheduling import BusyInterval
from tutorhub.services.actor import UserOut
from tutorhub.services.booking.guard import block_of, flush_or_conflict, lock_tutors, release_stale_holds
from tutorhub.services.catalog import normalize_grade, normalize_subject
from tutorhub.services.classes import class_chat, seat_money
from tutorhub.services.classes.access import approved_tutor, class_sessions, load_class, owned_class
from tutorhub.services.classes.lifecycle import ClassActor, record, transition
from tutorhub.services.classes.schedule import expand
from tutorhub.services.classes.views import CreatedClass, session_out
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.scheduling.calendar_store import load_calendar
from tutorhub.services.scheduling.engine.tzclock import to_minute
from tutorhub.services.scheduling.free_index import refresh_tutor_free_slots
from tutorhub.services.tutors.reliability import add_class_strike
from tutorhub.services.validation import check_fields, clean_int, clean_text, fail, validate_currency

MODES = ("online", "home", "centre")
ONLINE_MAX = 8  # the video room holds everyone
IN_PERSON_MAX = 30
DURATIONS = (30, 45, 60, 75, 90, 120, 150, 180)


def _mode(value: Any) -> str:
    if value not in MODES:
        raise fail("mode", "must be online, home or centre")
    return str(value)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    mode = data.get("mode") or "online"
    checks = [
        ("title", lambda: clean_text(data.get("title"), "title", max_len=120, required=True)),
        ("subject", lambda: normalize_subject(data.get("subject"))),
        ("grade", lambda: normalize_grade(data.get("grade")) if data.get("grade") not in (None, "") else ""),
        ("description", lambda: clean_text(data.get("description"), "description", max_len=4000, multiline=True)),
        ("mode", lambda: _mode(mode)),
        ("capacity", lambda: clean_int(data.get("capacity"), "capacity", minimum=2,
                                       maximum=ONLINE_MAX if mode == "online" else IN_PERSON_MAX)),
        ("min_size", lambda: clean_int(data.get("min_size", 1), "min_size", minimum=1, maximum=IN_PERSON_MAX)),
        ("price_minor", lambda: clean_int(data.get("price_minor"), "price_minor", minimum=0, maximum=10**8)),
        ("currency", lambda: validate_currency(data.get("currency"))),
        ("duration_min", lambda: clean_int(data.get("duration_min"), "duration_min", minimum=15, maximum=240)),
    ]
    values = check_fields(checks)
    if values["duration_min"] not in DURATIONS:
        raise fail("duration_min", f"must be one of {', '.join(map(str, DURATIONS))} minutes")
    if values["min_size"] > values["capacity"]:
        raise fail("min_size", "must not be more than the capacity")
    return values


def create_class(session: Session, *, actor: UserOut | None, data: dict[str, Any], now: datetime | None = None
                 ) -> CreatedClass:
    """A DRAFT class with its sessions expanded from the rule (422 for a bad rule or field)."""
    now = now or utcnow()
    profile = approved_tutor(session, actor)
    if not isinstance(data, dict):
        raise fail("body", "must be an object")
    values = _clean(data)
    times = expand(data.get("rrule"), data.get("first_start_local"), data.get("timezone"), values["duration_min"])
    if times[0].start_at <= now:
        raise fail("first_start_local", "must be in the future")
    assert profile.id is not None
    cls = GroupClass(
        tutor_id=profile.id, **values, timezone=str(data["timezone"]).strip(), rrule=str(data["rrule"]).strip(),
        first_start_local=str(data["first_start_local"]).strip(), first_start_at=times[0].start_at,
        last_end_at=times[-1].end_at, session_count=len(times), created_at=now, updated_at=now,
    )
    session.add(cls)
    session.flush()
    assert cls.id is not None
    rows = [ClassSession(class_id=cls.id, tutor_id=profile.id, seq=i, start_at=t.start_at, end_at=t.end_at,
                         block_start=t.start_at, block_end=t.end_at, room_key=secrets.token_urlsafe(24))
            for i, t in enumerate(times, start=1)]
    session.add_all(rows)
    session.flush()
    return CreatedClass(id=cls.id, status=cls.status, sessions=[session_out(r, cls.timezone) for r in rows])


def _conflicts(session: Session, cls: GroupClass, rows: list[ClassSession], now: datetime) -> list[dict[str, Any]]:
    """Everything of the tutor's that overlaps a session's padded block (lessons, holds, busy time,
    other classes), one entry per (session, clash); stale holds are released instead of counting."""
    lo, hi = rows[0].block_start, rows[-1].block_end
    lessons = session.connection().execute(sa_select(
        col(Booking.id), col(Booking.status), col(Booking.hold_expires_at), col(Booking.block_start),
        col(Booking.block_end), col(Booking.start_at), col(Booking.end_at),
    ).where(col(Booking.tutor_id) == cls.tutor_id, col(Booking.status).in_(BookingStatus.BLOCKING),
            col(Booking.block_start) < hi, col(Booking.block_end) > lo)).all()
    stale = [bid or 0 for bid, status, expires, *_ in lessons
             if status == BookingStatus.PENDING_PAYMENT and expires is not None and expires <= now]
    if stale:
        release_stale_holds(session, cls.tutor_id, now, stale)
    busy = session.connection().execute(sa_select(
        col(BusyInterval.start_at), col(BusyInterval.end_at), col(BusyInterval.source),
    ).where(col(BusyInterval.tutor_id) == cls.tutor_id, col(BusyInterval.start_at) < hi,
            col(BusyInterval.end_at) > lo)).all()
    others = session.connection().execute(sa_select(
        col(ClassSession.class_id), col(ClassSession.block_start), col(ClassSession.block_end),
        col(ClassSession.start_at), col(ClassSession.end_at),
    ).where(col(ClassSession.tutor_id) == cls.tutor_id, col(ClassSession.blocking),
            col(ClassSession.class_id) != cls.id, col(ClassSession.block_start) < hi,
            col(ClassSession.block_end) > lo)).all()
    out: list[dict[str, Any]] = []
    for row in rows:
        def clash(kind: str, start: datetime, end: datetime, ref: int | None = None, row: ClassSession = row) -> None:
            out.append({"session_seq": row.seq, "session_start": row.start_at.isoformat(), "kind": kind,
                        "start": start.isoformat(), "end": end.isoformat(), "id": ref})
        for bid, status, _, b_start, b_end, start, end in lessons:
            if bid in stale or not (b_start < row.block_end and b_end > row.block_start):
                continue
            clash("hold" if status == BookingStatus.PENDING_PAYMENT else "lesson", start, end, bid)
        for start, end, source in busy:
            if start < row.end_at and end > row.start_at:
                clash(f"busy_{source}", start, end)
        for class_id, b_start, b_end, start, end in others:
            if b_start < row.block_end and b_end > row.block_start:
                clash("class", start, end, class_id)
    return out


def publish_class(session: Session, *, actor: UserOut | None, class_id: Any, now: datetime | None = None
                  ) -> dict[str, str]:
    """DRAFT → PUBLISHED: the sessions take the tutor's time, or 409 with `conflicts` (nothing changes)."""
    now = now or utcnow()
    cls, profile = owned_class(session, actor, class_id)
    approved_tutor(session, actor)
    if cls.status != ClassStatus.DRAFT:
        raise Conflict("Only a draft class can be published.", extra={"status": cls.status})
    rows = class_sessions(session, cls.id or 0)
    if rows[0].start_at <= now:
        raise fail("first_start_local", "the first session has already begun; create the class again with a later start")
    lock_tutors(session, [cls.tutor_id])
    start_min = to_minute(rows[0].start_at)
    cal = load_calendar(session, cls.tutor_id, start_min, start_min + 1, zone=profile.timezone)
    for row in rows:
        row.block_start, row.block_end = block_of(row.start_at, row.end_at, cal)
    conflicts = _conflicts(session, cls, rows, now)
    if conflicts:
        raise Conflict(f"{len({c['session_seq'] for c in conflicts})} of the class's sessions clash with your "
                       "lessons, holds, busy time or other classes.", extra={"conflicts": conflicts[:200]})
    for row in rows:
        row.blocking = True
        session.add(row)
    cls.published_at = now
    transition(session, cls, ClassStatus.PUBLISHED, action="publish", actor=_actor(actor), now=now)
    class_chat.ensure_class_chat(session, cls, now)
    flush_or_conflict(session, conflict=lambda _msg: Conflict(
        "Another class of yours took this time a moment ago.", extra={"conflicts": []}))
    refresh_tutor_free_slots(session, cls.tutor_id, now=now)
    return {"status": cls.status}


def _actor(actor: UserOut | None) -> ClassActor:
    assert actor is not None
    return ClassActor(actor.id, ActorRole.TUTOR if actor.role == Role.TUTOR else ActorRole.ADMIN)


def call_off(session: Session, cls: GroupClass, *, actor: ClassActor, now: datetime, reason: str,
             full_refund: bool) -> int:
    """Cancel the class: free the sessions still ahead, refund the seats, release the waitlist;
    returns how many seats were refunded. The caller holds the class row lock."""
    rows = class_sessions(session, cls.id or 0)
    ahead = [r for r in rows if r.start_at > now and r.status == SessionStatus.SCHEDULED]
    for row in ahead:
        row.status = SessionStatus.CANCELLED
        row.blocking = False
        session.add(row)
    transition(session, cls, ClassStatus.CANCELLED, action="cancel", actor=actor, now=now, reason=reason)
    cls.cancelled_at = now
    cls.cancel_reason = reason[:500]
    share = (len(rows), len(rows) if full_refund else len(ahead))
    told = list(session.exec(select(ClassEnrolment.student_id).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.status).in_(SeatStatus.LIVE))).all())
    refunded = seat_money.refund_all_seats(session, cls, sessions_refunded=share, actor=actor, now=now)
    class_chat.notify_students(session, cls, told, title=f"{cls.title} is cancelled", now=now,
                               body=f"{reason} Paid seats are refunded"
                                    f"{' in full' if full_refund else ' for the sessions not yet held'}, "
                                    "the way they were paid (wallet, credit minutes or card).")
    cls.seats_taken = 0
    session.add(cls)
    session.flush()
    refresh_tutor_free_slots(session, cls.tutor_id, now=now)
    return refunded


def cancel_class(session: Session, *, actor: UserOut | None, class_id: Any, reason: Any = None,
                 now: datetime | None = None) -> dict[str, str]:
    """The tutor calls the class off: sessions still ahead are refunded to every seat (per session)."""
    now = now or utcnow()
    cls, _ = owned_class(session, actor, class_id)
    cls = load_class(session, cls.id, lock=True)
    text = clean_text(reason, "reason", max_len=500) or "Cancelled by the tutor."
    if cls.status not in (ClassStatus.DRAFT, *ClassStatus.OPEN):
        raise Conflict("This class is already over or cancelled.", extra={"status": cls.status})
    next_session = next((r for r in class_sessions(session, cls.id or 0)
                         if r.start_at > now and r.status == SessionStatus.SCHEDULED), None)
    students = _enrolled(session, cls)
    call_off(session, cls, actor=_actor(actor), now=now, reason=text, full_refund=False)
    if students and next_session is not None:
        _strike(session, cls, next_session, now)
    return {"status": cls.status}


def _enrolled(session: Session, cls: GroupClass) -> int:
    return len(session.exec(select(ClassEnrolment.id).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.status) == SeatStatus.ENROLLED)).all())


def _strike(session: Session, cls: GroupClass, row: ClassSession, now: datetime) -> None:
    """The tutor called off a class or a session that students had paid for: a reliability strike, as for a
    cancelled lesson (one per cancellation, named by the first session it took away; none for a draft or a
    class nobody had joined, nor for the minimum-size auto-cancel)."""
    assert row.id is not None
    add_class_strike(session, tutor_id=cls.tutor_id, class_session_id=row.id, start_at=row.start_at, now=now)



def cancel_session(session: Session, *, actor: UserOut | None, class_id: Any, session_id: Any,
                   now: datetime | None = None) -> dict[str, Any]:
    """The tutor calls off one session still ahead: its time is freed and every paid seat gets that
    session's share back (the class goes on; cancelling its only remaining session cancels the class)."""
    now = now or utcnow()
    cls, _ = owned_class(session, actor, class_id)
    cls = load_class(session, cls.id, lock=True)
    if cls.status not in ClassStatus.OPEN:
        raise Conflict("Only sessions of a published or running class can be cancelled.", extra={"status": cls.status})
    rows = class_sessions(session, cls.id or 0)
    row = next((r for r in rows if str(r.id) == str(session_id).strip()), None)
    if row is None:
        raise NotFound("No such session.")
    if row.status != SessionStatus.SCHEDULED or row.start_at <= now:
        raise Conflict("Only a session that has not started can be cancelled.")
    if not [r for r in rows if r.id != row.id and r.status == SessionStatus.SCHEDULED and r.start_at > now] and \
            not [r for r in rows if r.status == SessionStatus.COMPLETED]:
        students = _enrolled(session, cls)
        call_off(session, cls, actor=_actor(actor), now=now, reason="The tutor cancelled the only remaining session.",
                 full_refund=False)
        if students:
            _strike(session, cls, row, now)
        return {"status": cls.status, "refunded_seats": 0}
    row.status, row.blocking = SessionStatus.CANCELLED, False
    session.add(row)
    refunded = seat_money.refund_session_share(session, cls, row.id or 0, now=now)
    if _enrolled(session, cls):
        _strike(session, cls, row, now)
    record(session, cls, action="cancel_session", from_status=SessionStatus.SCHEDULED, to_status=SessionStatus.CANCELLED,
           actor=_actor(actor), now=now, reason=f"session {row.seq} on {row.start_at.isoformat()}")
    session.flush()
    refresh_tutor_free_slots(session, cls.tutor_id, now=now)
    return {"status": cls.status, "refunded_seats": refunded}
