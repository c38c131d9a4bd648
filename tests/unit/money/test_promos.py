"""Promo codes: quoting rules, case-insensitivity, limits, once per user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tutorhub.models import PromoCode, PromoRedemption, Role
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tutorhub.services.money import promos

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def _create(db, admin, **data):
    base = {"code": "welcome10", "kind": "percent", "percent": 10}
    base.update(data)
    return promos.create_promo(db, actor=admin, data=base)


def _quote(db, code="WELCOME10", user_id=1, amount=5000, currency="USD", now=NOW):
    return promos.quote_promo(db, code=code, user_id=user_id, amount_minor=amount, currency=currency, now=now)


def test_create_validates_and_is_admin_only(db, admin, make_user):
    with pytest.raises(Forbidden):
        promos.create_promo(db, actor=make_user(Role.STUDENT), data={"code": "X1X", "kind": "percent", "percent": 5})
    with pytest.raises(InvalidInput) as err:
        promos.create_promo(db, actor=admin, data={"code": "a", "kind": "gift", "percent": 500})
    assert {"code", "kind", "percent"} <= set(err.value.fields)
    with pytest.raises(InvalidInput) as err:
        promos.create_promo(db, actor=admin, data={"code": "FIVEOFF", "kind": "fixed", "amount_minor": 500})
    assert "currency" in err.value.fields
    out = _create(db, admin)
    assert out.code == "WELCOME10"
    with pytest.raises(Conflict):
        _create(db, admin, code="Welcome10")


def test_percent_and_fixed_quotes(db, admin, make_user):
    user = make_user(Role.STUDENT)
    _create(db, admin)
    _create(db, admin, code="FIVEOFF", kind="fixed", amount_minor=500, currency="USD", percent=0)
    assert _quote(db, "welcome10", user.id, 4999) == 499  # rounded down, case-insensitive
    assert _quote(db, "fiveoff", user.id, 5000) == 500
    assert _quote(db, "fiveoff", user.id, 300) == 300  # never more than the amount
    with pytest.raises(InvalidInput, match="only applies to payments in USD"):
        _quote(db, "fiveoff", user.id, 5000, "EUR")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"valid_from": (NOW + timedelta(days=1)).isoformat()}, "not valid yet"),
        ({"valid_until": (NOW - timedelta(seconds=1)).isoformat()}, "expired"),
        ({"min_amount_minor": 6000}, "minimum"),
    ],
)
def test_quote_refusals(db, admin, make_user, fields, message):
    user = make_user(Role.STUDENT)
    _create(db, admin, **fields)
    with pytest.raises(InvalidInput, match=message) as err:
        _quote(db, user_id=user.id)
    assert "promo_code" in err.value.fields


def test_unknown_and_inactive(db, admin, make_user):
    user = make_user(Role.STUDENT)
    with pytest.raises(NotFound, match="Unknown") as unknown:  # no such code: 404, the field says so
        _quote(db, "NOPE123", user.id)
    assert "promo_code" in unknown.value.fields
    _create(db, admin)
    promos.update_promo(db, actor=admin, code="welcome10", data={"active": False})
    with pytest.raises(InvalidInput, match="no longer active"):
        _quote(db, user_id=user.id)


def test_update_cannot_end_a_code_before_it_starts(db, admin):
    _create(db, admin, code="later10", valid_from=(NOW + timedelta(days=2)).isoformat())
    with pytest.raises(InvalidInput) as err:
        promos.update_promo(db, actor=admin, code="LATER10", data={"valid_until": (NOW + timedelta(days=1)).isoformat()})
    assert "valid_until" in err.value.fields
    out = promos.update_promo(db, actor=admin, code="LATER10", data={"valid_until": (NOW + timedelta(days=3)).isoformat()})
    assert out.valid_until == NOW + timedelta(days=3)


def test_once_per_user_and_total_cap(db, admin, make_user):
    a, b, c = (make_user(Role.STUDENT) for _ in range(3))
    _create(db, admin, max_redemptions=2)
    assert promos.redeem_promo(db, code="welcome10", user_id=a.id, ref="booking:1", amount_minor=5000, currency="USD",
                               now=NOW) == 500
    with pytest.raises(InvalidInput, match="already used"):
        promos.redeem_promo(db, code="WELCOME10", user_id=a.id, ref="booking:2", amount_minor=5000, currency="USD", now=NOW)
    promos.redeem_promo(db, code="WELCOME10", user_id=b.id, ref="booking:3", amount_minor=5000, currency="USD", now=NOW)
    with pytest.raises(InvalidInput, match="used up"):
        _quote(db, user_id=c.id)
    with pytest.raises(InvalidInput, match="used up"):
        promos.redeem_promo(db, code="WELCOME10", user_id=c.id, ref="booking:4", amount_minor=5000, currency="USD", now=NOW)
    db.commit()
    promo = db.exec(select(PromoCode)).one()
    assert promo.redemption_count == 2
    assert len(db.exec(select(PromoRedemption)).all()) == 2


def test_validate_promo_for_the_form(db, admin, make_user):
    user = make_user(Role.STUDENT)
    _create(db, admin)
    out = promos.validate_promo(db, actor=user, code=" welcome10 ", amount_minor=3000, currency="usd", now=NOW)
    assert (out.code, out.discount_minor, out.final_minor, out.currency) == ("WELCOME10", 300, 2700, "USD")
    lines = promos.promo_funding_lines(discount_minor=300, currency="USD", account="escrow:booking:9")
    assert sum(line.amount for line in lines) == 0 and lines[1].account == "escrow:booking:9"
