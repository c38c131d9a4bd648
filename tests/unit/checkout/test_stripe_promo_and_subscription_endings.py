"""Money gaps that only show with a real provider: through the REAL stripe SDK against the local
stand-in (tests/support/gateway_standin.py), with webhooks signed here in Stripe's scheme and
verified by the library (`receive_webhook`, the intake behind POST /api/v1/webhooks/stripe).

1. A declined card on a Stripe Checkout Session is one failed attempt: the session stays open and
   the payer may try another card, so the once-per-user promo stays reserved (before: released on
   `payment_intent.payment_failed`, so the same session then paid with a code already used
   elsewhere). The session's `expires_at` is the reservation's lapse (≥ 30 minutes).
2. A subscription paid twice: the refund names the invoice's PaymentIntent (before: the
   subscription id, which Stripe refuses), and the second provider subscription is cancelled.
3. A provider subscription that ended unpaid is cancelled at once and its open invoice voided
   (before: cancel_at_period_end, so Stripe went on retrying the invoice).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.booking import NOW, at
from tests.support.credits import catalogue
from tests.support.gateway_standin import Recorded
from tests.support.gateways import razorpay_event, standin_gateway, stripe_env, stripe_event, stripe_signature
from tests.support.money import fund_wallet
from tutorhub.integrations.payments import EventKind
from tutorhub.integrations.payments.razorpay_gateway import map_razorpay_event
from tutorhub.models import Booking, Payment, PromoCode, PromoRedemption, Refund, Role, Subscription
from tutorhub.services.billing import credits, subscriptions
from tutorhub.services.checkout import cancellations, lesson_payments, renewals
from tutorhub.services.checkout.webhooks import receive_webhook
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.money import gateway_intents, ledger, promos
from tutorhub.services.money.payments import PaymentUnavailable
from tutorhub.services.ops.ledger_verify import verify_ledger
from tutorhub.settings import reset_settings

gateway_env = gateway_support.gateway_env


@pytest.fixture
def stripe_api(gateway_env, monkeypatch):
    # What a commit would send on a background thread is sent by the jobs here, deterministically.
    monkeypatch.setenv("TUTORHUB_DELIVER_IMMEDIATELY", "0")
    with standin_gateway(gateway_env, stripe_env) as api:
        sessions = iter(range(1, 100))
        api.on_call("POST", "/v1/checkout/sessions", lambda _req: (200, _session(f"cs_{next(sessions)}")))
        yield api


def _session(session_id: str) -> dict:
    return {"id": session_id, "object": "checkout.session", "url": f"https://checkout.stripe.test/{session_id}"}


def _deliver(db, event_type: str, obj: dict, event_id: str, now=NOW):
    body = stripe_event(event_type, obj, event_id)
    receipt = receive_webhook(db, "stripe", body, {"Stripe-Signature": stripe_signature(body)}, now)
    db.flush()
    return receipt


def _form(req: Recorded) -> dict[str, str]:
    return {k: v[0] for k, v in req.form().items()}


def _reservations(db) -> list[tuple[str, str]]:
    return [(r.ref, r.status) for r in db.exec(select(PromoRedemption)).all()]


# 1. Promo reservations on a Stripe Checkout Session


@pytest.fixture
def once(env, make_user):
    promos.create_promo(env.db, actor=make_user(Role.ADMIN), data={"code": "ONCE", "kind": "percent", "percent": 20})
    env.db.commit()


def _pay_with_promo(env, booking_id):
    return lesson_payments.pay_booking(env.db, actor=env.student, booking_id=booking_id, method="gateway",
                                       promo_code="ONCE", now=NOW)


def test_a_declined_card_keeps_the_promo_reserved_and_the_retry_on_the_same_session_redeems_it(env, once, stripe_api):
    lesson, other = env.book(at(3, 10)), env.book(at(3, 14))
    out = _pay_with_promo(env, lesson.id)
    [created] = stripe_api.find("POST", "/v1/checkout/sessions")
    sent = _form(created)
    reserved = env.db.exec(select(PromoRedemption)).one()
    # The session ends exactly when the reservation lapses, never sooner than Stripe's 30 minutes.
    assert reserved.expires_at == NOW + timedelta(minutes=30)
    assert sent["expires_at"] == str(int(reserved.expires_at.timestamp()))
    assert sent["line_items[0][price_data][unit_amount]"] == "2400"  # €30 − 20 %

    declined = {"id": "pi_1", "object": "payment_intent", "status": "requires_payment_method", "amount": 2400,
                "currency": "eur", "metadata": {"reference": out.payment_reference},
                "last_payment_error": {"code": "card_declined", "message": "Your card was declined."}}
    receipt = _deliver(env.db, "payment_intent.payment_failed", declined, "evt_declined")
    assert (receipt.kind, receipt.outcome) == ("payment.attempt_failed", "applied")
    payment = env.db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
    assert payment.status == "pending" and payment.extra["_decline"] == "Your card was declined."
    assert _reservations(env.db) == [(f"payment:{out.payment_reference}", "pending")]
    # …so the code cannot be spent elsewhere meanwhile (before: released here, and spent twice)
    fund_wallet(env.db, env.student.id, 3000, "EUR")
    with pytest.raises(InvalidInput, match="reserved by a checkout"):
        lesson_payments.pay_booking(env.db, actor=env.student, booking_id=other.id, method="wallet",
                                    promo_code="ONCE", now=NOW)

    completed = {"id": "cs_1", "object": "checkout.session", "payment_status": "paid", "payment_intent": "pi_1",
                 "amount_total": 2400, "currency": "eur", "client_reference_id": out.payment_reference,
                 "metadata": {"reference": out.payment_reference}}
    assert _deliver(env.db, "checkout.session.completed", completed, "evt_paid").outcome == "applied"
    assert env.db.get(Booking, lesson.id).status != "PENDING_PAYMENT"
    assert _reservations(env.db) == [(f"payment:{out.payment_reference}", "redeemed")]
    assert env.db.exec(select(PromoCode)).one().redemption_count == 1
    assert ledger.balance(env.db, "platform:promotions", "EUR") == 600
    with pytest.raises(InvalidInput, match="already used"):
        lesson_payments.pay_booking(env.db, actor=env.student, booking_id=other.id, method="wallet",
                                    promo_code="ONCE", now=NOW)
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


def test_the_session_expiring_is_what_gives_the_code_back(env, once, stripe_api):
    lesson, other = env.book(at(3, 10)), env.book(at(3, 14))
    out = _pay_with_promo(env, lesson.id)
    expired = {"id": "cs_1", "object": "checkout.session", "status": "expired", "payment_status": "unpaid",
               "amount_total": 2400, "currency": "eur", "client_reference_id": out.payment_reference,
               "metadata": {"reference": out.payment_reference}}
    _deliver(env.db, "checkout.session.expired", expired, "evt_expired", now=NOW + timedelta(minutes=30))
    payment = env.db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
    assert payment.status == "expired" and _reservations(env.db) == []
    again = lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=[other.id], method="gateway",
                                            promo_code="ONCE", now=NOW + timedelta(minutes=30))
    assert again.discount_minor == 600 and again.checkout_url == "https://checkout.stripe.test/cs_2"


# 2. A Stripe subscription paid twice


def _completed_subscription(reference: str, n: int) -> dict:
    return {"id": f"cs_{n}", "object": "checkout.session", "mode": "subscription", "payment_status": "paid",
            "subscription": f"sub_{n}", "invoice": f"in_{n}", "customer": "cus_1", "amount_total": 4000,
            "currency": "usd", "client_reference_id": reference, "metadata": {"reference": reference}}


def test_a_stripe_subscription_paid_twice_is_refunded_through_its_invoice_and_cancelled_at_stripe(
        db, make_user, stripe_api):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    stripe_api.on("GET", "/v1/invoices/in_2", {"id": "in_2", "object": "invoice", "status": "paid",
                                               "subscription": "sub_2", "payment_intent": "pi_2"})
    stripe_api.on("GET", "/v1/refunds", {"object": "list", "has_more": False, "url": "/v1/refunds", "data": []})
    stripe_api.on("POST", "/v1/refunds", {"id": "re_1", "object": "refund", "status": "succeeded", "amount": 4000,
                                          "currency": "usd", "payment_intent": "pi_2"})
    stripe_api.on("GET", "/v1/subscriptions/sub_2", {"id": "sub_2", "object": "subscription", "status": "active"})
    stripe_api.on("DELETE", "/v1/subscriptions/sub_2", {"id": "sub_2", "object": "subscription", "status": "canceled"})
    stripe_api.on("GET", "/v1/invoices", {"object": "list", "has_more": False, "url": "/v1/invoices", "data": []})
    first = subscriptions.subscribe(db, actor=student, plan_code="basic", currency="USD", now=NOW)
    second = subscriptions.subscribe(db, actor=student, plan_code="basic", currency="USD", now=NOW)
    _deliver(db, "checkout.session.completed", _completed_subscription(first.payment_reference, 1), "evt_s1")
    _deliver(db, "checkout.session.completed", _completed_subscription(second.payment_reference, 2), "evt_s2")
    db.commit()
    assert ledger.balance(db, credits.credits_account(student.id), "MIN") == 240  # one month granted

    # The refund intent is sent after the commit (here: the minutely job's resume).
    assert gateway_intents.resume_refund_intents(now=NOW + timedelta(minutes=3)) == 1
    [refund_call] = stripe_api.find("POST", "/v1/refunds")
    assert _form(refund_call)["payment_intent"] == "pi_2" and _form(refund_call)["amount"] == "4000"
    db.commit()
    doubled = db.exec(select(Payment).where(Payment.reference == second.payment_reference)).one()
    refund = db.exec(select(Refund)).one()
    assert (refund.payment_id, refund.status, refund.gateway_ref) == (doubled.id, "succeeded", "re_1")
    assert doubled.status == "refunded"

    # The second Stripe subscription goes at once (the renewal job sends what the commit left due).
    renewals.renew_due_subscriptions(db, now=NOW + timedelta(minutes=15))
    [cancel] = stripe_api.find("DELETE", "/v1/subscriptions/sub_2")
    assert cancel.headers["idempotency-key"].startswith("sub-end:")
    assert stripe_api.find("DELETE", "/v1/subscriptions/sub_1") == []
    ended = db.exec(select(Subscription).where(Subscription.gateway_ref == "sub_2")).one()
    assert ended.status == "ended" and ended.provider_ended_at is not None
    assert subscriptions.my_subscription(db, actor=student).status == "active"
    renewals.renew_due_subscriptions(db, now=NOW + timedelta(minutes=30))
    assert len(stripe_api.find("DELETE", "/v1/subscriptions/sub_2")) == 1  # done once
    assert verify_ledger(db, now=NOW + timedelta(hours=1)) == []


# 3. A provider subscription that ended unpaid


def test_a_stripe_subscription_ended_unpaid_is_cancelled_now_and_its_open_invoice_voided(db, make_user, stripe_api):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    out = subscriptions.subscribe(db, actor=student, plan_code="basic", currency="USD", now=NOW)
    _deliver(db, "checkout.session.completed", _completed_subscription(out.payment_reference, 1), "evt_s1")
    due = NOW + timedelta(days=31)
    failed = {"id": "in_9", "object": "invoice", "status": "open", "subscription": "sub_1",
              "billing_reason": "subscription_cycle", "amount_due": 4000, "amount_paid": 0, "currency": "usd",
              "attempt_count": 1, "next_payment_attempt": int((due + timedelta(days=5)).timestamp())}
    _deliver(db, "invoice.payment_failed", failed, "evt_f1", now=due)
    sub = db.exec(select(Subscription).where(Subscription.user_id == student.id)).one()
    assert sub.status == "past_due"

    stripe_api.on("GET", "/v1/subscriptions/sub_1", {"id": "sub_1", "object": "subscription", "status": "past_due"})
    stripe_api.on("DELETE", "/v1/subscriptions/sub_1", {"id": "sub_1", "object": "subscription", "status": "canceled"})
    stripe_api.on("GET", "/v1/invoices", {"object": "list", "has_more": False, "url": "/v1/invoices", "data": [
        {"id": "in_9", "object": "invoice", "status": "open", "subscription": "sub_1"}]})
    stripe_api.on("POST", "/v1/invoices/in_9/void", {"id": "in_9", "object": "invoice", "status": "void"})
    assert renewals.renew_due_subscriptions(db, now=due + timedelta(days=3))["ended"] == 1
    db.refresh(sub)
    assert sub.status == "ended" and sub.provider_ended_at == due + timedelta(days=3)
    [cancel] = stripe_api.find("DELETE", "/v1/subscriptions/sub_1")
    assert cancel.query == {"invoice_now": ["false"], "prorate": ["false"]}
    [listed] = stripe_api.find("GET", "/v1/invoices")
    assert listed.query["subscription"] == ["sub_1"] and listed.query["status"] == ["open"]
    assert len(stripe_api.find("POST", "/v1/invoices/in_9/void")) == 1
    # never "at period end" (that left Stripe retrying the open invoice)
    assert all("cancel_at_period_end" not in r.form() for r in stripe_api.find("POST", "/v1/subscriptions/sub_1"))


def test_a_provider_that_cannot_be_reached_is_asked_again_by_the_next_run(db, make_user, stripe_api):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    out = subscriptions.subscribe(db, actor=student, plan_code="basic", currency="USD", now=NOW)
    _deliver(db, "checkout.session.completed", _completed_subscription(out.payment_reference, 1), "evt_s1")
    due = NOW + timedelta(days=31)
    _deliver(db, "invoice.payment_failed", {"id": "in_9", "object": "invoice", "subscription": "sub_1",
                                            "billing_reason": "subscription_cycle", "amount_paid": 0,
                                            "currency": "usd"}, "evt_f1", now=due)
    stripe_api.on("GET", "/v1/subscriptions/sub_1", {"error": {"type": "api_error", "message": "down"}}, status=500)
    renewals.renew_due_subscriptions(db, now=due + timedelta(days=3))
    sub = db.exec(select(Subscription).where(Subscription.user_id == student.id)).one()
    assert sub.status == "ended" and sub.provider_end_due_at is not None and sub.provider_ended_at is None
    stripe_api.on("GET", "/v1/subscriptions/sub_1", {"id": "sub_1", "object": "subscription", "status": "canceled"})
    stripe_api.on("GET", "/v1/invoices", {"object": "list", "has_more": False, "url": "/v1/invoices", "data": []})
    renewals.renew_due_subscriptions(db, now=due + timedelta(days=3, minutes=15))
    db.refresh(sub)
    assert sub.provider_ended_at is not None
    assert stripe_api.find("DELETE", "/v1/subscriptions/sub_1") == []  # Stripe had already cancelled it


# Coming back through the cancel URL; where the payer is sent back to


def test_back_through_the_cancel_url_expires_the_stripe_session_and_gives_the_code_back(env, once, stripe_api):
    lesson = env.book(at(3, 10))
    out = _pay_with_promo(env, lesson.id)
    [created] = stripe_api.find("POST", "/v1/checkout/sessions")
    assert _form(created)["cancel_url"] == f"http://localhost:3000/pay/done?ref={out.payment_reference}&cancelled=1"
    stripe_api.on("GET", "/v1/checkout/sessions/cs_1", {**_session("cs_1"), "status": "open"})
    stripe_api.on("POST", "/v1/checkout/sessions/cs_1/expire", {**_session("cs_1"), "status": "expired"})
    done = cancellations.cancel_checkout(env.db, actor=env.student, reference=out.payment_reference, now=NOW)
    assert done.status == "cancelled" and _reservations(env.db) == []
    assert len(stripe_api.find("POST", "/v1/checkout/sessions/cs_1/expire")) == 1
    # Stripe's own expiry event that follows changes nothing more
    expired = {"id": "cs_1", "object": "checkout.session", "status": "expired", "payment_status": "unpaid",
               "amount_total": 2400, "currency": "eur", "metadata": {"reference": out.payment_reference}}
    _deliver(env.db, "checkout.session.expired", expired, "evt_expired")
    assert env.db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one().status == "cancelled"


def test_a_session_completed_meanwhile_is_not_cancelled(env, once, stripe_api):
    out = _pay_with_promo(env, env.book(at(3, 10)).id)
    stripe_api.on("GET", "/v1/checkout/sessions/cs_1", {**_session("cs_1"), "status": "complete"})
    done = cancellations.cancel_checkout(env.db, actor=env.student, reference=out.payment_reference, now=NOW)
    assert done.status == "pending" and _reservations(env.db) == [(f"payment:{out.payment_reference}", "pending")]
    assert stripe_api.find("POST", "/v1/checkout/sessions/cs_1/expire") == []
    with pytest.raises(NotFound):  # somebody else's payment
        cancellations.cancel_checkout(env.db, actor=env.another_student(), reference=out.payment_reference, now=NOW)


def test_checkout_urls_come_from_the_public_url_and_production_refuses_a_loopback_one(env, stripe_api, monkeypatch):
    monkeypatch.setenv("TUTORHUB_PUBLIC_URL", "https://tutors.example.org/")
    reset_settings()
    out = lesson_payments.pay_booking(env.db, actor=env.student, booking_id=env.book(at(3, 10)).id, method="gateway",
                                      now=NOW)
    sent = _form(stripe_api.find("POST", "/v1/checkout/sessions")[0])
    assert sent["success_url"] == f"https://tutors.example.org/pay/done?ref={out.payment_reference}"
    monkeypatch.setenv("TUTORHUB_ENV", "production")
    monkeypatch.setenv("TUTORHUB_SECRET_KEY", "p" * 48)
    monkeypatch.setenv("TUTORHUB_PUBLIC_URL", "http://127.0.0.1:3000")
    reset_settings()
    held = env.book(at(3, 14))
    with pytest.raises(PaymentUnavailable, match="TUTORHUB_PUBLIC_URL"):
        lesson_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="gateway", now=NOW)
    assert len(stripe_api.find("POST", "/v1/checkout/sessions")) == 1
    assert env.db.exec(select(Payment).where(Payment.booking_id == held.id)).all() == []


def test_a_razorpay_payment_failure_is_one_attempt_on_an_order_that_stays_open():
    """Razorpay Checkout lets the payer retry on the same order: its payment.failed is not terminal."""
    body = razorpay_event("payment.failed", {"payment": {
        "id": "pay_R1", "entity": "payment", "amount": 90000, "currency": "INR", "status": "failed",
        "order_id": "order_R1", "error_description": "Payment declined by the bank", "notes": {"reference": "pay_x"}}})
    event = map_razorpay_event(json.loads(body))
    assert (event.kind, event.reference, event.data["error"]) == (
        EventKind.PAYMENT_ATTEMPT_FAILED, "pay_x", "Payment declined by the bank")
