"""GET /api/v1/notifications, POST /api/v1/notifications/{id}/read (owners only), preferences."""

from __future__ import annotations

from tests.support.notify import rows
from tutorhub.db import session_scope
from tutorhub.models import Notification
from tutorhub.models.base import utcnow
from tutorhub.services.messaging.notifications import notify


def _notify(user_id: int, title: str) -> int:
    with session_scope() as session:
        nid = notify(session, user_id=user_id, kind="booking", title=title, body="b", link="/lessons/1", now=utcnow())
    assert nid is not None
    return nid


def test_list_and_mark_read(client, as_role):
    user, headers = as_role("student")
    first = _notify(user.id, "one")
    _notify(user.id, "two")
    answer = client.get("/api/v1/notifications", headers=headers)
    assert answer.status_code == 200
    data = answer.json()
    assert [n["title"] for n in data["items"]] == ["two", "one"] and data["unread"] == 2
    assert client.get("/api/v1/notifications?limit=1", headers=headers).json()["next_before"] is not None
    done = client.post(f"/api/v1/notifications/{first}/read", headers=headers)
    assert done.status_code == 200 and done.json()["read"] is True
    assert client.get("/api/v1/notifications?unread=true", headers=headers).json()["unread"] == 1
    assert client.post("/api/v1/notifications/read-all", headers=headers).json() == {"marked": 1}


def test_strangers_and_anonymous_get_nothing(client, as_role):
    owner, _ = as_role("student")
    stranger, stranger_headers = as_role("tutor")
    nid = _notify(owner.id, "private")
    assert client.post(f"/api/v1/notifications/{nid}/read", headers=stranger_headers).status_code == 404
    assert client.post("/api/v1/notifications/abc/read", headers=stranger_headers).status_code == 404
    assert client.get("/api/v1/notifications", headers=stranger_headers).json()["items"] == []
    assert client.get("/api/v1/notifications").status_code == 401
    assert client.post(f"/api/v1/notifications/{nid}/read").status_code == 401
    assert client.get("/api/v1/notifications?limit=0", headers=stranger_headers).status_code == 422
    [row] = rows(Notification, Notification.id == nid)
    assert row.read_at is None


def test_preferences_round_trip_and_bad_input(client, as_role):
    _, headers = as_role("student")
    got = client.get("/api/v1/notifications/preferences", headers=headers).json()
    assert {(c["kind"], c["channel"]) for c in got["cells"] if c["enabled"]} == {("booking", "email"), ("reminder", "email")}
    saved = client.put("/api/v1/notifications/preferences", headers=headers, json={"enabled": ["message:email"]})
    assert saved.status_code == 200
    assert {(c["kind"], c["channel"]) for c in saved.json()["cells"] if c["enabled"]} == {("message", "email")}
    bad = client.put("/api/v1/notifications/preferences", headers=headers, json={"enabled": ["x:y"]})
    assert bad.status_code == 422 and "enabled" in bad.json()["fields"]
    assert client.put("/api/v1/notifications/preferences", headers=headers, json={"enabled": "no"}).status_code == 422
    flood = client.put("/api/v1/notifications/preferences", headers=headers, json={"enabled": ["message:email"] * 5000})
    assert flood.status_code == 422 and "enabled" in flood.json()["fields"]
    assert client.get("/api/v1/notifications?before=" + "9" * 40, headers=headers).status_code == 422
    assert client.get("/api/v1/notifications?before=-5", headers=headers).status_code == 422
    still = client.get("/api/v1/notifications/preferences", headers=headers).json()
    assert {(c["kind"], c["channel"]) for c in still["cells"] if c["enabled"]} == {("message", "email")}
