"""Free times and best times on the public tutor profile, in the viewer's timezone.

The services' clock is pinned (`clock`) to a Wednesday, so what the section opens on never
depends on the day the suite runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.state.conftest import count, toasts
from tutorhub.models.bookings import Booking
from tutorhub.models.scheduling import AvailabilityRule, SchedulingSettings
from tutorhub.pages.scheduling.tutor_times import available_times
from tutorhub.services.scheduling import availability, student_windows
from tutorhub.services.scheduling.slot_weeks import WEEKS_AHEAD, week_slots
from tutorhub.state.scheduling.tutor_times import TutorSlotsState
from tutorhub.state.scheduling.views import day_views, fit_words

BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY_17 = [{"weekday": d, "start": "17:00", "end": "18:00"} for d in range(7)]
NOW = datetime(2027, 5, 5, 12, 0, tzinfo=UTC)  # Wednesday: 08:00 in New York, 17:30 in Kolkata


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The services read "now" at NOW (the slot pages and the best times)."""
    monkeypatch.setattr("tutorhub.services.scheduling.slot_weeks.utcnow", lambda: NOW)
    monkeypatch.setattr("tutorhub.services.scheduling.slots.utcnow", lambda: NOW)
    return NOW


def _call_script(events) -> bool:
    return any("resolvedOptions().timeZone" in str(e) for e in events)


@pytest.fixture
def tutor(db, make_approved_tutor):
    """An approved tutor in Berlin, free 17:00–18:00 every day, bookable at short notice."""
    user, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
    availability.save_availability(
        db,
        actor=user,
        data={
            "weekly": EVERY_DAY_17,
            "settings": {"lesson_lengths": [30, 60], "min_notice_hours": 0, "booking_window_days": 90},
        },
    )
    db.commit()
    return user, tutor_id


def _open(browser, tutor_id, *, browser_tz: str | None = "America/New_York") -> TutorSlotsState:
    if browser_tz:
        browser.app.browser_tz = browser_tz
    browser.goto(f"/tutors/{tutor_id}", route="/tutors/[tutor_id]")
    browser.run(browser.app.load_viewer())
    page = browser.state(TutorSlotsState)
    browser.run(page.load())
    return page


def _next_week_dates(zone: str) -> list[date]:
    today = NOW.astimezone(ZoneInfo(zone)).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=1)
    return [monday + timedelta(days=i) for i in range(7)]


def _expected_times(zone: str) -> list[tuple[str, str]]:
    """(viewer time, tutor time) of 17:00 Berlin on each day of next week (viewer west of Berlin)."""
    out = []
    for day in _next_week_dates(zone):
        local = datetime.combine(day, time(17), tzinfo=BERLIN).astimezone(ZoneInfo(zone))
        out.append((f"{local:%H:%M}", "17:00"))
    return out


def test_anonymous_visitor_sees_weeks_in_the_browser_zone(browser, tutor):
    _, tutor_id = tutor
    page = _open(browser, tutor_id)
    assert page.slots_status == "ready" and page.week == 0 and page.zone == "America/New_York"
    assert page.tutor_zone == "Europe/Berlin" and page.lengths == ["30", "60"] and page.duration == "30"
    assert len(page.days) == 7 and page.days[0].weekday == "Mon"
    assert [d.is_today for d in page.days] == [False, False, True, False, False, False, False]  # the services' day
    browser.run(page.set_duration("60"))
    assert page.duration == "60" and not page.week_loading
    browser.run(page.next_week())
    assert page.week == 1
    dates = _next_week_dates("America/New_York")
    assert [d.key for d in page.days] == [d.isoformat() for d in dates]
    assert [[(s.time, s.tutor_time) for s in d.slots] for d in page.days] == [
        [t] for t in _expected_times("America/New_York")
    ]
    first = page.days[0].slots[0]
    assert first.label == f"{first.time} for you · 17:00 for your tutor"
    assert page.slot_count == 7 and page.week_title
    browser.run(page.prev_week())
    browser.run(page.prev_week())
    assert page.week == 0


def test_week_paging_limits_and_garbage(browser, tutor):
    _, tutor_id = tutor
    page = _open(browser, tutor_id)
    for bad in (-1, WEEKS_AHEAD, "2", None, True, 2.0, [1], 10**30):
        browser.run(page.go_to_week(bad))
        assert page.week == 0
    browser.run(page.go_to_week(WEEKS_AHEAD - 1))
    assert page.week == WEEKS_AHEAD - 1
    browser.run(page.next_week())
    assert page.week == WEEKS_AHEAD - 1
    for bad in ("45", "", None, 60, "60 ", "<script>", ["30"]):
        browser.run(page.set_duration(bad))
        assert page.duration == "30"


