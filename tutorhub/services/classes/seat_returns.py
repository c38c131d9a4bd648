"""A card-paid seat whose money went back to the payer outside TutorHub: a refund made at the provider's
dashboard, or a chargeback the bank decided against us (the class-seat purpose's `take_back`, registered
in checkout/purposes.py and called after every refund or dispute event about the payment).

What came back leaves the seat's escrow (money/outside_returns.py), so the tutor is paid only for what
is still paid, and a later cancellation or leave refunds only what the escrow still holds — never the
same money twice. When the whole price came back, the seat ends (REFUNDED): the student leaves the
class chat, is told why, and the freed seat goes to the first in line. A partial return keeps the seat.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.models.classes import ClassEnrolment, GroupClass, SeatStatus
from tutorhub.models.money import Payment
from tutorhub.services.classes import class_chat, seats
from tutorhub.services.classes.lifecycle import SYSTEM
from tutorhub.services.classes.seat_money import seat_escrow
from tutorhub.services.money.outside_returns import take_back_from_escrow


def take_back_seat_payment(session: Session, payment: Payment, /, *, now: datetime, charged_back: bool) -> int:
    """Take what came back outside TutorHub out of the seat's escrow; returns what moved."""
    seat_id = int((payment.extra or {}).get("enrolment_id") or 0)
    seat = session.exec(select(ClassEnrolment).where(col(ClassEnrolment.id) == seat_id).with_for_update()).first()
    if seat is None or seat.id is None or seat.payment_id != payment.id:
        return 0  # the money never reached a seat (it went to the wallet): nothing to take from
    taken = take_back_from_escrow(session, payment, escrow=seat_escrow(seat.id), charged_back=charged_back,
                                  memo=f"class seat {seat.id}: returned to the payer outside TutorHub",
                                  user_id=seat.student_id, now=now)
    if taken.returned >= payment.amount_minor and seat.status == SeatStatus.ENROLLED:
        _end_seat(session, seat, charged_back=charged_back, now=now)
    return taken.moved


def _end_seat(session: Session, seat: ClassEnrolment, *, charged_back: bool, now: datetime) -> None:
    cls = session.get(GroupClass, seat.class_id)
    assert cls is not None
    how = "charged back through your bank" if charged_back else "refunded by the payment provider"
    class_chat.notify_students(session, cls, [seat.student_id], title=f"Your seat in {cls.title} has ended",
                               body=f"The payment for it was {how}, so the seat was given up. "
                                    "You can enrol again from the class page.", now=now)
    seats.end_seat(session, cls, seat, to_status=SeatStatus.REFUNDED, action="payment_returned", actor=SYSTEM,
                   now=now, reason=f"the seat's payment was {how}")
