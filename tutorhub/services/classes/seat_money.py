"""A seat's money: one escrow per seat (`escrow:seat:{enrolment_id}`), funded from the wallet (or with
credit minutes: seat_credits.py) and refunded to where it came from.

Ledger transactions (see services/money/ledger.py for the conventions):
- "seat_payment"  Dr student wallet / Cr escrow:seat:{id} — taken in the same transaction as the seat,
                  so a seat is never held unpaid and a failed payment (402) leaves no seat behind.
- "seat_refund"   Dr escrow:seat:{id} / Cr student wallet — a share of the seat's price (per session);
                  a seat paid after sessions were called off gets their shares back at once.

A card-paid seat whose chargeback is open has the disputed share withheld from any refund (Dr escrow /
Cr platform:disputes, kind "refund"), as a lesson has: the bank may give it back to the student.

Refund share: `price × sessions_refunded / sessions` rounded half up, capped by what the escrow still
holds, so repeated or overlapping refunds can never pay back more than was paid (the idempotency key
names the reason, so a retried job posts nothing twice).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.models.classes import ClassEnrolment, ClassSession, GroupClass, SeatStatus, SessionStatus
from tutorhub.models.money import Payment
from tutorhub.services.booking.policy import round_div
from tutorhub.services.classes import class_chat, seat_card_refunds, seat_credits
from tutorhub.services.classes.lifecycle import ClassActor, record
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.payments import disputed_outstanding, wallet_account

seat_escrow = seat_credits.seat_escrow


def charge_wallet(session: Session, seat: ClassEnrolment, cls: GroupClass, *, now: datetime,
                  reserved_wallet_id: int | None = None) -> None:
    """Move the seat's price wallet → seat escrow (402 when the wallet is short; nothing written).
    `reserved_wallet_id`: the wallet (this id) was `ledger.reserve`d for this price earlier in this
    transaction and the seat row was inserted by it (seat_take.py), so the posting needs no second
    check, no idempotency read, and no lookup of the wallet or of the seat's new escrow account."""
    assert seat.id is not None
    seat.method, seat.unit, seat.price_minor = "wallet", cls.currency, cls.price_minor
    if cls.price_minor <= 0:
        return
    wallet = wallet_account(seat.student_id)
    reserved = reserved_wallet_id is not None
    ledger.post(
        session, kind="seat_payment", idempotency_key=f"seat:{seat.id}:pay",
        lines=[Line(wallet, cls.price_minor, cls.currency), Line(seat_escrow(seat.id), -cls.price_minor, cls.currency)],
        memo=f"seat in class {cls.id} paid from wallet", user_id=seat.student_id, now=now, never_negative=[wallet],
        funds_checked=reserved, fresh_key=reserved,
        known_ids={wallet: reserved_wallet_id} if reserved_wallet_id is not None else None,
    )


def mark_enrolled(session: Session, seat: ClassEnrolment, cls: GroupClass, actor: ClassActor, now: datetime) -> None:
    """The seat is paid (its escrow funded in this transaction): the student is in, and in the chat."""
    before = seat.status
    seat.status, seat.enrolled_at, seat.offer_expires_at = SeatStatus.ENROLLED, now, None
    session.add(seat)
    session.flush()
    class_chat.add_student(session, cls, seat.student_id, now)
    record(session, cls, action="enrol", from_status=before, to_status=seat.status, actor=actor, now=now,
           enrolment_id=seat.id)
    refund_cancelled_sessions(session, seat, cls, now=now)


def refund_cancelled_sessions(session: Session, seat: ClassEnrolment, cls: GroupClass, *, now: datetime) -> int:
    """A seat paid after some of the class's sessions were called off: the price covers the whole course,
    so those sessions' shares go back at once, under the same per-session keys (`session:{id}`) a seat
    enrolled at the cancellation was refunded with. Without it the student paid for sessions that will
    never be held: a later leave or class cancellation refunds only sessions still ahead, so that share was
    released to the tutor with the last session, or stranded in escrow when no session was held."""
    cancelled = session.exec(select(ClassSession.id).where(
        col(ClassSession.class_id) == cls.id, col(ClassSession.status) == SessionStatus.CANCELLED,
    ).order_by(col(ClassSession.id))).all()
    return sum(refund(session, seat, amount=share(seat.price_minor, 1, cls.session_count), key=f"session:{row_id}",
                      now=now) for row_id in cancelled)


def held(session: Session, seat: ClassEnrolment) -> int:
    """What the seat's escrow still holds (minor units)."""
    if seat.id is None or not seat.unit:
        return 0
    return ledger.balance(session, seat_escrow(seat.id), seat.unit)


