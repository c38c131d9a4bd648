"""Daily aggregates: refreshing is idempotent and agrees with a full rebuild; buckets split at UTC
midnight, on Mondays (weeks) and on the 1st (months); active users are distinct per bucket."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from tutorhub.models import LoginEvent, MetricDaily, User, UserActivityDay
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.ops import daily_aggregates, metrics
from tutorhub.services.ops.metrics import buckets, checked_range

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)  # a Wednesday


def sale(db, when: datetime, amount: int, unit: str = "EUR") -> None:
    """A credit-pack purchase: GMV and platform revenue of `amount` at `when`."""
    ledger.post(db, kind="purchase", idempotency_key=f"sale:{when.isoformat()}:{amount}:{unit}", now=when,
                lines=[Line("gateway:sandbox:clearing", amount, unit), Line("platform:revenue", -amount, unit)])


def login(db, user_id: int, when: datetime) -> None:
    db.add(LoginEvent(user_id=user_id, identifier="x", method="password", success=True, created_at=when))


def rows(db) -> list[tuple]:
    metric = sorted((r.day, r.currency, r.metric, r.value) for r in db.exec(select(MetricDaily)).all())
    active = sorted((r.day, r.user_id, r.role, r.cohort_month) for r in db.exec(select(UserActivityDay)).all())
    return metric + active


@pytest.fixture
def boundary_world(db, make_user, make_approved_tutor):
    admin = make_user("admin")
    students = [make_user("student") for _ in range(3)]
    tutor, _ = make_approved_tutor()
    for n, user in enumerate([*students, tutor]):
        row = db.get(User, user.id)
        row.created_at = datetime(2027, 1, 15 + n, tzinfo=UTC)
        db.add(row)
    sale(db, datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC), 100)  # Sunday, last of February
    sale(db, datetime(2027, 3, 1, 0, 0, tzinfo=UTC), 200)  # Monday, first of March
    sale(db, datetime(2027, 3, 7, 23, 59, 59, tzinfo=UTC), 400)  # Sunday
    sale(db, datetime(2027, 3, 8, 0, 0, tzinfo=UTC), 800)  # Monday
    sale(db, datetime(2027, 3, 8, 9, 0, tzinfo=UTC), 50, "INR")
    for day in (1, 2, 8):  # student 0 active three days, student 1 once, the tutor once, the admin never counts
        login(db, students[0].id, datetime(2027, 3, day, 10, tzinfo=UTC))
    login(db, students[1].id, datetime(2027, 3, 2, 10, tzinfo=UTC))
    login(db, tutor.id, datetime(2027, 2, 27, 10, tzinfo=UTC))
    login(db, admin.id, datetime(2027, 3, 2, 10, tzinfo=UTC))
    db.commit()
    return admin, students, tutor


def test_refresh_twice_gives_the_same_rows_and_matches_a_rebuild(db, boundary_world):
    daily_aggregates.rebuild_all(db, now=NOW)
    rebuilt = rows(db)
    assert rebuilt
    daily_aggregates.refresh_days(db, first_day=date(2027, 2, 20), last_day=date(2027, 3, 10), now=NOW)
    assert rows(db) == rebuilt
    daily_aggregates.refresh_recent(db, now=NOW)
    daily_aggregates.refresh_recent(db, now=NOW)
    assert rows(db) == rebuilt
    # a late posting is picked up by the next refresh of its day, and only once
    sale(db, datetime(2027, 3, 9, 18, tzinfo=UTC), 5)
    daily_aggregates.refresh_recent(db, now=NOW)
    daily_aggregates.refresh_recent(db, now=NOW)
    gmv = db.exec(select(MetricDaily).where(MetricDaily.day == date(2027, 3, 9), MetricDaily.metric == "gmv")).one()
    assert gmv.value == 5


def test_days_split_at_utc_midnight(db, boundary_world):
    admin, _students, _tutor = boundary_world
    daily_aggregates.rebuild_all(db, now=NOW)
    out = metrics.dashboard_metrics(db, actor=admin, date_from="2027-02-28", date_to="2027-03-08", interval="day", now=NOW)
    gmv = {p.bucket_start.isoformat(): p.gmv_minor for p in out.series}
    assert (gmv["2027-02-28"], gmv["2027-03-01"], gmv["2027-03-07"], gmv["2027-03-08"]) == (100, 200, 400, 800)
    assert out.gmv_minor == 1500 and out.currency == "EUR" and out.currencies["INR"].gmv_minor == 50
    actives = {p.bucket_start.day: p.active_students for p in out.series}
    assert (actives[1], actives[2], actives[3], actives[8]) == (1, 2, 0, 1)
    assert (out.active_students, out.active_tutors) == (2, 0)  # distinct over the range; the admin is not counted
    # at `to` (Monday 8 March): that day, its ISO week (8–14 March), its month (March)
    assert out.active["students"].model_dump() == {"daily": 1, "weekly": 1, "monthly": 2}
    assert out.active["tutors"].model_dump() == {"daily": 0, "weekly": 0, "monthly": 0}  # active in February
    assert metrics.dashboard_metrics(db, actor=admin, date_from="2027-02-01", date_to="2027-02-27", now=NOW).active[
        "tutors"].model_dump() == {"daily": 1, "weekly": 1, "monthly": 1}


def test_weeks_start_on_monday_and_months_on_the_first(db, boundary_world):
    admin, _students, _tutor = boundary_world
    daily_aggregates.rebuild_all(db, now=NOW)
    week = metrics.dashboard_metrics(db, actor=admin, date_from="2027-03-03", date_to="2027-03-09", interval="week", now=NOW)
    assert (week.model_dump(by_alias=True)["from"], week.model_dump(by_alias=True)["to"]) == (date(2027, 3, 1), date(2027, 3, 14))
    assert [(p.bucket_start, p.gmv_minor, p.active_students) for p in week.series] == [
        (date(2027, 3, 1), 600, 2), (date(2027, 3, 8), 800, 1)]
    assert week.active_students == 2  # distinct over both weeks, not 2 + 1
    month = metrics.dashboard_metrics(db, actor=admin, date_from="2027-02-10", date_to="2027-03-02", interval="month", now=NOW)
    assert [(p.bucket_start, p.gmv_minor, p.active_students, p.active_tutors) for p in month.series] == [
        (date(2027, 2, 1), 100, 0, 1), (date(2027, 3, 1), 1400, 2, 0)]
    assert month.new_signups == 0  # signed up in January


def test_bucket_helpers_across_year_and_leap_day():
    assert buckets(date(2027, 12, 1), date(2028, 2, 29), "month") == [date(2027, 12, 1), date(2028, 1, 1), date(2028, 2, 1)]
    first, last, _ = checked_range("2028-02-29", "2028-03-01", "week", now=NOW)
    assert (first, last) == (date(2028, 2, 28), date(2028, 3, 5))
    first, last, _ = checked_range("2027-12-31", "2028-01-01", "month", now=NOW)
    assert (first, last) == (date(2027, 12, 1), date(2028, 1, 31))
    first, last, _ = checked_range(None, None, "day", now=NOW)
    assert (first, last) == (date(2027, 2, 9), date(2027, 3, 10)) and (last - first) == timedelta(days=29)


def test_the_hourly_job_and_the_rebuild_command(db, boundary_world, capsys):
    from tutorhub.__main__ import main
    from tutorhub.jobs import scheduler

    assert "refresh_metrics" in [job.job_id for job in scheduler.JOBS]
    done = scheduler.refresh_metrics(now=NOW)
    assert done["first_day"] == "2027-03-09" and done["last_day"] == "2027-03-10"
    assert main(["rebuild-metrics"]) == 0
    assert "dashboard figures rebuilt" in capsys.readouterr().out  # (to the wall clock's today: this data is later)
