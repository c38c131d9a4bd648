"""Chat JSON API: conversations, paged history, sending, attachments, read markers, support —
participants only; every stranger gets 404 and changes nothing."""

from __future__ import annotations

import pytest

from tests.api.conftest import PDF_BYTES, PNG_BYTES, db_snapshot
from tests.support.chat import GIF, make_pair
from tutorhub.models import Role
from tutorhub.services.accounts import sessions

BASE = "/api/v1/conversations"


@pytest.fixture
def pair(db, make_user):
    return make_pair(db, make_user)


def test_participants_list_send_page_and_mark_read(client, bearer, pair):
    s, t = bearer(pair.student), bearer(pair.tutor)
    cid = pair.conversation_id
    res = client.post(f"{BASE}/{cid}/messages", json={"body": "  Hello tutor  "}, headers=s)
    assert res.status_code == 201, res.text
    sent = res.json()
    assert sent["body"] == "Hello tutor" and sent["mine"] is True and sent["conversation_id"] == cid
    listing = client.get(BASE, headers=t).json()
    assert listing["unread_total"] == 1
    [row] = listing["items"]
    assert (row["id"], row["title"], row["other_role"], row["unread"], row["last_message"]) == (
        cid, pair.student.full_name, "student", 1, "Hello tutor")
    page = client.get(f"{BASE}/{cid}/messages", headers=t).json()
    assert [(m["body"], m["mine"]) for m in page["messages"]] == [("Hello tutor", False)]
    assert page["next_before"] is None
    assert client.post(f"{BASE}/{cid}/read", headers=t).json() == {"unread": 0}
    assert client.get(BASE, headers=t).json()["unread_total"] == 0


def test_a_retried_send_with_its_client_id_stores_one_message(client, bearer, pair):
    s = bearer(pair.student)
    url = f"{BASE}/{pair.conversation_id}/messages"
    first = client.post(url, json={"body": "Running late", "client_id": "retry-0001"}, headers=s)
    again = client.post(url, json={"body": "Running late", "client_id": "retry-0001"}, headers=s)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert len(client.get(url, headers=s).json()["messages"]) == 1
    bad = client.post(url, json={"body": "x", "client_id": "no"}, headers=s)
    assert bad.status_code == 422


def test_history_pages_backwards_with_before(client, bearer, pair):
    s = bearer(pair.student)
    t = bearer(pair.tutor)
    for i in range(35):  # two senders, so the flood limit (20 per sender per 10 s) is not hit
        client.post(f"{BASE}/{pair.conversation_id}/messages", json={"body": f"m{i}"}, headers=s if i % 2 else t)
    first = client.get(f"{BASE}/{pair.conversation_id}/messages", headers=s).json()
    assert len(first["messages"]) == 30 and first["messages"][-1]["body"] == "m34"
    rest = client.get(f"{BASE}/{pair.conversation_id}/messages", params={"before": first["next_before"]},
                      headers=s).json()
    assert [m["body"] for m in rest["messages"]] == [f"m{i}" for i in range(5)] and rest["next_before"] is None
    bad = client.get(f"{BASE}/{pair.conversation_id}/messages", params={"before": "x"}, headers=s)
    assert bad.status_code == 422 and "before" in bad.json()["fields"]


@pytest.mark.parametrize(("body", "field_message"), [
    ({"body": ""}, "is required"), ({"body": "   "}, "is required"), ({"body": "x" * 4001}, "at most 4000"),
])
def test_bad_bodies_get_a_clear_422(client, bearer, pair, body, field_message):
    res = client.post(f"{BASE}/{pair.conversation_id}/messages", json=body, headers=bearer(pair.student))
    assert res.status_code == 422 and field_message in res.json()["fields"]["body"]


@pytest.mark.parametrize("body", [{}, {"body": 5}, {"body": None}, [1, 2], "text"])
def test_malformed_json_is_a_422_not_a_500(client, bearer, pair, body):
    res = client.post(f"{BASE}/{pair.conversation_id}/messages", json=body, headers=bearer(pair.student))
    assert res.status_code == 422


def test_a_flood_gets_429_with_retry_after(client, bearer, pair):
    s = bearer(pair.student)
    codes = [client.post(f"{BASE}/{pair.conversation_id}/messages", json={"body": f"m{i}"}, headers=s).status_code
             for i in range(21)]
    assert codes[:20] == [201] * 20 and codes[20] == 429
    res = client.post(f"{BASE}/{pair.conversation_id}/messages", json={"body": "again"}, headers=s)
    assert res.status_code == 429 and res.headers["Retry-After"] == "10" and "too fast" in res.json()["detail"]


