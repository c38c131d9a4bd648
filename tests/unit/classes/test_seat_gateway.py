"""Seats paid by card / UPI through the hosted checkout: held while it is open, enrolled by the webhook
(once, whatever is replayed), released when it lapses, refunded to the card or the wallet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW
from tests.support.classes import funded_students, published_class
from tests.support.credits import pay
from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models import ClassEnrolment, GroupClass, Payment, Refund, Role
from tutorhub.services.checkout import events as payment_events
from tutorhub.services.classes import class_jobs, classes, queries, seat_money, seats
from tutorhub.services.classes.access import class_sessions
from tutorhub.services.money import ledger, money_settings
from tutorhub.services.ops.ledger_verify import verify_ledger


@pytest.fixture
def small(env):
    class_id = published_class(env.db, env.tutor, NOW, capacity=2, min_size=2)
    return class_id, [env.make_user(Role.STUDENT) for _ in range(3)]


def _payments(db) -> list[Payment]:
    return list(db.exec(select(Payment).order_by(Payment.id)).all())


def _paid_by_card(env, student, class_id) -> tuple[dict, Payment]:
    """Enrol by card and pay the checkout at NOW; returns the enrol answer and the captured payment."""
    out = seats.enrol(env.db, actor=student, class_id=class_id, method="gateway", now=NOW)
    [payment] = _payments(env.db)
    pay(env.db, payment.reference, NOW)
    env.db.refresh(payment)
    return out, payment


def _replay(db, payment: Payment, event_id: str, when) -> None:
    payment_events.apply_gateway_event(db, GatewayEvent(
        gateway=payment.gateway, event_id=event_id, kind=EventKind.PAYMENT_SUCCEEDED, raw_type="payment.succeeded",
        reference=payment.reference, gateway_ref=payment.gateway_ref, amount_minor=payment.amount_minor,
        currency=payment.currency, occurred_at=when), now=when)


def test_a_checkout_holds_the_seat_and_a_double_click_reuses_it(env, small):
    class_id, (a, *_) = small
    out = seats.enrol(env.db, actor=a, class_id=class_id, method="gateway", now=NOW)
    assert out["status"] == "OFFERED" and out["checkout_url"]
    assert env.db.get(GroupClass, class_id).seats_taken == 1  # held for the payer
    again = seats.enrol(env.db, actor=a, class_id=class_id, method="gateway", now=NOW + timedelta(minutes=1))
    assert again["checkout_url"] == out["checkout_url"] and again["enrolment_id"] == out["enrolment_id"]
    [payment] = _payments(env.db)
    assert (payment.purpose, payment.amount_minor, payment.currency) == ("class_seat", 8000, "EUR")
    assert ledger.balance(env.db, seat_money.seat_escrow(out["enrolment_id"]), "EUR") == 0  # nothing paid yet


def test_the_webhook_enrols_once_even_when_replayed(env, small):
    class_id, (a, *_) = small
    out = seats.enrol(env.db, actor=a, class_id=class_id, method="gateway", now=NOW)
    [payment] = _payments(env.db)
    pay(env.db, payment.reference, NOW + timedelta(minutes=2))
    seat = env.db.get(ClassEnrolment, out["enrolment_id"])
    assert (seat.status, seat.method, seat.unit, seat.price_minor) == ("ENROLLED", "gateway", "EUR", 8000)
    assert queries.get_class(env.db, viewer=a, class_id=class_id).my_status == "ENROLLED"
    _replay(env.db, payment, "evt_replay_1", NOW + timedelta(minutes=3))
    _replay(env.db, payment, "evt_replay_2", NOW + timedelta(minutes=4))
    assert ledger.balance(env.db, seat_money.seat_escrow(seat.id), "EUR") == 8000  # charged once
    assert ledger.balance(env.db, f"student:{a.id}:wallet", "EUR") == 0  # no stray credit either
    env.db.commit()
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


def test_an_unpaid_hold_is_released_and_late_money_goes_to_the_wallet(env, small):
    class_id, (a, b, c) = small
    seats.enrol(env.db, actor=a, class_id=class_id, method="gateway", now=NOW)
    fund = funded_students(env.db, env.make_user, 1)[0]
    seats.enrol(env.db, actor=fund, class_id=class_id, method="wallet", now=NOW)
    assert seats.enrol(env.db, actor=b, class_id=class_id, method="wallet", now=NOW)["status"] == "WAITLISTED"
    [payment] = _payments(env.db)
    ends = payment.expires_at
    assert ends is not None and ends >= NOW + timedelta(minutes=30)
    class_jobs.run_class_jobs(env.db, now=ends - timedelta(minutes=1))
    assert env.db.get(GroupClass, class_id).seats_taken == 2  # held while the checkout is open
    later = ends + timedelta(minutes=1)
    assert seats.expire_offers(env.db, now=later) == 1
    assert queries.get_class(env.db, viewer=b, class_id=class_id).my_status == "OFFERED"  # passed on
    assert queries.get_class(env.db, viewer=a, class_id=class_id).my_status is None
    _replay(env.db, payment, "evt_late", later + timedelta(minutes=5))  # the money still arrives
    assert ledger.balance(env.db, f"student:{a.id}:wallet", "EUR") == 8000  # not lost, not a seat
    env.db.commit()
    assert verify_ledger(env.db, now=later + timedelta(hours=1)) == []


@pytest.mark.parametrize("destination", ["original", "wallet"])
def test_cancelled_sessions_and_classes_refund_to_where_the_money_came_from(env, small, make_user, destination):
    class_id, (a, *_) = small
    money_settings.update_money_settings(env.db, actor=make_user(Role.ADMIN), refund_destination=destination)
    out = seats.enrol(env.db, actor=a, class_id=class_id, method="gateway", now=NOW)
    pay(env.db, _payments(env.db)[0].reference, NOW)
    third = class_sessions(env.db, class_id)[2]
    classes.cancel_session(env.db, actor=env.tutor, class_id=class_id, session_id=third.id, now=NOW)
    classes.cancel_class(env.db, actor=env.tutor, class_id=class_id, now=NOW)
    seat = env.db.get(ClassEnrolment, out["enrolment_id"])
    assert seat.refunded_minor == 8000 and seat_money.held(env.db, seat) == 0
    refunds = env.db.exec(select(Refund).order_by(Refund.id)).all()
    wallet = ledger.balance(env.db, f"student:{a.id}:wallet", "EUR")
    if destination == "original":
        assert [r.amount_minor for r in refunds] == [1000, 7000] and wallet == 0
        assert all(r.destination == "original" for r in refunds)
        assert env.db.get(Payment, seat.payment_id).refunded_minor == 8000
    else:
        assert refunds == [] and wallet == 8000
    env.db.commit()
    assert verify_ledger(env.db, now=NOW + timedelta(hours=1)) == []


def test_a_free_class_needs_no_checkout_and_no_credits(env):
    class_id = published_class(env.db, env.tutor, NOW, capacity=2, min_size=1, price_minor=0)
    student = env.make_user(Role.STUDENT)
    out = seats.enrol(env.db, actor=student, class_id=class_id, method="gateway", now=NOW)
    assert out["status"] == "ENROLLED" and "checkout_url" not in out and _payments(env.db) == []
    other = env.make_user(Role.STUDENT)  # no credits at all: a free seat takes none
    assert seats.enrol(env.db, actor=other, class_id=class_id, method="credits", now=NOW)["status"] == "ENROLLED"


def _outside(db, payment: Payment, kind: EventKind, amount: int, when, **data: str) -> None:
    """The provider tells us of a refund made on its dashboard, or of a chargeback."""
    payment_events.apply_gateway_event(db, GatewayEvent(
        gateway=payment.gateway, event_id=f"evt_{kind.value}_{amount}_{sorted(data.items())}", kind=kind,
        raw_type=kind.value, reference=payment.reference, gateway_ref=payment.gateway_ref, amount_minor=amount,
        currency=payment.currency, occurred_at=when, data=data), now=when)


def test_a_seat_refunded_in_full_at_the_provider_ends_and_is_never_refunded_again(env, small):
    class_id, (a, b, _) = small
    out = seats.enrol(env.db, actor=a, class_id=class_id, method="gateway", now=NOW)
    [payment] = _payments(env.db)
    pay(env.db, payment.reference, NOW)
    fund = funded_students(env.db, env.make_user, 1)[0]
    seats.enrol(env.db, actor=fund, class_id=class_id, method="wallet", now=NOW)
    assert seats.enrol(env.db, actor=b, class_id=class_id, method="wallet", now=NOW)["status"] == "WAITLISTED"
    env.db.refresh(payment)
    for _ in range(2):  # a replayed event changes nothing more
        _outside(env.db, payment, EventKind.REFUND_SUCCEEDED, 8000, NOW + timedelta(hours=1), refund_id="re_dash")
    seat = env.db.get(ClassEnrolment, out["enrolment_id"])
    assert seat.status == "REFUNDED" and seat_money.held(env.db, seat) == 0
    assert ledger.balance(env.db, "refunds", "EUR") == 0  # the escrow paid the provider's refund back
    assert queries.get_class(env.db, viewer=b, class_id=class_id).my_status == "OFFERED"  # the seat passed on
    classes.cancel_class(env.db, actor=env.tutor, class_id=class_id, now=NOW + timedelta(hours=2))
    assert ledger.balance(env.db, f"student:{a.id}:wallet", "EUR") == 0  # not paid back a second time
    assert [r.reference for r in env.db.exec(select(Refund)).all()] == ["ext_sandbox_re_dash"]
    env.db.commit()
    assert verify_ledger(env.db, now=NOW + timedelta(hours=3)) == []


def test_a_partial_provider_refund_keeps_the_seat_and_caps_what_is_refunded_later(env, small, make_user):
    class_id, (a, *_) = small
    money_settings.update_money_settings(env.db, actor=make_user(Role.ADMIN), refund_destination="wallet")
    out, payment = _paid_by_card(env, a, class_id)
    _outside(env.db, payment, EventKind.REFUND_SUCCEEDED, 3000, NOW + timedelta(hours=1), refund_id="re_part")
    seat = env.db.get(ClassEnrolment, out["enrolment_id"])
    assert seat.status == "ENROLLED" and seat_money.held(env.db, seat) == 5000
    classes.cancel_class(env.db, actor=env.tutor, class_id=class_id, now=NOW + timedelta(hours=2))
    assert ledger.balance(env.db, f"student:{a.id}:wallet", "EUR") == 5000  # 3000 came back at the provider
    env.db.commit()
    assert verify_ledger(env.db, now=NOW + timedelta(hours=3)) == []


def test_a_lost_chargeback_ends_the_seat_and_the_tutor_is_not_paid_for_it(env, small):
    class_id, (a, *_) = small
    out, payment = _paid_by_card(env, a, class_id)
    _outside(env.db, payment, EventKind.DISPUTE_OPENED, 8000, NOW + timedelta(hours=1), dispute_id="dp_1")
    seat = env.db.get(ClassEnrolment, out["enrolment_id"])
    assert seat.status == "ENROLLED" and seat_money.held(env.db, seat) == 8000  # open: nothing decided yet
    _outside(env.db, payment, EventKind.DISPUTE_LOST, 8000, NOW + timedelta(days=1), dispute_id="dp_1")
    _outside(env.db, payment, EventKind.DISPUTE_LOST, 8000, NOW + timedelta(days=1), dispute_id="dp_1")
    env.db.refresh(seat)
    assert seat.status == "REFUNDED" and seat_money.held(env.db, seat) == 0
    assert ledger.balance(env.db, "platform:disputes", "EUR") == 0  # the escrow covered what the bank took
    env.db.commit()
    assert verify_ledger(env.db, now=NOW + timedelta(days=2)) == []


@pytest.mark.parametrize("outcome", [EventKind.DISPUTE_LOST, EventKind.DISPUTE_WON])
@pytest.mark.parametrize("destination", ["original", "wallet"])
def test_a_refund_while_a_chargeback_is_open_is_withheld_so_the_student_is_never_paid_twice(
        env, small, make_user, destination, outcome):
    """Found by the seat machine (test_seat_machine.py): the tutor cancelled while the card payment's
    chargeback was open, the seat was refunded to the card (or the wallet) AND the bank then gave the same
    money back. Now the refund is withheld while the chargeback is open: lost, the bank's refund was the
    student's; won, the withheld refund goes to the wallet."""
    class_id, (a, *_) = small
    money_settings.update_money_settings(env.db, actor=make_user(Role.ADMIN), refund_destination=destination)
    out, payment = _paid_by_card(env, a, class_id)
    _outside(env.db, payment, EventKind.DISPUTE_OPENED, 8000, NOW + timedelta(hours=1), dispute_id="dp_9")
    classes.cancel_class(env.db, actor=env.tutor, class_id=class_id, now=NOW + timedelta(hours=2))
    seat = env.db.get(ClassEnrolment, out["enrolment_id"])
    assert seat_money.held(env.db, seat) == 0 and seat.refunded_minor == 0  # withheld, not refunded
    assert env.db.exec(select(Refund)).all() == [] and ledger.balance(env.db, f"student:{a.id}:wallet", "EUR") == 0
    _outside(env.db, payment, outcome, 8000, NOW + timedelta(days=3), dispute_id="dp_9")
    wallet = ledger.balance(env.db, f"student:{a.id}:wallet", "EUR")
    assert wallet == (8000 if outcome == EventKind.DISPUTE_WON else 0)  # the money comes back exactly once
    assert ledger.balance(env.db, "platform:disputes", "EUR") == 0  # the escrow covered the chargeback
    env.db.commit()
    assert verify_ledger(env.db, now=NOW + timedelta(days=4)) == []
