"""The tutor's availability page state: the grid, saving, dated overrides, settings, strangers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.state.conftest import count, fetch, redirects, toasts
from tutorhub.models.scheduling import AvailabilityOverride, AvailabilityRule, SchedulingSettings
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.scheduling import availability
from tutorhub.state.scheduling.availability import AvailabilityState
from tutorhub.state.scheduling.week_grid import day_summary, grid_from_intervals, intervals_from_grid, paint_rect

SETTINGS_FORM = {
    "length__30": "on",
    "length__60": "on",
    "buffer_before_min": "5",
    "buffer_after_min": "10",
    "min_notice_hours": "24",
    "booking_window_days": "365",
    "max_lessons_per_day": "4",
    "booking_mode": "approval",
}


def _ready(browser, email="t@example.com") -> AvailabilityState:
    browser.login(email)
    browser.goto("/tutor/availability")
    page = browser.state(AvailabilityState)
    browser.run(page.load())
    assert page.status == "ready"
    return page


def _profile_id(user_id: int) -> int:
    [row] = fetch(TutorProfile, TutorProfile.user_id == user_id)
    return row.id


def _rules(user_id: int) -> list[tuple[int, int, int]]:
    pid = _profile_id(user_id)
    return sorted(
        (r.weekday, r.start_min, r.end_min) for r in fetch(AvailabilityRule, AvailabilityRule.tutor_id == pid)
    )


def _overrides(user_id: int) -> dict[str, list]:
    pid = _profile_id(user_id)
    return {o.day.isoformat(): o.intervals for o in fetch(AvailabilityOverride, AvailabilityOverride.tutor_id == pid)}


def _snapshot(user_id: int):
    pid = _profile_id(user_id)
    settings = [
        (s.buffer_before_min, s.lesson_lengths) for s in fetch(SchedulingSettings, SchedulingSettings.tutor_id == pid)
    ]
    [profile] = fetch(TutorProfile, TutorProfile.id == pid)
    return _rules(user_id), _overrides(user_id), settings, profile.timezone


# Pure grid helpers


def test_grid_round_trips_intervals_and_merges_neighbours():
    grid = grid_from_intervals([(0, "09:00", "10:30"), (0, "10:30", "12:00"), (6, "23:00", "24:00")])
    assert intervals_from_grid(grid) == [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 6, "start": "23:00", "end": "24:00"},
    ]
    assert day_summary(grid[0]) == "09:00–12:00" and day_summary(grid[1]) == ""
    painted = paint_rect(grid, (4, 40), (2, 38), True)
    assert [d for d in range(7) if painted[d][39]] == [2, 3, 4]
    assert painted is not grid and not grid[3][39]


# Loading, editing, saving


def test_load_fills_grid_overrides_and_settings(browser, make_user, db):
    tutor = make_user("tutor", email="t@example.com", timezone="Europe/Berlin")
    soon = (date.today() + timedelta(days=10)).isoformat()
    availability.save_availability(
        db,
        actor=tutor,
        data={
            "weekly": [{"weekday": 1, "start": "17:00", "end": "19:00"}],
            "overrides": [{"date": soon, "intervals": []}, {"date": "2001-01-01", "intervals": []}],
            "settings": {"lesson_lengths": [45, 90], "booking_window_days": 200, "instant_booking": False},
        },
    )
    db.commit()
    page = _ready(browser)
    assert page.timezone == "Europe/Berlin"
    assert page.grid[1][34] and page.grid[1][37] and not page.grid[1][38] and sum(map(sum, page.grid)) == 4
    assert page.day_summaries[1] == "17:00–19:00" and not page.grid_dirty
    assert [(r.key, r.detail) for r in page.overrides] == [(soon, "Day off")] and page.past_overrides == 1
    assert page.lesson_lengths == [45, 90] and page.booking_window_days == "200" and page.instant_booking is False
    assert (page.first_row, page.last_row) == (12, 44)


def test_preview_link_only_once_approved(browser, make_user, make_approved_tutor):
    make_user("tutor", email="t@example.com")
    assert _ready(browser).approved is False
    approved, tutor_id = make_approved_tutor()
    page = _ready(browser, approved.email)
    assert page.approved is True and page.tutor_id == tutor_id


def test_saved_utc_hours_are_labelled_utc_not_the_browser_zone(browser, make_user, db):
    """The browser's zone is only a suggestion for a tutor who has saved no hours yet: hours saved
    in UTC must be shown as UTC (labelling them with the browser's zone would show them at the
    wrong instants, and saving the grid would silently move them)."""
    tutor = make_user("tutor", email="t@example.com", timezone="UTC")
    browser.app.browser_tz = "Europe/Berlin"
    assert _ready(browser).timezone == "Europe/Berlin"  # nothing saved yet: suggest the browser's zone
    availability.save_availability(db, actor=tutor, data={"weekly": [{"weekday": 1, "start": "17:00", "end": "19:00"}]})
    db.commit()
    page = _ready(browser)
    assert page.timezone == "UTC" and page.day_summaries[1] == "17:00–19:00"


def test_click_and_drag_edit_the_grid_and_save_merges_cells(browser, make_user):
    tutor = make_user("tutor", email="t@example.com", timezone="Europe/Berlin")
    page = _ready(browser)
    # A click (or a tap, or Enter on the focused cell) toggles one cell.
    page.toggle_cell(0, 18)
    assert page.grid[0][18] and page.grid_dirty
    # A drag from Tuesday 17:00 to Thursday 17:30 arrives as one call and paints the rectangle
    # (Wednesday, which a fast pointer may have skipped, too).
    page.paint_cells([1, 34, 3, 35, True])
    assert [d for d in range(7) if page.grid[d][34] and page.grid[d][35]] == [1, 2, 3]
    # Corners in either order; a drag that came back to its first cell sets just that cell.
    page.paint_cells([5, 41, 5, 40, True])
    page.paint_cells([5, 41, 5, 41, False])
    assert page.grid[5][40] and not page.grid[5][41]
    # A drag that started on a set cell clears (the value the browser previewed).
    page.paint_cells([2, 34, 3, 34, False])
    assert not page.grid[2][34] and not page.grid[3][34] and page.grid[1][34]
    # Neighbouring cells become one interval when saved.
    page.toggle_cell(0, 19)
    events = browser.run(page.save_weekly({"timezone": "Europe/Berlin"}))
    assert toasts(events, "success") and page.errors == {} and page.weekly_errors == []
    assert _rules(tutor.id) == [(0, 540, 600), (1, 1020, 1080), (2, 1050, 1080), (3, 1050, 1080), (5, 1200, 1230)]
    assert not page.grid_dirty


def test_phone_helpers_pick_a_day_copy_and_clear(browser, make_user):
    make_user("tutor", email="t@example.com")
    page = _ready(browser)
    page.choose_day("2")
    page.toggle_cell(page.grid_day, 20)
    page.copy_day_to_weekdays()
    assert [d for d in range(7) if page.grid[d][20]] == [0, 1, 2, 3, 4]
    page.clear_day()
    assert [d for d in range(7) if page.grid[d][20]] == [0, 1, 3, 4]
    page.toggle_all_hours()
    assert (page.first_row, page.last_row) == (0, 48)
    page.clear_all()
    assert page.grid_empty


def test_copy_this_day_to_one_day_the_weekend_or_every_day(browser, make_user):
    make_user("tutor", email="t@example.com")
    page = _ready(browser)
    page.choose_day("1")
    page.toggle_cell(page.grid_day, 30)
    page.copy_day_to("5")
    assert [d for d in range(7) if page.grid[d][30]] == [1, 5]
    page.copy_day_to("weekend")
    assert [d for d in range(7) if page.grid[d][30]] == [1, 5, 6]
    for garbage in ("7", "-1", True, None, 3.5, "sundays", ["all"]):
        page.copy_day_to(garbage)
    assert [d for d in range(7) if page.grid[d][30]] == [1, 5, 6]
    page.copy_day_to("all")
    assert all(page.grid[d][30] for d in range(7)) and page.grid_dirty


def test_grid_handlers_ignore_garbage_arguments(browser, make_user):
    make_user("tutor", email="t@example.com")
    page = _ready(browser)
    page.toggle_cell(1, 20)
    before = [list(d) for d in page.grid]
    for day, slot in [("1", 20), (None, 1), (7, 0), (0, 48), (-1, 3), (True, 1), (1.0, 2), ({}, []), (2**70, 1)]:
        page.toggle_cell(day, slot)
        page.paint_cells([day, slot, 2, 2, True])
        page.paint_cells((2, 2, day, slot, True))
    for drag in (None, [1, 2, 3, 4], [0, 1, 0, 3, None], [0, 1, 0, 3, "yes"], [0, 1, 0, 3, True, 9], "x" * 1000, {}):
        page.paint_cells(drag)
    for value in ("7", "-1", "x" * 1000, None, True, 3.5, ["1"], {"a": 1}):
        page.choose_day(value)
    assert page.grid == before and page.grid_day == 0
    for value in (None, "other", 1, ["off"]):
        page.set_override_kind(value)
    assert page.override_kind == "off"
    for key in (None, 5, "", "2027-02-30", "2027-01-01/x", "../../etc", "2027-01-01/2026-01-01"):
        browser.run(page.remove_override(key))
    for form in ("junk", None, {"date": ["2030-01-01"]}, {"date": "2030-01-01" * 1000}):
        browser.run(page.add_override(form))
        assert "date" in page.override_errors
    assert page.overrides == []


def test_remove_override_with_garbage_keys_removes_nothing(browser, make_user, db):
    tutor = make_user("tutor", email="t@example.com")
    kept = (date.today() + timedelta(days=3)).isoformat()
    availability.save_availability(db, actor=tutor, data={"overrides": [{"date": kept, "intervals": []}]})
    db.commit()
    page = _ready(browser)
    for key in (None, 5, "", kept + "x", "2027-02-30", f"{kept}/x", "../../etc", f"{kept}/2001-01-01", [kept]):
        browser.run(page.remove_override(key))
    assert _overrides(tutor.id) == {kept: []}
    assert [r.key for r in page.overrides] == [kept]


def test_invalid_timezone_is_an_inline_error_and_nothing_is_saved(browser, make_user):
    tutor = make_user("tutor", email="t@example.com", timezone="Europe/Berlin")
    page = _ready(browser)
    page.toggle_cell(0, 20)
    before = _snapshot(tutor.id)
    for zone in ("Mars/Olympus", "", "x" * 500, "<script>"):
        events = browser.run(page.save_weekly({"timezone": zone}))
        assert toasts(events, "error") and "timezone" in page.errors
    assert _snapshot(tutor.id) == before and page.grid_dirty
    browser.run(page.save_weekly("not a form"))
    assert "timezone" in page.errors


def test_changing_timezone_keeps_wall_clock_hours(browser, make_user):
    tutor = make_user("tutor", email="t@example.com", timezone="Europe/Berlin")
    page = _ready(browser)
    page.toggle_cell(0, 18)
    browser.run(page.save_weekly({"timezone": "Asia/Kolkata"}))
    assert page.timezone == "Asia/Kolkata" and _snapshot(tutor.id)[3] == "Asia/Kolkata"
    assert _rules(tutor.id) == [(0, 540, 570)]


def test_discard_reloads_the_saved_grid(browser, make_user):
    make_user("tutor", email="t@example.com")
    page = _ready(browser)
    page.toggle_cell(0, 18)
    browser.run(page.discard_weekly())
    assert page.grid_empty and not page.grid_dirty


# Dated overrides


def test_add_day_off_holiday_and_hours_then_remove(browser, make_user):
    tutor = make_user("tutor", email="t@example.com")
    page = _ready(browser)
    d = date.today() + timedelta(days=5)
    iso = lambda n: (d + timedelta(days=n)).isoformat()  # noqa: E731
    events = browser.run(page.add_override({"date": iso(0)}))
    assert toasts(events, "success") and page.override_errors == {}
    page.set_override_kind("holiday")
    browser.run(page.add_override({"date": iso(10), "end_date": iso(14)}))
    page.set_override_kind("hours")
    browser.run(page.add_override({"date": iso(2), "start": "09:00", "end": "12:00"}))
    browser.run(page.add_override({"date": iso(2), "start": "14:00", "end": "24:00"}))
    assert _overrides(tutor.id) == {
        iso(0): [],
        iso(2): [[540, 720], [840, 1440]],
        **{iso(n): [] for n in range(10, 15)},
    }
    assert [(r.kind, r.key) for r in page.overrides] == [
        ("off", iso(0)),
        ("hours", iso(2)),
        ("holiday", f"{iso(10)}/{iso(14)}"),
    ]
    assert page.overrides[1].detail == "Available 09:00–12:00, 14:00–24:00"
    assert page.overrides[2].detail == "Holiday · 5 days off"
    browser.run(page.remove_override(f"{iso(10)}/{iso(14)}"))
    browser.run(page.remove_override(iso(0)))
    assert _overrides(tutor.id) == {iso(2): [[540, 720], [840, 1440]]}
    assert [r.key for r in page.overrides] == [iso(2)]


@pytest.mark.parametrize(
    ("kind", "form", "field"),
    [
        ("off", {"date": "tomorrow"}, "date"),
        ("off", {"date": ""}, "date"),
        ("off", {"date": "1999-12-31"}, "date"),
        ("holiday", {"date": "2030-01-10", "end_date": "2030-01-01"}, "end_date"),
        ("holiday", {"date": "2030-01-01", "end_date": "2031-01-01"}, "end_date"),
        ("hours", {"date": "2030-01-01", "start": "12:00", "end": "09:00"}, "end"),
        ("hours", {"date": "2030-01-01", "start": "09:15", "end": "10:00"}, "start"),
        ("hours", {"date": "2030-01-01", "start": "<b>", "end": "10:00"}, "start"),
    ],
)
def test_override_input_errors_are_inline(browser, make_user, kind, form, field):
    tutor = make_user("tutor", email="t@example.com")
    page = _ready(browser)
    page.set_override_kind(kind)
    browser.run(page.add_override(form))
    assert field in page.override_errors
    assert _overrides(tutor.id) == {}


def test_overlapping_hours_on_a_date_are_refused(browser, make_user):
    tutor = make_user("tutor", email="t@example.com")
    page = _ready(browser)
    page.set_override_kind("hours")
    browser.run(page.add_override({"date": "2030-01-01", "start": "09:00", "end": "12:00"}))
    browser.run(page.add_override({"date": "2030-01-01", "start": "11:00", "end": "13:00"}))
    assert "overlaps" in page.override_errors["form"]
    assert _overrides(tutor.id) == {"2030-01-01": [[540, 720]]}


# Settings


def test_save_settings(browser, make_user):
    tutor = make_user("tutor", email="t@example.com")
    page = _ready(browser)
    events = browser.run(page.save_settings(dict(SETTINGS_FORM)))
    assert toasts(events, "success") and page.settings_errors == {}
    [row] = fetch(SchedulingSettings, SchedulingSettings.tutor_id == _profile_id(tutor.id))
    assert row.lesson_lengths == [30, 60] and (row.buffer_before_min, row.buffer_after_min) == (5, 10)
    assert (row.min_notice_hours, row.booking_window_days, row.max_lessons_per_day) == (24, 365, 4)
    assert row.instant_booking is False and page.instant_booking is False and page.booking_window_days == "365"


def test_settings_errors_are_inline_and_nothing_is_saved(browser, make_user):
    tutor = make_user("tutor", email="t@example.com")
    page = _ready(browser)
    bad = {
        "buffer_before_min": "lots",
        "buffer_after_min": "121",
        "min_notice_hours": "-1",
        "booking_window_days": "366",
        "max_lessons_per_day": "0",
        "booking_mode": "whenever",
    }
    events = browser.run(page.save_settings(bad))
    assert toasts(events, "error")
    assert set(page.settings_errors) == {
        "lesson_lengths",
        "buffer_before_min",
        "buffer_after_min",
        "min_notice_hours",
        "booking_window_days",
        "max_lessons_per_day",
        "instant_booking",
    }
    assert count(SchedulingSettings, SchedulingSettings.tutor_id == _profile_id(tutor.id)) == 0
    browser.run(page.save_settings(None))
    assert "lesson_lengths" in page.settings_errors


# Strangers

MUTATIONS = [
    ("save_weekly", ({"timezone": "Asia/Tokyo"},)),
    ("add_override", ({"date": "2030-05-05"},)),
    ("remove_override", ("2030-01-01",)),
    ("save_settings", (dict(SETTINGS_FORM),)),
]


def _victim(db, make_user):
    victim = make_user("tutor", email="victim@example.com", timezone="Europe/Berlin")
    availability.save_availability(
        db,
        actor=victim,
        data={
            "weekly": [{"weekday": 0, "start": "09:00", "end": "10:00"}],
            "overrides": [{"date": "2030-01-01", "intervals": []}],
        },
    )
    db.commit()
    return victim


@pytest.mark.parametrize(("handler", "args"), MUTATIONS)
def test_stranger_without_a_session_is_sent_to_login(new_browser, make_user, db, handler, args):
    victim = _victim(db, make_user)
    before = _snapshot(victim.id)
    browser = new_browser()
    browser.goto("/tutor/availability")
    page = browser.state(AvailabilityState)
    page.toggle_cell(3, 30)
    events = browser.run(getattr(page, handler)(*args))
    assert redirects(events) == ["/login?next=%2Ftutor%2Favailability"]
    assert _snapshot(victim.id) == before
    assert count(TutorProfile) == 1


@pytest.mark.parametrize("role", ["student", "admin"])
@pytest.mark.parametrize(("handler", "args"), MUTATIONS)
def test_non_tutors_are_refused(new_browser, make_user, db, role, handler, args):
    victim = _victim(db, make_user)
    make_user(role, email="intruder@example.com")
    before = _snapshot(victim.id)
    browser = new_browser()
    browser.login("intruder@example.com")
    page = browser.state(AvailabilityState)
    page.toggle_cell(0, 30)
    events = browser.run(getattr(page, handler)(*args))
    assert toasts(events, "error") and page.status == "forbidden"
    assert _snapshot(victim.id) == before
    assert count(TutorProfile) == 1


@pytest.mark.parametrize(("handler", "args"), MUTATIONS)
def test_another_tutor_only_ever_edits_their_own(new_browser, make_user, db, handler, args):
    victim = _victim(db, make_user)
    other = make_user("tutor", email="other@example.com")
    before = _snapshot(victim.id)
    # The other tutor's browser even holds state loaded by the victim's session before.
    browser = new_browser()
    page = _ready(browser, "victim@example.com")
    browser.login("other@example.com")
    page.toggle_cell(4, 30)
    browser.run(getattr(page, handler)(*args))
    assert _snapshot(victim.id) == before
    if handler != "remove_override":
        assert _snapshot(other.id) != _snapshot_empty(other.id)


def _snapshot_empty(user_id: int):
    return [], {}, [], "UTC"
