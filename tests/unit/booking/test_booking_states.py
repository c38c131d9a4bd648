"""The state machine: every legal transition is allowed and recorded, every other one refused."""

from __future__ import annotations

from datetime import timedelta
from itertools import product

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at
from tutorhub.models import Booking, BookingEvent, BookingStatus
from tutorhub.services.booking.states import (
    SYSTEM,
    TERMINAL,
    TRANSITIONS,
    Actor,
    IllegalTransition,
    allowed_targets,
    can_transition,
    record,
    transition,
)

S = BookingStatus
ACTIONS = sorted({a for actions in TRANSITIONS.values() for a in actions})
LEGAL = sorted((frm, to, action) for (frm, to), actions in TRANSITIONS.items() for action in actions)
ILLEGAL = sorted(
    (frm, to, action)
    for frm, to, action in product(S.ALL, S.ALL, ACTIONS)
    if action not in TRANSITIONS.get((frm, to), frozenset())
)

EXPECTED = {
    (S.PENDING_PAYMENT, S.REQUESTED, "pay"),
    (S.PENDING_PAYMENT, S.CONFIRMED, "pay"),
    (S.PENDING_PAYMENT, S.EXPIRED, "expire"),
    (S.PENDING_PAYMENT, S.CANCELLED, "cancel"),
    (S.REQUESTED, S.CONFIRMED, "accept"),
    (S.REQUESTED, S.DECLINED, "decline"),
    (S.REQUESTED, S.DECLINED, "auto_decline"),
    (S.REQUESTED, S.CANCELLED, "cancel"),
    (S.CONFIRMED, S.IN_PROGRESS, "start"),
    (S.CONFIRMED, S.CANCELLED, "cancel"),
    (S.CONFIRMED, S.NO_SHOW, "no_show"),
    (S.CONFIRMED, S.COMPLETED, "auto_complete"),
    (S.IN_PROGRESS, S.COMPLETED, "complete"),
    (S.IN_PROGRESS, S.COMPLETED, "auto_complete"),
    (S.IN_PROGRESS, S.NO_SHOW, "no_show"),
    (S.COMPLETED, S.SETTLED, "settle"),
    (S.COMPLETED, S.DISPUTED, "dispute"),
    (S.NO_SHOW, S.SETTLED, "settle"),
    (S.NO_SHOW, S.DISPUTED, "dispute"),
    (S.DISPUTED, S.SETTLED, "resolve"),
}


def test_the_transition_table_is_exactly_the_documented_one():
    assert set(LEGAL) == EXPECTED
    assert len(ILLEGAL) == len(S.ALL) ** 2 * len(ACTIONS) - len(EXPECTED)


def test_terminal_states_have_no_way_out():
    assert TERMINAL == {S.SETTLED, S.CANCELLED, S.DECLINED, S.EXPIRED}
    for status in TERMINAL:
        assert all(not allowed_targets(status, action) for action in ACTIONS)


@pytest.fixture
def booking(env):
    """A held booking row to drive through the machine directly."""
    held = env.book(at(3, 10))
    return env.db.get(Booking, held.id)


@pytest.mark.parametrize(("frm", "to", "action"), LEGAL)
def test_every_legal_transition_moves_and_is_recorded(env, booking, frm, to, action):
    booking.status = frm
    actor = Actor(env.student.id, "student")
    event = transition(env.db, booking, to, action=action, actor=actor, now=NOW + timedelta(minutes=1), reason="why")
    env.db.flush()
    assert booking.status == to and booking.updated_at == NOW + timedelta(minutes=1)
    stored = env.db.get(BookingEvent, event.id)
    assert (stored.from_status, stored.to_status, stored.action) == (frm, to, action)
    assert (stored.actor_id, stored.actor_role, stored.reason) == (env.student.id, "student", "why")
    assert stored.created_at == NOW + timedelta(minutes=1)


def test_every_illegal_transition_is_refused_and_changes_nothing(env, booking):
    """All (from, to, action) triples outside the table: 11 × 11 × 14 minus the 20 legal ones."""
    refused_count = 0
    for frm, to, action in ILLEGAL:
        booking.status = frm
        env.db.flush()
        events_before = len(env.db.exec(select(BookingEvent)).all())
        with pytest.raises(IllegalTransition) as refused:
            transition(env.db, booking, to, action=action, actor=SYSTEM, now=NOW)
        assert refused.value.status_code == 409
        assert "cannot be" in refused.value.message
        assert booking.status == frm
        assert len(env.db.exec(select(BookingEvent)).all()) == events_before
        assert not can_transition(frm, to, action)
        refused_count += 1
    assert refused_count == len(ILLEGAL) > 1500


def test_in_place_events_keep_the_status(env, booking):
    event = record(env.db, booking, action="reschedule", actor=SYSTEM, now=NOW, reason="moved")
    assert (event.from_status, event.to_status, event.actor_role) == (S.PENDING_PAYMENT, S.PENDING_PAYMENT, "system")
    with pytest.raises(ValueError):
        record(env.db, booking, action="cancel", actor=SYSTEM, now=NOW)


def test_the_refusal_names_the_current_status(env, booking):
    booking.status = S.CANCELLED
    with pytest.raises(IllegalTransition, match="This lesson is cancelled; it cannot be accepted."):
        transition(env.db, booking, S.CONFIRMED, action="accept", actor=SYSTEM, now=NOW)
