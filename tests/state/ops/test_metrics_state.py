"""/admin/metrics: the admin sees formatted figures, charts, the cohort grid and export links; bad
ranges come back as inline errors; students and tutors are refused and see nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.state.conftest import Browser
from tutorhub.db import session_scope
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.ops import daily_aggregates
from tutorhub.state.ops.metrics import AdminMetricsState


def _sales() -> None:
    now = datetime.now(UTC)
    with session_scope() as session:
        for n, (amount, unit) in enumerate([(2550, "EUR"), (70000, "INR")]):
            ledger.post(session, kind="purchase", idempotency_key=f"state-sale:{n}", now=now - timedelta(minutes=2),
                        lines=[Line("gateway:sandbox:clearing", amount, unit), Line("platform:revenue", -amount, unit)])
    with session_scope() as session:
        daily_aggregates.refresh_recent(session, now=now)


def _open(email: str | None) -> tuple[Browser, AdminMetricsState]:
    browser = Browser()
    if email:
        browser.login(email)
    browser.goto("/admin/metrics")
    state = browser.state(AdminMetricsState)
    browser.run(state.load())
    return browser, state


def test_admin_sees_figures_charts_cohorts_and_exports(make_user):
    admin = make_user("admin")
    make_user("student")  # signs up this month, not active yet
    _sales()
    browser, state = _open(admin.email)
    assert state.status == "ready" and state.interval == "day"
    assert state.currencies == ["EUR", "INR"] and state.currency == "INR"  # the larger GMV leads
    browser.run(state.set_currency("EUR"))
    assert state.cards["gmv_minor"] == "€25.50" and state.has_money
    assert len(state.money_points) == 30 and state.money_points[-1]["a"] == 25.5
    month = datetime.now(UTC).strftime("%Y-%m")
    assert (state.cohorts[-1].cohort, state.cohorts[-1].size) == (month, "1") and len(state.cohorts) == 12
    assert state.cohorts[-1].cells[-1].label == f"{month}, month 0: 0% (0 of 1)"
    assert state.cohort_header[0] == "M0" and len(state.cohort_header) == 12
    assert [e.href.split("?")[0] for e in state.exports][:2] == ["/api/v1/admin/exports/users.csv",
                                                                 "/api/v1/admin/exports/bookings.csv"]
    browser.run(state.set_interval("month"))
    assert state.interval == "month" and state.date_from.endswith("-01")
    browser.run(state.set_interval("fortnight"))
    assert state.interval == "month"
    browser.run(state.apply_range({"from": "2027-03-02", "to": "2027-03-01"}))
    assert "from" in state.range_errors and state.interval == "month"
    browser.run(state.apply_range({"from": "2026-01-01", "to": "2026-03-31"}))
    assert state.range_errors == {} and (state.date_from, state.date_to) == ("2026-01-01", "2026-03-31")
    browser.run(state.refresh_now())
    assert state.status == "ready" and state.fresh != "not computed yet"


def test_students_and_tutors_are_refused(make_user):
    _sales()
    for role in ("student", "tutor"):
        browser, state = _open(make_user(role).email)
        assert state.status == "forbidden" and state.cards == {} and state.money_points == [] and state.exports == []
        browser.run(state.refresh_now())
        assert state.status == "forbidden" and state.cohorts == []


def test_anonymous_visitors_are_sent_to_log_in():
    browser = Browser()
    browser.goto("/admin/metrics")
    state = browser.state(AdminMetricsState)
    events = browser.run(state.load())
    assert state.status == "loading" and state.cards == {} and "login" in str(events)


def test_a_currency_that_appears_later_is_shown(make_user):
    admin = make_user("admin")
    browser, state = _open(admin.email)
    assert state.currency == "USD" and state.cards["gmv_minor"] == "$0" and not state.has_money  # nothing yet
    _sales()
    browser.run(state.refresh_now())
    assert state.currency == "INR" and state.cards["gmv_minor"] == "₹700"
