"""The per-user month / week activity rollup and the per-day / week / month bit sets (models/metrics.py)
that distinct active counts over long ranges and cohorts read: on generated activity they equal the
raw computation (distinct users by UTC day, straight from the login events), re-running the rebuild
or any refresh changes no row, and the dashboard's and the cohort table's figures are those of the
raw activity."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, text
from sqlmodel import select

from tutorhub.migrations import alembic_config
from tutorhub.models import (
    LoginEvent,
    MetricDaily,
    User,
    UserActivityBits,
    UserActivityDay,
    UserActivityMonth,
    UserActivityWeek,
)
from tutorhub.services.ops import cohorts, daily_aggregates, metrics
from tutorhub.services.ops.activity_bits import decode, encode, members
from tutorhub.services.ops.daily_aggregates import distinct_active, month_start, next_month, span_pieces, week_start

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, tzinfo=UTC)  # activity from here to NOW: a year end, a short February
SPAN_SECONDS = int((NOW - START).total_seconds())
SPAN_DAYS = (NOW - START).days
ROLES = ["student", "student", "student", "tutor", "tutor", "admin"]


def stored(db) -> list[tuple]:
    """Every aggregate row (figures, day rows, both rollups), comparable across refreshes."""
    return (sorted(("m", r.day, r.currency, r.metric, r.value) for r in db.exec(select(MetricDaily)).all())
            + sorted(("d", r.day, r.user_id, r.role, r.cohort_month) for r in db.exec(select(UserActivityDay)).all())
            + sorted(("w", r.week, r.user_id, r.role) for r in db.exec(select(UserActivityWeek)).all())
            + sorted(("mo", r.month, r.user_id, r.role, r.cohort_month) for r in db.exec(select(UserActivityMonth)).all())
            + sorted(("b", r.span, r.start, r.role, r.users, sorted(members(r.bits)))
                     for r in db.exec(select(UserActivityBits)).all()))


def bit_sets(db) -> dict[tuple[str, date, str], set[int]]:
    """Every stored bit set as its user ids, checking its stored count on the way."""
    out = {}
    for r in db.exec(select(UserActivityBits)).all():
        out[(r.span, r.start, r.role)] = members(r.bits)
        assert r.users == len(out[(r.span, r.start, r.role)]) > 0
    return out


def raw_bit_sets(events: list[tuple[int, datetime]], roles: dict[int, str]) -> dict[tuple[str, date, str], set[int]]:
    """The user ids per UTC day, ISO week and calendar month and role, counted by hand."""
    out: dict[tuple[str, date, str], set[int]] = defaultdict(set)
    for uid, when in events:
        if roles[uid] in ("student", "tutor"):
            day = when.astimezone(UTC).date()
            for span, start in (("day", day), ("week", week_start(day)), ("month", month_start(day))):
                out[(span, start, roles[uid])].add(uid)
    return dict(out)


def raw_active(events: list[tuple[int, datetime]], roles: dict[int, str], first: date, last: date) -> dict[str, int]:
    """Distinct students / tutors with a login on a UTC day in [first, last]: the definition, counted by hand."""
    seen: dict[str, set[int]] = {"students": set(), "tutors": set()}
    for uid, when in events:
        if first <= when.astimezone(UTC).date() <= last and roles[uid] in ("student", "tutor"):
            seen[f"{roles[uid]}s"].add(uid)
    return {key: len(users) for key, users in seen.items()}


@given(first=st.dates(date(2026, 1, 1), date(2028, 12, 31)), length=st.integers(0, 400))
def test_the_range_is_covered_exactly_once_by_months_weeks_and_days(first, length):
    end = first + timedelta(days=length)
    months, weeks, days = span_pieces(first, end)
    covered: list[date] = []
    if months:
        month = months[0]
        assert month.day == 1 and months[1].day == 1
        while month < months[1]:
            covered += [month + timedelta(days=n) for n in range((next_month(month) - month).days)]
            month = next_month(month)
    for a, b in weeks:
        assert a.weekday() == 0 and b.weekday() == 0
        covered += [a + timedelta(days=n) for n in range((b - a).days)]
    for a, b in days:
        covered += [a + timedelta(days=n) for n in range((b - a).days)]
    assert sorted(covered) == [first + timedelta(days=n) for n in range(length)]  # no gap, no day twice
    assert sum((b - a).days for a, b in days) <= 24  # at most twelve loose days at either end


def _users(db, make_user) -> tuple[list[int], dict[int, str]]:
    made = [make_user(role) for role in ROLES]
    return [u.id for u in made], {u.id: role for u, role in zip(made, ROLES, strict=True)}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    logins=st.lists(st.tuples(st.integers(0, len(ROLES) - 1), st.integers(0, SPAN_SECONDS - 1)), max_size=40),
    signups=st.lists(st.integers(0, 80), min_size=len(ROLES), max_size=len(ROLES)),
    ranges=st.lists(st.tuples(st.integers(0, SPAN_DAYS), st.integers(0, SPAN_DAYS)), min_size=1, max_size=4),
    refreshed=st.tuples(st.integers(0, SPAN_DAYS), st.integers(0, 40)),
)
def test_the_rollup_equals_the_raw_activity(db, make_user, logins, signups, ranges, refreshed):
    ids, roles = _users(db, make_user) if not db.exec(select(User)).first() else _known(db)
    db.execute(delete(LoginEvent))
    for uid, offset in zip(ids, signups, strict=True):
        user = db.get(User, uid)
        user.created_at = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(days=offset)  # before any login (the rebuild starts at the first sign-up)
        db.add(user)
    events = [(ids[n], START + timedelta(seconds=s)) for n, s in logins]
    for uid, when in events:
        db.add(LoginEvent(user_id=uid, identifier="x", method="password", success=True, created_at=when))
    db.commit()
    daily_aggregates.rebuild_all(db, now=NOW)
    db.commit()

    cohort_of = {uid: month_start(db.get(User, uid).created_at.astimezone(UTC).date()) for uid in ids}
    counted = [(uid, when) for uid, when in events if roles[uid] != "admin"]
    assert {(r.month, r.user_id, r.role, r.cohort_month) for r in db.exec(select(UserActivityMonth)).all()} == {
        (month_start(when.date()), uid, roles[uid], cohort_of[uid]) for uid, when in counted}
    assert {(r.week, r.user_id, r.role) for r in db.exec(select(UserActivityWeek)).all()} == {
        (week_start(when.date()), uid, roles[uid]) for uid, when in counted}
    assert bit_sets(db) == raw_bit_sets(events, roles)

    for a, b in ranges:
        first, last = START.date() + timedelta(days=min(a, b)), START.date() + timedelta(days=max(a, b))
        assert distinct_active(db, first, last) == raw_active(events, roles, first, last)

    admin = _admin(db)
    a, b = ranges[0]
    first, last = START.date() + timedelta(days=min(a, b)), START.date() + timedelta(days=max(a, b))
    for interval in ("day", "week", "month"):
        out = metrics.dashboard_metrics(db, actor=admin, date_from=first, date_to=last, interval=interval, now=NOW)
        span = out.model_dump(by_alias=True)
        assert (out.active_students, out.active_tutors) == tuple(raw_active(events, roles, span["from"], span["to"]).values())
        for point in out.series:
            end = point.bucket_start + timedelta(days=1) if interval == "day" else (
                point.bucket_start + timedelta(days=7) if interval == "week" else next_month(point.bucket_start))
            want = raw_active(events, roles, point.bucket_start, end - timedelta(days=1))
            assert (point.active_students, point.active_tutors) == (want["students"], want["tutors"])
        to = span["to"]  # its whole ISO week and calendar month
        assert out.active["students"].monthly == raw_active(events, roles, month_start(to), next_month(to) - timedelta(days=1))[
            "students"]
        assert out.active["tutors"].weekly == raw_active(events, roles, week_start(to), week_start(to) + timedelta(days=6))["tutors"]

    table = cohorts.cohort_retention(db, actor=admin, months=7, now=NOW)
    for cohort in table.cohorts:
        start = date.fromisoformat(cohort.cohort + "-01")
        month = start
        for cell in cohort.retention:
            active = {uid for uid, when in counted if cohort_of[uid] == start and month_start(when.date()) == month}
            assert cell.active == len(active)
            month = next_month(month)

    before = stored(db)
    day, length = refreshed
    first_day = START.date() + timedelta(days=day)
    daily_aggregates.refresh_days(db, first_day=first_day, last_day=first_day + timedelta(days=length), now=NOW)
    daily_aggregates.refresh_recent(db, now=NOW)
    daily_aggregates.rebuild_all(db, now=NOW)
    db.commit()
    after = stored(db)
    assert [r for r in after if r[0] != "m"] == [r for r in before if r[0] != "m"]
    assert after == before
    assert bit_sets(db) == raw_bit_sets(events, roles)


def _known(db) -> tuple[list[int], dict[int, str]]:
    users = sorted(db.exec(select(User)).all(), key=lambda u: u.id)
    return [u.id for u in users], {u.id: str(u.role) for u in users}


def _admin(db):
    from tutorhub.services.actor import UserOut

    user = next(u for u in db.exec(select(User)).all() if str(u.role) == "admin")
    return UserOut(id=user.id, email=user.email, phone=None, full_name=user.full_name, role="admin", timezone="UTC")


def test_month_and_week_boundaries_and_a_user_active_on_three_days(db, make_user):
    student, tutor, admin = make_user("student"), make_user("tutor"), make_user("admin")
    moments = [  # the student: three days of January, the last second of January, the first of February
        (student.id, datetime(2027, 1, 5, 9, tzinfo=UTC)), (student.id, datetime(2027, 1, 6, 9, tzinfo=UTC)),
        (student.id, datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)), (student.id, datetime(2027, 2, 1, 0, 0, tzinfo=UTC)),
        (tutor.id, datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC)),  # Sunday, last of February
        (admin.id, datetime(2027, 1, 10, tzinfo=UTC)),
    ]
    for uid, when in moments:
        db.add(LoginEvent(user_id=uid, identifier="x", method="password", success=True, created_at=when))
    db.commit()
    daily_aggregates.rebuild_all(db, now=NOW)
    months = sorted((r.month, r.user_id) for r in db.exec(select(UserActivityMonth)).all())
    assert months == [(date(2027, 1, 1), student.id), (date(2027, 2, 1), student.id), (date(2027, 2, 1), tutor.id)]
    weeks = sorted((r.week, r.user_id) for r in db.exec(select(UserActivityWeek)).all())
    # 31 January 2027 is a Sunday (week of 25 January), 1 February a Monday
    assert weeks == [(date(2027, 1, 4), student.id), (date(2027, 1, 25), student.id), (date(2027, 2, 1), student.id),
                     (date(2027, 2, 22), tutor.id)]
    assert distinct_active(db, date(2027, 1, 1), date(2027, 1, 31)) == {"students": 1, "tutors": 0}
    assert distinct_active(db, date(2027, 1, 1), date(2027, 2, 28)) == {"students": 1, "tutors": 1}
    assert distinct_active(db, date(2027, 1, 7), date(2027, 1, 30)) == {"students": 0, "tutors": 0}
    month = db.exec(select(MetricDaily).where(MetricDaily.day == date(2027, 1, 1),
                                              MetricDaily.metric == "active_students_month")).one()
    assert month.value == 1  # three days, one user


def test_the_migration_fills_the_rollup_from_stored_days():
    path = Path(tempfile.mkdtemp()) / "upgrade.db"
    engine = create_engine(f"sqlite:///{path}")
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0030_learning_more")
        for day, uid, role in ((date(2027, 1, 31), 7, "student"), (date(2027, 2, 1), 7, "student"),
                               (date(2027, 2, 2), 7, "student"), (date(2027, 2, 2), 8, "tutor")):
            conn.execute(text("INSERT INTO user_activity_days (day, month, user_id, role, cohort_month) "
                              "VALUES (:d, :m, :u, :r, :c)"),
                         {"d": day.isoformat(), "m": month_start(day).isoformat(), "u": uid, "r": role, "c": "2026-12-01"})
        command.upgrade(cfg, "0031_activity_rollup")
        months = sorted(tuple(r) for r in conn.execute(text("SELECT month, user_id, role FROM user_activity_months")))
        weeks = sorted(tuple(r) for r in conn.execute(text("SELECT week, user_id, role FROM user_activity_weeks")))
        command.upgrade(cfg, "0035_activity_bits")  # the bit sets, from those day rows and rollups
        bits = {(span, start, role): (users, members(stored)) for span, start, role, users, stored in conn.execute(
            text("SELECT span, start, role, users, bits FROM user_activity_bits"))}
        command.downgrade(cfg, "0030_learning_more")
        conn.commit()
    engine.dispose()
    assert months == [("2027-01-01", 7, "student"), ("2027-02-01", 7, "student"), ("2027-02-01", 8, "tutor")]
    assert weeks == [("2027-01-25", 7, "student"), ("2027-02-01", 7, "student"), ("2027-02-01", 8, "tutor")]
    assert bits == {
        ("day", "2027-01-31", "student"): (1, {7}), ("day", "2027-02-01", "student"): (1, {7}),
        ("day", "2027-02-02", "student"): (1, {7}), ("day", "2027-02-02", "tutor"): (1, {8}),
        ("week", "2027-01-25", "student"): (1, {7}), ("week", "2027-02-01", "student"): (1, {7}),
        ("week", "2027-02-01", "tutor"): (1, {8}),
        ("month", "2027-01-01", "student"): (1, {7}), ("month", "2027-02-01", "student"): (1, {7}),
        ("month", "2027-02-01", "tutor"): (1, {8}),
    }


@given(ids=st.sets(st.integers(1, 5_000_000), max_size=60))
def test_a_bit_set_holds_exactly_its_user_ids(ids):
    stored = encode(ids)
    assert members(stored) == ids
    assert decode(stored).bit_count() == len(ids)


def test_the_hourly_refresh_adds_todays_new_user_to_a_year_count(db, make_user):
    """A year's count is read from month bit sets: a user first active today is in it after the
    hourly refresh rewrote today's day, week and month sets (and was not before)."""
    old, new = make_user("student"), make_user("student")
    db.add(LoginEvent(user_id=old.id, identifier="x", method="password", success=True, created_at=NOW - timedelta(days=40)))
    db.commit()
    daily_aggregates.rebuild_all(db, now=NOW)
    year = (NOW.date() - timedelta(days=365), NOW.date())
    assert distinct_active(db, *year)["students"] == 1
    db.add(LoginEvent(user_id=new.id, identifier="x", method="password", success=True, created_at=NOW - timedelta(hours=1)))
    db.add(LoginEvent(user_id=old.id, identifier="x", method="password", success=True, created_at=NOW - timedelta(hours=2)))
    db.commit()
    assert distinct_active(db, *year)["students"] == 1
    daily_aggregates.refresh_recent(db, now=NOW)
    db.commit()
    assert distinct_active(db, *year)["students"] == 2
    assert distinct_active(db, NOW.date(), NOW.date())["students"] == 2
    assert distinct_active(db, month_start(NOW.date()), NOW.date())["students"] == 2
    assert distinct_active(db, NOW.date() - timedelta(days=60), NOW.date() - timedelta(days=1))["students"] == 1
