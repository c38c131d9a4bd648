"""Live viewers share one computation of a public week, but never one older than their hint."""

from __future__ import annotations

import time

from tests.support.booking import NOW, Env, at
from tutorhub.services.scheduling import shared_weeks


def _week(env: Env, fresh_after: float):
    return shared_weeks.public_week(
        env.db, tutor_id=env.tutor_id, week=0, duration=60, tz="UTC", fresh_after=fresh_after
    )


def test_reused_after_the_hint_and_recomputed_for_a_newer_hint(env: Env, monkeypatch) -> None:
    shared_weeks.clear()
    monkeypatch.setattr("tutorhub.services.scheduling.slot_weeks.utcnow", lambda: NOW)
    monkeypatch.setattr("tutorhub.services.scheduling.slots.utcnow", lambda: NOW, raising=False)
    hint = time.monotonic()
    first = _week(env, hint)
    assert _week(env, hint) is first  # a second viewer of the same hint: no second computation

    env.book(at(1, 10))  # someone takes a time; the next hint arrives after this commit
    fresher = _week(env, time.monotonic())
    assert fresher is not first
    free_before = {s.start for d in first.days for s in d.slots}
    free_after = {s.start for d in fresher.days for s in d.slots}
    assert free_after < free_before  # the booked hour (and its neighbours) are gone
    shared_weeks.clear()


def test_weeks_given_as_text_get_their_own_entries(env: Env, monkeypatch) -> None:
    shared_weeks.clear()
    monkeypatch.setattr("tutorhub.services.scheduling.slot_weeks.utcnow", lambda: NOW)
    hint = time.monotonic()
    first, second = (
        shared_weeks.public_week(env.db, tutor_id=env.tutor_id, week=w, duration=60, tz="UTC", fresh_after=hint)
        for w in ("0", "1")
    )
    assert (first.week, second.week) == (0, 1)
    assert first.first_day != second.first_day
    shared_weeks.clear()
