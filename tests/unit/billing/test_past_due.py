"""A renewal that failed (billing/past_due.py): past due with a 3-day grace period, no new minutes,
a notice at once, sandbox retries after 1 and 2 days, back to active when paid, ended when not —
for the sandbox's saved card (the renewal job) and for a provider's failure event alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support.credits import catalogue, pay
from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.integrations.payments.razorpay_gateway import map_razorpay_event
from tutorhub.integrations.payments.stripe_events import map_stripe_event
from tutorhub.models import Notification, Role, SandboxCharge, Subscription, User
from tutorhub.services.billing import credits, past_due, purchases, subscriptions
from tutorhub.services.checkout import events as payment_events
from tutorhub.services.checkout import renewals
from tutorhub.services.errors import Conflict
from tutorhub.services.money import ledger
from tutorhub.services.money.payments import wallet_account
from tutorhub.settings import reset_settings

T0 = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
DUE = datetime(2027, 2, 28, 12, 1, tzinfo=UTC)  # the job's first run after the first period ended
DAY = timedelta(days=1)

@pytest.fixture(autouse=True)
def _provider_calls_by_the_job(monkeypatch):
    """A provider cancellation is sent by the renewal job here, never on a background thread that
    would still hold the database when the next test starts."""
    monkeypatch.setenv("TUTORHUB_DELIVER_IMMEDIATELY", "0")
    reset_settings()
    yield
    monkeypatch.undo()
    reset_settings()



def _subscribed(db, make_user, email="ana+decline@example.com"):
    """A student on Basic (240 min a month, $40), the first month paid at T0 on the checkout page;
    with the default address the saved sandbox card declines every renewal."""
    catalogue(db, make_user)
    student = make_user(Role.STUDENT, email=email)
    out = subscriptions.subscribe(db, actor=student, plan_code="basic", currency="USD", now=T0)
    pay(db, out.payment_reference, T0)
    db.commit()
    return student


def _sub(db, student) -> Subscription:
    db.expire_all()
    return db.exec(select(Subscription).where(Subscription.user_id == student.id)).one()


def _minutes(db, student) -> int:
    return ledger.balance(db, credits.credits_account(student.id), "MIN")


def _notices(db, student) -> list[str]:
    return [n.title for n in db.exec(select(Notification).where(Notification.user_id == student.id,
                                                                Notification.kind == "payment")
                                     .order_by(Notification.id)).all()]


def _fix_card(db, student) -> None:
    user = db.get(User, student.id)
    user.email = "ana@example.com"
    db.add(user)
    db.flush()


def test_a_declined_renewal_is_past_due_retried_twice_then_ended(db, make_user):
    student = _subscribed(db, make_user)
    assert renewals.renew_due_subscriptions(db, now=DUE) == {"ended": 0, "charged": 0}
    sub = _sub(db, student)
    assert (sub.status, sub.cycle, sub.failed_charges) == ("past_due", 1, 1)
    assert (sub.grace_until, sub.next_retry_at) == (DUE + past_due.GRACE_PERIOD, DUE + DAY)
    assert _minutes(db, student) == 240  # no new month granted; the first month's minutes stay
    assert _notices(db, student) == ["Your payment for Basic failed"]
    body = db.exec(select(Notification.body).where(Notification.user_id == student.id)).all()[-1]
    assert "We'll retry on 1 Mar 2027" in body and "ends on 3 Mar 2027" in body

    charges = len(db.exec(select(SandboxCharge)).all())
    renewals.renew_due_subscriptions(db, now=DUE + DAY - timedelta(minutes=1))  # not yet
    assert len(db.exec(select(SandboxCharge)).all()) == charges
    renewals.renew_due_subscriptions(db, now=DUE + DAY)  # retry 1: declined
    sub = _sub(db, student)
    assert (sub.status, sub.failed_charges, sub.next_retry_at) == ("past_due", 2, DUE + 2 * DAY)
    renewals.renew_due_subscriptions(db, now=DUE + 2 * DAY)  # retry 2: declined, none left
    sub = _sub(db, student)
    assert (sub.status, sub.failed_charges, sub.next_retry_at) == ("past_due", 3, None)
    assert len(db.exec(select(SandboxCharge)).all()) == charges + 2
    assert renewals.renew_due_subscriptions(db, now=DUE + 3 * DAY) == {"ended": 1, "charged": 0}
    sub = _sub(db, student)
    assert (sub.status, sub.cycle) == ("ended", 1)
    assert _minutes(db, student) == 240  # granted minutes stay until they expire
    assert _notices(db, student) == ["Your payment for Basic failed", "Your Basic has ended"]
    assert subscriptions.my_subscription(db, actor=student) is None
    assert renewals.renew_due_subscriptions(db, now=DUE + 40 * DAY) == {"ended": 0, "charged": 0}


def test_a_retry_that_succeeds_renews_the_cycle_and_clears_past_due(db, make_user):
    student = _subscribed(db, make_user)
    renewals.renew_due_subscriptions(db, now=DUE)
    _fix_card(db, student)
    assert renewals.renew_due_subscriptions(db, now=DUE + DAY) == {"ended": 0, "charged": 1}
    sub = _sub(db, student)
    assert (sub.status, sub.cycle, sub.failed_charges, sub.grace_until, sub.next_retry_at) == ("active", 2, 0, None, None)
    assert sub.current_period_end == datetime(2027, 3, 31, 12, 0, tzinfo=UTC)  # the anchor stays
    assert _minutes(db, student) == 480
    assert renewals.renew_due_subscriptions(db, now=DUE + 3 * DAY) == {"ended": 0, "charged": 0}
    assert _sub(db, student).status == "active"


def test_pay_now_charges_at_once_and_a_past_due_student_cannot_start_or_change_plans(db, make_user):
    student = _subscribed(db, make_user)
    renewals.renew_due_subscriptions(db, now=DUE)
    with pytest.raises(Conflict):
        subscriptions.subscribe(db, actor=student, plan_code="pro", currency="USD", now=DUE)
    with pytest.raises(Conflict, match="payment failed"):
        subscriptions.change_plan(db, actor=student, plan_code="pro", now=DUE)
    assert renewals.pay_past_due_now(db, actor=student, now=DUE + timedelta(hours=2)) is False  # declined again
    _fix_card(db, student)
    assert renewals.pay_past_due_now(db, actor=student, now=DUE + timedelta(hours=3)) is True
    assert (_sub(db, student).status, _minutes(db, student)) == ("active", 480)
    with pytest.raises(Conflict):
        renewals.pay_past_due_now(db, actor=student, now=DUE + timedelta(hours=4))
    stranger = make_user(Role.TUTOR)
    with pytest.raises(Exception):  # noqa: B017 - refused for a non-student
        renewals.pay_past_due_now(db, actor=stranger, now=DUE)


def test_cancelling_while_past_due_ends_it_now(db, make_user):
    student = _subscribed(db, make_user)
    renewals.renew_due_subscriptions(db, now=DUE)
    subscriptions.cancel_subscription(db, actor=student, now=DUE + DAY / 2)
    assert _sub(db, student).status == "ended"
    charges = len(db.exec(select(SandboxCharge)).all())
    renewals.renew_due_subscriptions(db, now=DUE + DAY)
    assert len(db.exec(select(SandboxCharge)).all()) == charges  # no retry of an ended subscription


def _on_stripe(db, student) -> Subscription:
    sub = _sub(db, student)
    sub.gateway, sub.gateway_ref = "stripe", "sub_9"
    db.add(sub)
    db.flush()
    return sub


def _stripe_event(kind, event_id, now, amount=0, **data):
    return GatewayEvent(gateway="stripe", event_id=event_id, kind=kind, raw_type="invoice.x", reference=None,
                        gateway_ref="in_1", amount_minor=amount, currency="USD", occurred_at=now,
                        data={"subscription_id": "sub_9", **data})


def test_a_provider_payment_failure_makes_it_past_due_and_its_later_payment_renews(db, make_user):
    student = _subscribed(db, make_user, email="ana@example.com")
    _on_stripe(db, student)
    retry_at = DUE + timedelta(days=2)
    payment_events.apply_gateway_event(db, _stripe_event(EventKind.SUBSCRIPTION_PAYMENT_FAILED, "evt_f1", DUE,
                                                         next_payment_attempt=int(retry_at.timestamp())), now=DUE)
    sub = _sub(db, student)
    assert (sub.status, sub.next_retry_at, sub.grace_until) == ("past_due", retry_at, DUE + past_due.GRACE_PERIOD)
    assert _minutes(db, student) == 240 and _notices(db, student) == ["Your payment for Basic failed"]
    out = subscriptions.my_subscription(db, actor=student)
    assert out is not None and out.status == "past_due" and out.provider_billed and out.next_retry_at == retry_at
    assert renewals.renew_due_subscriptions(db, now=DUE + DAY)["charged"] == 0  # the provider retries, not us
    payment_events.apply_gateway_event(db, _stripe_event(EventKind.SUBSCRIPTION_RENEWED, "evt_p1", retry_at, 4000),
                                       now=retry_at)
    sub = _sub(db, student)
    assert (sub.status, sub.cycle, sub.grace_until) == ("active", 2, None)
    assert _minutes(db, student) == 480


def test_a_provider_subscription_unpaid_at_grace_end_ends_and_a_late_payment_goes_to_the_wallet(db, make_user):
    student = _subscribed(db, make_user, email="ana@example.com")
    _on_stripe(db, student)
    payment_events.apply_gateway_event(db, _stripe_event(EventKind.SUBSCRIPTION_PAYMENT_FAILED, "evt_f1", DUE), now=DUE)
    assert _sub(db, student).next_retry_at is None
    # Stripe is not configured here: the cancellation at the provider fails, the plan ends anyway.
    assert renewals.renew_due_subscriptions(db, now=DUE + 3 * DAY)["ended"] == 1
    assert _sub(db, student).status == "ended"
    late = DUE + 4 * DAY
    purchases.apply_subscription_event(db, _stripe_event(EventKind.SUBSCRIPTION_RENEWED, "evt_p9", late, 4000), now=late)
    assert (_sub(db, student).status, _minutes(db, student)) == ("ended", 240)
    assert ledger.balance(db, wallet_account(student.id), "USD") == 4000


def test_the_provider_giving_up_ends_a_past_due_subscription(db, make_user):
    student = _subscribed(db, make_user, email="ana@example.com")
    _on_stripe(db, student)
    payment_events.apply_gateway_event(db, _stripe_event(EventKind.SUBSCRIPTION_PAYMENT_FAILED, "evt_f1", DUE), now=DUE)
    payment_events.apply_gateway_event(db, _stripe_event(EventKind.SUBSCRIPTION_CANCELLED, "evt_c1", DUE + DAY),
                                       now=DUE + DAY)
    assert _sub(db, student).status == "ended"


def test_a_failure_for_a_period_already_paid_is_ignored(db, make_user):
    student = _subscribed(db, make_user, email="ana@example.com")
    _on_stripe(db, student)
    early = T0 + timedelta(days=5)
    payment_events.apply_gateway_event(db, _stripe_event(EventKind.SUBSCRIPTION_PAYMENT_FAILED, "evt_f0", early),
                                       now=early)
    assert _sub(db, student).status == "active" and _notices(db, student) == []


def test_stripe_and_razorpay_renewal_failures_map_to_the_failure_kind():
    invoice = {"id": "in_2", "object": "invoice", "subscription": "sub_9", "billing_reason": "subscription_cycle",
               "amount_due": 4000, "amount_paid": 0, "currency": "usd", "next_payment_attempt": 1804000000}
    body = {"id": "evt_9", "type": "invoice.payment_failed", "created": 1803900000, "data": {"object": invoice}}
    event = map_stripe_event(body)
    assert (event.kind, event.data["subscription_id"], event.data["next_payment_attempt"]) == (
        EventKind.SUBSCRIPTION_PAYMENT_FAILED, "sub_9", 1804000000)
    first = {**body, "data": {"object": {**invoice, "billing_reason": "subscription_create"}}}
    assert map_stripe_event(first).kind == EventKind.IGNORED
    razor = {"event": "subscription.pending", "created_at": 1803900000,
             "payload": {"subscription": {"entity": {"id": "sub_R1", "status": "pending", "charge_at": 1804000000}}}}
    event = map_razorpay_event(razor)
    assert (event.kind, event.data["subscription_id"], event.data["next_payment_attempt"]) == (
        EventKind.SUBSCRIPTION_PAYMENT_FAILED, "sub_R1", 1804000000)
    later = map_razorpay_event({**razor, "created_at": 1806500000})
    assert later.event_id != event.event_id  # the next month's failure is not a duplicate
    halted = map_razorpay_event({**razor, "event": "subscription.halted"})
    assert halted.kind == EventKind.SUBSCRIPTION_CANCELLED
