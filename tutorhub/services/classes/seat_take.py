"""The contended part of enrolling: what runs while the class's row is locked, kept to a few statements.

A student who takes a seat and pays from the wallet (or takes a seat in a free class) runs
`enrol_taken` right after the seat-taking UPDATE (seats.py `_take_seat`) locked the class row: the
wallet locked and checked (402 rolls the seat back: the next in the row's queue takes it), the seat
row inserted already ENROLLED, the payment posted on the reserved wallet (no second lock or balance
read; the seat's new escrow key cannot have been posted before), the class-chat membership in one
INSERT, the event, and the check for sessions already called off (read under the class lock, so a
concurrent session cancellation is never missed).

The wallet is read only by whoever got a seat. Checking it before the UPDATE (as this did first)
cost every racer two statements, and in a race most of them lose and pay nothing (issue 14: 32
racing for 5 seats, measured in benchmarks/bench_classes.py); the winners' two extra statements
under the lock cost less than the losers' 54. A student who cannot pay and loses the race joins the
waitlist, charged nothing, as one who found the class full does.

Credits and a priced gateway checkout keep their own path (seats.py `_pay_or_check_out`).
Lock order: the class row, then the student's wallet. No path locks a wallet and then a class row:
refunds only credit wallets, and paying an offered seat never locks the class row (its event's
foreign key takes a key-share lock, which the seat-taking UPDATE does not conflict with).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tutorhub.models.classes import ClassEnrolment, GroupClass, SeatStatus
from tutorhub.services.booking.guard import flush_or_conflict
from tutorhub.services.classes import class_chat, seat_money
from tutorhub.services.classes.lifecycle import ClassActor, record
from tutorhub.services.errors import Conflict
from tutorhub.services.money import ledger
from tutorhub.services.money.payments import wallet_account


class AlreadyEnrolled(Conflict):
    def __init__(self, status: str) -> None:
        what = "on the waitlist of" if status == SeatStatus.WAITLISTED else "enrolled in"
        super().__init__(f"You are already {what} this class.", extra={"status": status})


def pays_now_from_wallet(cls: GroupClass, method: str) -> bool:
    """Whether a taken seat is paid at once from the wallet (a free class's too, unless it goes through the
    gateway's hold): the fast path."""
    return method == "wallet" or (method == "credits" and cls.price_minor <= 0)


def enrol_taken(session: Session, cls: GroupClass, student_id: int, actor: ClassActor,
                now: datetime) -> ClassEnrolment:
    """A seat was just taken by this transaction (the class row is locked): pay (402 when the wallet
    cannot: the transaction rolls back, seat and all) and enrol."""
    assert cls.id is not None
    wallet_id = ledger.reserve(session, wallet_account(student_id), cls.currency, cls.price_minor) \
        if cls.price_minor > 0 else None
    seat = ClassEnrolment(class_id=cls.id, student_id=student_id, status=SeatStatus.ENROLLED, method="wallet",
                          unit=cls.currency, price_minor=cls.price_minor, enrolled_at=now, created_at=now)
    session.add(seat)
    flush_or_conflict(session, conflict=lambda _m: AlreadyEnrolled(SeatStatus.ENROLLED))
    seat_money.charge_wallet(session, seat, cls, now=now, reserved_wallet_id=wallet_id)
    class_chat.join_student(session, cls, student_id, now)
    record(session, cls, action="enrol", from_status=SeatStatus.OFFERED, to_status=seat.status, actor=actor, now=now,
           enrolment_id=seat.id)
    seat_money.refund_cancelled_sessions(session, seat, cls, now=now)
    return seat
