"""Students enrol in a class, join its waitlist, take an offered seat, or leave.

The database guarantees the capacity: a seat is taken only by the conditional UPDATE
`seats_taken = seats_taken + 1 WHERE seats_taken < capacity` (one statement — no read-then-write),
with `CHECK (seats_taken <= capacity)` behind it. On PostgreSQL the UPDATE row-locks the class, so
concurrent enrolments queue there and each re-evaluates the condition after the previous one
committed; on SQLite write transactions are serialized (BEGIN IMMEDIATE). The seat is paid in the
same transaction (seat_money.py; credit minutes at the group rate: seat_credits.py): when the wallet or
the credits are short the whole transaction rolls back with 402 and the seat was never taken. Whoever
finds no seat joins the waitlist, charged nothing.

`seats_taken` counts ENROLLED and OFFERED seats. A freed seat (a leave, an offer that ran out) goes at
once to the first in line as an OFFER: it is held for them for `OFFER_WINDOW` (never past the first
session's start) while they pay with the same enrol call; if they do not, the job passes it on.

Leaving: waitlisted or offered students leave at no cost; an enrolled student is refunded, per
session, the share of the sessions that start at least `FULL_REFUND_NOTICE` from now (the platform's
full-refund tier for lessons), nothing for sessions closer than that.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.bookings import ActorRole
from tutorhub.models.classes import ClassEnrolment, ClassSession, ClassStatus, GroupClass, SeatStatus, SessionStatus
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.booking.guard import flush_or_conflict
from tutorhub.services.classes import class_chat, seat_credits, seat_gateway, seat_money, seat_take
from tutorhub.services.classes.access import load_class
from tutorhub.services.classes.lifecycle import SYSTEM, ClassActor, record
from tutorhub.services.classes.seat_take import AlreadyEnrolled
from tutorhub.services.errors import Conflict, NotFound
from tutorhub.services.validation import clean_id, fail

METHODS = ("wallet", "credits", "gateway")
PAYABLE = METHODS  # what the class page's pay choice may send
OFFER_WINDOW = timedelta(hours=12)
FULL_REFUND_NOTICE = timedelta(hours=24)


def _take_seat(session: Session, class_id: int) -> bool:
    """Atomically take one seat if one is free (the capacity guard)."""
    result = session.execute(
        update(GroupClass)
        .where(col(GroupClass.id) == class_id, col(GroupClass.status) == ClassStatus.PUBLISHED,
               col(GroupClass.seats_taken) < col(GroupClass.capacity))
        .values(seats_taken=GroupClass.seats_taken + 1)  # type: ignore[operator]
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result) == 1


def free_seat(session: Session, class_id: int) -> None:
    session.execute(
        update(GroupClass).where(col(GroupClass.id) == class_id, col(GroupClass.seats_taken) > 0)
        .values(seats_taken=GroupClass.seats_taken - 1)  # type: ignore[operator]
        .execution_options(synchronize_session=False)
    )


def _live_seat(session: Session, class_id: int, student_id: int) -> ClassEnrolment | None:
    """The student's live seat in the class, row-locked (`leave`)."""
    return session.exec(select(ClassEnrolment).where(
        col(ClassEnrolment.class_id) == class_id, col(ClassEnrolment.student_id) == student_id,
        col(ClassEnrolment.status).in_(SeatStatus.LIVE)).with_for_update()).first()


def _method(value: Any) -> str:
    if not isinstance(value, str) or value not in METHODS:
        raise fail("method", "must be wallet, credits or gateway")
    return value


def _pay(session: Session, seat: ClassEnrolment, cls: GroupClass, actor: ClassActor, now: datetime,
         method: str) -> None:
    if method == "credits":
        seat_credits.charge_credits(session, seat, cls, now=now)
    else:
        seat_money.charge_wallet(session, seat, cls, now=now)
    seat_money.mark_enrolled(session, seat, cls, actor, now)


def _pay_or_check_out(session: Session, seat: ClassEnrolment, cls: GroupClass, user: UserOut, who: ClassActor,
                      now: datetime, method: str) -> dict[str, Any]:
    """Pay the held seat now (wallet, credits), or hold it for a hosted checkout (gateway: the seat stays
    OFFERED until the webhook confirms it; the answer carries `checkout_url`)."""
    if method == "gateway" and cls.price_minor > 0:
        url = seat_gateway.start_seat_checkout(session, seat, cls, user, now=now)
        return {"status": seat.status, "enrolment_id": seat.id, "method": method, "checkout_url": url}
    free = cls.price_minor <= 0  # a free class costs no money and no credit minutes
    _pay(session, seat, cls, who, now, "wallet" if method == "gateway" or free else method)
    return {"status": seat.status, "enrolment_id": seat.id, "method": method}


