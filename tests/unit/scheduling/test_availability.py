"""The tutor's availability document: validation, storage, authorization, busy time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from tutorhub.models import AvailabilityRule, BusyInterval, Role, TutorFreeSlots, TutorProfile
from tutorhub.services.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from tutorhub.services.scheduling import availability as avail

NOW = datetime(2027, 3, 15, tzinfo=UTC)
DOC = {
    "timezone": "Europe/Berlin",
    "weekly": [{"weekday": 0, "start": "09:00", "end": "12:00"}, {"weekday": 0, "start": "13:00", "end": "24:00"}],
    "overrides": [
        {"date": "2027-03-29", "intervals": [{"start": "14:00", "end": "16:00"}]},
        {"date": "2027-03-22", "intervals": []},
    ],
    "settings": {
        "lesson_lengths": [60, 30],
        "buffer_before_min": 10,
        "buffer_after_min": 5,
        "min_notice_hours": 12,
        "booking_window_days": 60,
        "max_lessons_per_day": 8,
    },
}


def test_save_and_read_back(db, make_user):
    tutor = make_user(Role.TUTOR, timezone="UTC")
    saved = avail.save_availability(db, actor=tutor, data=DOC, now=NOW)
    assert saved.timezone == "Europe/Berlin"
    assert [(w.weekday, w.start, w.end) for w in saved.weekly] == [(0, "09:00", "12:00"), (0, "13:00", "24:00")]
    assert [(o.date, [(i.start, i.end) for i in o.intervals]) for o in saved.overrides] == [
        ("2027-03-22", []),
        ("2027-03-29", [("14:00", "16:00")]),
    ]
    assert saved.settings.lesson_lengths == [30, 60] and saved.settings.buffer_before_min == 10
    assert saved.settings.instant_booking is True
    assert avail.get_availability(db, actor=tutor) == saved
    # The zone is the profile's zone.
    profile = db.exec(select(TutorProfile).where(TutorProfile.id == saved.tutor_id)).one()
    assert profile.timezone == "Europe/Berlin"
    # The search index was refreshed in the same transaction.
    rows = db.exec(select(TutorFreeSlots).where(TutorFreeSlots.tutor_id == saved.tutor_id)).all()
    assert sorted(r.duration_min for r in rows) == [30, 60] and all(r.slot_count > 0 for r in rows)


def test_defaults_before_anything_is_saved(db, make_user):
    doc = avail.get_availability(db, actor=make_user(Role.TUTOR, timezone="Asia/Kolkata"))
    assert doc.timezone == "Asia/Kolkata" and doc.weekly == [] and doc.overrides == []
    s = doc.settings
    assert (s.lesson_lengths, s.min_notice_hours, s.booking_window_days, s.instant_booking) == ([60], 12, 60, True)


def test_absent_keys_keep_their_values(db, make_user):
    tutor = make_user(Role.TUTOR)
    avail.save_availability(db, actor=tutor, data=DOC, now=NOW)
    doc = avail.save_availability(
        db, actor=tutor, data={"weekly": [{"weekday": 6, "start": "10:00", "end": "11:00"}]}, now=NOW
    )
    assert [(w.weekday, w.start) for w in doc.weekly] == [(6, "10:00")]
    assert len(doc.overrides) == 2 and doc.timezone == "Europe/Berlin" and doc.settings.buffer_before_min == 10
    doc = avail.save_availability(db, actor=tutor, data={"settings": {"instant_booking": False}}, now=NOW)
    assert doc.settings.instant_booking is False and doc.settings.lesson_lengths == [30, 60]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"timezone": 5}, "timezone"),
        ({"weekly": "monday"}, "weekly"),
        ({"weekly": [{"weekday": 7, "start": "09:00", "end": "10:00"}]}, "weekly.0.weekday"),
        ({"weekly": [{"weekday": True, "start": "09:00", "end": "10:00"}]}, "weekly.0.weekday"),
        ({"weekly": [{"weekday": "0", "start": "09:00", "end": "10:00"}]}, "weekly.0.weekday"),
        ({"weekly": [{"weekday": 0, "start": "10:00", "end": "09:00"}]}, "weekly.0.end"),
        ({"weekly": [{"weekday": 0, "start": "09:00", "end": "09:00"}]}, "weekly.0.end"),
        ({"weekly": [{"weekday": 0, "start": "09:15", "end": "10:00"}]}, "weekly.0.start"),
        ({"weekly": [{"weekday": 0, "start": "9am", "end": "10:00"}]}, "weekly.0.start"),
        ({"weekly": [{"weekday": 0, "start": "24:00", "end": "24:00"}]}, "weekly.0.start"),
        ({"weekly": [{"weekday": 0, "start": "23:00", "end": "24:30"}]}, "weekly.0.end"),
        ({"weekly": [{"weekday": 0, "start": "x" * 10_240, "end": "10:00"}]}, "weekly.0.start"),
        (
            {
                "weekly": [
                    {"weekday": 1, "start": "09:00", "end": "11:00"},
                    {"weekday": 1, "start": "10:30", "end": "12:00"},
                ]
            },
            "weekly.1",
        ),
        ({"weekly": [{"weekday": 0, "start": "09:00", "end": "10:00"}] * 400}, "weekly"),
        ({"overrides": [{"date": "2027-02-30", "intervals": []}]}, "overrides.0.date"),
        ({"overrides": [{"date": "2027-03-01"}]}, "overrides.0.intervals"),
        (
            {"overrides": [{"date": "2027-03-01", "intervals": []}, {"date": "2027-03-01", "intervals": []}]},
            "overrides.1.date",
        ),
        (
            {
                "overrides": [
                    {
                        "date": "2027-03-01",
                        "intervals": [{"start": "10:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}],
                    }
                ]
            },
            "overrides.0.intervals.1",
        ),
        ({"settings": {"lesson_lengths": [50]}}, "settings.lesson_lengths"),
        ({"settings": {"lesson_lengths": []}}, "settings.lesson_lengths"),
        ({"settings": {"lesson_lengths": "60"}}, "settings.lesson_lengths"),
        ({"settings": {"booking_window_days": 366}}, "settings.booking_window_days"),
        ({"settings": {"booking_window_days": 0}}, "settings.booking_window_days"),
        ({"settings": {"min_notice_hours": -1}}, "settings.min_notice_hours"),
        ({"settings": {"buffer_after_min": "5"}}, "settings.buffer_after_min"),
        ({"settings": {"max_lessons_per_day": 10**40}}, "settings.max_lessons_per_day"),
        ({"settings": {"instant_booking": "yes"}}, "settings.instant_booking"),
        ({"settings": []}, "settings"),
    ],
)
def test_invalid_documents_name_the_field_and_change_nothing(db, make_user, data, field):
    tutor = make_user(Role.TUTOR)
    before = avail.save_availability(db, actor=tutor, data=DOC, now=NOW)
    with pytest.raises(InvalidInput) as err:
        avail.save_availability(db, actor=tutor, data=data, now=NOW)
    assert field in err.value.fields, err.value.fields
    assert avail.get_availability(db, actor=tutor) == before


def test_every_invalid_field_is_reported_at_once(db, make_user):
    with pytest.raises(InvalidInput) as err:
        avail.save_availability(
            db,
            actor=make_user(Role.TUTOR),
            now=NOW,
            data={
                "timezone": "Nowhere",
                "weekly": [{"weekday": 9, "start": "09:00", "end": "10:00"}],
                "settings": {"lesson_lengths": [7], "booking_window_days": 999},
            },
        )
    assert set(err.value.fields) == {
        "timezone",
        "weekly.0.weekday",
        "settings.lesson_lengths",
        "settings.booking_window_days",
    }


def test_only_tutors_edit_their_own(db, make_user):
    with pytest.raises(NotAuthenticated):
        avail.save_availability(db, actor=None, data=DOC)
    for role in (Role.STUDENT, Role.ADMIN):
        with pytest.raises(Forbidden):
            avail.save_availability(db, actor=make_user(role), data=DOC)
        with pytest.raises(Forbidden):
            avail.get_availability(db, actor=make_user(role))
    first, second = make_user(Role.TUTOR), make_user(Role.TUTOR)
    mine = avail.save_availability(db, actor=first, data=DOC, now=NOW)
    theirs = avail.get_availability(db, actor=second)
    assert theirs.tutor_id != mine.tutor_id and theirs.weekly == []
    with pytest.raises(InvalidInput):
        avail.save_availability(db, actor=first, data=["not", "a", "dict"])


def test_busy_time_add_list_remove(db, make_user):
    tutor, other = make_user(Role.TUTOR), make_user(Role.TUTOR)
    avail.save_availability(db, actor=tutor, data=DOC, now=NOW)
    block = avail.add_busy(
        db, actor=tutor, start="2027-03-15T10:00:00+01:00", end="2027-03-15T11:00:00Z", note="dentist", now=NOW
    )
    assert block.start == "2027-03-15T09:00:00+00:00" and block.source == "manual"
    listed = avail.list_busy(db, actor=tutor, start="2027-03-15T00:00:00Z", end="2027-03-16T00:00:00Z")
    assert [b.id for b in listed] == [block.id]
    with pytest.raises(NotFound):
        avail.remove_busy(db, actor=other, busy_id=block.id)
    for bad in ("x", -3, 10**40):
        with pytest.raises(NotFound):
            avail.remove_busy(db, actor=tutor, busy_id=bad)
    avail.remove_busy(db, actor=tutor, busy_id=block.id, now=NOW)
    assert db.exec(select(BusyInterval)).all() == []
    for start, end, field in (
        ("2027-03-15T10:00:00", "2027-03-15T11:00:00+00:00", "start"),
        ("2027-03-15T12:00:00Z", "2027-03-15T11:00:00Z", "end"),
        ("2027-03-01T00:00:00Z", "2027-04-15T00:00:00Z", "end"),
    ):
        with pytest.raises(InvalidInput) as err:
            avail.add_busy(db, actor=tutor, start=start, end=end)
        assert field in err.value.fields


def test_replace_busy_from_source_keeps_other_sources(db, make_user):
    tutor = make_user(Role.TUTOR)
    doc = avail.save_availability(db, actor=tutor, data=DOC, now=NOW)
    avail.add_busy(db, actor=tutor, start="2027-03-15T10:00:00Z", end="2027-03-15T11:00:00Z", now=NOW)
    spans = [
        (datetime(2027, 3, 16, 9, tzinfo=UTC), datetime(2027, 3, 16, 10, tzinfo=UTC), "uid-1"),
        (datetime(2027, 3, 16, 12, tzinfo=UTC), datetime(2027, 3, 16, 11, tzinfo=UTC), "inverted"),
    ]
    assert avail.replace_busy_from_source(db, tutor_id=doc.tutor_id, source="external", spans=spans, now=NOW) == 1
    assert avail.replace_busy_from_source(db, tutor_id=doc.tutor_id, source="external", spans=spans[:1], now=NOW) == 1
    sources = sorted(b.source for b in db.exec(select(BusyInterval)).all())
    assert sources == ["external", "manual"]
    with pytest.raises(InvalidInput):
        avail.replace_busy_from_source(db, tutor_id=doc.tutor_id, source="bogus", spans=[])


def test_rules_rows_are_replaced_not_appended(db, make_user):
    tutor = make_user(Role.TUTOR)
    avail.save_availability(db, actor=tutor, data=DOC, now=NOW)
    avail.save_availability(db, actor=tutor, data=DOC, now=NOW)
    assert len(db.exec(select(AvailabilityRule)).all()) == 2