def test_without_a_known_zone_the_browser_is_asked_first(browser, tutor):
    _, tutor_id = tutor
    page = _open(browser, tutor_id, browser_tz=None)
    assert page.slots_status == "loading"
    events = browser.run(page.load())
    assert _call_script(events)
    browser.run(page.use_browser_zone("Asia/Kolkata"))
    assert page.slots_status == "ready" and page.zone == "Asia/Kolkata" and browser.app.viewer_tz == "Asia/Kolkata"
    for junk in ("Not/AZone", None, 42, "x" * 10_000, {"tz": "UTC"}):
        browser.run(page.use_browser_zone(junk))
        assert page.zone == "UTC" and page.slots_status == "ready"


def test_signed_in_viewer_sees_their_account_zone_with_the_tutors_time_beside(browser, tutor, make_user):
    _, tutor_id = tutor
    make_user("student", email="s@example.com", timezone="Asia/Kolkata")
    browser.login("s@example.com")
    page = _open(browser, tutor_id, browser_tz="America/New_York")
    assert page.zone == "Asia/Kolkata"
    browser.run(page.set_duration("60"))
    browser.run(page.next_week())
    for day, slots in zip(_next_week_dates("Asia/Kolkata"), (d.slots for d in page.days), strict=True):
        local = datetime.combine(day, time(17), tzinfo=BERLIN).astimezone(ZoneInfo("Asia/Kolkata"))
        assert [(s.time, s.tutor_time) for s in slots] == [(f"{local:%H:%M}", "17:00")]
        assert local.minute == 30  # +05:30 against a whole-hour zone


def test_same_zone_shows_no_second_time(browser, tutor):
    _, tutor_id = tutor
    page = _open(browser, tutor_id, browser_tz="Europe/Berlin")
    browser.run(page.next_week())
    assert {s.tutor_time for d in page.days for s in d.slots} == {""}
    assert {s.time for d in page.days for s in d.slots} == {"17:00", "17:30"}


@pytest.mark.parametrize("path", ["/tutors/999999", "/tutors/abc", "/tutors/-1", "/tutors/" + "9" * 200])
def test_unknown_tutor_hides_the_section(browser, tutor, path):
    browser.app.browser_tz = "UTC"
    browser.goto(path, route="/tutors/[tutor_id]")
    page = browser.state(TutorSlotsState)
    browser.run(page.load())
    assert page.slots_status == "hidden" and page.days == []


def test_unapproved_tutor_hides_the_section(browser, make_user, db):
    draft = make_user("tutor", timezone="Europe/Berlin")
    doc = availability.save_availability(db, actor=draft, data={"weekly": EVERY_DAY_17})
    db.commit()
    page = _open(browser, doc.tutor_id)
    assert page.slots_status == "hidden"


# Best times


def test_best_times_for_a_student_with_saved_windows(browser, tutor, make_user, db):
    _, tutor_id = tutor
    student = make_user("student", email="s@example.com", timezone="Europe/Berlin")
    student_windows.save_student_windows(db, actor=student, data={"windows": EVERY_DAY_17, "lesson_length": 45})
    db.commit()
    browser.login("s@example.com")
    page = _open(browser, tutor_id)
    assert page.best_status == "ready" and page.best_length == 30  # 45 is not offered; 30 is closest
    assert 1 <= len(page.best) <= 3 and page.best_zone == "Europe/Berlin"
    top = page.best[0]
    assert top.score == 100 and top.tutor_time == "" and top.why.startswith("Fits your times")
    assert top.fit == "Best fit"
    assert top.time in ("17:00–17:30", "17:30–18:00")


def test_best_times_prompts(browser, tutor, make_user):
    _, tutor_id = tutor
    page = _open(browser, tutor_id)
    assert page.best_status == "anonymous" and page.best == []
    make_user("student", email="s@example.com")
    browser.login("s@example.com")
    browser.run(page.load())
    assert page.best_status == "no_windows"
    make_user("tutor", email="t2@example.com")
    browser.login("t2@example.com")
    browser.run(page.load())
    assert page.best_status == "not_student"


def test_read_only_handlers_change_nothing_and_raise_nothing(browser, tutor):
    _, tutor_id = tutor
    page = _open(browser, tutor_id)
    shown = ([d.key for d in page.days], page.slot_count, page.best_status)
    stored = (count(AvailabilityRule), count(SchedulingSettings), count(Booking))
    events = []
    for handler in (page.next_week, page.prev_week):
        events += browser.run(handler())
    assert not toasts(events, "error")
    assert page.slots_status == "ready" and page.week == 0 and not page.week_loading
    assert ([d.key for d in page.days], page.slot_count, page.best_status) == shown
    assert (count(AvailabilityRule), count(SchedulingSettings), count(Booking)) == stored


