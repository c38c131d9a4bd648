"""Minute packs (gateway and wallet, with a promo) and tutor lead credits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support.credits import catalogue, pay
from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models import CreditLot, Payment, PromoCode, Role
from tutorhub.services.billing import credit_spending, credits, lead_credits, plans
from tutorhub.services.billing import purchases as credit_purchases
from tutorhub.services.billing.credits import InsufficientCredits
from tutorhub.services.checkout import events as payment_events
from tutorhub.services.errors import Forbidden, InvalidInput, NotFound
from tutorhub.services.money import ledger, payments, promos

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def _minutes(db, user):
    return ledger.balance(db, credits.credits_account(user.id), "MIN")


def _topup(db, user, amount, currency="USD"):
    payment, _url = payments.start_gateway_payment(db, user=user, purpose="topup", amount_minor=amount, currency=currency,
                                                   description="top-up", now=NOW)
    pay(db, payment.reference, NOW)


def test_pack_through_the_gateway_grants_a_year_once(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    out = credit_purchases.buy_pack(db, actor=student, pack_code="hour5", now=NOW)
    assert out.status == "pending" and out.price_minor == 6000 and out.checkout_url
    assert _minutes(db, student) == 0
    pay(db, out.payment_reference, NOW)
    assert _minutes(db, student) == 300
    lot = db.exec(select(CreditLot)).one()
    assert lot.expires_at == NOW + timedelta(days=365)
    payment = db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
    assert credit_purchases.fulfil_payment(db, payment.id, NOW) is False  # a retry grants nothing more
    assert _minutes(db, student) == 300
    assert ledger.balance(db, "platform:revenue", "USD") == 6000


def test_pack_with_a_promo_books_the_discount_as_platform_cost(db, make_user):
    admin = catalogue(db, make_user)
    promos.create_promo(db, actor=admin, data={"code": "WELCOME10", "kind": "percent", "percent": 10})
    student = make_user(Role.STUDENT)
    out = credit_purchases.buy_pack(db, actor=student, pack_code="hour5", promo_code="welcome10", now=NOW)
    assert (out.price_minor, out.discount_minor) == (5400, 600)
    pay(db, out.payment_reference, NOW)
    assert _minutes(db, student) == 300
    assert ledger.balance(db, "platform:revenue", "USD") == 6000  # list price
    assert ledger.balance(db, "platform:promotions", "USD") == 600
    with pytest.raises(InvalidInput, match="already used"):
        credit_purchases.buy_pack(db, actor=student, pack_code="hour5", promo_code="WELCOME10", now=NOW)


def test_money_arriving_after_the_code_went_elsewhere_goes_to_the_wallet_not_a_second_discount(db, make_user):
    """A capped code held by a checkout whose window ended unpaid goes to the next student; money
    that still arrives for that checkout (a provider with no session expiry) buys nothing at the
    discounted price: it lands in the payer's wallet, and the code is given once, as its cap says.
    Before: the quote was honoured, so a one-use code was given twice."""
    admin = catalogue(db, make_user)
    promos.create_promo(db, actor=admin, data={"code": "ONCE", "kind": "percent", "percent": 10, "max_redemptions": 1})
    first, second = make_user(Role.STUDENT), make_user(Role.STUDENT)
    out = credit_purchases.buy_pack(db, actor=first, pack_code="hour5", promo_code="ONCE", now=NOW)
    _topup(db, second, 6000)
    with pytest.raises(InvalidInput):  # the checkout holds the one use while it is open
        credit_purchases.buy_pack(db, actor=second, pack_code="hour5", method="wallet", promo_code="ONCE", now=NOW)
    later = NOW + promos.PACK_RESERVATION_TTL
    assert payment_events.release_lapsed_promo_reservations(db, now=later) == 1
    credit_purchases.buy_pack(db, actor=second, pack_code="hour5", method="wallet", promo_code="ONCE", now=later)
    payment = db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
    payment_events.apply_gateway_event(db, GatewayEvent(
        gateway="sandbox", event_id="evt_late", kind=EventKind.PAYMENT_SUCCEEDED, raw_type="payment.succeeded",
        reference=out.payment_reference, gateway_ref=payment.gateway_ref, amount_minor=5400, currency="USD",
        occurred_at=later), now=later)
    assert _minutes(db, first) == 0
    assert ledger.balance(db, f"student:{first.id}:wallet", "USD") == 5400
    assert ledger.balance(db, "platform:promotions", "USD") == 600  # one discount, as the cap says
    assert db.exec(select(PromoCode)).one().redemption_count == 1


def test_pack_from_wallet(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    with pytest.raises(ledger.InsufficientFunds) as err:
        credit_purchases.buy_pack(db, actor=student, pack_code="hour5", method="wallet", now=NOW)
    assert err.value.status_code == 402
    _topup(db, student, 7000)
    out = credit_purchases.buy_pack(db, actor=student, pack_code="hour5", method="wallet", now=NOW)
    assert out.status == "completed"
    assert _minutes(db, student) == 300
    assert ledger.balance(db, f"student:{student.id}:wallet", "USD") == 1000
    assert credits.credit_lots_consistent(db) == []


def test_pack_input_errors(db, make_user):
    catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    with pytest.raises(NotFound):
        credit_purchases.buy_pack(db, actor=student, pack_code="nope", now=NOW)
    with pytest.raises(InvalidInput):
        credit_purchases.buy_pack(db, actor=student, pack_code="hour5", method="cash", now=NOW)
    with pytest.raises(Forbidden):
        credit_purchases.buy_pack(db, actor=make_user(Role.TUTOR), pack_code="hour5", now=NOW)


def test_lead_credits_buy_and_spend(db, make_user):
    tutor = make_user(Role.TUTOR)
    out = lead_credits.buy_lead_credits(db, actor=tutor, quantity=3, currency="USD", now=NOW)
    assert out.status == "pending" and out.price_minor == 600
    pay(db, out.payment_reference, NOW)
    assert lead_credits.lead_summary(db, actor=tutor).balance == 3
    assert lead_credits.spend_lead_credit(db, tutor_user_id=tutor.id, ref="lead:1", now=NOW) == 2
    assert lead_credits.spend_lead_credit(db, tutor_user_id=tutor.id, ref="lead:1", now=NOW) == 2  # idempotent
    lead_credits.spend_lead_credit(db, tutor_user_id=tutor.id, ref="lead:2", now=NOW)
    lead_credits.spend_lead_credit(db, tutor_user_id=tutor.id, ref="lead:3", now=NOW)
    with pytest.raises(InsufficientCredits) as err:
        lead_credits.spend_lead_credit(db, tutor_user_id=tutor.id, ref="lead:4", now=NOW)
    assert err.value.status_code == 402
    with pytest.raises(InsufficientCredits):
        lead_credits.buy_lead_credits(db, actor=tutor, quantity=1, currency="USD", method="earnings", now=NOW)
    with pytest.raises(InvalidInput):
        lead_credits.buy_lead_credits(db, actor=tutor, quantity=0, currency="USD", now=NOW)


def test_refunded_pack_takes_back_the_unspent_share_once(db, make_user, env):
    catalogue(db, make_user)
    student = env.student
    out = credit_purchases.buy_pack(db, actor=student, pack_code="hour5", now=NOW)
    pay(db, out.payment_reference, NOW)
    booking = env.book(datetime(2027, 3, 3, 10, tzinfo=UTC))
    credit_spending.spend_for_booking(db, student_id=student.id, booking_id=booking.id, minutes=60, now=NOW)  # 240 left
    payment = db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
    payment.refunded_minor = 3000  # half refunded (the money core keeps this column)
    db.add(payment)
    assert credit_purchases.on_purchase_refunded(db, payment.id, NOW) == 150
    assert credit_purchases.on_purchase_refunded(db, payment.id, NOW) == 0  # idempotent
    assert _minutes(db, student) == 90
    # A chargeback takes what is still there (the 60 used minutes cannot come back).
    assert credit_purchases.on_purchase_refunded(db, payment.id, NOW, charged_back=True) == 90
    assert _minutes(db, student) == 0
    assert credits.credit_lots_consistent(db) == []


def test_refunded_lead_credits_are_taken_back(db, make_user):
    tutor = make_user(Role.TUTOR)
    out = lead_credits.buy_lead_credits(db, actor=tutor, quantity=4, currency="USD", now=NOW)
    pay(db, out.payment_reference, NOW)
    lead_credits.spend_lead_credit(db, tutor_user_id=tutor.id, ref="lead:1", now=NOW)
    payment = db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
    assert credit_purchases.on_purchase_refunded(db, payment.id, NOW, charged_back=True) == 3
    assert credit_purchases.on_purchase_refunded(db, payment.id, NOW, charged_back=True) == 0
    assert lead_credits.lead_summary(db, actor=tutor).balance == 0


def test_partial_then_full_lead_refund_takes_back_the_purchase_once(db, make_user):
    """Cumulative refunds (half, then all) revoke the 4 bought credits once — not 2 + 4 — and leave
    credits bought with another payment alone."""
    tutor = make_user(Role.TUTOR)
    first = lead_credits.buy_lead_credits(db, actor=tutor, quantity=4, currency="USD", now=NOW)
    pay(db, first.payment_reference, NOW)
    other = lead_credits.buy_lead_credits(db, actor=tutor, quantity=5, currency="USD", now=NOW)
    pay(db, other.payment_reference, NOW)
    assert lead_credits.lead_summary(db, actor=tutor).balance == 9
    payment = db.exec(select(Payment).where(Payment.reference == first.payment_reference)).one()
    payment.refunded_minor = payment.amount_minor // 2
    db.add(payment)
    assert credit_purchases.on_purchase_refunded(db, payment.id, NOW) == 2
    assert credit_purchases.on_purchase_refunded(db, payment.id, NOW) == 0
    payment.refunded_minor = payment.amount_minor
    db.add(payment)
    assert credit_purchases.on_purchase_refunded(db, payment.id, NOW) == 2
    assert credit_purchases.on_purchase_refunded(db, payment.id, NOW, charged_back=True) == 0
    assert lead_credits.lead_summary(db, actor=tutor).balance == 5


def test_wallet_packs_with_long_codes_bought_twice_grant_twice(db, make_user):
    """Two wallet purchases a microsecond apart are two purchases (each charged AND granted), even for
    a 40-character pack code (its source_ref used to be truncated into a collision)."""
    admin = catalogue(db, make_user)
    code = "a" * 40
    plans.create_pack(db, actor=admin, data={"code": code, "name": "Long", "minutes": 60, "price_minor": 1000,
                                             "currency": "USD"})
    student = make_user(Role.STUDENT)
    _topup(db, student, 5000)
    for micro in (1, 2):
        credit_purchases.buy_pack(db, actor=student, pack_code=code, method="wallet", now=NOW + timedelta(microseconds=micro))
    assert _minutes(db, student) == 120
    assert ledger.balance(db, f"student:{student.id}:wallet", "USD") == 3000
    assert credits.credit_lots_consistent(db) == []


def test_pack_edited_before_the_webhook_grants_what_was_bought(db, make_user):
    """The minutes and their life are fixed at checkout: an admin doubling the pack (or shortening it)
    before the payment lands changes nothing for that payment."""
    admin = catalogue(db, make_user)
    student = make_user(Role.STUDENT)
    out = credit_purchases.buy_pack(db, actor=student, pack_code="hour5", now=NOW)
    plans.update_pack(db, actor=admin, code="hour5", data={"minutes": 600, "validity_days": 30})
    pay(db, out.payment_reference, NOW)
    assert _minutes(db, student) == 300
    assert db.exec(select(CreditLot)).one().expires_at == NOW + timedelta(days=365)