def enrol(session: Session, *, actor: UserOut | None, class_id: Any, method: Any = "wallet",
          now: datetime | None = None) -> dict[str, Any]:
    """Take a seat and pay for it (201 ENROLLED), or join the waitlist (201 WAITLISTED, nothing charged);
    an offered seat is taken by paying. Through the gateway the seat is held (OFFERED, `checkout_url`)
    until the payment's webhook enrols it (seat_gateway.py). 402 when the wallet (or the credits) are short, 409 when already enrolled."""
    now = now or utcnow()
    user = require_role(actor, Role.STUDENT)
    chosen = _method(method)
    # No lock: only the seat-taking UPDATE below locks the class row. No lock on the student's seat
    # either: the partial unique index refuses a second live seat, and paying an offer twice posts
    # once (the payment's idempotency key), so concurrent calls of one student cannot double-charge.
    cls, live = _class_and_live_seat(session, class_id, user.id)
    assert cls.id is not None
    who = ClassActor(user.id, ActorRole.STUDENT)
    if cls.status != ClassStatus.PUBLISHED or cls.first_start_at <= now:
        raise Conflict("This class is not open for enrolment.", extra={"status": cls.status})
    if live is not None and live[1] != SeatStatus.OFFERED:
        raise AlreadyEnrolled(live[1])
    if live is not None:  # an offered seat: it is already counted, pay for it
        seat = session.get(ClassEnrolment, live[0])
        assert seat is not None
        if seat.offer_expires_at is not None and seat.offer_expires_at <= now:
            raise Conflict("Your seat offer has run out.", extra={"status": seat.status})
        return _pay_or_check_out(session, seat, cls, user, who, now, chosen)
    # A class already read as full sends the caller to the waitlist without queueing on the class row
    # (a seat freed meanwhile is offered to the first in line, here or by the job: `fill_free_seats`).
    # A seat paid from the wallet takes only a few statements under that lock (seat_take.py): every
    # other enroller of the class queues behind them.
    if cls.seats_taken < cls.capacity and _take_seat(session, cls.id):
        if seat_take.pays_now_from_wallet(cls, chosen):
            seat = seat_take.enrol_taken(session, cls, user.id, who, now)
            return {"status": seat.status, "enrolment_id": seat.id, "method": chosen}
        seat = ClassEnrolment(class_id=cls.id, student_id=user.id, status=SeatStatus.OFFERED, created_at=now)
        session.add(seat)
        flush_or_conflict(session, conflict=lambda _m: AlreadyEnrolled(SeatStatus.ENROLLED))
        if chosen == "gateway":
            record(session, cls, action="hold", from_status="", to_status=seat.status, actor=who, now=now,
                   enrolment_id=seat.id)
        return _pay_or_check_out(session, seat, cls, user, who, now, chosen)
    table = ClassEnrolment.__table__  # type: ignore[attr-defined]  # a plain INSERT: most racers end here
    try:
        seat_id = session.execute(insert(table).values(
            class_id=cls.id, student_id=user.id, status=SeatStatus.WAITLISTED, created_at=now,
        ).returning(table.c.id)).scalar_one()
    except IntegrityError as exc:  # the partial unique index: a live seat of this student already
        raise AlreadyEnrolled(SeatStatus.WAITLISTED) from exc
    record(session, cls, action="waitlist", from_status="", to_status=SeatStatus.WAITLISTED, actor=who, now=now,
           enrolment_id=seat_id)
    return {"status": SeatStatus.WAITLISTED, "enrolment_id": seat_id, "method": chosen}


def _class_and_live_seat(session: Session, class_id: Any, student_id: int) -> tuple[GroupClass, tuple[int, str] | None]:
    """The class and the student's live seat in it (id, status), if any, in one read (at most one row:
    the partial unique index allows one live seat per student and class)."""
    cid = clean_id(class_id, "No such class.")
    row = session.exec(
        select(GroupClass, ClassEnrolment.id, ClassEnrolment.status)
        .outerjoin(ClassEnrolment, and_(col(ClassEnrolment.class_id) == col(GroupClass.id),
                                        col(ClassEnrolment.student_id) == student_id,
                                        col(ClassEnrolment.status).in_(SeatStatus.LIVE)))
        .where(col(GroupClass.id) == cid)
    ).first()
    if row is None:
        raise NotFound("No such class.")
    cls, seat_id, status = row
    return cls, (seat_id, status) if seat_id is not None else None


def offer_next(session: Session, cls: GroupClass, *, now: datetime) -> ClassEnrolment | None:
    """Give a free seat to the first student in line (OFFERED, held for OFFER_WINDOW); the caller
    has freed it. None (and the seat stays free) when nobody is waiting or the class has started."""
    assert cls.id is not None
    if cls.status != ClassStatus.PUBLISHED or cls.first_start_at <= now:
        return None
    first = session.exec(select(ClassEnrolment).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.status) == SeatStatus.WAITLISTED,
    ).order_by(col(ClassEnrolment.id)).limit(1).with_for_update()).first()
    if first is None or not _take_seat(session, cls.id):
        return None
    first.status = SeatStatus.OFFERED
    first.offer_expires_at = min(now + OFFER_WINDOW, cls.first_start_at)
    session.add(first)
    record(session, cls, action="offer", from_status=SeatStatus.WAITLISTED, to_status=SeatStatus.OFFERED,
           actor=SYSTEM, now=now, enrolment_id=first.id)
    class_chat.notify_students(session, cls, [first.student_id], title=f"A seat in {cls.title} is yours to take",
                               body="A seat came free and you are first in line. Pay for it on the class page "
                                    "within 12 hours, or it passes to the next student.", now=now)
    return first


