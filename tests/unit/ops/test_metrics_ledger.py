"""The dashboard's money figures agree with the ledger to the minor unit: money moved through the
real services (sandbox payment, settlement release, refund, payout request / approval), ad spend
posted as the ads domain posts it, then the figures compared with sums computed independently
from ledger_entries with plain SQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.support.booking import NOW, at
from tests.support.money import give_payout_account
from tests.unit.money.test_money_flows import pay_by_sandbox, teach_and_settle
from tutorhub.models import Role
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.checkout import escrow
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated
from tutorhub.services.money import finance, ledger, payouts
from tutorhub.services.money.ledger import Line
from tutorhub.services.ops import daily_aggregates, metrics
from tutorhub.services.ops.ledger_verify import verify_ledger

_SUM = """SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e
          JOIN ledger_transactions t ON t.id = e.transaction_id JOIN ledger_accounts a ON a.id = e.account_id
          WHERE e.unit = :unit AND t.created_at < :until AND {cond}"""
GMV_SQL = "t.kind IN ('booking_payment','wallet_spend','purchase','purchase_wallet','purchase_earnings') " \
          "AND e.amount > 0 AND a.code NOT LIKE 'platform:%'"


def ledger_sum(db, cond: str, until, unit: str = "EUR") -> int:
    return int(db.execute(text(_SUM.format(cond=cond)), {"unit": unit, "until": until.replace(tzinfo=None)}).scalar())


@pytest.fixture
def money_world(env, make_user):
    """Three paid lessons: one settled (released minus commission), one refunded in full, one still
    in escrow; a payout requested and approved, another requested and waiting; ad spend in EUR
    and USD."""
    admin = make_user(Role.ADMIN)
    settled, refunded, held = env.book(at(3, 10)), env.book(at(3, 12)), env.book(at(4, 10))
    for booking in (settled, refunded, held):
        pay_by_sandbox(env, booking.id)
    teach_and_settle(env, settled.id)  # release at START + 50 h
    booking_changes.cancel_booking(env.db, actor=env.student, booking_id=refunded.id, reason="sick", now=NOW)
    escrow.run_money_jobs(env.db, now=NOW)
    give_payout_account(env.db, env.tutor.id)
    paid_at = at(3, 10) + timedelta(hours=51)
    first = payouts.request_payout(env.db, actor=env.tutor, amount_minor=1200, currency="EUR", now=paid_at)
    payouts.approve_payout(env.db, actor=admin, payout_id=first.id, note="ok")
    payouts.request_payout(env.db, actor=env.tutor, amount_minor=1000, currency="EUR", now=paid_at)
    for n, (amount, unit) in enumerate([(700, "EUR"), (250, "USD")]):
        # an advertiser's prepayment first (its balance never goes negative), then the spend
        ledger.post(env.db, kind="ad_prepay", idempotency_key=f"prepay:{n}", now=NOW,
                    lines=[Line("gateway:manual:clearing", amount, unit), Line("advertiser:9:prepaid", -amount, unit)])
        ledger.post(env.db, kind="ad_spend", idempotency_key=f"ad:{n}", now=NOW + timedelta(days=1),
                    lines=[Line("advertiser:9:prepaid", amount, unit), Line("platform:revenue", -amount, unit)])
    env.db.commit()
    assert verify_ledger(env.db, now=NOW + timedelta(days=10)) == []
    return admin


def test_every_money_figure_equals_the_ledger_to_the_minor_unit(env, money_world):
    now = NOW + timedelta(days=6)
    daily_aggregates.rebuild_all(env.db, now=now)
    out = metrics.dashboard_metrics(env.db, actor=money_world, date_from="2027-02-20", date_to="2027-03-06",
                                    interval="day", currency="EUR", now=now)
    until = now
    expected = {
        "gmv_minor": ledger_sum(env.db, GMV_SQL, until),
        "revenue_minor": -ledger_sum(env.db, "a.code = 'platform:revenue'", until),
        "escrow_minor": -ledger_sum(env.db, "a.kind = 'escrow'", until),
        "payouts_pending_minor": -ledger_sum(env.db, "a.kind = 'payout_hold'", until),
        "refunds_minor": ledger_sum(env.db, "t.kind = 'refund' AND a.kind = 'escrow'", until),
        "ad_spend_minor": -ledger_sum(env.db, "t.kind = 'ad_spend' AND a.code = 'platform:revenue'", until),
    }
    got = {key: getattr(out, key) for key in expected}
    assert got == expected
    assert expected == {"gmv_minor": 9000, "revenue_minor": 600 + 700, "escrow_minor": 3000,
                        "payouts_pending_minor": 1000, "refunds_minor": 3000, "ad_spend_minor": 700}
    assert out.currencies["USD"].ad_spend_minor == 250 == -ledger_sum(env.db, "a.code = 'platform:revenue'", until, "USD")
    # the series adds up to the totals; stocks close at the range's end
    assert sum(p.gmv_minor for p in out.series) == out.gmv_minor
    assert out.series[-1].escrow_minor == out.escrow_minor
    # and the finance page (the same classification) says the same
    overview = {t.currency: t for t in finance.finance_overview(env.db, actor=money_world, now=now).totals}
    assert (overview["EUR"].gmv_minor, overview["EUR"].revenue_minor, overview["EUR"].refunds_minor) == (
        out.gmv_minor, out.revenue_minor, out.refunds_minor)
    assert overview["EUR"].payouts_pending_minor == out.payouts_pending_minor


def test_escrow_is_the_balance_at_the_end_of_each_bucket(env, money_world):
    now = NOW + timedelta(days=6)
    daily_aggregates.rebuild_all(env.db, now=now)
    out = metrics.dashboard_metrics(env.db, actor=money_world, date_from="2027-03-01", date_to="2027-03-06",
                                    interval="day", currency="EUR", now=now)
    assert [p.bucket_start.day for p in out.series] == [1, 2, 3, 4, 5, 6]
    for point in out.series:
        end = daily_aggregates.day_start(point.bucket_start + timedelta(days=1))
        assert point.escrow_minor == -ledger_sum(env.db, "a.kind = 'escrow'", end), point.bucket_start
        assert point.payouts_pending_minor == -ledger_sum(env.db, "a.kind = 'payout_hold'", end)
    assert {p.escrow_minor for p in out.series} != {out.escrow_minor}  # it did change over the week


def test_only_admins_and_sane_ranges(env, money_world):
    now = NOW
    with pytest.raises(NotAuthenticated):
        metrics.dashboard_metrics(env.db, actor=None, now=now)
    with pytest.raises(Forbidden):
        metrics.dashboard_metrics(env.db, actor=env.tutor, now=now)
    for bad in [{"date_from": "2027-03-02", "date_to": "2027-03-01"}, {"interval": "year"},
                {"date_from": "2020-01-01", "date_to": "2027-01-01", "interval": "day"}, {"date_from": "03/01/2027"},
                {"currency": "EURO"}]:
        with pytest.raises(InvalidInput):
            metrics.dashboard_metrics(env.db, actor=money_world, now=now, **bad)