def refund(session: Session, seat: ClassEnrolment, *, amount: int, key: str, now: datetime) -> int:
    """Return up to `amount` of the seat's escrow to where it came from (the wallet, or the credit lots
    for a seat paid in minutes); returns what moved."""
    assert seat.id is not None
    amount = min(amount, held(session, seat))
    if amount <= 0:
        return 0
    amount -= _withhold_for_open_chargeback(session, seat, amount=amount, key=key, now=now)
    if amount <= 0:
        return 0
    if seat.unit == seat_credits.UNIT:
        moved = seat_credits.refund_credits(session, seat, minutes=amount, key=key, now=now)
        seat.refunded_minor += moved
        session.add(seat)
        return moved
    if seat.method == "gateway" and seat_card_refunds.refund_to_card(session, seat, amount=amount, key=key, now=now):
        seat.refunded_minor += amount
        session.add(seat)
        return amount
    posted = ledger.post(
        session, kind="seat_refund", idempotency_key=f"seat:{seat.id}:refund:{key}",
        lines=[Line(seat_escrow(seat.id), amount, seat.unit), Line(wallet_account(seat.student_id), -amount, seat.unit)],
        memo=f"class seat {seat.id} refunded ({key})", user_id=seat.student_id, now=now,
    )
    if posted is None:
        return 0
    seat.refunded_minor += amount
    session.add(seat)
    return amount


def _withhold_for_open_chargeback(session: Session, seat: ClassEnrolment, *, amount: int, key: str,
                                  now: datetime) -> int:
    """A card-paid seat whose payment has a chargeback open: the bank has withdrawn that money and may give
    it to the student, so refunding it as well could pay them twice (found by test_seat_machine.py). As for
    a lesson (checkout/escrow.py), the share the chargeback covers leaves the escrow for platform:disputes
    (kind "refund", so a chargeback we win sends it to the student's wallet then:
    events._refund_withheld_after_win); if it is lost, the bank's refund was the student's refund.
    Returns what was withheld (0 when no chargeback is open)."""
    if seat.method != "gateway" or seat.payment_id is None or seat.id is None or amount <= 0:
        return 0
    payment = session.get(Payment, seat.payment_id)
    if payment is None or payment.id is None:
        return 0
    withheld = min(amount, disputed_outstanding(session, payment))  # earlier withholdings already netted
    if withheld <= 0:
        return 0
    posted = ledger.post(
        session, kind="refund", idempotency_key=f"seat:{seat.id}:withheld:{key}",
        lines=[Line(seat_escrow(seat.id), withheld, seat.unit), Line("platform:disputes", -withheld, seat.unit)],
        memo=f"class seat {seat.id}: refund withheld while a chargeback is open ({key})", user_id=seat.student_id,
        payment_id=payment.id, now=now,
    )
    return withheld if posted is not None else 0


def share(price_minor: int, sessions_refunded: int, sessions: int) -> int:
    if sessions <= 0:
        return 0
    return round_div(price_minor * max(0, min(sessions_refunded, sessions)), sessions)


def refund_all_seats(session: Session, cls: GroupClass, *, sessions_refunded: tuple[int, int], actor: ClassActor,
                     now: datetime) -> int:
    """The class is called off: every paid seat gets its share back, every live seat ends; returns seats refunded."""
    total, refunded_sessions = sessions_refunded
    seats = session.exec(select(ClassEnrolment).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.status).in_(SeatStatus.LIVE),
    ).order_by(col(ClassEnrolment.id))).all()
    count = 0
    for seat in seats:
        before = seat.status
        if seat.status == SeatStatus.ENROLLED:
            refund(session, seat, amount=share(seat.price_minor, refunded_sessions, total), key="class_cancelled",
                   now=now)
            count += 1
        if before == SeatStatus.ENROLLED:
            class_chat.remove_student(session, cls, seat.student_id, now)
        seat.status = SeatStatus.REFUNDED if before == SeatStatus.ENROLLED else SeatStatus.EXPIRED
        seat.ended_at = now
        session.add(seat)
        record(session, cls, action="class_cancelled", from_status=before, to_status=seat.status, actor=actor,
               now=now, enrolment_id=seat.id)
    return count


def refund_session_share(session: Session, cls: GroupClass, session_id: int, *, now: datetime) -> int:
    """One cancelled session: every paid seat gets that session's share back; returns seats refunded."""
    seats = session.exec(select(ClassEnrolment).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.status) == SeatStatus.ENROLLED,
    ).order_by(col(ClassEnrolment.id))).all()
    count = 0
    for seat in seats:
        if refund(session, seat, amount=share(seat.price_minor, 1, cls.session_count), key=f"session:{session_id}",
                  now=now):
            count += 1
    return count
