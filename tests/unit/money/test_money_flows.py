"""Money through real services: sandbox checkout → escrow → settle → earnings → payout; refunds
by policy (original method or wallet); verify-ledger stays clean after every flow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at
from tests.support.money import fund_wallet, give_payout_account
from tutorhub.jobs import scheduler
from tutorhub.models import Booking, Payment, Payout, Refund, Role
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.booking import timeouts as booking_jobs
from tutorhub.services.checkout import disputes, escrow
from tutorhub.services.checkout import lesson_payments as booking_payments
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.errors import Conflict, InvalidInput
from tutorhub.services.learning import lessons
from tutorhub.services.money import ledger, money_settings, payouts
from tutorhub.services.money.ledger import InsufficientFunds, Line
from tutorhub.services.ops.ledger_verify import verify_ledger

START = at(3, 10)


def wallet(env, user=None):
    return ledger.balance(env.db, f"student:{(user or env.student).id}:wallet", "EUR")


def pay_by_sandbox(env, booking_id, outcome="succeed"):
    out = booking_payments.pay_booking(env.db, actor=env.student, booking_id=booking_id, method="gateway", now=NOW)
    assert out.status == "PENDING_PAYMENT" and out.checkout_url.endswith(f"/pay/sandbox/{out.payment_reference}")
    sandbox_checkout.complete_checkout(env.db, reference=out.payment_reference, outcome=outcome, now=NOW)
    env.db.commit()
    return out.payment_reference


def teach_and_settle(env, booking_id):
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=booking_id, now=START)
    lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booking_id, now=START + timedelta(hours=1))
    assert booking_jobs.settle_lessons(env.db, now=START + timedelta(hours=50)) == 1
    return escrow.run_money_jobs(env.db, now=START + timedelta(hours=50))


def test_sandbox_checkout_funds_escrow_then_settlement_pays_the_tutor_minus_commission(env):
    held = env.book(START)
    reference = pay_by_sandbox(env, held.id)
    booking = env.db.get(Booking, held.id)
    assert booking.status == "CONFIRMED" and booking.payment_ref == reference
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == held.price_minor == 3000
    assert env.db.exec(select(Payment)).one().status == "succeeded"
    assert teach_and_settle(env, held.id) == 1
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 0
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 2400
    assert ledger.balance(env.db, "platform:revenue", "EUR") == 600
    assert escrow.run_money_jobs(env.db, now=START + timedelta(hours=51)) == 0  # idempotent
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 2400
    assert verify_ledger(env.db, now=START + timedelta(days=5)) == []


def test_a_failed_checkout_leaves_the_booking_unpaid_and_nothing_in_the_ledger(env):
    held = env.book(START)
    pay_by_sandbox(env, held.id, outcome="fail")
    assert env.db.get(Booking, held.id).status == "PENDING_PAYMENT"
    assert env.db.exec(select(Payment)).one().status == "failed"
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 0


def test_money_for_an_expired_hold_lands_in_the_wallet(env):
    """A card checkout keeps the lesson held while it is open, but never past 45 minutes: a checkout
    restarted at minute 30 runs to minute 60, so money at minute 46 finds the hold gone."""
    held = env.book(START)
    booking_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="gateway",
                                 now=NOW + timedelta(minutes=10))
    out = booking_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="gateway",
                                       now=NOW + timedelta(minutes=30))
    late = NOW + timedelta(minutes=46)
    booking_jobs.expire_holds(env.db, now=late)
    sandbox_checkout.complete_checkout(env.db, reference=out.payment_reference, outcome="succeed", now=late)
    assert env.db.get(Booking, held.id).status == "EXPIRED"
    assert wallet(env) == held.price_minor
    assert verify_ledger(env.db) == []


@pytest.mark.parametrize("destination", ["original", "wallet"])
def test_an_early_cancellation_refunds_in_full_to_the_configured_destination(env, make_user, destination):
    money_settings.update_money_settings(env.db, actor=make_user(Role.ADMIN), refund_destination=destination)
    held = env.book(START)
    reference = pay_by_sandbox(env, held.id)
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, reason="sick", now=NOW)
    assert escrow.run_money_jobs(env.db, now=NOW) == 1
    refund = env.db.exec(select(Refund)).one()
    assert (refund.amount_minor, refund.destination) == (3000, destination)
    assert env.db.get(Booking, held.id).refund_status == "SETTLED"
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 0
    assert wallet(env) == (3000 if destination == "wallet" else 0)
    payment = env.db.exec(select(Payment).where(Payment.reference == reference)).one()
    assert payment.status == "refunded" and payment.refunded_minor == 3000
    assert ledger.balance(env.db, "gateway:sandbox:clearing", "EUR") == (0 if destination == "original" else 3000)
    assert escrow.run_money_jobs(env.db, now=NOW) == 0
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


def test_a_late_cancellation_refunds_half_and_the_tutor_keeps_the_rest_minus_commission(env):
    held = env.book(START)
    fund_wallet(env.db, env.student.id, 3000, "EUR")
    booking_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="wallet", now=NOW)
    assert wallet(env) == 0
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, reason="late", now=START - timedelta(hours=13))
    booking = env.db.get(Booking, held.id)
    assert 0 < booking.refund_percent < 100
    escrow.run_money_jobs(env.db, now=START)
    refunded = booking.refund_minor
    assert wallet(env) == refunded  # wallet-paid lessons are refunded to the wallet
    kept = 3000 - refunded
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == kept - round(kept * 0.2)
    assert verify_ledger(env.db, now=START + timedelta(hours=1)) == []


def test_paying_from_a_short_wallet_is_402_and_changes_nothing(env):
    held = env.book(START)
    fund_wallet(env.db, env.student.id, 2999, "EUR")
    with pytest.raises(InsufficientFunds):
        booking_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="wallet", now=NOW)
    assert wallet(env) == 2999 and env.db.get(Booking, held.id).status == "PENDING_PAYMENT"
    with pytest.raises(InvalidInput):
        booking_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="cash", now=NOW)


def test_payout_request_approve_and_reject(env, make_user):
    admin = make_user(Role.ADMIN)
    held = env.book(START)
    pay_by_sandbox(env, held.id)
    teach_and_settle(env, held.id)
    give_payout_account(env.db, env.tutor.id)
    with pytest.raises(Conflict) as low:  # below the admin's payout minimum (a setting): 409 with the field
        payouts.request_payout(env.db, actor=env.tutor, amount_minor=999, currency="EUR", now=NOW)
    assert "amount_minor" in low.value.fields
    with pytest.raises(InsufficientFunds):
        payouts.request_payout(env.db, actor=env.tutor, amount_minor=2401, currency="EUR", now=NOW)
    first = payouts.request_payout(env.db, actor=env.tutor, amount_minor=1400, currency="EUR", now=NOW)
    second = payouts.request_payout(env.db, actor=env.tutor, amount_minor=1000, currency="EUR", now=NOW)
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 0
    with pytest.raises(InvalidInput):
        payouts.reject_payout(env.db, actor=admin, payout_id=second.id, note="")
    rejected = payouts.reject_payout(env.db, actor=admin, payout_id=second.id, note="bank details missing")
    paid = payouts.approve_payout(env.db, actor=admin, payout_id=first.id, note="ok")
    assert (rejected.status, paid.status) == ("rejected", "paid")
    with pytest.raises(Conflict):
        payouts.approve_payout(env.db, actor=admin, payout_id=first.id)
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 1000
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:payout_hold", "EUR") == 0
    assert env.db.get(Payout, first.id).gateway == "sandbox"
    assert verify_ledger(env.db, now=START + timedelta(days=5)) == []


def test_dispute_resolution_refunds_the_decided_share(env, make_user):
    held = env.book(START)
    pay_by_sandbox(env, held.id)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=held.id, now=START)
    lessons.complete_lesson(env.db, actor=env.tutor, booking_id=held.id, now=START + timedelta(hours=1))
    lessons.dispute_lesson(env.db, actor=env.student, booking_id=held.id, reason="tutor left early",
                           now=START + timedelta(hours=2))
    out = disputes.resolve_dispute(env.db, actor=make_user(Role.ADMIN), booking_id=held.id, refund_percent=50,
                                   now=START + timedelta(hours=3))
    # The decision moves the money itself: nothing is left for the settlement job.
    assert (out.status, out.refund_minor, out.refund_status) == ("SETTLED", 1500, "SETTLED")
    assert env.db.exec(select(Refund)).one().amount_minor == 1500
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 1200
    assert ledger.balance(env.db, "platform:revenue", "EUR") == 300
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 0
    assert escrow.run_money_jobs(env.db, now=START + timedelta(hours=3)) == 0
    assert verify_ledger(env.db, now=START + timedelta(days=1)) == []


def test_the_settle_money_job_is_the_service_loop_one_booking_per_unit_of_work(env, monkeypatch):
    """The scheduler's job runs escrow.run_money_jobs (no copy of the loop): each booking commits on
    its own, so one failing booking neither blocks nor rolls back the others; the next run retries."""
    first, second = env.book(START, confirm=True), env.book(START + timedelta(hours=2), confirm=True)
    for held in (first, second):
        booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, reason="sick", now=NOW)
    env.db.commit()
    assert wallet(env) == 0
    real = escrow.settle_booking_money

    def gateway_down_for_the_first(session, *, booking_id, now=None):
        if booking_id == first.id:
            raise RuntimeError("gateway down")
        return real(session, booking_id=booking_id, now=now)

    monkeypatch.setattr(escrow, "settle_booking_money", gateway_down_for_the_first)
    assert scheduler.settle_money(now=NOW) == 1
    env.db.rollback()
    assert wallet(env) == 3000 and ledger.balance(env.db, f"escrow:booking:{first.id}", "EUR") == 3000
    monkeypatch.undo()
    assert scheduler.settle_money(now=NOW) == 1  # the failed one, retried
    assert scheduler.settle_money(now=NOW) == 0
    env.db.rollback()
    assert wallet(env) == 6000 and verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


@pytest.mark.parametrize("method", ["wallet", "gateway"])
def test_a_promo_is_funded_by_the_platform_and_its_share_comes_back_on_refund(env, make_user, method):
    from tutorhub.services.money import promos

    promos.create_promo(env.db, actor=make_user(Role.ADMIN), data={"code": "HALF", "kind": "percent", "percent": 50})
    held = env.book(START)
    fund_wallet(env.db, env.student.id, 1500, "EUR")
    out = booking_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method=method, promo_code="HALF",
                                       now=NOW)
    if method == "gateway":
        assert env.db.exec(select(Payment)).one().amount_minor == 1500
        sandbox_checkout.complete_checkout(env.db, reference=out.payment_reference, outcome="succeed", now=NOW)
    else:
        assert wallet(env) == 0
    assert env.db.get(Booking, held.id).status == "CONFIRMED"
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 3000  # full price: the tutor is not short
    assert ledger.balance(env.db, "platform:promotions", "EUR") == 1500
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, reason="sick", now=NOW)
    escrow.run_money_jobs(env.db, now=NOW)
    assert env.db.exec(select(Refund)).one().amount_minor == 1500  # what the student paid, not the list price
    assert ledger.balance(env.db, "platform:promotions", "EUR") == 0
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 0
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


def _credit_lesson(env, minutes: int, source_ref: str):
    """Grant the student `minutes` of credits and pay a 60-minute lesson at START with them."""
    from tutorhub.services.billing import credits

    credits.grant_lot(env.db, user_id=env.student.id, minutes=minutes, source="admin", source_ref=source_ref,
                      expires_at=START + timedelta(days=30), now=NOW)
    held = env.book(START)
    paid = booking_payments.pay_booking(env.db, actor=env.student, booking_id=held.id, method="credits", now=NOW)
    return held, paid


def test_a_lesson_paid_with_credits_pays_the_tutor_in_money_at_settlement(env):
    held, paid = _credit_lesson(env, 120, "t1")
    assert paid.status == "CONFIRMED"
    assert ledger.balance(env.db, f"student:{env.student.id}:credits", "MIN") == 60
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "MIN") == 60
    teach_and_settle(env, held.id)
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "MIN") == 0
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 2400
    assert verify_ledger(env.db, now=START + timedelta(days=5)) == []


def test_a_cancelled_credit_lesson_gives_the_minutes_back(env):
    held, _ = _credit_lesson(env, 60, "t2")
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, reason="sick", now=NOW)
    escrow.run_money_jobs(env.db, now=NOW)
    assert ledger.balance(env.db, f"student:{env.student.id}:credits", "MIN") == 60
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "MIN") == 0
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


def test_earnings_statement_and_finance_figures_follow_the_ledger(env, make_user):
    from tutorhub.services.money import earnings, finance

    admin = make_user(Role.ADMIN)
    settled = env.book(START)
    pay_by_sandbox(env, settled.id)
    held = env.book(START + timedelta(days=1))
    pay_by_sandbox(env, held.id)
    teach_and_settle(env, settled.id)
    give_payout_account(env.db, env.tutor.id)
    payouts.request_payout(env.db, actor=env.tutor, amount_minor=1000, currency="EUR", now=START)
    mine = earnings.tutor_earnings(env.db, actor=env.tutor)
    totals = mine.totals[0]
    assert (totals.currency, totals.held_in_escrow_minor, totals.available_minor, totals.payout_pending_minor,
            totals.commission_minor, totals.earned_minor) == ("EUR", 3000, 1400, 1000, 600, 2400)
    assert [(p.earned_minor, p.commission_minor) for p in mine.series] == [(2400, 600)]
    month = START.strftime("%Y-%m")
    statement = earnings.monthly_statement(env.db, actor=env.tutor, month=month)
    assert f"lesson #{settled.id},EUR,2400,600" in statement.body and ",1000" in statement.body
    overview = finance.finance_overview(env.db, actor=admin, bucket="week", days=400, now=START + timedelta(days=3))
    f = overview.totals[0]
    assert (f.gmv_minor, f.revenue_minor, f.escrow_outstanding_minor, f.payouts_pending_minor, f.refunds_minor) == (
        6000, 600, 3000, 1000, 0)
    assert sum(p.gmv_minor for p in overview.series) == 6000
    with pytest.raises(InvalidInput):
        earnings.monthly_statement(env.db, actor=env.tutor, month="2027-1")


def test_a_bounced_payout_returns_to_earnings_whatever_order_the_events_come_in(env, make_user):
    from tutorhub.integrations.payments import EventKind, GatewayEvent
    from tutorhub.services.checkout import events as payment_events

    admin = make_user(Role.ADMIN)
    fund = [Line(f"tutor:{env.tutor.id}:earnings", -5000, "EUR"), Line("platform:credit_lessons", 5000, "EUR")]
    ledger.post(env.db, kind="release", lines=fund, idempotency_key="seed", now=NOW)
    give_payout_account(env.db, env.tutor.id)
    first = payouts.request_payout(env.db, actor=env.tutor, amount_minor=2000, currency="EUR", now=NOW)
    assert payouts.approve_payout(env.db, actor=admin, payout_id=first.id).status == "paid"

    def deliver(kind):
        payment_events.apply_gateway_event(env.db, GatewayEvent(
            gateway="sandbox", event_id=kind.value, kind=kind, raw_type=kind.value, reference=first.reference,
            gateway_ref=None, amount_minor=2000, currency="EUR", occurred_at=NOW), now=NOW)

    for kind in (EventKind.PAYOUT_FAILED, EventKind.PAYOUT_PAID, EventKind.PAYOUT_FAILED):
        deliver(kind)
    assert env.db.get(Payout, first.id).status == "failed"
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 5000
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:payout_hold", "EUR") == 0
    assert ledger.balance(env.db, "gateway:sandbox:clearing", "EUR") == 0
    assert verify_ledger(env.db) == []


def _provider_event(env, reference, kind, amount, **data):
    from tutorhub.integrations.payments import GatewayEvent
    from tutorhub.services.checkout import events as payment_events

    payment_events.apply_gateway_event(env.db, GatewayEvent(
        gateway="sandbox", event_id=f"evt_{kind.value}_{amount}", kind=kind, raw_type=kind.value, reference=reference,
        gateway_ref=None, amount_minor=amount, currency="EUR", occurred_at=NOW, data=data), now=NOW)


@pytest.mark.parametrize("destination", ["original", "wallet"])
def test_a_cancellation_after_a_provider_side_refund_gives_back_only_the_rest(env, make_user, destination):
    """10.00 refunded from the provider's dashboard, then a 100% cancellation refund —
    the student must get 20.00 more (not 30.00), and the escrow still ends empty."""
    from tutorhub.integrations.payments import EventKind
    from tutorhub.services.money import finance

    admin = make_user(Role.ADMIN)
    money_settings.update_money_settings(env.db, actor=admin, refund_destination=destination)
    held = env.book(START)
    reference = pay_by_sandbox(env, held.id)
    _provider_event(env, reference, EventKind.REFUND_SUCCEEDED, 1000, refund_id="re_dashboard")
    assert ledger.balance(env.db, "refunds", "EUR") == 1000
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, reason="sick", now=NOW)
    assert escrow.run_money_jobs(env.db, now=NOW) == 1
    ours = env.db.exec(select(Refund).where(Refund.reference == f"rfd_b{held.id}")).one()
    assert (ours.amount_minor, ours.destination) == (2000, destination)
    payment = env.db.exec(select(Payment).where(Payment.reference == reference)).one()
    assert payment.refunded_minor == 3000 and payment.status == "refunded"
    assert wallet(env) == (2000 if destination == "wallet" else 0)
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 0
    assert ledger.balance(env.db, "refunds", "EUR") == 0  # the escrow paid back the dashboard refund
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 0
    assert finance.finance_overview(env.db, actor=admin, days=400, now=NOW).totals[0].refunds_minor == 3000  # not 4000
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


def test_a_cancellation_after_a_lost_chargeback_refunds_nothing_more(env):
    from tutorhub.integrations.payments import EventKind

    held = env.book(START)
    reference = pay_by_sandbox(env, held.id)
    _provider_event(env, reference, EventKind.DISPUTE_OPENED, 3000, dispute_id="dp_1")
    _provider_event(env, reference, EventKind.DISPUTE_LOST, 3000, dispute_id="dp_1")
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, reason="sick", now=NOW)
    escrow.run_money_jobs(env.db, now=NOW)
    assert env.db.exec(select(Refund)).all() == []  # the bank already gave the student their money back
    assert wallet(env) == 0
    assert ledger.balance(env.db, f"escrow:booking:{held.id}", "EUR") == 0
    assert ledger.balance(env.db, "platform:disputes", "EUR") == 0  # the escrow covered the chargeback
    assert ledger.balance(env.db, "gateway:sandbox:clearing", "EUR") == 0
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


def test_the_providers_event_about_our_own_refund_is_not_booked_twice(env, make_user):
    """The refund.succeeded webhook of a refund we started names our reference (Stripe metadata /
    Razorpay notes): it completes our Refund and books nothing more."""
    from tutorhub.integrations.payments import EventKind

    money_settings.update_money_settings(env.db, actor=make_user(Role.ADMIN), refund_destination="original")
    held = env.book(START)
    reference = pay_by_sandbox(env, held.id)
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=held.id, reason="sick", now=NOW)
    escrow.run_money_jobs(env.db, now=NOW)
    _provider_event(env, reference, EventKind.REFUND_SUCCEEDED, 3000, refund_id="re_not_stored_yet",
                    refund_reference=f"rfd_b{held.id}")
    assert ledger.balance(env.db, "refunds", "EUR") == 0
    assert [r.reference for r in env.db.exec(select(Refund)).all()] == [f"rfd_b{held.id}"]
    payment = env.db.exec(select(Payment).where(Payment.reference == reference)).one()
    assert payment.refunded_minor == 3000
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []
