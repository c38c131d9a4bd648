"""A course enrolment's money: held in `escrow:course_enrolment:{id}` through the 7-day refund window.

It sits in checkout (below the courses domain) because a captured gateway payment is dispatched by
the purpose registry (purposes.py), which may only import what is below it; services/courses calls
these functions for wallet payments, refunds and the release.

Ledger transactions (see services/money/ledger.py):
- "course_payment"  Dr student wallet, or Dr gateway:G:clearing / Cr escrow:course_enrolment:{id}.
- "course_refund"   Dr escrow:course_enrolment:{id} / Cr the payer's wallet (inside the refund window; the
                    payer is the student, or the guardian who bought the course for a linked child).
- "course_release"  Dr escrow:course_enrolment:{id} / Cr tutor earnings (price − commission)
                    + Cr platform:revenue (the commission), after the refund window.
- "escrow_take_back" Dr escrow:course_enrolment:{id} / Cr refunds or platform:disputes — what the payer
                    got back at the provider (a refund there, a lost chargeback), see
                    `take_back_course_payment`.
Each is keyed by the enrolment, so a retried webhook, job or click posts nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from tutorhub.models.courses import CourseEnrolment, CourseEnrolmentStatus
from tutorhub.models.money import Payment
from tutorhub.services.booking.policy import round_div
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.money.outside_returns import take_back_from_escrow
from tutorhub.services.money.payments import clearing_account, wallet_account

REFUND_WINDOW = timedelta(days=7)


def course_escrow(enrolment_id: int) -> str:
    return f"escrow:course_enrolment:{enrolment_id}"


def activate(session: Session, enrolment: CourseEnrolment, now: datetime) -> None:
    """The enrolment is paid (wallet, gateway, or credits: courses/course_credits.py): active, refundable
    until `release_at`."""
    enrolment.status, enrolment.enrolled_at = CourseEnrolmentStatus.ACTIVE, now
    enrolment.release_at = now + REFUND_WINDOW
    session.add(enrolment)


def pay_from_wallet(session: Session, enrolment: CourseEnrolment, *, now: datetime) -> None:
    """Wallet → escrow now (402 when the wallet is short: nothing is written); the enrolment is active."""
    assert enrolment.id is not None
    if enrolment.price_minor > 0:
        wallet = wallet_account(enrolment.payer_id)
        ledger.post(
            session, kind="course_payment", idempotency_key=f"course_enrolment:{enrolment.id}:pay",
            lines=[Line(wallet, enrolment.price_minor, enrolment.currency),
                   Line(course_escrow(enrolment.id), -enrolment.price_minor, enrolment.currency)],
            memo=f"course {enrolment.course_id} paid from wallet", user_id=enrolment.payer_id, now=now,
            never_negative=[wallet],
        )
    activate(session, enrolment, now)


def fund_enrolment_from_payment(session: Session, payment: Payment, *, now: datetime) -> bool:
    """A captured course payment → escrow, and the enrolment becomes active. False (the checkout then
    credits the payer's wallet) when the enrolment is gone, already paid or the amount differs."""
    enrolment_id = (payment.extra or {}).get("enrolment_id")
    enrolment = session.get(CourseEnrolment, int(enrolment_id)) if isinstance(enrolment_id, int) else None
    if enrolment is None or enrolment.status != CourseEnrolmentStatus.PENDING:
        return False
    if enrolment.payment_reference != payment.reference or payment.amount_minor != enrolment.price_minor:
        return False
    assert enrolment.id is not None
    ledger.post(
        session, kind="course_payment", idempotency_key=f"course_enrolment:{enrolment.id}:pay",
        lines=[Line(clearing_account(payment.gateway), payment.amount_minor, payment.currency),
               Line(course_escrow(enrolment.id), -payment.amount_minor, payment.currency)],
        memo=f"course {enrolment.course_id} paid", user_id=payment.user_id, payment_id=payment.id, now=now,
    )
    activate(session, enrolment, now)
    return True


def held(session: Session, enrolment: CourseEnrolment) -> int:
    if enrolment.id is None or not enrolment.currency:
        return 0
    return ledger.balance(session, course_escrow(enrolment.id), enrolment.currency)


def refund_to_wallet(session: Session, enrolment: CourseEnrolment, *, now: datetime) -> int:
    """Everything the escrow holds goes back to the student's wallet; returns what moved."""
    assert enrolment.id is not None
    amount = held(session, enrolment)
    if amount > 0:
        ledger.post(
            session, kind="course_refund", idempotency_key=f"course_enrolment:{enrolment.id}:refund",
            lines=[Line(course_escrow(enrolment.id), amount, enrolment.currency),
                   Line(wallet_account(enrolment.payer_id), -amount, enrolment.currency)],
            memo=f"course {enrolment.course_id} refunded", user_id=enrolment.payer_id, now=now,
        )
    return max(amount, 0)


def release_to_tutor(session: Session, enrolment: CourseEnrolment, *, tutor_account: str, percent: int,
                     now: datetime) -> int:
    """The refund window is over: the escrow goes to the tutor (minus commission); returns what moved."""
    assert enrolment.id is not None
    amount = held(session, enrolment)
    if amount <= 0:
        return 0
    fee = round_div(amount * percent, 100)
    ledger.post(
        session, kind="course_release", idempotency_key=f"course_enrolment:{enrolment.id}:release",
        lines=[Line(course_escrow(enrolment.id), amount, enrolment.currency),
               Line(tutor_account, -(amount - fee), enrolment.currency),
               Line("platform:revenue", -fee, enrolment.currency)],
        memo=f"course enrolment {enrolment.id} settled ({percent}% commission)", user_id=enrolment.student_id,
        now=now,
    )
    return amount


def take_back_course_payment(session: Session, payment: Payment, /, *, now: datetime, charged_back: bool) -> int:
    """The course purpose's `take_back` (purposes.py), after a refund made at the provider or a lost
    chargeback: what came back leaves the enrolment's escrow (money/outside_returns.py), so neither the
    tutor's release nor a refund request inside the window pays the same money again. When the whole
    price came back, the enrolment ends (REFUNDED: access ends, as after a refund we made)."""
    enrolment_id = (payment.extra or {}).get("enrolment_id")
    enrolment = session.get(CourseEnrolment, int(enrolment_id), with_for_update=True) \
        if isinstance(enrolment_id, int) else None
    if enrolment is None or enrolment.id is None or enrolment.payment_reference != payment.reference:
        return 0
    taken = take_back_from_escrow(session, payment, escrow=course_escrow(enrolment.id), charged_back=charged_back,
                                  memo=f"course enrolment {enrolment.id}: returned to the payer outside TutorHub",
                                  user_id=enrolment.payer_id, now=now)
    if taken.returned >= payment.amount_minor and enrolment.status == CourseEnrolmentStatus.ACTIVE:
        enrolment.status, enrolment.refunded_at = CourseEnrolmentStatus.REFUNDED, now
        session.add(enrolment)
        session.flush()
    return taken.moved
