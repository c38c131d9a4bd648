"""Group classes when an admin suspends an account (services/ops/suspension.py calls these).

A suspended tutor's classes that are not over are called off as if the tutor had cancelled them,
but with everything still in each seat's escrow refunded (`call_off(full_refund=True)`): the
platform decided, the students are not to lose anything. A suspended student leaves every class:
an enrolled seat gets back all its escrow still holds (sessions already held were released to the
tutor and stay paid), a waitlisted or offered seat simply ends, and the freed seat goes to the next
student in line.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tutorhub.models.bookings import ActorRole
from tutorhub.models.classes import ClassEnrolment, ClassStatus, GroupClass, SeatStatus
from tutorhub.services.classes import seat_money
from tutorhub.services.classes.access import load_class
from tutorhub.services.classes.classes import call_off
from tutorhub.services.classes.lifecycle import ClassActor
from tutorhub.services.classes.seats import end_seat


def call_off_tutor_classes(session: Session, *, tutor_id: int, admin_id: int, reason: str, now: datetime
                           ) -> tuple[int, int]:
    """Cancel every class of the tutor that is not over; returns (classes cancelled, seats refunded)."""
    ids = session.exec(select(GroupClass.id).where(
        col(GroupClass.tutor_id) == tutor_id,
        col(GroupClass.status).in_((ClassStatus.DRAFT, *ClassStatus.OPEN)))).all()
    classes = seats = 0
    for class_id in ids:
        cls = load_class(session, class_id, lock=True)
        if cls.status not in (ClassStatus.DRAFT, *ClassStatus.OPEN):
            continue
        seats += call_off(session, cls, actor=ClassActor(admin_id, ActorRole.ADMIN), now=now, reason=reason,
                          full_refund=True)
        classes += 1
    return classes, seats


def remove_student_seats(session: Session, *, student_id: int, admin_id: int, reason: str, now: datetime) -> int:
    """End every live seat of the student (refunding what each escrow holds); returns seats ended."""
    seats = session.exec(select(ClassEnrolment).where(
        col(ClassEnrolment.student_id) == student_id, col(ClassEnrolment.status).in_(SeatStatus.LIVE),
    ).order_by(col(ClassEnrolment.id))).all()
    actor = ClassActor(admin_id, ActorRole.ADMIN)
    for seat in seats:
        cls = load_class(session, seat.class_id, lock=True)
        session.refresh(seat)
        before = seat.status
        if before not in SeatStatus.LIVE:
            continue
        if before == SeatStatus.ENROLLED:
            seat_money.refund(session, seat, amount=seat_money.held(session, seat), key="suspended", now=now)
        to_status = SeatStatus.REFUNDED if before == SeatStatus.ENROLLED else SeatStatus.EXPIRED
        end_seat(session, cls, seat, to_status=to_status, action="suspended", actor=actor, now=now, reason=reason)
    return len(seats)
