"""/api/v1/admin/settings: admins read and change platform settings; everyone else is refused and
nothing changes; wrong types, strings for numbers, huge or out-of-order values are 422 with nothing
changed; a change takes effect for the next request at once (a hold made over the API)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.api.conftest import db_snapshot
from tests.support.booking import open_all_week
from tutorhub.models import AuditEntry, Role

URL = "/api/v1/admin/settings"


@pytest.fixture
def people(as_role):
    return {role: as_role(role)[1] for role in (Role.ADMIN, Role.STUDENT, Role.TUTOR)}


def test_only_admins_and_bad_input_changes_nothing(client, people):
    before = db_snapshot()
    for headers, code in ((people[Role.STUDENT], 403), (people[Role.TUTOR], 403), ({}, 401)):
        assert client.get(URL, headers=headers).status_code == code
        assert client.put(URL, headers=headers, json={"booking_hold_minutes": 5}).status_code == code
    admin = people[Role.ADMIN]
    for bad in ({"booking_hold_minutes": "5"}, {"booking_hold_minutes": 5.5}, {"booking_hold_minutes": 0},
                {"commission_percent": 101}, {"cancel_partial_refund_hours": 48},
                {"group_credit_rates": [[1, 100], [4, 101]]}, {"group_credit_rates": "x"},
                {"group_credit_rates": [[i + 1, 50] for i in range(7)]}, {"reason": "x" * 10_000},
                {"booking_hold_minutes": 10**12}, {}, [1]):
        res = client.put(URL, headers=admin, json=bad)
        assert res.status_code == 422, (bad, res.text)
    assert db_snapshot() == before


def test_admin_changes_the_hold_and_the_next_hold_uses_it(client, people, db, make_approved_tutor, as_role):
    admin = people[Role.ADMIN]
    listed = client.get(URL, headers=admin).json()["settings"]
    assert {s["key"]: s["value"] for s in listed}["booking_hold_minutes"] == 15
    res = client.put(URL, headers=admin, json={"booking_hold_minutes": 7, "reason": "busy season"})
    assert res.status_code == 200, res.text
    assert {s["key"]: s["value"] for s in res.json()["settings"]}["booking_hold_minutes"] == 7
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=datetime.now(UTC), lesson_lengths=[60])
    _, student = as_role(Role.STUDENT)
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    before = datetime.now(UTC)
    held = client.post("/api/v1/bookings", headers=student, json={
        "tutor_id": tutor_id, "start": start.isoformat(), "duration_min": 60, "kind": "single"})
    assert held.status_code == 201, held.text
    expires = datetime.fromisoformat(held.json()["hold_expires_at"])
    assert before + timedelta(minutes=7) <= expires <= datetime.now(UTC) + timedelta(minutes=7)
    [entry] = db.exec(select(AuditEntry).where(AuditEntry.action == "settings.update")).all()
    assert (entry.action, entry.target_id, entry.before, entry.after, entry.reason) == (
        "settings.update", "booking_hold_minutes", {"booking_hold_minutes": 15}, {"booking_hold_minutes": 7}, "busy season")
