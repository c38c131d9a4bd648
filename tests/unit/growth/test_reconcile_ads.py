"""The 02:00 UTC reconcile with a controlled clock: daily figures, completing campaigns, a missed
night made up, two runs at once, and the job as `run-job` runs it."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from tests.support.growth import BROWSER_UA, NOW, campaign_input, funded_advertiser
from tutorhub.db import session_scope
from tutorhub.jobs import scheduler
from tutorhub.models import AdDailyStat, AdReconciledDay, Role
from tutorhub.services.growth import campaign_stats, campaigns, serving
from tutorhub.services.growth.reconcile import reconcile_ads


def _at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


def _views(db, n: int, now: datetime, prefix: str = "10.0") -> None:
    for i in range(n):
        serving.serve_ads(db, viewer=None, placement="home", city="Berlin", subject="maths", grade="high",
                          ip=f"{prefix}.{i}.{now.day}", user_agent=BROWSER_UA, now=now)


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def _stats(db) -> dict[tuple[int, date], tuple[int, int, int]]:
    db.expire_all()
    return {(r.campaign_id, r.day): (r.impressions, r.clicks, r.spend_minor) for r in db.exec(select(AdDailyStat)).all()}


def test_each_night_records_the_previous_days_figures_and_catches_up_a_missed_night(db, admin):
    funded_advertiser(db, admin)
    out = campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=1000), now=_at(10, 9))
    _views(db, 4, _at(10))
    db.commit()
    result = reconcile_ads(db, now=_at(11, 2))
    assert result.days_recorded == [date(2026, 3, 10)]
    assert _stats(db) == {(out.id, date(2026, 3, 10)): (4, 0, 4)}
    # The night of the 12th is missed (the server was down); the 13th's run makes it up.
    _views(db, 2, _at(11), prefix="10.1")
    _views(db, 3, _at(12), prefix="10.2")
    db.commit()
    result = reconcile_ads(db, now=_at(13, 2))
    assert result.days_recorded == [date(2026, 3, 11), date(2026, 3, 12)]
    stats = _stats(db)
    assert stats[(out.id, date(2026, 3, 11))] == (2, 0, 2)
    assert stats[(out.id, date(2026, 3, 12))] == (3, 0, 3)
    assert reconcile_ads(db, now=_at(13, 3)).days_recorded == []  # nothing new: nothing written
    series = campaign_stats.campaign_series(db, actor=admin, campaign_id=out.id, now=_at(13, 3))
    assert [(p.day.day, p.impressions, p.spend_minor, p.reconciled) for p in series] == [
        (10, 4, 4, True), (11, 2, 2, True), (12, 3, 3, True), (13, 0, 0, False)]


def test_completes_campaigns_past_their_end_or_with_the_budget_spent(db, admin):
    funded_advertiser(db, admin)
    ending = campaigns.create_campaign(db, actor=admin, now=_at(10, 9),
                                       data=campaign_input(ends_at=_at(11, 1).isoformat()))
    spent = campaigns.create_campaign(db, actor=admin, now=_at(10, 9),
                                      data=campaign_input(cpm_minor=1000, budget_minor=3))
    running = campaigns.create_campaign(db, actor=admin, now=_at(10, 9),
                                        data=campaign_input(target={"cities": ["Munich"]}))
    _views(db, 5, _at(10))
    db.commit()
    assert campaigns.get_campaign(db, actor=admin, campaign_id=spent.id).spend_minor == 3
    assert campaigns.get_campaign(db, actor=admin, campaign_id=spent.id).status == "ACTIVE"
    result = reconcile_ads(db, now=_at(11, 2))
    assert result.completed == 2
    db.expire_all()
    got = {c.id: (c.status, c.completed_reason) for c in campaigns.list_campaigns(db, actor=admin)}
    assert got[ending.id] == ("COMPLETED", "ended")
    assert got[spent.id] == ("COMPLETED", "budget")
    assert got[running.id] == ("ACTIVE", "")
    assert reconcile_ads(db, now=_at(11, 2)).completed == 0


def test_two_schedulers_at_once_write_every_figure_once(db, admin):
    funded_advertiser(db, admin)
    out = campaigns.create_campaign(db, actor=admin, data=campaign_input(cpm_minor=1000), now=_at(10, 9))
    _views(db, 3, _at(10))
    _views(db, 2, _at(11), prefix="10.5")
    db.commit()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            with session_scope() as session:
                results.append(reconcile_ads(session, now=_at(12, 2)))
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert _stats(db) == {(out.id, date(2026, 3, 10)): (3, 0, 3), (out.id, date(2026, 3, 11)): (2, 0, 2)}
    days = db.exec(select(AdReconciledDay.day)).all()
    assert sorted(days) == [date(2026, 3, 10), date(2026, 3, 11)]


def test_the_scheduled_job_runs_at_two_and_uses_the_given_clock(db, admin):
    job = next(j for j in scheduler.JOBS if j.job_id == "reconcile_ads")
    assert job.cron == {"hour": "2", "minute": "0"}
    funded_advertiser(db, admin)
    campaigns.create_campaign(db, actor=admin, now=NOW - timedelta(hours=1),
                              data=campaign_input(ends_at=(NOW + timedelta(hours=1)).isoformat()))
    db.commit()
    out = scheduler.reconcile_ads(now=NOW + timedelta(days=1))
    assert out == {"days_recorded": [NOW.date().isoformat()], "completed": 1}
