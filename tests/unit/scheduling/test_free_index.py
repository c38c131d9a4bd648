"""The precomputed free-slot index: incremental refresh equals a full rebuild; search filter."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tutorhub.models import Role, TutorFreeSlots
from tutorhub.services.errors import InvalidInput
from tutorhub.services.scheduling import availability as avail
from tutorhub.services.scheduling import free_index
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.tutors import search

NOW = datetime(2027, 3, 15, 6, 7, tzinfo=UTC)  # Monday 07:07 in Berlin


def snapshot(db) -> list[tuple]:
    db.flush()
    rows = db.exec(select(TutorFreeSlots).order_by(TutorFreeSlots.tutor_id, TutorFreeSlots.duration_min)).all()
    return [
        (
            r.tutor_id,
            r.duration_min,
            r.base_minute,
            r.horizon_end,
            bytes(r.starts),
            r.slot_count,
            r.first_start_at,
            r.min_notice_min,
            r.booking_window_min,
            r.computed_at,
        )
        for r in rows
    ]


def _random_doc(rng: random.Random) -> dict:
    weekly = []
    for day in range(7):
        hour = rng.randint(0, 20)
        for _ in range(rng.randint(0, 2)):
            if hour >= 23:
                break
            end = rng.randint(hour + 1, 24)
            weekly.append(
                {
                    "weekday": day,
                    "start": f"{hour:02d}:{rng.choice(['00', '30']) if end > hour + 1 else '00'}",
                    "end": f"{end:02d}:00",
                }
            )
            hour = end + 1
    overrides = [
        {
            "date": (NOW + timedelta(days=d)).date().isoformat(),
            "intervals": [] if rng.random() < 0.5 else [{"start": "10:00", "end": "13:30"}],
        }
        for d in rng.sample(range(16), rng.randint(0, 3))
    ]
    return {
        "timezone": rng.choice(["Europe/Berlin", "Asia/Kathmandu", "America/New_York", "Australia/Lord_Howe"]),
        "weekly": weekly,
        "overrides": overrides,
        "settings": {
            "lesson_lengths": rng.sample([30, 45, 60, 90], rng.randint(1, 3)),
            "buffer_before_min": rng.choice([0, 10, 30]),
            "buffer_after_min": rng.choice([0, 15]),
            "min_notice_hours": rng.randint(0, 24),
            "max_lessons_per_day": rng.randint(1, 4),
        },
    }


def test_incremental_refresh_keeps_the_index_equal_to_a_full_rebuild(db, make_user):
    rng = random.Random(20270315)
    tutors = [make_user(Role.TUTOR) for _ in range(5)]
    ids = {}
    for t in tutors:
        ids[t.id] = avail.save_availability(db, actor=t, data=_random_doc(rng), now=NOW).tutor_id
    for step in range(40):
        actor = rng.choice(tutors)
        kind = rng.random()
        if kind < 0.35:
            avail.save_availability(db, actor=actor, data=_random_doc(rng), now=NOW)
        elif kind < 0.6:
            start = NOW + timedelta(minutes=rng.randint(0, 14 * 1440))
            avail.add_busy(db, actor=actor, start=start, end=start + timedelta(minutes=rng.randint(10, 300)), now=NOW)
        elif kind < 0.8:
            spans = []
            for _ in range(rng.randint(0, 4)):
                start = NOW + timedelta(minutes=rng.randint(-600, 15 * 1440))
                spans.append((start, start + timedelta(minutes=rng.choice([30, 45, 60, 90])), f"b{step}"))
            avail.replace_busy_from_source(
                db, tutor_id=ids[actor.id], source=rng.choice(["booking", "external"]), spans=spans, now=NOW
            )
        else:
            listed = avail.list_busy(db, actor=actor, start=NOW - timedelta(days=1), end=NOW + timedelta(days=20))
            manual = [b for b in listed if b.source == "manual"]
            if manual:
                avail.remove_busy(db, actor=actor, busy_id=rng.choice(manual).id, now=NOW)
        if step % 8 == 7:
            incremental = snapshot(db)
            assert free_index.rebuild_free_slots(db, now=NOW) == len(incremental)
            assert snapshot(db) == incremental
            # The nightly job's chunked, committing rebuild gives the same table.
            assert free_index.rebuild_free_slots(db, now=NOW, chunk=2, commit_each_chunk=True) == len(incremental)
            assert snapshot(db) == incremental
    assert sum(row[5] for row in snapshot(db)) > 0


def test_rebuild_covers_tutors_without_rules_and_drops_stale_rows(db, make_user):
    tutor = make_user(Role.TUTOR)
    tutor_profiles.get_own_profile(db, actor=tutor)  # profile, no availability yet
    assert free_index.rebuild_free_slots(db, now=NOW) == 1  # the default 60-minute length, empty
    (row,) = db.exec(select(TutorFreeSlots)).all()
    assert row.slot_count == 0 and row.first_start_at is None and row.starts == b""


# "free in my windows" search

WEEKDAY_MORNINGS = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)]


@pytest.fixture
def catalogue(db, make_approved_tutor):
    """Berlin mornings (60 min), New York evenings (45 min), and a tutor with no hours at all."""
    berlin, berlin_id = make_approved_tutor(timezone="Europe/Berlin")
    avail.save_availability(
        db, actor=berlin, now=NOW, data={"weekly": WEEKDAY_MORNINGS, "settings": {"min_notice_hours": 2}}
    )
    ny, ny_id = make_approved_tutor(timezone="America/New_York", subjects=["physics"])
    avail.save_availability(
        db,
        actor=ny,
        now=NOW,
        data={
            "weekly": [{"weekday": 2, "start": "18:00", "end": "21:00"}],
            "settings": {"lesson_lengths": [45, 60], "min_notice_hours": 0},
        },
    )
    _, idle_id = make_approved_tutor(timezone="UTC")
    db.commit()
    return {"berlin": berlin_id, "ny": ny_id, "idle": idle_id}


def found(db, windows, tz="UTC", duration=None, now=NOW, **filters) -> set[int]:
    page = search.search_tutors(
        db, windows=json.dumps(windows), windows_tz=tz, duration=duration, now=now, per_page=50, **filters
    )
    assert page.total == len(page.items)
    return {card.id for card in page.items}


def test_free_in_my_windows(db, catalogue):
    c = catalogue
    # Kathmandu 14:45–16:45 on Monday = Berlin 10:00–12:00 (+01:00): fits the Berlin tutor.
    assert found(db, [{"weekday": 0, "start": "14:30", "end": "17:00"}], "Asia/Kathmandu") == {c["berlin"]}
    # Wednesday 22:00–01:00 UTC holds New York 18:00–21:00 (-04:00) — a window across midnight.
    evening = [{"weekday": 2, "start": "22:00", "end": "24:00"}, {"weekday": 3, "start": "00:00", "end": "01:00"}]
    assert found(db, evening, duration=60) == {c["ny"]}
    assert found(db, evening, duration=45) == {c["ny"]}
    assert found(db, evening, duration=90) == set()  # nobody offers 90 minutes
    assert found(db, [{"weekday": 6, "start": "00:00", "end": "24:00"}]) == set()
    both = [
        {"weekday": 0, "start": "00:00", "end": "24:00"},
        {"weekday": 2, "start": "00:00", "end": "24:00"},
        {"weekday": 3, "start": "00:00", "end": "24:00"},
    ]
    assert found(db, both) == {c["berlin"], c["ny"]}
    assert found(db, both, subject="physics") == {c["ny"]}
    with pytest.raises(InvalidInput):  # an explicit empty list is an error, not "no filter"
        search.search_tutors(db, windows="[]", now=NOW)


def test_notice_is_applied_at_search_time(db, make_approved_tutor):
    """Only Monday 2027-03-15 09:00–12:00 Berlin, 2-hour notice. The index is computed at 07:07;
    searched at 09:30 the notice leaves no start (11:30 + 60 > 12:00), though the bits are unchanged."""
    user, tid = make_approved_tutor(timezone="Europe/Berlin")
    avail.save_availability(
        db,
        actor=user,
        now=NOW,
        data={
            "weekly": [],
            "overrides": [{"date": "2027-03-15", "intervals": [{"start": "09:00", "end": "12:00"}]}],
            "settings": {"min_notice_hours": 2},
        },
    )
    window = [{"weekday": 0, "start": "09:00", "end": "11:00"}]
    assert found(db, window, "Europe/Berlin") == {tid}
    assert found(db, window, "Europe/Berlin", now=NOW + timedelta(hours=2, minutes=23)) == set()


def test_booked_time_disappears_from_search(db, catalogue):
    c = catalogue
    window = [{"weekday": 2, "start": "22:00", "end": "24:00"}, {"weekday": 3, "start": "00:00", "end": "01:00"}]
    assert c["ny"] in found(db, window)
    spans = [
        (
            datetime(2027, 3, 17, 22, tzinfo=UTC) + timedelta(days=7 * k),
            datetime(2027, 3, 18, 1, tzinfo=UTC) + timedelta(days=7 * k),
            f"b{k}",
        )
        for k in range(3)
    ]
    avail.replace_busy_from_source(db, tutor_id=c["ny"], source="booking", spans=spans, now=NOW)
    assert c["ny"] not in found(db, window)


def test_search_paging_with_windows(db, make_approved_tutor):
    for _ in range(5):
        user, _ = make_approved_tutor(timezone="UTC")
        avail.save_availability(
            db, actor=user, now=NOW, data={"weekly": [{"weekday": 1, "start": "10:00", "end": "11:00"}]}
        )
    window = json.dumps([{"weekday": 1, "start": "09:00", "end": "12:00"}])
    pages = [search.search_tutors(db, windows=window, now=NOW, per_page=2, page=p) for p in (1, 2, 3, 4)]
    assert [len(p.items) for p in pages] == [2, 2, 1, 0]
    assert {p.total for p in pages} == {5} and pages[0].pages == 3
    ids = [card.id for p in pages for card in p.items]
    assert len(set(ids)) == 5
    plain = search.search_tutors(db, per_page=50)
    assert [c.id for c in plain.items] == ids  # same order as without the filter


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"windows": "not json"}, "windows"),
        ({"windows": "x" * 10_240}, "windows"),
        ({"windows": '[{"weekday": 9, "start": "09:00", "end": "10:00"}]'}, "windows"),
        ({"windows": "[]", "windows_tz": "Bad/Zone"}, "windows_tz"),
        ({"windows": "[]", "duration": 50}, "duration"),
    ],
)
def test_search_window_errors(db, kwargs, field):
    with pytest.raises(InvalidInput) as err:
        search.search_tutors(db, now=NOW, **kwargs)
    assert field in err.value.fields


def test_a_stale_index_row_still_answers_for_what_it_covers(db, catalogue):
    """Rows computed yesterday shift onto today's mask (base alignment)."""
    free_index.rebuild_free_slots(db, now=NOW - timedelta(days=1))
    assert found(db, [{"weekday": 0, "start": "10:00", "end": "12:00"}], "Europe/Berlin") == {catalogue["berlin"]}


