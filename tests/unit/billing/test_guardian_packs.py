"""A guardian buys a minute pack for a linked child (services/billing/guardian_packs.py): the
guardian pays (wallet or the sandbox hosted checkout), the minutes land in the CHILD's credit lots
and pay the child's lessons, and a refund or lost chargeback of the guardian's payment takes the
unspent minutes back from the child. Strangers get NotFound and nothing moves."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlmodel import func, select

from tests.support.booking import NOW, at
from tests.support.credits import catalogue, pay
from tests.support.guardians import link_guardian
from tests.support.money import fund_wallet
from tutorhub.integrations.payments import EventKind, GatewayEvent
from tutorhub.models import CreditLot, LedgerTransaction, Payment, Role
from tutorhub.services.billing import credits, guardian_packs
from tutorhub.services.booking import bookings
from tutorhub.services.checkout import events as payment_events
from tutorhub.services.checkout import lesson_payments
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.learning import guardians
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import InsufficientFunds

PACK_PRICE, PACK_MINUTES = 6000, 300  # "hour5" in USD (tests/support/credits.catalogue)


@pytest.fixture
def family(env):
    catalogue(env.db, env.make_user)
    parent = env.make_user(Role.GUARDIAN, email="parent@example.com")
    link_guardian(env.db, env.student, parent, now=NOW)
    return parent


def _minutes(env, user_id):
    return credits.credit_summary(env.db, user_id, NOW)[0]


def _wallet(env, user_id):
    return ledger.balance(env.db, f"student:{user_id}:wallet", "USD")


def _buy(env, actor, **kw):
    args = {"student_id": env.student.id, "pack_code": "hour5", "method": "wallet", "now": NOW}
    args.update(kw)
    return guardian_packs.buy_pack_for_child(env.db, actor=actor, **args)


def _event(kind: EventKind, payment: Payment, amount: int, **data: str) -> GatewayEvent:
    return GatewayEvent(gateway="sandbox", event_id=f"evt_{uuid.uuid4().hex}", kind=kind, raw_type=kind.value,
                        reference=payment.reference, gateway_ref=payment.gateway_ref, amount_minor=amount,
                        currency=payment.currency, occurred_at=NOW, data=data)


def _nothing_moved(env, parent, wallet_before):
    assert _minutes(env, env.student.id) == 0 and _minutes(env, parent.id) == 0
    assert _wallet(env, parent.id) == wallet_before
    assert env.db.exec(select(func.count()).select_from(CreditLot)).one() == 0
    assert env.db.exec(select(func.count()).select_from(Payment).where(Payment.purpose == "minute_pack")).one() == 0


def test_guardian_pays_from_own_wallet_and_the_child_gets_the_minutes(env, family):
    fund_wallet(env.db, family.id, PACK_PRICE + 500, "USD")
    out = _buy(env, family)
    assert (out.status, out.minutes, out.price_minor) == ("completed", PACK_MINUTES, PACK_PRICE)
    assert _wallet(env, family.id) == 500 and _wallet(env, env.student.id) == 0
    assert _minutes(env, env.student.id) == PACK_MINUTES and _minutes(env, family.id) == 0
    lot = env.db.exec(select(CreditLot)).one()
    assert lot.user_id == env.student.id and lot.expires_at == NOW + timedelta(days=365)
    assert credits.credit_lots_consistent(env.db) == []
    # The guardian sees it; the child's own lesson spends it.
    assert guardian_packs.child_minutes(env.db, actor=family, student_id=env.student.id, now=NOW).minutes == 300
    held = bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(3, 10), duration_min=60,
                                   now=NOW)
    lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=[held.id], method="credits", now=NOW)
    assert _minutes(env, env.student.id) == PACK_MINUTES - 60


def test_a_short_wallet_buys_nothing(env, family):
    fund_wallet(env.db, family.id, PACK_PRICE - 1, "USD")
    with pytest.raises(InsufficientFunds) as err:
        _buy(env, family)
    assert err.value.status_code == 402
    _nothing_moved(env, family, PACK_PRICE - 1)


def test_by_card_the_minutes_reach_the_child_when_paid_and_a_refund_takes_them_back(env, family):
    out = _buy(env, family, method="gateway")
    assert out.status == "pending" and out.checkout_url
    payment = env.db.exec(select(Payment).where(Payment.reference == out.payment_reference)).one()
    assert payment.user_id == family.id and payment.extra["for_student_id"] == env.student.id
    assert env.student.full_name in payment.description
    assert _minutes(env, env.student.id) == 0
    pay(env.db, out.payment_reference, NOW)
    assert _minutes(env, env.student.id) == PACK_MINUTES and _minutes(env, family.id) == 0
    env.db.refresh(payment)
    # The child spends 60 minutes, then the provider refunds half of the guardian's payment.
    held = bookings.create_booking(env.db, actor=env.student, tutor_id=env.tutor_id, start=at(3, 10), duration_min=60,
                                   now=NOW)
    lesson_payments.pay_for_lessons(env.db, actor=env.student, booking_ids=[held.id], method="credits", now=NOW)
    payment_events.apply_gateway_event(env.db, _event(EventKind.REFUND_SUCCEEDED, payment, PACK_PRICE // 2,
                                                      refund_id="re_half"), now=NOW)
    assert _minutes(env, env.student.id) == PACK_MINUTES - 60 - 150  # half the pack, from the unspent lot
    # A lost chargeback takes what is left; the spent minutes stay spent.
    payment_events.apply_gateway_event(env.db, _event(EventKind.DISPUTE_LOST, payment, PACK_PRICE,
                                                      dispute_id="dp_1"), now=NOW)
    assert _minutes(env, env.student.id) == 0
    lot = env.db.exec(select(CreditLot)).one()
    assert (lot.user_id, lot.revoked_minutes, lot.remaining) == (env.student.id, 240, 0)
    revokes = env.db.exec(select(LedgerTransaction).where(LedgerTransaction.kind == "credit_revoke")).all()
    assert revokes and all(tx.user_id == env.student.id for tx in revokes)
    assert credits.credit_lots_consistent(env.db) == []


def test_a_link_ended_after_checkout_still_gives_the_paid_minutes_to_the_child(env, family):
    out = _buy(env, family, method="gateway")
    link = guardians.list_my_guardians(env.db, actor=env.student)[0]
    guardians.unlink_guardian(env.db, actor=env.student, link_id=link.id, now=NOW)
    pay(env.db, out.payment_reference, NOW)
    assert _minutes(env, env.student.id) == PACK_MINUTES and _minutes(env, family.id) == 0
    with pytest.raises(NotFound):  # but no new purchase, and no more looking at the child's minutes
        _buy(env, family, method="gateway")
    with pytest.raises(NotFound):
        guardian_packs.child_minutes(env.db, actor=family, student_id=env.student.id, now=NOW)


def test_strangers_and_bad_input_change_nothing(env, family):
    fund_wallet(env.db, family.id, 10 * PACK_PRICE, "USD")
    stranger = env.make_user(Role.GUARDIAN, email="stranger@example.com")
    fund_wallet(env.db, stranger.id, 10 * PACK_PRICE, "USD")
    other_child = env.another_student()
    with pytest.raises(NotFound):  # a guardian with no link to this child
        _buy(env, stranger)
    with pytest.raises(NotFound):
        _buy(env, stranger, method="gateway")
    with pytest.raises(NotFound):  # a child not linked to this guardian
        _buy(env, family, student_id=other_child.id)
    with pytest.raises(NotFound):
        _buy(env, family, student_id="abc")
    with pytest.raises(NotFound):
        guardian_packs.child_minutes(env.db, actor=stranger, student_id=env.student.id, now=NOW)
    with pytest.raises(Forbidden):  # a student cannot buy "for" another student
        _buy(env, other_child)
    with pytest.raises(Forbidden):
        guardian_packs.child_minutes(env.db, actor=other_child, student_id=env.student.id, now=NOW)
    with pytest.raises(NotAuthenticated):
        _buy(env, None)
    with pytest.raises(NotFound):
        _buy(env, family, pack_code="nope")
    with pytest.raises(InvalidInput):
        _buy(env, family, method="cash")
    _nothing_moved(env, family, 10 * PACK_PRICE)
    assert _wallet(env, stranger.id) == 10 * PACK_PRICE