def test_weeks_across_daylight_saving_changes_keep_both_wall_clocks(db, tutor):
    """US clocks change on 14 Mar 2027, European ones on 28 Mar: 17:00 in Berlin is 11:00 in New
    York, then 12:00 for two weeks, then 11:00 again; the tutor's side always reads 17:00."""
    _, tutor_id = tutor
    now = datetime(2027, 3, 8, 3, 0, tzinfo=ZoneInfo("UTC"))  # Sunday evening in New York
    seen = {}
    for week in range(4):
        found = week_slots(db, tutor_id=tutor_id, week=week, duration=60, tz="America/New_York", now=now)
        assert found.first_day == (date(2027, 3, 1) + timedelta(weeks=week)).isoformat()
        for day in day_views(found, date(2027, 3, 7)):
            seen[day.key] = [(s.time, s.tutor_time) for s in day.slots]
    assert seen["2027-03-08"] == [("11:00", "17:00")]
    assert seen["2027-03-13"] == [("11:00", "17:00")]
    assert seen["2027-03-14"] == [("12:00", "17:00")]  # New York is on summer time from 02:00
    assert seen["2027-03-27"] == [("12:00", "17:00")]
    assert seen["2027-03-28"] == [("11:00", "17:00")]  # Berlin too, from 02:00
    assert all(len(v) == 1 for k, v in seen.items() if k >= "2027-03-08")
    assert all(v == [] for k, v in seen.items() if k < "2027-03-08")  # the past


# The week the section opens on


@pytest.fixture
def monday_tutor(db, make_approved_tutor):
    """An approved tutor in Berlin who teaches only on Mondays, 17:00–18:00."""
    user, tutor_id = make_approved_tutor(timezone="Europe/Berlin")
    availability.save_availability(
        db,
        actor=user,
        data={
            "weekly": [{"weekday": 0, "start": "17:00", "end": "18:00"}],
            "settings": {"lesson_lengths": [60], "min_notice_hours": 0, "booking_window_days": 90},
        },
    )
    db.commit()
    return user, tutor_id


@pytest.mark.parametrize("weekday", range(7), ids=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
def test_opens_on_the_first_week_with_free_times(browser, monday_tutor, monkeypatch, weekday):
    """Opened on any day at 09:00 New York (before Monday's 11:00 lesson): on a Monday the
    current week still has it; on any later day the section opens on the next week, and the
    current week stays one "previous" away."""
    _, tutor_id = monday_tutor
    now = datetime.combine(date(2027, 5, 3) + timedelta(days=weekday), time(9), tzinfo=ZoneInfo("America/New_York"))
    monkeypatch.setattr("tutorhub.services.scheduling.slot_weeks.utcnow", lambda: now)
    monkeypatch.setattr("tutorhub.services.scheduling.slots.utcnow", lambda: now)
    page = _open(browser, tutor_id)
    opened = 0 if weekday == 0 else 1
    assert page.slots_status == "ready" and page.week == opened and page.slot_count == 1
    assert page.days[0].key == (date(2027, 5, 3) + timedelta(weeks=opened)).isoformat()
    assert [(s.time, s.tutor_time) for s in page.days[0].slots] == [("11:00", "17:00")]
    assert [d.is_today for d in page.days] == [opened == 0 and i == weekday for i in range(7)]
    if opened:
        browser.run(page.prev_week())
        assert page.week == 0 and page.slot_count == 0 and page.days[weekday].is_today
        browser.run(page.next_week())
        assert page.week == 1 and page.slot_count == 1


def test_a_visitor_whose_zone_comes_from_the_browser_also_opens_on_a_free_week(browser, monday_tutor):
    _, tutor_id = monday_tutor  # NOW is a Wednesday: this week's Monday is over
    page = _open(browser, tutor_id, browser_tz=None)
    assert page.slots_status == "loading"
    browser.run(page.use_browser_zone("Europe/Berlin"))
    assert page.slots_status == "ready" and page.week == 1 and page.days[0].key == "2027-05-10"
    assert [s.time for d in page.days for s in d.slots] == ["17:00"]


def test_an_empty_week_keeps_the_pager_as_the_one_next_week_control():
    """The empty-week message once carried its own "Next week" button: two controls with one name
    (and a browser test that clicked "Next week" found both)."""
    rendered = str(available_times())
    assert rendered.count("Next week") == 1  # the pager's arrow (its accessible name)
    assert "No free times this week" in rendered


def test_best_time_scores_are_shown_in_words():
    assert [fit_words(s) for s in (100, 99, 80, 79, 0)] == ["Best fit", "Good fit", "Good fit", "Fits your times",
                                                            "Fits your times"]