def test_attachments_upload_by_content_and_download_for_participants_only(client, bearer, db, make_user, pair):
    s, t = bearer(pair.student), bearer(pair.tutor)
    cid = pair.conversation_id
    res = client.post(f"{BASE}/{cid}/attachments", files={"file": ("scan.pdf", PDF_BYTES, "image/png")},
                      data={"body": "my homework"}, headers=s)
    assert res.status_code == 201, res.text
    att = res.json()["attachment"]
    assert att["content_type"] == "application/pdf" and res.json()["body"] == "my homework"
    got = client.get(att["url"], headers=t)
    assert got.status_code == 200 and got.content == PDF_BYTES
    assert got.headers["content-type"] == "application/pdf" and got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "private, no-store"
    assert got.headers["content-disposition"] == "inline; filename=\"scan.pdf\"; filename*=UTF-8''scan.pdf"
    # The web UI's cookie works too (links on /messages).
    cookie = sessions.create_browser_session(db, user_id=pair.tutor.id)
    db.commit()
    client.cookies.set("th_session", cookie)
    assert client.get(att["url"]).content == PDF_BYTES
    client.cookies.clear()
    # Strangers, anonymous callers and admins get 404.
    other = make_pair(db, make_user)
    for headers in (bearer(other.student), bearer(other.tutor), bearer(make_user(Role.ADMIN)), {}):
        assert client.get(att["url"], headers=headers).status_code == 404
    # A foreign attachment id under one's own conversation is not found either.
    assert client.get(f"{BASE}/{other.conversation_id}/attachments/{att['id']}",
                      headers=bearer(other.student)).status_code == 404
    bad = client.post(f"{BASE}/{cid}/attachments", files={"file": ("x.png", GIF, "image/png")}, headers=s)
    assert bad.status_code == 422 and "file" in bad.json()["fields"]
    png = client.post(f"{BASE}/{cid}/attachments", files={"file": ("p.png", PNG_BYTES, "image/png")}, headers=t)
    assert png.status_code == 201 and png.json()["body"] == ""


def test_an_oversized_attachment_is_refused_before_reading_the_whole_body(client, bearer, pair, monkeypatch):
    from tutorhub.settings import reset_settings

    monkeypatch.setenv("TUTORHUB_MAX_UPLOAD_MB", "1")
    reset_settings()
    try:
        big = PDF_BYTES + b"0" * (2 * 1024 * 1024)
        res = client.post(f"{BASE}/{pair.conversation_id}/attachments", files={"file": ("big.pdf", big)},
                          headers=bearer(pair.student))
        assert res.status_code == 422 and res.json()["fields"]["file"] == "must be at most 1 MB"
    finally:
        monkeypatch.delenv("TUTORHUB_MAX_UPLOAD_MB")
        reset_settings()


def test_strangers_get_404_on_every_endpoint_and_nothing_changes(client, bearer, db, make_user, pair):
    sent = client.post(f"{BASE}/{pair.conversation_id}/messages", json={"body": "private"},
                       headers=bearer(pair.student))
    assert sent.status_code == 201  # there is something to leak
    cid = pair.conversation_id
    strangers = [bearer(make_user(Role.STUDENT)), bearer(make_user(Role.TUTOR)), bearer(make_user(Role.ADMIN))]
    before = db_snapshot()
    for headers in strangers:
        assert client.get(BASE, headers=headers).json() == {"items": [], "unread_total": 0}
        assert client.get(f"{BASE}/{cid}/messages", headers=headers).status_code == 404
        assert client.post(f"{BASE}/{cid}/messages", json={"body": "hi"}, headers=headers).status_code == 404
        assert client.post(f"{BASE}/{cid}/read", headers=headers).status_code == 404
        assert client.post(f"{BASE}/{cid}/attachments", files={"file": ("a.png", PNG_BYTES)},
                           headers=headers).status_code == 404
    for path in (f"{BASE}/abc/messages", f"{BASE}/999999/messages", f"{BASE}/-1/messages"):
        assert client.get(path, headers=strangers[0]).status_code == 404
    # Anonymous callers: 401 (no token) on everything but the download, which is a plain 404.
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/{cid}/messages").status_code == 401
    assert client.post(f"{BASE}/{cid}/messages", json={"body": "hi"}).status_code == 401
    assert client.post(f"{BASE}/{cid}/read").status_code == 401
    assert db_snapshot() == before


def test_admins_open_support_conversations_users_see_tutorhub_support(client, bearer, make_user, pair):
    admin = make_user(Role.ADMIN)
    a, t = bearer(admin), bearer(pair.tutor)
    res = client.post("/api/v1/admin/support-conversations", json={"email": pair.tutor.email}, headers=a)
    assert res.status_code == 200, res.text
    sid = res.json()["id"]
    assert res.json()["title"] == pair.tutor.full_name and res.json()["kind"] == "support"
    assert client.post(f"{BASE}/{sid}/messages", json={"body": "How can we help?"}, headers=a).status_code == 201
    rows = {r["id"]: r for r in client.get(BASE, headers=t).json()["items"]}
    assert rows[sid]["title"] == "TutorHub support" and rows[sid]["unread"] == 1
    msgs = client.get(f"{BASE}/{sid}/messages", headers=t).json()["messages"]
    assert msgs[0]["sender_name"] == "TutorHub support"
    assert client.get(f"{BASE}/{sid}/messages", headers=bearer(pair.student)).status_code == 404
    assert client.get(f"{BASE}/{pair.conversation_id}/messages", headers=a).status_code == 404
    refused = client.post("/api/v1/admin/support-conversations", json={"email": pair.student.email}, headers=t)
    assert refused.status_code == 403
    missing = client.post("/api/v1/admin/support-conversations", json={"email": "ghost@example.com"}, headers=a)
    assert missing.status_code == 422 and "email" in missing.json()["fields"]
