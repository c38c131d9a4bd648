"""The demo data a newcomer meets (`make run`): demo tutors have settled earnings, so a payout can
be tried at once (issue 12 item 15), and a past-due subscription shows the grace period, the retry
and "Pay now" (issue 11) — all made through the real services, so verify-ledger is clean."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tutorhub.demo.seed import seed_demo
from tutorhub.models import Booking, Notification, Subscription, User
from tutorhub.models.base import utcnow
from tutorhub.services.actor import to_user_out
from tutorhub.services.billing import subscriptions
from tutorhub.services.checkout import renewals
from tutorhub.services.errors import Conflict
from tutorhub.services.money import ledger, payouts
from tutorhub.services.money.payouts import earnings_account
from tutorhub.services.ops.ledger_verify import verify_ledger


def _user(db, email):
    return db.exec(select(User).where(User.email == email)).one()


def test_demo_tutors_have_settled_earnings_and_can_request_a_payout(db):
    seed_demo(db, tutors=6)
    db.commit()
    for i in range(1, 7):
        tutor = _user(db, f"tutor{i}@tutorhub.test")
        balances = ledger.balances(db, earnings_account(tutor.id or 0))
        assert len(balances) == 1 and next(iter(balances.values())) > 0, f"tutor{i}"
        settled = db.exec(select(Booking).where(Booking.status == "SETTLED")).all()
        assert settled
    tutor = _user(db, "tutor1@tutorhub.test")
    [(currency, available)] = ledger.balances(db, earnings_account(tutor.id or 0)).items()
    out = payouts.request_payout(db, actor=to_user_out(tutor), amount_minor=available, currency=currency)
    assert out.status == "requested" and out.destination_status == "verified"
    unconnected = _user(db, "tutor6@tutorhub.test")  # has earnings, but no payout account: refused
    [(currency, available)] = ledger.balances(db, earnings_account(unconnected.id or 0)).items()
    with pytest.raises(Conflict, match="Connect a payout account"):
        payouts.request_payout(db, actor=to_user_out(unconnected), amount_minor=available, currency=currency)
    assert verify_ledger(db, now=utcnow() + timedelta(minutes=1)) == []


def test_demo_has_a_past_due_subscription_in_its_grace_period(db):
    seed_demo(db, tutors=2)
    db.commit()
    student = _user(db, "student3@tutorhub.test")
    sub = subscriptions.my_subscription(db, actor=to_user_out(student))
    assert sub is not None and sub.status == "past_due" and sub.plan_code == "starter"
    assert sub.grace_until is not None and sub.grace_until > utcnow() + timedelta(days=2)
    assert sub.next_retry_at is not None and sub.next_retry_at > utcnow()
    assert db.exec(select(Notification).where(Notification.user_id == student.id, Notification.kind == "payment")).all()
    # the renewal job leaves it past due until its retry is due
    renewals.renew_due_subscriptions(db, now=utcnow())
    db.expire_all()
    assert db.exec(select(Subscription).where(Subscription.user_id == student.id)).one().status == "past_due"
