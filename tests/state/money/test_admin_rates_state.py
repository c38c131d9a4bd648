"""/admin/rates: admins see and set the rates (audited); everyone else gets nothing and changes nothing."""

from __future__ import annotations

import pytest

from tests.state.conftest import fetch, redirects, toasts
from tutorhub.models import AuditEntry, ExchangeRate, Role
from tutorhub.state.money.rates import AdminRatesState


def test_admin_sets_a_rate_and_sees_it(browser, make_user):
    admin = make_user(Role.ADMIN)
    page, _ = browser.open(AdminRatesState, "/admin/rates", admin.email)
    assert page.status == "ready" and page.rows[0].code == "USD"
    eur = next(r for r in page.rows if r.code == "EUR")
    assert eur.rate == "0.92"
    events = browser.run(page.save({"code": "eur", "rate": "0.9"}))
    assert toasts(events, "success") and page.errors == {}
    eur = next(r for r in page.rows if r.code == "EUR")
    assert (eur.rate, eur.source) == ("0.9", "set by an admin") and eur.when != "—"
    [entry] = fetch(AuditEntry, AuditEntry.action == "exchange_rate.set")
    assert entry.actor_user_id == admin.id and entry.after == {"rate": "0.9"}


@pytest.mark.parametrize(("form", "field"), [
    ({"code": "EUR", "rate": "-2"}, "rate"), ({"code": "EUR", "rate": "0"}, "rate"), ({"code": "XX", "rate": "1"}, "code"),
    ({"code": "EUR"}, "rate"), ("not a form", "code"),
])
def test_bad_input_shows_field_errors(browser, make_user, form, field):
    admin = make_user(Role.ADMIN)
    page, _ = browser.open(AdminRatesState, "/admin/rates", admin.email)
    before = [(r.code, r.per_usd_millionths) for r in fetch(ExchangeRate)]
    browser.run(page.save(form))
    assert field in page.errors
    assert [(r.code, r.per_usd_millionths) for r in fetch(ExchangeRate)] == before
    assert fetch(AuditEntry, AuditEntry.action == "exchange_rate.set") == []


@pytest.mark.parametrize("who", [None, Role.STUDENT, Role.TUTOR])
def test_strangers_get_nothing_and_change_nothing(new_browser, make_user, who):
    b = new_browser()
    email = make_user(who).email if who else None
    page, events = b.open(AdminRatesState, "/admin/rates", email)
    assert page.rows == [] and (page.status == "forbidden" or redirects(events))
    before = [(r.code, r.per_usd_millionths) for r in fetch(ExchangeRate)]
    b.run(page.save({"code": "EUR", "rate": "5"}))
    assert [(r.code, r.per_usd_millionths) for r in fetch(ExchangeRate)] == before
    assert fetch(AuditEntry, AuditEntry.action == "exchange_rate.set") == []
