"""Plans, subscriptions (checkout → cycle grants, prorated upgrade, downgrade at renewal, cancel,
sandbox renewal job) and the proration arithmetic (hypothesis)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.credits import catalogue, pay
from tutorhub.models import CreditLot, Role, Subscription, SubscriptionChange
from tutorhub.services.billing import credits, plans, subscriptions
from tutorhub.services.billing.plan_options import change_kind
from tutorhub.services.checkout import renewals
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tutorhub.services.money import ledger

T0 = datetime(2027, 1, 31, 12, 0, tzinfo=UTC)
gateway_env = gateway_support.gateway_env


def _minutes(db, user):
    return ledger.balance(db, credits.credits_account(user.id), "MIN")


def _subscribe(db, student, code="basic", now=T0):
    out = subscriptions.subscribe(db, actor=student, plan_code=code, currency="USD", now=now)
    pay(db, out.payment_reference, now)
    return out


def test_admin_only_and_validation(db, make_user):
    student = make_user(Role.STUDENT)
    with pytest.raises(Forbidden):
        plans.create_plan(db, actor=student, data={})
    admin = make_user(Role.ADMIN)
    with pytest.raises(InvalidInput) as err:
        plans.create_plan(db, actor=admin, data={"code": "X Y", "name": "", "minutes_per_cycle": 0, "prices": []})
    assert set(err.value.fields) == {"code", "name", "minutes_per_cycle", "prices"}
    catalogue(db, make_user)
    with pytest.raises(Conflict):
        plans.create_plan(db, actor=admin, data={"code": "basic", "name": "B", "minutes_per_cycle": 60,
                                                 "prices": [{"currency": "USD", "amount_minor": 1}]})
    assert [p.code for p in plans.list_plans(db, currency="INR")] == ["basic"]
    plans.update_plan(db, actor=admin, code="lite", data={"active": False})
    assert "lite" not in [p.code for p in plans.list_plans(db)]
    assert [p.code for p in plans.list_packs(db)] == ["hour5"]


def test_subscribe_pay_grants_first_cycle(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    out = subscriptions.subscribe(db, actor=student, plan_code="BASIC", currency="usd", now=T0)
    assert "/pay/sandbox/" in out.checkout_url
    assert subscriptions.my_subscription(db, actor=student) is None  # not paid yet
    pay(db, out.payment_reference, T0)
    pay(db, out.payment_reference, T0)  # pressing twice changes nothing
    sub = subscriptions.my_subscription(db, actor=student)
    assert sub is not None and sub.status == "active" and sub.cycle == 1 and sub.plan_code == "basic"
    assert sub.current_period_end == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    assert _minutes(db, student) == 240
    lot = db.exec(select(CreditLot)).one()
    assert lot.expires_at == T0 + timedelta(days=60)
    assert ledger.balance(db, "platform:revenue", "USD") == 4000
    with pytest.raises(Conflict):
        subscriptions.subscribe(db, actor=student, plan_code="pro", currency="USD", now=T0)
    assert credits.credit_lots_consistent(db) == []


def test_plan_not_in_currency_or_unknown(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    with pytest.raises(NotFound) as no_price:  # the plan has no INR price: nothing to buy (404)
        subscriptions.subscribe(db, actor=student, plan_code="pro", currency="INR", now=T0)
    assert "currency" in no_price.value.fields
    with pytest.raises(NotFound):
        subscriptions.subscribe(db, actor=student, plan_code="gold", currency="USD", now=T0)


def test_upgrade_mid_cycle_is_prorated(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    start = datetime(2027, 3, 1, tzinfo=UTC)  # March: 31 days
    _subscribe(db, student, now=start)
    half = start + timedelta(days=15, hours=12)  # exactly half of March left
    change = subscriptions.change_plan(db, actor=student, plan_code="pro", now=half)
    assert change.kind == "upgrade"
    assert change.charge_minor == (9000 - 4000) // 2 and change.grant_minutes == (600 - 240) // 2
    assert subscriptions.my_subscription(db, actor=student).plan_code == "basic"  # until paid
    pay(db, change.payment_reference, half)
    sub = subscriptions.my_subscription(db, actor=student)
    assert sub.plan_code == "pro" and sub.price_minor == 9000
    assert _minutes(db, student) == 240 + 180
    assert ledger.balance(db, "platform:revenue", "USD") == 4000 + 2500


def test_downgrade_waits_for_renewal_and_cancel_ends(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    _subscribe(db, student)
    change = subscriptions.change_plan(db, actor=student, plan_code="lite", now=T0 + timedelta(days=3))
    assert change.kind == "downgrade" and change.charge_minor == 0 and change.checkout_url is None
    assert change.effective_at == datetime(2027, 2, 28, 12, 0, tzinfo=UTC)
    # The sandbox renewal job charges the (lite) price and grants lite minutes for cycle 2.
    due = datetime(2027, 2, 28, 12, 1, tzinfo=UTC)
    assert renewals.renew_due_subscriptions(db, now=due) == {"ended": 0, "charged": 1}
    assert renewals.renew_due_subscriptions(db, now=due) == {"ended": 0, "charged": 0}  # idempotent
    sub = subscriptions.my_subscription(db, actor=student)
    assert sub.plan_code == "lite" and sub.cycle == 2 and sub.next_plan_code is None
    assert sub.current_period_end == datetime(2027, 3, 31, 12, 0, tzinfo=UTC)  # anchored on the 31st
    assert _minutes(db, student) == 240 + 120
    assert ledger.balance(db, "platform:revenue", "USD") == 4000 + 2500
    # Cancel: effective at period end; the job then ends it without a grant.
    out = subscriptions.cancel_subscription(db, actor=student, now=due)
    assert out.cancel_at_period_end and out.status == "active"
    end = datetime(2027, 3, 31, 13, 0, tzinfo=UTC)
    assert renewals.renew_due_subscriptions(db, now=end) == {"ended": 1, "charged": 0}
    assert subscriptions.my_subscription(db, actor=student) is None
    assert _minutes(db, student) == 360
    assert db.exec(select(Subscription)).one().status == "ended"


def test_scheduled_downgrade_can_be_called_off(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    _subscribe(db, student)
    subscriptions.change_plan(db, actor=student, plan_code="lite", now=T0)
    keep = subscriptions.change_plan(db, actor=student, plan_code="basic", now=T0)
    assert keep.kind == "keep"
    assert subscriptions.my_subscription(db, actor=student).next_plan_code is None
    with pytest.raises(Conflict):
        subscriptions.change_plan(db, actor=student, plan_code="basic", now=T0)


def test_upgrade_after_a_scheduled_downgrade_replaces_it(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    _subscribe(db, student)
    subscriptions.change_plan(db, actor=student, plan_code="lite", now=T0 + timedelta(days=1))
    up = subscriptions.change_plan(db, actor=student, plan_code="pro", now=T0 + timedelta(days=2))
    pay(db, up.payment_reference, T0 + timedelta(days=2))
    sub = subscriptions.my_subscription(db, actor=student)
    assert sub.plan_code == "pro" and sub.next_plan_code is None
    kinds = {c.kind: c.status for c in db.exec(select(SubscriptionChange)).all()}
    assert kinds == {"downgrade": "void", "upgrade": "applied"}
    due = datetime(2027, 2, 28, 12, 1, tzinfo=UTC)
    assert renewals.renew_due_subscriptions(db, now=due) == {"ended": 0, "charged": 1}
    assert subscriptions.my_subscription(db, actor=student).plan_code == "pro"  # the downgrade stays void


def test_provider_renewal_event_renews_once(db, make_user):
    from tutorhub.integrations.payments.base import EventKind, GatewayEvent
    from tutorhub.services.billing import purchases as credit_purchases

    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    _subscribe(db, student)
    sub = db.exec(select(Subscription)).one()
    event = GatewayEvent(gateway="sandbox", event_id="evt_renew_1", kind=EventKind.SUBSCRIPTION_RENEWED, raw_type="invoice.paid",
                         reference=None, gateway_ref="in_1", amount_minor=4000, currency="USD",
                         occurred_at=T0 + timedelta(days=28), data={"subscription_id": str(sub.id)})
    # A provider "charged" event for the first payment (already booked by its checkout): nothing.
    first = dataclasses.replace(event, event_id="evt_first", occurred_at=T0)
    credit_purchases.apply_subscription_event(db, first, now=T0 + timedelta(minutes=1))
    assert subscriptions.my_subscription(db, actor=student).cycle == 1 and _minutes(db, student) == 240
    credit_purchases.apply_subscription_event(db, event, now=T0 + timedelta(days=28))
    credit_purchases.apply_subscription_event(db, event, now=T0 + timedelta(days=28))
    # Another event id for the same invoice must not renew (and book) a second month.
    twin = dataclasses.replace(event, event_id="evt_renew_1b")
    credit_purchases.apply_subscription_event(db, twin, now=T0 + timedelta(days=28, minutes=5))
    assert subscriptions.my_subscription(db, actor=student).cycle == 2
    assert _minutes(db, student) == 480
    assert ledger.balance(db, "platform:revenue", "USD") == 8000


prices = st.integers(min_value=1, max_value=10**7)
mins = st.integers(min_value=15, max_value=10**5)


@settings(max_examples=300, deadline=None)
@given(p1=prices, p2=prices, m1=mins, m2=mins, total=st.integers(1, 31 * 86400), data=st.data())
def test_prorate_never_negative_and_bounded(p1, p2, m1, m2, total, data):
    remaining = data.draw(st.integers(-10, total + 10))
    charge, minutes = subscriptions.prorate(old_price=p1, new_price=p2, old_minutes=m1, new_minutes=m2,
                                            remaining_seconds=remaining, total_seconds=total)
    assert 0 <= charge <= max(0, p2 - p1)
    assert 0 <= minutes <= max(0, m2 - m1)
    if remaining >= total:
        assert charge == max(0, p2 - p1)


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(st.tuples(st.integers(1, 10**6), st.integers(15, 5000)), min_size=1, max_size=6),
    start=st.tuples(st.integers(1, 10**6), st.integers(15, 5000)),
    total=st.integers(86400, 31 * 86400),
    data=st.data(),
)
def test_changes_within_a_cycle_never_create_value(steps, start, total, data):
    """Any sequence of plan changes in one cycle (upgrade or downgrade as the billing rule `change_kind`
    says; upgrades charged and granted now, including a same-price upgrade to more minutes; downgrades
    deferred to renewal, so an upgrade followed by a downgrade gives nothing back) never charges more than the
    dearest plan's full price difference and never grants more than the largest minutes difference —
    even when a dearer plan has fewer minutes (found by this test: minutes were granted twice)."""
    price, minutes = start
    times = sorted(data.draw(st.lists(st.integers(0, total), min_size=len(steps), max_size=len(steps))))
    charged = granted = 0
    top_price, top_minutes = price, minutes
    high = minutes  # as the service does: Subscription.cycle_minutes_high
    for (new_price, new_minutes), t in zip(steps, times, strict=True):
        kind = change_kind(current_price=price, current_minutes=minutes, new_price=new_price, new_minutes=new_minutes)
        if kind == "upgrade":
            c, m = subscriptions.prorate(old_price=price, new_price=new_price, old_minutes=max(minutes, high),
                                         new_minutes=new_minutes,
                                         remaining_seconds=total - t, total_seconds=total)
            assert c >= 0 and m >= 0
            charged += c
            granted += m
            price, minutes = new_price, new_minutes
            high = max(high, minutes)
            top_price, top_minutes = max(top_price, price), max(top_minutes, minutes)
        # else: a downgrade is deferred to renewal: nothing charged, granted or refunded now
    assert charged <= top_price - start[0]
    assert granted <= max(0, top_minutes - start[1])


def test_demo_data_has_plans_packs_promo_and_a_subscribed_student(db):
    from tutorhub.demo.seed import seed_demo
    from tutorhub.models import User
    from tutorhub.services.actor import to_user_out

    seed_demo(db, tutors=2)
    db.commit()
    assert [p.code for p in plans.list_plans(db)] == ["starter", "standard", "intensive"]
    assert len(plans.list_packs(db, currency="INR")) == 1
    student = to_user_out(db.exec(select(User).where(User.email == "student1@tutorhub.test")).one())
    sub = subscriptions.my_subscription(db, actor=student)
    assert sub is not None and sub.plan_code == "standard" and sub.currency == "INR"
    summary = credits.my_credits(db, actor=student)
    assert summary.credits_minutes == 240 + 60 and summary.trial_available is False
    from tutorhub.services.money import promos

    assert promos.quote_promo(db, code="welcome10", user_id=student.id, amount_minor=10000, currency="INR",
                              now=datetime.now(UTC)) == 1000
    assert credits.credit_lots_consistent(db) == []


def test_stripe_billed_subscription_cancel_reaches_stripe_and_renewal_is_matched(db, make_user, gateway_env):
    """Through the real stripe SDK against the local stand-in: the renewal webhook names Stripe's
    subscription id, found through the start payment; cancelling tells Stripe to stop at period end."""
    from tests.support.gateways import standin_gateway, stripe_env
    from tutorhub.integrations.payments.base import EventKind, GatewayEvent
    from tutorhub.models import Payment
    from tutorhub.services.billing import purchases as credit_purchases
    from tutorhub.services.checkout import events as payment_events

    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    with standin_gateway(gateway_env, stripe_env) as api:
        api.on("POST", "/v1/checkout/sessions", {"id": "cs_sub", "object": "checkout.session", "url": "https://x/cs_sub"})
        api.on("POST", "/v1/subscriptions/sub_9", {"id": "sub_9", "object": "subscription"})
        out = subscriptions.subscribe(db, actor=student, plan_code="basic", currency="USD", now=T0)
        payment = db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
        assert payment.gateway == "stripe"
        [checkout] = api.find("POST", "/v1/checkout/sessions")
        assert checkout.form()["mode"] == ["subscription"]
        # Stripe's checkout.session.completed for a subscription: gateway_ref = the subscription id.
        payment_events.apply_gateway_event(db, GatewayEvent(
            gateway="stripe", event_id="evt_1", kind=EventKind.PAYMENT_SUCCEEDED, raw_type="checkout.session.completed",
            reference=out.payment_reference, gateway_ref="sub_9", amount_minor=4000, currency="USD", occurred_at=T0,
            data={"subscription_id": "sub_9"}), now=T0)
        sub = subscriptions.my_subscription(db, actor=student)
        assert sub is not None and sub.status == "active" and _minutes(db, student) == 240
        renewal = GatewayEvent(gateway="stripe", event_id="evt_2", kind=EventKind.SUBSCRIPTION_RENEWED, raw_type="invoice.paid",
                               reference=None, gateway_ref="in_2", amount_minor=4000, currency="USD",
                               occurred_at=T0 + timedelta(days=28), data={"subscription_id": "sub_9"})
        credit_purchases.apply_subscription_event(db, renewal, now=T0 + timedelta(days=28))
        assert subscriptions.my_subscription(db, actor=student).cycle == 2 and _minutes(db, student) == 480
        with pytest.raises(Conflict, match="not available yet"):
            subscriptions.change_plan(db, actor=student, plan_code="pro", now=T0 + timedelta(days=29))
        assert subscriptions.cancel_subscription(db, actor=student, now=T0 + timedelta(days=29)).cancel_at_period_end
        [req] = api.find("POST", "/v1/subscriptions/sub_9")
        assert req.form()["cancel_at_period_end"] == ["true"]
        # The sandbox renewal job leaves provider-billed subscriptions alone.
        assert renewals.renew_due_subscriptions(db, now=T0 + timedelta(days=90))["charged"] == 0


def test_sandbox_renewal_charges_the_gateway_and_its_webhook_takes_the_normal_path(db, make_user):
    """The renewal job charges the saved sandbox "card" through the gateway adapter (no hosted
    checkout page); the sandbox's signed webhook is verified, stored once and applied like any."""
    from tutorhub.models import Payment, SandboxCharge, WebhookEvent

    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    _subscribe(db, student)
    due = datetime(2027, 2, 28, 12, 1, tzinfo=UTC)
    assert renewals.renew_due_subscriptions(db, now=due) == {"ended": 0, "charged": 1}
    renewal = [p for p in db.exec(select(Payment)).all() if (p.extra or {}).get("kind") == "renewal"]
    assert [(p.status, p.gateway, p.amount_minor, p.succeeded_at) for p in renewal] == [("succeeded", "sandbox", 4000, due)]
    charge = db.exec(select(SandboxCharge).where(SandboxCharge.reference == renewal[0].reference)).one()
    assert (charge.status, charge.success_url, charge.gateway_ref) == ("succeeded", "", renewal[0].gateway_ref)
    [event] = db.exec(select(WebhookEvent).where(WebhookEvent.reference == renewal[0].reference)).all()
    assert (event.gateway, event.kind, event.outcome) == ("sandbox", "payment.succeeded", "applied")
    assert subscriptions.my_subscription(db, actor=student).cycle == 2 and _minutes(db, student) == 480
