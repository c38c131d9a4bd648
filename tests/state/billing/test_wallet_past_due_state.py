"""The wallet page of a student whose renewal payment failed: an amber past-due message with the
retry and end dates, and "Pay now" (the saved sandbox card charged at once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.state.conftest import count, toasts
from tutorhub.db import session_scope
from tutorhub.models import Role, SandboxCharge, User
from tutorhub.models.credits import Plan, PlanPrice, Subscription
from tutorhub.services.checkout import renewals
from tutorhub.state.billing.wallet import WalletState

END = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)  # the paid month's end, fixed (the job is driven by `now`)


@pytest.fixture
def past_due_student(db, make_user):
    """A student (Asia/Kolkata) on Basic whose renewal was declined at END + 1 minute."""
    plan = Plan(code="basic", name="Basic", minutes_per_cycle=240)
    db.add(plan)
    db.flush()
    db.add(PlanPrice(plan_id=plan.id, currency="USD", amount_minor=4000))
    student = make_user(Role.STUDENT, email="sam+decline@example.com", timezone="Asia/Kolkata")
    db.add(Subscription(user_id=student.id, plan_id=plan.id, currency="USD", price_minor=4000, status="active",
                        gateway="sandbox", cycle=1, anchor_at=END - timedelta(days=28),
                        current_period_start=END - timedelta(days=28), current_period_end=END))
    db.commit()
    with session_scope() as s:
        renewals.renew_due_subscriptions(s, now=END + timedelta(minutes=1))
    return student


def _open(browser, email):
    return browser.open(WalletState, "/wallet", email)[0]


def test_the_wallet_says_the_payment_failed_when_it_retries_and_when_the_plan_ends(browser, past_due_student):
    page = _open(browser, past_due_student.email)
    assert page.has_sub and page.sub_past_due and page.sub_pay_now
    assert page.sub_text == ("Your last payment failed; we'll retry on 2 Mar 2026; your plan ends on 4 Mar 2026 "
                             "unless paid.")


def test_pay_now_declined_then_paid(browser, db, past_due_student):
    page = _open(browser, past_due_student.email)
    events = browser.run(page.pay_now())
    assert any("declined again" in t for t in toasts(events, "error"))
    assert page.sub_past_due
    with session_scope() as s:
        user = s.get(User, past_due_student.id)
        user.email = "sam@example.com"
        s.add(user)
    events = browser.run(page.pay_now())
    assert any("active again" in t for t in toasts(events, "success"))
    assert not page.sub_past_due and "You are on Basic" in page.sub_text and page.credits_total == "4 h"


def test_a_stranger_cannot_pay_somebody_elses_renewal(new_browser, make_user, past_due_student):
    tutor = make_user(Role.TUTOR)
    b = new_browser()
    page = _open(b, tutor.email)
    charges = count(SandboxCharge)
    assert toasts(b.run(page.pay_now()), "error")
    assert count(SandboxCharge) == charges
    with session_scope() as s:
        assert s.exec(select(Subscription.status)).one() == "past_due"


def test_pay_now_is_refused_without_an_unpaid_renewal(new_browser, make_user):
    b = new_browser()
    student = make_user(Role.STUDENT)
    page = _open(b, student.email)
    assert not page.sub_past_due
    assert toasts(b.run(page.pay_now()), "error")
    assert count(SandboxCharge) == 0
