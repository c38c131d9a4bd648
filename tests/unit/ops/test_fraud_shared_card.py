"""The shared-card fraud signal end to end: the card fingerprint arrives in the provider's signed
webhook (the sandbox's checkout page, Stripe's `charge.succeeded`, a Razorpay payment entity), goes
through the real verification, event store and capture onto the Payment, and the hourly scan flags
two or more accounts paying with one card — once per card, never one account with its own card."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support import gateways as gateway_support
from tests.support.gateways import (
    razorpay_env,
    razorpay_event,
    razorpay_signature,
    stripe_env,
    stripe_event,
    stripe_signature,
)
from tutorhub.db import session_scope
from tutorhub.models import FraudFlag, FraudFlagUser, Payment
from tutorhub.models.base import utcnow
from tutorhub.models.gateways import WebhookEvent
from tutorhub.services.billing import wallet
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.checkout.webhooks import receive_webhook
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated
from tutorhub.services.money.payments import payment_out
from tutorhub.services.ops import fraud_review
from tutorhub.services.ops.fraud_signals import scan_fraud_signals

gateway_env = gateway_support.gateway_env
SHARED = "4000 0566 5566 5556"
_k = itertools.count(1)


def _scan() -> dict[str, int]:
    with session_scope() as session:
        return scan_fraud_signals(session, now=utcnow())


def _card_flags() -> list[tuple[str, set[int], str]]:
    with session_scope(read_only=True) as session:
        flags = session.exec(select(FraudFlag).where(FraudFlag.kind == "shared_card")).all()
        return [(f.key, set(session.exec(select(FraudFlagUser.user_id).where(FraudFlagUser.flag_id == f.id)).all()),
                 f.reason) for f in flags]


def _fingerprint(reference: str) -> str | None:
    with session_scope(read_only=True) as session:
        payment = session.exec(select(Payment).where(Payment.reference == reference)).one()
        assert payment.succeeded_at is not None
        assert not any("card" in key for key in payment_out(payment).metadata)  # never in the payer's view
        return (payment.extra or {}).get("_card_fingerprint")


def _sandbox_topup(db, student, card_number: str | None) -> str:
    out = wallet.start_topup(db, actor=student, amount_minor=2500, currency="USD")
    db.commit()
    with session_scope() as session:
        sandbox_checkout.complete_checkout(session, reference=out.payment_id, outcome="succeed", now=utcnow(),
                                           card_number=card_number)
    return out.payment_id


def test_sandbox_card_number_gives_a_fingerprint_and_two_accounts_on_one_card_are_flagged(db, make_user):
    ana, ben, cleo = (make_user("student") for _ in range(3))
    first = _sandbox_topup(db, ana, SHARED)
    _sandbox_topup(db, ana, SHARED.replace(" ", "-"))  # the same card again, typed differently
    _sandbox_topup(db, cleo, "4242424242424242")
    _sandbox_topup(db, cleo, None)  # no number typed: nothing is sent
    fingerprint = _fingerprint(first)
    assert fingerprint and fingerprint.startswith("sbx_fp_") and "5556" not in fingerprint
    assert _scan() == {}  # one account paying with its own card twice is nothing
    _sandbox_topup(db, ben, SHARED)
    assert _scan() == {"shared_card": 1}
    [(key, users, reason)] = _card_flags()
    assert key == f"card:{fingerprint}" and users == {ana.id, ben.id}
    assert "2 accounts paid with the same card" in reason and ana.email in reason and ben.email in reason
    assert _scan() == {}  # once per fingerprint: a rescan refreshes, it does not add


def test_sandbox_refuses_what_is_not_a_card_number(db, make_user):
    student = make_user("student")
    out = wallet.start_topup(db, actor=student, amount_minor=2500, currency="USD")
    db.commit()
    for bad in ("4242", "4242 4242 abcd 4242", "1" * 20, 4242424242424242):
        with session_scope() as session, pytest.raises(InvalidInput) as caught:
            sandbox_checkout.complete_checkout(session, reference=out.payment_id, outcome="succeed", now=utcnow(),
                                               card_number=bad)
        assert "card_number" in caught.value.fields
    with session_scope(read_only=True) as session:
        assert session.exec(select(WebhookEvent)).all() == []  # nothing was charged


def _stripe_payment(user_id: int, k: int) -> str:
    reference = f"pay_fp_{k}"
    with session_scope() as session:
        session.add(Payment(reference=reference, user_id=user_id, purpose="topup", amount_minor=5000, currency="EUR",
                            gateway="stripe", gateway_ref=f"cs_{k}", description="Wallet top-up"))
    return reference


def _stripe(body: bytes) -> None:
    with session_scope() as session:
        receipt = receive_webhook(session, "stripe", body, {"Stripe-Signature": stripe_signature(body)}, utcnow())
        assert receipt.outcome == "applied", receipt


def _stripe_pay(user_id: int, fingerprint: str, *, charge_first: bool) -> str:
    k = next(_k)
    reference, pi = _stripe_payment(user_id, k), f"pi_fp_{k}"
    # A real charge event: the card's details, the PaymentIntent it belongs to (no reference of ours:
    # the capture must find it by the PaymentIntent id whichever event comes first).
    charge = stripe_event("charge.succeeded", {
        "id": f"ch_{k}", "object": "charge", "amount": 5000, "currency": "eur", "status": "succeeded", "paid": True,
        "payment_intent": pi, "metadata": {},
        "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242", "fingerprint": fingerprint,
                                                            "exp_month": 12, "exp_year": 2030}}}, f"evt_ch_{k}")
    completed = stripe_event("checkout.session.completed", {
        "id": f"cs_{k}", "object": "checkout.session", "payment_status": "paid", "payment_intent": pi,
        "amount_total": 5000, "currency": "eur", "metadata": {"reference": reference}}, f"evt_cs_{k}")
    for body in ((charge, completed) if charge_first else (completed, charge)):
        _stripe(body)
    return reference


def test_stripe_charge_fingerprint_in_either_order(gateway_env, make_user):
    gateway_env(**stripe_env("http://127.0.0.1:9"))  # verification only: no API call is made
    ana, ben, cleo = (make_user("student") for _ in range(3))
    early = _stripe_pay(ana.id, "Xt5EWLLDS7FJjR1c", charge_first=True)
    late = _stripe_pay(ana.id, "Xt5EWLLDS7FJjR1c", charge_first=False)
    _stripe_pay(cleo.id, "Other0000card", charge_first=True)
    assert _fingerprint(early) == _fingerprint(late) == "Xt5EWLLDS7FJjR1c"
    assert _scan() == {}
    _stripe_pay(ben.id, "Xt5EWLLDS7FJjR1c", charge_first=False)
    assert _scan() == {"shared_card": 1}
    [(key, users, _reason)] = _card_flags()
    assert key == "card:Xt5EWLLDS7FJjR1c" and users == {ana.id, ben.id}


def _razorpay_capture(user_id: int, card: dict) -> str:
    k = next(_k)
    reference = f"pay_rz_{k}"
    with session_scope() as session:
        session.add(Payment(reference=reference, user_id=user_id, purpose="topup", amount_minor=50000, currency="INR",
                            gateway="razorpay", gateway_ref=f"order_{k}", description="Wallet top-up"))
    payment = {"id": f"pay_RZ{k}", "entity": "payment", "amount": 50000, "currency": "INR", "status": "captured",
               "order_id": f"order_{k}", "method": "card", "card_id": f"card_{k}",  # a new card id every payment
               "card": {"id": f"card_{k}", "entity": "card", "name": "", **card, "emi": False},
               "notes": {"reference": reference}}
    body = razorpay_event("payment.captured", {"payment": payment})
    with session_scope() as session:
        receipt = receive_webhook(session, "razorpay", body, {"X-Razorpay-Signature": razorpay_signature(body)},
                                  utcnow())
        assert receipt.outcome == "applied", receipt
    return reference


def test_razorpay_card_details_make_the_fingerprint(gateway_env, make_user):
    gateway_env(**razorpay_env("http://127.0.0.1:9"))  # verification only
    ana, ben = make_user("student"), make_user("student")
    card = {"last4": "1111", "network": "Visa", "type": "credit", "issuer": "HDFC", "international": False}
    first = _razorpay_capture(ana.id, card)
    _razorpay_capture(ben.id, {**card, "last4": "2222"})  # another card
    assert (_fingerprint(first) or "").startswith("rzp_")
    assert _scan() == {}
    _razorpay_capture(ben.id, card)
    assert _scan() == {"shared_card": 1}
    [(_key, users, _reason)] = _card_flags()
    assert users == {ana.id, ben.id}


def test_only_admins_read_card_flags(db, make_user):
    ana, ben = make_user("student"), make_user("student")
    _sandbox_topup(db, ana, SHARED)
    _sandbox_topup(db, ben, SHARED)
    _scan()
    for stranger in (None, ana, make_user("tutor")):
        with pytest.raises(NotAuthenticated if stranger is None else Forbidden):
            fraud_review.list_flags(db, actor=stranger, kind="shared_card")
    page = fraud_review.list_flags(db, actor=make_user("admin"), kind="shared_card")
    assert [{u.id for u in f.users} for f in page.items] == [{ana.id, ben.id}]


def test_card_flags_look_back_ninety_days(db, make_user):
    """Payments older than the window are not evidence any more (the scan reads 90 days)."""
    ana, ben = make_user("student"), make_user("student")
    old = _sandbox_topup(db, ana, SHARED)
    with session_scope() as session:
        row = session.exec(select(Payment).where(Payment.reference == old)).one()
        row.created_at = utcnow() - timedelta(days=91)
    _sandbox_topup(db, ben, SHARED)
    assert _scan() == {}