def end_seat(session: Session, cls: GroupClass, seat: ClassEnrolment, *, to_status: str, action: str,
             actor: ClassActor, now: datetime, reason: str = "") -> ClassEnrolment | None:
    """End one live seat, whichever way it ends (left, refunded, suspended, offer run out): an enrolled
    student leaves the class chat, the change is recorded, and a seat it held goes to the first in line
    (returned). Money is the caller's, since each way out refunds differently."""
    assert cls.id is not None
    before = seat.status
    if before == SeatStatus.ENROLLED:
        class_chat.remove_student(session, cls, seat.student_id, now)
    seat.status, seat.ended_at = to_status, now
    session.add(seat)
    record(session, cls, action=action, from_status=before, to_status=to_status, actor=actor, now=now,
           reason=reason, enrolment_id=seat.id)
    session.flush()
    if before not in SeatStatus.HOLDS_SEAT:
        return None
    free_seat(session, cls.id)
    session.refresh(cls)
    return offer_next(session, cls, now=now)


def _refund_on_leave(session: Session, seat: ClassEnrolment, cls: GroupClass, now: datetime) -> int:
    sessions = session.exec(select(ClassSession.start_at).where(
        col(ClassSession.class_id) == cls.id, col(ClassSession.status) != SessionStatus.CANCELLED)).all()
    total = cls.session_count
    refundable = sum(1 for start in sessions if start - now >= FULL_REFUND_NOTICE)
    return seat_money.refund(session, seat, amount=seat_money.share(seat.price_minor, refundable, total),
                             key="left", now=now)


def leave(session: Session, *, actor: UserOut | None, class_id: Any, now: datetime | None = None) -> dict[str, Any]:
    """Leave a class (or its waitlist, or decline an offered seat); a freed seat is offered to the next in line."""
    now = now or utcnow()
    user = require_role(actor, Role.STUDENT)
    cls = load_class(session, class_id, lock=True)
    assert cls.id is not None
    seat = _live_seat(session, cls.id, user.id)
    if seat is None:
        raise Conflict("You are not enrolled in this class.")
    refunded = _refund_on_leave(session, seat, cls, now) if seat.status == SeatStatus.ENROLLED else 0
    offered = end_seat(session, cls, seat, to_status=SeatStatus.LEFT, action="leave",
                       actor=ClassActor(user.id, ActorRole.STUDENT), now=now)
    return {"status": SeatStatus.LEFT, "refunded_minor": refunded, "currency": cls.currency,
            "seat_offered_to_next": offered is not None}


def expire_offers(session: Session, *, now: datetime | None = None) -> int:
    """Offers that ran out unpaid end; each freed seat passes to the next in line. Returns offers expired."""
    now = now or utcnow()
    due = session.exec(select(ClassEnrolment.id, ClassEnrolment.class_id).where(
        col(ClassEnrolment.status) == SeatStatus.OFFERED, col(ClassEnrolment.offer_expires_at) <= now,
    ).order_by(col(ClassEnrolment.id)).limit(500)).all()
    count = 0
    for seat_id, class_id in due:
        cls = load_class(session, class_id, lock=True)
        seat = session.exec(select(ClassEnrolment).where(col(ClassEnrolment.id) == seat_id).with_for_update()).first()
        if seat is None or seat.status != SeatStatus.OFFERED:
            continue
        end_seat(session, cls, seat, to_status=SeatStatus.EXPIRED, action="offer_expired", actor=SYSTEM, now=now)
        count += 1
    return count


def fill_free_seats(session: Session, *, now: datetime | None = None) -> int:
    """Offer free seats of open classes to their waitlists (a seat freed while a student was being
    waitlisted on a stale "full" read); returns offers made."""
    now = now or utcnow()
    waiting = select(ClassEnrolment.class_id).where(col(ClassEnrolment.status) == SeatStatus.WAITLISTED)
    ids = session.exec(select(GroupClass.id).where(
        col(GroupClass.status) == ClassStatus.PUBLISHED, col(GroupClass.first_start_at) > now,
        col(GroupClass.seats_taken) < col(GroupClass.capacity), col(GroupClass.id).in_(waiting)).limit(200)).all()
    made = 0
    for class_id in ids:
        cls = load_class(session, class_id, lock=True)
        while offer_next(session, cls, now=now) is not None:
            session.refresh(cls)
            made += 1
    return made


def seat_counts(session: Session, class_id: int) -> dict[str, int]:
    rows = session.exec(select(ClassEnrolment.status, func.count()).where(
        col(ClassEnrolment.class_id) == class_id, col(ClassEnrolment.status).in_(SeatStatus.LIVE),
    ).group_by(col(ClassEnrolment.status))).all()
    return {status: int(n) for status, n in rows}
