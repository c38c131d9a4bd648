"""Demo money: each demo student's wallet is topped up through the real path — a sandbox Payment
captured by `events.apply_gateway_event` — so `make run` shows balances, a payment history and
receipts, and verify-ledger is clean from the start.

Demo tutors also have settled earnings, so a newcomer signed in as a tutor can try a payout
(issue 12): two lessons each for the first DEMO_EARNING_TUTORS tutors, taught two to three weeks
ago and taken through the services with their own clock — held, paid from a (topped-up) student
wallet, started, ended, settled after the dispute window and released to the tutor minus
commission — exactly as the jobs would have done at the time.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models.accounts import User
from tutorhub.models.money import Payment, PaymentPurpose
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, to_user_out
from tutorhub.services.booking import bookings, timeouts
from tutorhub.services.checkout import escrow, events, lesson_payments
from tutorhub.services.checkout.sandbox import sandbox_card_fingerprint
from tutorhub.services.errors import DomainError
from tutorhub.services.learning import lessons
from tutorhub.services.money import payments

log = logging.getLogger(__name__)

DEMO_TOPUPS = {
    "student1@tutorhub.test": [(300_000, "INR"), (5_000, "USD")],
    "student2@tutorhub.test": [(20_000, "EUR")],
    "student3@tutorhub.test": [(15_000, "USD"), (10_000, "EUR")],
}
# Two students' USD top-ups paid with one sandbox test card: the shared-card fraud flag has an example.
DEMO_SHARED_CARD = "4000 0566 5566 5556"
DEMO_SHARED_CARD_TOPUPS = {("student1@tutorhub.test", "USD"), ("student3@tutorhub.test", "USD")}
DEMO_EARNING_TUTORS = 6  # tutor1 … tutor6 have settled earnings
LESSONS_EACH = 2
PAYING_STUDENTS = ("student2@tutorhub.test", "student3@tutorhub.test")
_LOCAL_HOURS = (17, 10, 18, 11, 19)  # tried in each tutor's own zone, inside one of the demo weekly patterns


def _topup(session: Session, user_id: int, amount: int, currency: str, when: datetime, n: int,
           card_number: str | None = None) -> None:
    payment = Payment(reference=payments.new_reference(), user_id=user_id, purpose=PaymentPurpose.TOPUP,
                      amount_minor=amount, currency=currency, gateway="sandbox", description="Wallet top-up (demo)",
                      gateway_ref=f"sbx_demo_{n}_{when:%Y%m%d%H%M}", created_at=when, updated_at=when)
    session.add(payment)
    session.flush()
    events.apply_gateway_event(session, GatewayEvent(
        gateway="sandbox", event_id=f"evt_demo_{payment.reference}", kind=EventKind.PAYMENT_SUCCEEDED,
        raw_type="payment.succeeded", reference=payment.reference, gateway_ref=payment.gateway_ref,
        amount_minor=amount, currency=currency, occurred_at=when,
        data={"card_fingerprint": sandbox_card_fingerprint(card_number)} if card_number else {}), now=when)


def seed_money_demo(session: Session, *, now: datetime) -> int:
    """Top up the demo students' wallets; returns how many top-ups were captured."""
    users = {u.email: u for u in session.exec(select(User).where(col(User.email).in_(list(DEMO_TOPUPS)))).all()}
    done = 0
    for email, topups in DEMO_TOPUPS.items():
        user = users.get(email)
        if user is None or user.id is None:
            continue
        for amount, currency in topups:
            card = DEMO_SHARED_CARD if (email, currency) in DEMO_SHARED_CARD_TOPUPS else None
            _topup(session, user.id, amount, currency, now, done, card)
            done += 1
    return done


def _teach_one(session: Session, *, student: UserOut, tutor: UserOut, profile: TutorProfile, day: datetime) -> bool:
    """Hold, pay, teach one 60-minute lesson with `tutor` on `day` (in the tutor's zone); False
    when none of the demo hours is free that day."""
    zone = ZoneInfo(profile.timezone or "UTC")
    for hour in _LOCAL_HOURS:
        start = datetime.combine(day.astimezone(zone).date(), time(hour), tzinfo=zone).astimezone(ZoneInfo("UTC"))
        booked_at = start - timedelta(days=2)
        try:
            with session.begin_nested():
                held = bookings.create_booking(session, actor=student, tutor_id=profile.id, start=start, duration_min=60,
                                               now=booked_at)
                _topup(session, student.id, held.price_minor, held.currency, booked_at, held.id)
                lesson_payments.pay_for_lessons(session, actor=student, booking_ids=[held.id], method="wallet",
                                                now=booked_at)
                lessons.start_lesson(session, actor=tutor, booking_id=held.id, now=start)
                lessons.complete_lesson(session, actor=tutor, booking_id=held.id, now=start + timedelta(minutes=60))
            return True
        except DomainError:
            continue  # not one of this tutor's hours (or taken): try the next
    return False


def seed_tutor_earnings_demo(session: Session, *, now: datetime) -> int:
    """Settled earnings for the first demo tutors (see the module doc); how many lessons were taught."""
    students = [to_user_out(u) for u in session.exec(select(User).where(col(User.email).in_(PAYING_STUDENTS))
                                                      .order_by(col(User.email))).all()]
    if not students:
        return 0
    taught = 0
    for i in range(DEMO_EARNING_TUTORS):
        user = session.exec(select(User).where(col(User.email) == f"tutor{i + 1}@tutorhub.test")).first()
        profile = session.exec(select(TutorProfile).where(col(TutorProfile.user_id) == (user.id if user else -1))).first()
        if user is None or profile is None:
            continue
        tutor, mine = to_user_out(user), 0
        for back in range(14, 28):
            if mine == LESSONS_EACH:
                break
            if _teach_one(session, student=students[(i + mine) % len(students)], tutor=tutor, profile=profile,
                          day=now - timedelta(days=back)):
                mine += 1
        if mine < LESSONS_EACH:
            log.warning("demo: tutor%s taught %s of %s demo lessons", i + 1, mine, LESSONS_EACH)
        taught += mine
    settled_at = now - timedelta(days=7)  # the dispute window (48 h) is long over
    timeouts.settle_lessons(session, now=settled_at)
    escrow.run_money_jobs(session, now=settled_at)
    return taught
