"""Students enrol in a published course: free, from the wallet, with credits, or through a gateway checkout.

- Free courses enrol at once (no ledger entries).
- Wallet: the price moves wallet → escrow in the same transaction as the enrolment (402 when short:
  the whole transaction rolls back, no enrolment is left behind).
- Credits: the course's price in lesson minutes (course_credits.py) moves from the student's credit
  lots → escrow, the same way (402 when short); a guardian buying for a linked child spends the child's.
- Gateway: a PENDING enrolment and a checkout (the same pay panel and webhooks as lessons and minute
  packs); the captured payment activates it (checkout/course_payments.py, registered in purposes.py).

The money (or the minutes) stays in `escrow:course_enrolment:{id}` for the 7-day refund window: a
student who watched less than 20 % may take a full refund within it — money to the payer's wallet,
minutes back into the lots they came from; afterwards the release job pays the tutor the price minus
the platform commission. The partial unique index keeps one live enrolment per student and course, so
double clicks cannot pay twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.courses import Course, CourseEnrolment, CourseEnrolmentStatus, CourseStatus
from tutorhub.models.money import PaymentPurpose
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut
from tutorhub.services.booking.guard import flush_or_conflict
from tutorhub.services.checkout import course_payments
from tutorhub.services.courses import course_credits
from tutorhub.services.courses.access import visible_course
from tutorhub.services.courses.watching import watched_fraction
from tutorhub.services.errors import Conflict
from tutorhub.services.learning.access import acting_for
from tutorhub.services.money import payments
from tutorhub.services.money.money_settings import get_money_settings
from tutorhub.services.money.payouts import earnings_account
from tutorhub.services.validation import fail

METHODS = ("wallet", "credits", "gateway")
REFUND_MAX_WATCHED = 0.2
PENDING_FOR = timedelta(hours=24)  # an unpaid gateway checkout stops holding the enrolment row


def _method(value: Any) -> str:
    if not isinstance(value, str) or value not in METHODS:
        raise fail("method", "must be wallet, credits or gateway")
    return value


def _live(session: Session, course_id: int, student_id: int) -> CourseEnrolment | None:
    return session.exec(select(CourseEnrolment).where(
        col(CourseEnrolment.course_id) == course_id, col(CourseEnrolment.student_id) == student_id,
        col(CourseEnrolment.status).in_(CourseEnrolmentStatus.LIVE))).first()


def enrol(session: Session, *, actor: UserOut | None, course_id: Any, method: Any = "wallet",
          student_id: Any = None, now: datetime | None = None) -> dict[str, Any]:
    """`{"status": "ACTIVE"|"PENDING", "enrolment_id", "checkout_url"?}`; 402 when the wallet (or the
    credits) are short, 409 when already enrolled or the course is not open. A guardian buys for a linked
    child (`student_id`), paying from their own wallet or card, or with the child's credits; the child is
    enrolled."""
    now = now or utcnow()
    payer, child = acting_for(session, actor, student_id)
    course = visible_course(session, payer, course_id)
    chosen = _method(method)
    assert course.id is not None
    if course.status != CourseStatus.PUBLISHED:
        raise Conflict("This course is not open for enrolment.", extra={"status": course.status})
    row = _live(session, course.id, child)
    if row is not None and row.status == CourseEnrolmentStatus.ACTIVE:
        raise Conflict("You are already enrolled in this course.", extra={"status": row.status})
    if row is None:
        row = CourseEnrolment(course_id=course.id, student_id=child, payer_id=payer.id, created_at=now,
                              status=CourseEnrolmentStatus.PENDING, price_minor=course.price_minor,
                              currency=course.currency)
        session.add(row)
        flush_or_conflict(session, conflict=lambda _m: Conflict("You are already enrolled in this course."))
    assert row.id is not None
    row.price_minor, row.currency, row.payer_id = course.price_minor, course.currency, payer.id
    if course.price_minor == 0:
        row.method = "free"
        course_payments.pay_from_wallet(session, row, now=now)  # nothing to move: just activates
        return {"status": row.status, "enrolment_id": row.id}
    row.method = chosen
    if chosen == "wallet":
        course_payments.pay_from_wallet(session, row, now=now)
        session.flush()
        return {"status": row.status, "enrolment_id": row.id}
    if chosen == "credits":
        course_credits.charge_credits(session, row, course, now=now)
        return {"status": row.status, "enrolment_id": row.id}
    payment, url = payments.start_gateway_payment(
        session, user=payer, purpose=PaymentPurpose.COURSE, amount_minor=course.price_minor, currency=course.currency,
        description=f"Course: {course.title}"[:200], metadata={"enrolment_id": row.id, "course_id": course.id},
        now=now)
    row.payment_reference = payment.reference
    session.add(row)
    session.flush()
    return {"status": row.status, "enrolment_id": row.id, "checkout_url": url}


def request_refund(session: Session, *, actor: UserOut | None, course_id: Any, student_id: Any = None,
                   now: datetime | None = None) -> dict[str, Any]:
    """Within 7 days and under 20 % watched: the whole price back to the payer's wallet (or, when paid
    with credits, every minute back into the lots it came from), access ends (the student asks, or the
    guardian for a linked child)."""
    now = now or utcnow()
    user, child = acting_for(session, actor, student_id)
    course = visible_course(session, user, course_id)
    assert course.id is not None
    row = _live(session, course.id, child)
    if row is None or row.status != CourseEnrolmentStatus.ACTIVE:
        raise Conflict("You are not enrolled in this course.")
    if row.method == "free":
        raise Conflict("This course was free: there is nothing to refund.")
    if row.release_at is None or row.release_at <= now or row.released_at is not None:
        raise Conflict("The 7-day refund window is over.")
    if watched_fraction(session, course.id, child) >= REFUND_MAX_WATCHED:
        raise Conflict("You have watched 20 % or more of this course, so it cannot be refunded.")
    minutes = course_credits.refund_credits(session, row, now=now) if row.method == "credits" else 0
    amount = course_payments.refund_to_wallet(session, row, now=now)
    row.status, row.refunded_at = CourseEnrolmentStatus.REFUNDED, now
    session.add(row)
    session.flush()
    out: dict[str, Any] = {"status": row.status, "refunded_minor": amount, "currency": row.currency}
    if row.method == "credits":
        out["refunded_minutes"] = minutes
    return out


def release_due(session: Session, *, now: datetime | None = None) -> int:
    """The job: enrolments past their refund window pay the tutor (minus commission); returns how many."""
    now = now or utcnow()
    due = session.exec(select(CourseEnrolment).where(
        col(CourseEnrolment.status) == CourseEnrolmentStatus.ACTIVE, col(CourseEnrolment.released_at).is_(None),
        col(CourseEnrolment.release_at) <= now).order_by(col(CourseEnrolment.id)).limit(500).with_for_update()).all()
    percent = get_money_settings(session).commission_percent
    for row in due:
        tutor_user = session.exec(select(TutorProfile.user_id).join(Course, col(Course.tutor_id) == col(TutorProfile.id))
                                  .where(col(Course.id) == row.course_id)).first()
        if tutor_user is None:
            continue
        if row.method == "credits":
            course_credits.release_credits_to_tutor(session, row, tutor_account=earnings_account(tutor_user),
                                                    percent=percent, now=now)
        else:
            course_payments.release_to_tutor(session, row, tutor_account=earnings_account(tutor_user),
                                             percent=percent, now=now)
        row.released_at = now
        session.add(row)
    session.flush()
    return len(due)


def expire_pending(session: Session, *, now: datetime | None = None) -> int:
    """The job: gateway enrolments still unpaid after PENDING_FOR end (EXPIRED). A payment that still
    succeeds later finds no pending enrolment and goes to the payer's wallet (course_payments)."""
    now = now or utcnow()
    rows = session.exec(select(CourseEnrolment).where(
        col(CourseEnrolment.status) == CourseEnrolmentStatus.PENDING,
        col(CourseEnrolment.created_at) <= now - PENDING_FOR).limit(500).with_for_update()).all()
    for row in rows:
        row.status = CourseEnrolmentStatus.EXPIRED
        session.add(row)
    session.flush()
    return len(rows)
