"""Exchange rates (services/money/exchange_rates.py): only admins set them, only sane rates are
accepted, every change is audited, and the optional feed job refreshes them (a local stand-in)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tests.support.gateway_standin import standin_server
from tutorhub.jobs import scheduler
from tutorhub.models import AuditEntry, ExchangeRate, Role
from tutorhub.services.currency import convert_minor, load_rates
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated
from tutorhub.services.money import exchange_rates
from tutorhub.services.money.exchange_rates import RatesFeedFailed
from tutorhub.settings import reset_settings

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def stored(db):
    """The stored rates and audit entries (the migration's seed rows are there in a session's first test)."""
    return ([(r.code, r.per_usd_millionths, r.source) for r in db.exec(select(ExchangeRate).order_by(ExchangeRate.code))],
            len(db.exec(select(AuditEntry)).all()))


def rate_of(rows, code):
    return next(r for r in rows if r.code == code)


def test_defaults_are_listed_until_an_admin_sets_one(db, make_user):
    admin = make_user(Role.ADMIN)
    rows = exchange_rates.list_rates(db, actor=admin)
    assert rows[0].code == "USD" and rate_of(rows, "EUR").rate == "0.92" and rate_of(rows, "EUR").source == "default"
    out = exchange_rates.set_rate(db, actor=admin, code="eur", rate="0.95", now=NOW)
    db.commit()
    assert out.code == "EUR" and out.rate == "0.95"
    eur = rate_of(exchange_rates.list_rates(db, actor=admin), "EUR")
    assert (eur.rate, eur.source, eur.set_at) == ("0.95", "admin", NOW)
    assert convert_minor(10_000, "USD", "EUR", load_rates(db)) == 9_500
    entry = db.exec(select(AuditEntry).where(AuditEntry.action == "exchange_rate.set")).one()
    assert entry.actor_user_id == admin.id and entry.target_id == "EUR"
    assert entry.before == {"rate": "0.92"} and entry.after == {"rate": "0.95"}


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TUTOR, Role.GUARDIAN])
def test_only_admins_read_or_set_rates(db, make_user, role):
    user = make_user(role)
    before = stored(db)
    with pytest.raises(Forbidden):
        exchange_rates.list_rates(db, actor=user)
    with pytest.raises(Forbidden):
        exchange_rates.set_rate(db, actor=user, code="EUR", rate="2")
    with pytest.raises(NotAuthenticated):
        exchange_rates.set_rate(db, actor=None, code="EUR", rate="2")
    assert stored(db) == before


@pytest.mark.parametrize(("code", "rate", "field"), [
    ("EUR", "0", "rate"), ("EUR", "-1", "rate"), ("EUR", "abc", "rate"), ("EUR", "", "rate"), ("EUR", "NaN", "rate"),
    ("EUR", "Infinity", "rate"), ("EUR", "0.1234567", "rate"), ("EUR", "2000000", "rate"), ("EUR", 1.5, "rate"),
    ("EUR", None, "rate"), ("EUR", True, "rate"), ("EUR", "9" * 500, "rate"), ("DOG", "1", "code"),
    ("", "1", "code"), ("EURO", "1", "code"), ("USD", "2", "rate"), (["EUR"], "1", "code"),
])
def test_bad_rates_are_refused_and_nothing_changes(db, make_user, code, rate, field):
    admin = make_user(Role.ADMIN)
    before = stored(db)
    with pytest.raises(InvalidInput) as caught:
        exchange_rates.set_rate(db, actor=admin, code=code, rate=rate)
    assert field in caught.value.fields
    assert stored(db) == before


def test_a_three_decimal_currency_can_be_set(db, make_user):
    admin = make_user(Role.ADMIN)
    exchange_rates.set_rate(db, actor=admin, code="KWD", rate="0.308", now=NOW)
    assert convert_minor(1000, "USD", "KWD", load_rates(db)) == 3080


@pytest.fixture
def feed(monkeypatch):
    with standin_server() as standin:
        monkeypatch.setenv("TUTORHUB_RATES_URL", standin.base_url + "/latest.json")
        reset_settings()
        yield standin
    monkeypatch.undo()
    reset_settings()


def test_the_job_does_nothing_without_a_feed(db):
    reset_settings()
    assert scheduler.refresh_exchange_rates(now=NOW) == {}


def test_the_job_refreshes_known_rates_from_the_feed(db, feed):
    feed.on("GET", "/latest.json", {"base": "USD", "rates": {"EUR": 0.9, "INR": 84.25, "DOGE": 3, "GBP": "bad",
                                                              "JPY": -1, "USD": 1}})
    applied = scheduler.refresh_exchange_rates(now=NOW)
    assert applied == {"EUR": "0.9", "INR": "84.25"}
    db.expire_all()
    rows = {r.code: r for r in db.exec(select(ExchangeRate)).all()}
    assert rows["EUR"].per_usd_millionths == 900_000 and rows["EUR"].source == "feed" and rows["EUR"].set_at == NOW
    assert "GBP" not in rows or rows["GBP"].source != "feed"  # invalid values keep the previous rate
    assert "JPY" not in rows or rows["JPY"].source != "feed"
    assert db.exec(select(AuditEntry).where(AuditEntry.action == "exchange_rate.refresh")).one().after == applied
    assert feed.requests[0].method == "GET"


def test_a_feed_in_another_base_is_rebased_on_usd(db, feed):
    feed.on("GET", "/latest.json", {"base": "EUR", "rates": {"USD": 1.25, "GBP": 1}})
    assert scheduler.refresh_exchange_rates(now=NOW) == {"EUR": "0.8", "GBP": "0.8"}


@pytest.mark.parametrize(("status", "body", "message"), [
    (500, {"error": "down"}, "HTTP 500"),
    (200, {"rates": {"EUR": 1}}, "must answer"),
    (200, {"base": "EUR", "rates": {"GBP": 1}}, "no USD rate"),
])
def test_a_broken_feed_is_a_clear_failure_and_changes_nothing(db, feed, status, body, message):
    feed.on("GET", "/latest.json", body, status=status)
    before = stored(db)
    with pytest.raises(RatesFeedFailed, match=message):
        scheduler.refresh_exchange_rates(now=NOW)
    assert stored(db) == before
