"""A course paid with lesson-time credits: its price in minutes, spending and refunding them, and paying
the tutor once the refund window is over.

Price in minutes: the course's price converted into the currency of the tutor's hourly rate at the
platform's exchange rates (services/currency.py), divided by that hourly rate, × 60, rounded up to a
whole minute (at least 1). A free course costs nothing; a tutor without an hourly rate gives a course no
minute price, so credits are not offered for it (422). Rates otherwise only display prices; here they
only decide how many minutes buy the course — the money moved is still the course's own price.

Spending takes the student's lots oldest-expiring first (billing/credit_spending.take_from_lots, the
same walk as a lesson and a class seat) and writes one `CourseCreditSpend` per lot touched. A refund
(the course rule: within 7 days, under 20 % watched) puts the minutes back into those lots,
latest-expiring first; minutes returned to a lot that has expired meanwhile expire again at once (as
for class seats). A guardian who buys a course for a linked child spends the CHILD's minutes: minute
packs a guardian buys land in the child's lots (billing/guardian_packs.py); a guardian has none.

Ledger (unit MIN, and the course's currency for the tutor's pay):
    "credit_spend"   Dr student:{id}:credits / Cr escrow:course_enrolment:{id}
    "credit_refund"  Dr escrow:course_enrolment:{id} / Cr student:{id}:credits
    "course_release" Dr escrow:course_enrolment:{id} / Cr platform:credit_issuance (the minutes), and
                     Dr platform:credit_lessons / Cr tutor earnings (price − commission) + Cr
                     platform:revenue (the commission) — as a class seat or lesson paid with credits.
The student's credits account is locked before the lots are read and a second spend for the same
enrolment is seen under that lock, so minutes are never taken twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.courses import Course, CourseCreditSpend, CourseEnrolment, CourseStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut
from tutorhub.services.billing.credit_spending import refund_spent_minutes, take_from_lots
from tutorhub.services.billing.credits import UNIT, credit_summary, credits_account
from tutorhub.services.billing.wallet import wallet_balance
from tutorhub.services.booking.policy import round_div
from tutorhub.services.checkout.course_payments import activate, course_escrow
from tutorhub.services.courses.access import visible_course
from tutorhub.services.currency import UnknownCurrency, convert_minor, load_rates
from tutorhub.services.errors import Conflict, DomainError
from tutorhub.services.learning.access import acting_for
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line


class NoMinutePrice(DomainError):
    status_code = 422


def course_minutes(session: Session, course: Course) -> int | None:
    """The course's price in credit minutes; None when it is free or its tutor has no hourly rate."""
    if course.price_minor <= 0:
        return None
    tutor = session.get(TutorProfile, course.tutor_id)
    if tutor is None or tutor.hourly_rate <= 0:
        return None
    try:
        price = convert_minor(course.price_minor, course.currency, tutor.currency, load_rates(session))
    except UnknownCurrency:
        return None
    return max(1, -(-price * 60 // tutor.hourly_rate))  # ceil, integers only


def _spends(session: Session, enrolment_id: int) -> list[CourseCreditSpend]:
    return list(session.exec(select(CourseCreditSpend).where(col(CourseCreditSpend.enrolment_id) == enrolment_id)
                             .order_by(col(CourseCreditSpend.id))).all())


def held_minutes(session: Session, enrolment: CourseEnrolment) -> int:
    """Minutes the enrolment's escrow still holds (0 once refunded or released, or not paid with credits)."""
    return ledger.balance(session, course_escrow(enrolment.id), UNIT) if enrolment.id is not None else 0


def charge_credits(session: Session, enrolment: CourseEnrolment, course: Course, *, now: datetime) -> int:
    """Take the course's minutes from the student's usable lots into the enrolment's escrow and activate
    it; 402 when short (nothing is written), 422 when the course has no minute price. Returns minutes taken
    (0 when a concurrent call had already paid this enrolment)."""
    assert enrolment.id is not None
    cost = course_minutes(session, course)
    if cost is None:
        raise NoMinutePrice("This course cannot be paid with credits: pay from your wallet or by card/UPI.",
                            fields={"method": "this course has no price in credit minutes"})
    account = credits_account(enrolment.student_id)
    ledger.lock_accounts(session, [account])
    if _spends(session, enrolment.id):
        return 0  # a concurrent call paid this enrolment already (seen under the lock): never take twice
    for lot_id, take in take_from_lots(session, user_id=enrolment.student_id, cost=cost, now=now,
                                       needs="This course costs"):
        session.add(CourseCreditSpend(enrolment_id=enrolment.id, lot_id=lot_id, user_id=enrolment.student_id,
                                      minutes=take, created_at=now))
    ledger.post(
        session, kind="credit_spend", idempotency_key=f"credits:spend:course_enrolment:{enrolment.id}",
        memo=f"{cost} min for course {course.id}", user_id=enrolment.student_id, now=now,
        lines=[Line(account, cost, UNIT), Line(course_escrow(enrolment.id), -cost, UNIT)], never_negative=[account],
    )
    activate(session, enrolment, now)
    session.flush()
    return cost


def refund_credits(session: Session, enrolment: CourseEnrolment, *, now: datetime) -> int:
    """Every minute the escrow holds goes back into the lots it came from; returns minutes moved."""
    assert enrolment.id is not None
    ledger.lock_accounts(session, [credits_account(enrolment.student_id)])
    return refund_spent_minutes(
        session, student_id=enrolment.student_id, escrow=course_escrow(enrolment.id),
        spends=_spends(session, enrolment.id), minutes=held_minutes(session, enrolment),
        key=f"course_enrolment:{enrolment.id}:refund:credits", what=f"course {enrolment.course_id}", now=now)


def release_credits_to_tutor(session: Session, enrolment: CourseEnrolment, *, tutor_account: str, percent: int,
                             now: datetime) -> int:
    """The refund window is over: the minutes go back to issuance and the platform pays the tutor the
    course's price (pro rata to the minutes still held) minus the commission; returns minutes released."""
    assert enrolment.id is not None
    minutes = held_minutes(session, enrolment)
    spent = sum(s.minutes for s in _spends(session, enrolment.id))
    if minutes <= 0 or spent <= 0:
        return 0
    money = round_div(enrolment.price_minor * minutes, spent)
    fee = round_div(money * percent, 100)
    lines = [Line(course_escrow(enrolment.id), minutes, UNIT), Line("platform:credit_issuance", -minutes, UNIT),
             Line("platform:credit_lessons", money, enrolment.currency),
             Line(tutor_account, -(money - fee), enrolment.currency),
             Line("platform:revenue", -fee, enrolment.currency)]
    posted = ledger.post(
        session, kind="course_release", idempotency_key=f"course_enrolment:{enrolment.id}:release",
        lines=[line for line in lines if line.amount != 0],
        memo=f"course enrolment {enrolment.id} settled from credits ({percent}% commission)",
        user_id=enrolment.student_id, now=now,
    )
    return minutes if posted is not None else 0


class CoursePayOptions(BaseModel):
    """What the course page's pay panel shows: the payer's wallet and the learner's own credits only."""

    price_minor: int
    currency: str
    wallet_minor: int  # the payer's wallet in the course's currency
    course_minutes: int | None  # the price in credit minutes; None: credits cannot pay for this course
    credit_minutes: int  # the learner's usable minutes (the linked child's, when a guardian buys)


def pay_options(session: Session, *, actor: UserOut | None, course_id: Any, student_id: Any = None,
                now: datetime | None = None) -> CoursePayOptions:
    """The course's price in money and minutes, and the balances that could pay it: a student's own, or
    for a guardian their wallet and the linked child's credits (any other child: 404)."""
    now = now or utcnow()
    payer, learner = acting_for(session, actor, student_id)
    course = visible_course(session, payer, course_id)
    if course.status != CourseStatus.PUBLISHED:
        raise Conflict("This course is not open for enrolment.", extra={"status": course.status})
    return CoursePayOptions(
        price_minor=course.price_minor, currency=course.currency,
        wallet_minor=wallet_balance(session, payer.id, course.currency),
        course_minutes=course_minutes(session, course), credit_minutes=credit_summary(session, learner, now)[0],
    )