def test_cli_rebuild_and_demo_tutors_have_slots(db, capsys):
    from tutorhub.__main__ import main
    from tutorhub.demo.seed import seed_demo

    seed_demo(db)
    db.commit()
    assert main(["rebuild-free-slots"]) == 0
    assert "free-slot index rebuilt" in capsys.readouterr().out
    db.expire_all()
    rows = db.exec(select(TutorFreeSlots)).all()
    assert len({r.tutor_id for r in rows if r.slot_count > 0}) == 36  # every approved demo tutor
    window = json.dumps([{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)])
    assert search.search_tutors(db, windows=window).total >= 30  # the real clock is fine: "any time"


def test_changing_the_profile_timezone_moves_the_index(db, make_user, monkeypatch):
    from tutorhub.services.tutors import profiles as tutor_profiles

    monkeypatch.setattr(free_index, "utcnow", lambda: NOW)
    tutor = make_user(Role.TUTOR)
    doc = avail.save_availability(
        db, actor=tutor, now=NOW, data={"timezone": "Europe/Berlin", "weekly": WEEKDAY_MORNINGS}
    )
    before = snapshot(db)
    tutor_profiles.update_own_profile(db, actor=tutor, data={"timezone": "Asia/Tokyo"})
    after = snapshot(db)
    assert [r[2] for r in after] == [r[2] for r in before]  # same anchor (same clock)…
    assert [r[4] for r in after] != [r[4] for r in before]  # …different starts
    assert all(row[0] == doc.tutor_id for row in after)
    assert avail.get_availability(db, actor=tutor).timezone == "Asia/Tokyo"
