"""Bookings over HTTP: the issue's exact requests, who may call what (strangers 404, the other
party 403, anonymous 401), and hostile input (never a 500)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tests.api.conftest import db_snapshot
from tests.support.booking import open_all_week
from tests.support.money import fund_wallet
from tutorhub.db import get_engine
from tutorhub.models import Role
from tutorhub.services.billing import credits
from tutorhub.services.booking import bookings as bookings_service
from tutorhub.services.money import ledger, promos
from tutorhub.services.platform import store

BIG = "x" * 10_240
T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
START = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)
CLOCKED = (
    "booking.bookings",
    "booking.changes",
    "booking.series",
    "checkout.lesson_payments",
    "booking.timeouts",
    "learning.lessons",
    "booking.replacements",
    "learning.reviews",
    "tutors.reliability",
    "tutors.stats",
    "scheduling.slots",
    "scheduling.free_index",
    "tutors.search",
    "scheduling.availability",
    "tutors.verification",
    "tutors.profiles",
)


class Clock:
    now = T0


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The API takes no `now`: pin the services' clock so tests can move through a lesson's life."""
    import importlib

    c = Clock()
    for name in CLOCKED:
        monkeypatch.setattr(importlib.import_module(f"tutorhub.services.{name}"), "utcnow", lambda: c.now)
    return c


@pytest.fixture
def world(db, make_approved_tutor, as_role, bearer):
    tutor, tutor_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, tutor, now=T0, lesson_lengths=[30, 60])
    student, student_h = as_role(Role.STUDENT, timezone="Asia/Kolkata")
    fund_wallet(db, student.id, 1_000_000, "EUR", commit=True)  # "confirm" pays from the wallet
    _, stranger_h = as_role(Role.STUDENT)
    _, other_tutor_h = as_role(Role.TUTOR)
    _, admin_h = as_role(Role.ADMIN)
    return {
        "tutor_id": tutor_id,
        "tutor": bearer(tutor),
        "student": student_h,
        "student_user": student,
        "stranger": stranger_h,
        "other_tutor": other_tutor_h,
        "admin": admin_h,
    }


def book(client, world, start=START, headers=None, **extra):
    body = {"tutor_id": world["tutor_id"], "start": start.isoformat(), "duration_min": 60, "kind": "single", **extra}
    return client.post("/api/v1/bookings", json=body, headers=headers or world["student"])


def confirmed(client, world, start=START):
    res = book(client, world, start)
    assert res.status_code == 201, res.text
    res = client.post(f"/api/v1/bookings/{res.json()['id']}/confirm", headers=world["student"])
    assert res.status_code == 200, res.text
    return res.json()["id"]


def test_the_issue_booking_request(client, world):
    res = client.post("/api/v1/bookings", headers=world["student"], json={
        "tutor_id": world["tutor_id"], "start": "2027-03-03T12:00:00+02:00", "duration_min": 60, "kind": "single"})
    assert res.status_code == 201, res.text
    body = res.json()
    assert {"id", "status", "start", "end"} <= set(body)
    assert body["status"] == "PENDING_PAYMENT"
    assert datetime.fromisoformat(body["start"]) == START and datetime.fromisoformat(body["end"]) == START + timedelta(
        hours=1)
    assert body["student_start"] == "2027-03-03T15:30:00+05:30" and body["tutor_start"] == "2027-03-03T10:00:00+00:00"
    again = client.post("/api/v1/bookings", headers=world["stranger"], json={
        "tutor_id": world["tutor_id"], "start": "2027-03-03T10:30:00Z", "duration_min": 60, "kind": "single"})
    assert again.status_code == 409 and again.json()["detail"]
    for start in ("2027-03-01T10:00:00Z", "2027-03-03T14:10:00Z", "2027-06-01T10:00:00Z"):  # notice, grid, window
        res = client.post("/api/v1/bookings", headers=world["stranger"], json={
            "tutor_id": world["tutor_id"], "start": start, "duration_min": 60, "kind": "single"})
        assert res.status_code == 422 and "start" in res.json()["fields"], start
    res = book(client, world, START + timedelta(days=1), duration_min=45)
    assert res.status_code == 422 and "duration_min" in res.json()["fields"]
    trial = book(client, world, START + timedelta(days=2), kind="trial")
    assert trial.status_code == 201 and trial.json()["price_minor"] == 1500


def test_the_issue_series_request(client, world):
    body = {"tutor_id": world["tutor_id"], "start": START.isoformat(), "duration_min": 60, "count": 3}
    preview = client.post("/api/v1/bookings/series/preview", json=body, headers=world["student"])
    assert preview.status_code == 200 and preview.json()["conflicts"] == 0
    blocker = client.post("/api/v1/bookings", headers=world["stranger"], json={
        "tutor_id": world["tutor_id"], "start": (START + timedelta(days=7)).isoformat(), "duration_min": 60})
    assert blocker.status_code == 201
    res = client.post("/api/v1/bookings/series", json=body, headers=world["student"])
    assert res.status_code == 409, res.text
    conflict = res.json()
    assert [c["index"] for c in conflict["conflicts"]] == [1]
    assert conflict["conflicts"][0]["alternatives"] and len(conflict["occurrences"]) == 3
    res = client.post("/api/v1/bookings/series", json={**body, "start": (START + timedelta(hours=2)).isoformat()},
                      headers=world["student"])
    assert res.status_code == 201, res.text
    created = res.json()
    assert len(created["occurrences"]) == 3 and {o["status"] for o in created["occurrences"]} == {"PENDING_PAYMENT"}
    res = client.post(f"/api/v1/bookings/series/{created['series_id']}/confirm", headers=world["student"])
    assert res.status_code == 200 and {b["status"] for b in res.json()} == {"CONFIRMED"}
    assert client.post(f"/api/v1/bookings/series/{created['series_id']}/confirm",
                       headers=world["stranger"]).status_code == 404


def test_a_series_is_confirmed_with_credits_or_a_promo_like_the_dialog_pays_it(client, world, db, make_user):
    """Before, the series endpoint paid from the wallet only and ignored a body: credits and promo
    codes worked for a series in the booking dialog but not over the API."""
    student = world["student_user"]
    credits.grant_lot(db, user_id=student.id, minutes=120, source="admin", source_ref="api-series",
                      expires_at=T0 + timedelta(days=60), now=T0)
    promos.create_promo(db, actor=make_user(Role.ADMIN), data={"code": "HALF", "kind": "percent", "percent": 50})
    db.commit()

    def series(start):
        res = client.post("/api/v1/bookings/series", headers=world["student"], json={
            "tutor_id": world["tutor_id"], "start": start.isoformat(), "duration_min": 60, "count": 2})
        assert res.status_code == 201, res.text
        return res.json()["series_id"]

    def wallet():
        db.rollback()  # a fresh snapshot: the requests committed in their own sessions
        return ledger.balance(db, f"student:{student.id}:wallet", "EUR")

    with_credits, with_promo = series(START), series(START + timedelta(hours=3))
    res = client.post(f"/api/v1/bookings/series/{with_credits}/confirm", headers=world["student"],
                      json={"method": "gateway"})
    assert res.status_code == 422 and "method" in res.json()["fields"]
    res = client.post(f"/api/v1/bookings/series/{with_credits}/confirm", headers=world["student"],
                      json={"method": "credits", "promo_code": "HALF"})
    assert res.status_code == 422 and "promo_code" in res.json()["fields"]
    res = client.post(f"/api/v1/bookings/series/{with_credits}/confirm", headers=world["student"],
                      json={"method": "credits"})
    assert res.status_code == 200 and [b["status"] for b in res.json()] == ["CONFIRMED"] * 2
    assert wallet() == 1_000_000 and ledger.balance(db, f"student:{student.id}:credits", "MIN") == 0
    res = client.post(f"/api/v1/bookings/series/{with_promo}/confirm", headers=world["student"],
                      json={"promo_code": "HALF"})
    assert res.status_code == 200 and [b["status"] for b in res.json()] == ["CONFIRMED"] * 2
    assert wallet() == 1_000_000 - (2 * 3000 - 1500)  # the earliest lesson at half price, as in the dialog
    assert [ledger.balance(db, f"escrow:booking:{b['id']}", "EUR") for b in res.json()] == [3000, 3000]


def test_listing_returns_only_the_callers_bookings(client, world):
    mine = confirmed(client, world)
    client.post("/api/v1/bookings", headers=world["stranger"], json={
        "tutor_id": world["tutor_id"], "start": (START + timedelta(days=1)).isoformat(), "duration_min": 60})
    res = client.get("/api/v1/bookings?role=student&status=&from=&to=", headers=world["student"])
    assert res.status_code == 200 and [b["id"] for b in res.json()["items"]] == [mine]
    res = client.get("/api/v1/bookings", params={"role": "tutor"}, headers=world["tutor"])
    assert res.json()["total"] == 2
    res = client.get("/api/v1/bookings", params={"role": "tutor", "status": "CONFIRMED",
                                                 "from": "2027-03-03T00:00:00Z", "to": "2027-03-04T00:00:00+00:00"},
                     headers=world["tutor"])
    assert [b["id"] for b in res.json()["items"]] == [mine]
    assert client.get("/api/v1/bookings", params={"role": "tutor"}, headers=world["student"]).status_code == 403
    assert client.get("/api/v1/bookings", params={"role": "tutor"}, headers=world["other_tutor"]).json()["total"] == 0
    assert client.get("/api/v1/bookings").status_code == 401
    for bad in ({"role": "boss"}, {"status": "PAID"}, {"from": "yesterday"}, {"page": "-1"}, {"when": BIG}):
        assert client.get("/api/v1/bookings", params=bad, headers=world["student"]).status_code == 422, bad


def test_a_lesson_from_request_to_review(client, world, clock, db):
    open_all_week(db, db_user(db, world), now=T0, lesson_lengths=[30, 60], instant_booking=False)
    booking_id = confirmed(client, world)
    url = f"/api/v1/bookings/{booking_id}"
    assert client.get(url, headers=world["student"]).json()["status"] == "REQUESTED"
    assert client.post(f"{url}/accept", headers=world["student"]).status_code == 403
    res = client.post(f"{url}/accept", headers=world["tutor"])
    assert res.status_code == 200 and res.json()["status"] == "CONFIRMED"
    res = client.post(f"{url}/reschedule", json={"start": (START + timedelta(hours=3)).isoformat()},
                      headers=world["student"])
    assert res.status_code == 200 and res.json()["reschedule_count"] == 1
    assert client.post(f"{url}/reschedule", json={"start": START.isoformat()},
                       headers=world["tutor"]).status_code == 409
    res = client.put(f"{url}/notes", json={"notes": "Bring past papers"}, headers=world["tutor"])
    assert res.status_code == 200 and res.json()["notes"] == "Bring past papers"
    clock.now = START + timedelta(hours=3)
    detail = client.get(url, headers=world["student"]).json()
    assert detail["meeting_url"].startswith("https://meet.jit.si/tutorhub-")
    assert client.get(url, headers=world["admin"]).json()["meeting_url"] is None
    assert client.post(f"{url}/start", headers=world["student"]).status_code == 403
    assert client.post(f"{url}/start", headers=world["tutor"]).json()["status"] == "IN_PROGRESS"
    clock.now += timedelta(minutes=20)
    early = client.post(f"{url}/complete", headers=world["tutor"])
    assert early.status_code == 409 and "20 of 60 minutes" in early.json()["detail"]
    clock.now += timedelta(minutes=40)
    done = client.post(f"{url}/complete", headers=world["tutor"]).json()
    assert done["status"] == "COMPLETED" and done["actual_minutes"] == 60
    res = client.post(f"{url}/review", json={"rating": 5, "comment": "Brilliant"}, headers=world["student"])
    assert res.status_code == 201 and res.json()["rating"] == 5
    assert client.post(f"{url}/review", json={"rating": 4}, headers=world["student"]).status_code == 409
    res = client.post(f"{url}/review/reply", json={"reply": "Thanks!"}, headers=world["tutor"])
    assert res.status_code == 200 and res.json()["reply"] == "Thanks!"
    assert client.post(f"{url}/review/reply", json={"reply": "Again"}, headers=world["tutor"]).status_code == 409
    public = client.get(f"/api/v1/tutors/{world['tutor_id']}/reviews").json()
    assert public["total"] == 1 and public["items"][0]["comment"] == "Brilliant"
    profile = client.get(f"/api/v1/tutors/{world['tutor_id']}").json()
    assert profile["rating_count"] == 1 and profile["hours_taught"] == 1
    events = [e["action"] for e in client.get(url, headers=world["tutor"]).json()["events"]]
    assert events == ["hold", "pay", "accept", "reschedule", "start", "complete"]


def db_user(db, world):
    from tutorhub.models import TutorProfile
    from tutorhub.services.actor import get_user

    return get_user(db, db.get(TutorProfile, world["tutor_id"]).user_id)


def test_decline_cancel_and_no_show(client, world, clock, db):
    open_all_week(db, db_user(db, world), now=T0, lesson_lengths=[30, 60], instant_booking=False)
    first = confirmed(client, world)
    res = client.post(f"/api/v1/bookings/{first}/decline", json={"reason": "Away"}, headers=world["tutor"])
    assert res.status_code == 200 and res.json()["status"] == "DECLINED" and res.json()["refund_percent"] == 100
    second = confirmed(client, world, START + timedelta(days=1))
    client.post(f"/api/v1/bookings/{second}/accept", headers=world["tutor"])
    res = client.post(f"/api/v1/bookings/{second}/cancel", headers=world["student"])  # no body at all
    assert res.status_code == 200 and res.json()["refund_percent"] == 100
    third = confirmed(client, world, START + timedelta(days=2))
    client.post(f"/api/v1/bookings/{third}/accept", headers=world["tutor"])
    assert client.post(f"/api/v1/bookings/{third}/no-show", json={}, headers=world["student"]).status_code == 409
    clock.now = START + timedelta(days=2, minutes=20)
    res = client.post(f"/api/v1/bookings/{third}/no-show", json={"reason": "Never came"}, headers=world["student"])
    assert res.status_code == 200 and res.json()["no_show_party"] == "tutor"
    res = client.post(f"/api/v1/bookings/{third}/dispute", json={"reason": "I was there"}, headers=world["tutor"])
    assert res.status_code == 200 and res.json()["status"] == "DISPUTED"
    assert [b["id"] for b in client.get("/api/v1/admin/disputes", headers=world["admin"]).json()] == [third]
    res = client.post(f"/api/v1/admin/bookings/{third}/resolve", json={"refund_percent": 0}, headers=world["admin"])
    assert res.status_code == 200 and res.json()["status"] == "SETTLED"


def test_tutor_cancellation_replacements_and_flags_over_http(client, world, make_approved_tutor, db):
    user, other_id = make_approved_tutor(timezone="UTC")
    open_all_week(db, user, now=T0)
    booking_ids = [confirmed(client, world, START + timedelta(days=d)) for d in range(3)]
    for booking_id in booking_ids:
        res = client.post(f"/api/v1/bookings/{booking_id}/cancel", json={"reason": "Sorry"}, headers=world["tutor"])
        assert res.status_code == 200 and res.json()["cancelled_by"] == "tutor"
    offers = client.get(f"/api/v1/bookings/{booking_ids[0]}/replacements", headers=world["student"])
    assert offers.status_code == 200 and [o["tutor_id"] for o in offers.json()] == [other_id]
    assert client.get(f"/api/v1/bookings/{booking_ids[0]}/replacements", headers=world["tutor"]).status_code == 403
    res = client.post(f"/api/v1/bookings/{booking_ids[0]}/replacements/{offers.json()[0]['id']}/take",
                      headers=world["student"])
    assert res.status_code == 201 and res.json()["tutor_id"] == other_id and res.json()["status"] == "CONFIRMED"
    res = client.post(f"/api/v1/bookings/{booking_ids[1]}/replacements/decline", headers=world["student"])
    assert res.status_code == 200
    flags = client.get("/api/v1/admin/tutor-flags", headers=world["admin"])
    assert flags.status_code == 200 and [f["tutor_id"] for f in flags.json()] == [world["tutor_id"]]
    assert client.get("/api/v1/admin/tutor-flags", headers=world["tutor"]).status_code == 403
    res = client.post(f"/api/v1/admin/tutor-flags/{flags.json()[0]['id']}/resolve", json={"notes": "ok"},
                      headers=world["admin"])
    assert res.status_code == 204
    assert client.get("/api/v1/admin/tutor-flags", headers=world["admin"]).json() == []


ACTIONS = [
    ("get", "", None),
    ("post", "/confirm", None),
    ("post", "/accept", None),
    ("post", "/decline", {"reason": "x"}),
    ("post", "/cancel", {"reason": "x"}),
    ("post", "/reschedule", {"start": "2027-03-05T10:00:00Z"}),
    ("post", "/start", None),
    ("post", "/complete", None),
    ("post", "/no-show", {"reason": "x"}),
    ("post", "/dispute", {"reason": "x"}),
    ("put", "/notes", {"notes": "x"}),
    ("post", "/review", {"rating": 5, "comment": "x"}),
    ("post", "/review/reply", {"reply": "x"}),
    ("get", "/replacements", None),
    ("post", "/replacements/decline", None),
    ("post", "/replacements/1/take", None),
]


@pytest.mark.parametrize(("method", "suffix", "body"), ACTIONS)
def test_strangers_get_404_and_anonymous_401_on_every_booking_endpoint(client, world, method, suffix, body):
    booking_id = confirmed(client, world)
    before = db_snapshot()
    url = f"/api/v1/bookings/{booking_id}{suffix}"
    for who in ("stranger", "other_tutor"):
        res = client.request(method, url, json=body, headers=world[who])
        assert res.status_code == 404, (who, res.text)
    assert client.request(method, url, json=body).status_code == 401
    missing = client.request(method, f"/api/v1/bookings/999999{suffix}", json=body, headers=world["student"])
    assert missing.status_code == 404
    junk = client.request(method, f"/api/v1/bookings/abc{suffix}", json=body, headers=world["student"])
    assert junk.status_code == 404
    assert db_snapshot() == before


TUTOR_ONLY = ["/accept", "/decline", "/start", "/complete", "/review/reply"]
STUDENT_ONLY = ["/confirm", "/review", "/replacements", "/replacements/decline", "/replacements/1/take"]


def test_the_other_party_gets_403(client, world):
    booking_id = confirmed(client, world)
    bodies = {s: b for _, s, b in ACTIONS}
    for suffix in TUTOR_ONLY:
        res = client.post(f"/api/v1/bookings/{booking_id}{suffix}", json=bodies[suffix], headers=world["student"])
        assert res.status_code == 403, suffix
    for suffix in STUDENT_ONLY:
        method = "get" if suffix == "/replacements" else "post"
        res = client.request(method, f"/api/v1/bookings/{booking_id}{suffix}", json=bodies[suffix],
                             headers=world["tutor"])
        assert res.status_code == 403, suffix
    admin_only = [("post", f"/api/v1/admin/bookings/{booking_id}/resolve", {"refund_percent": 10}),
                  ("get", "/api/v1/admin/disputes", None), ("get", "/api/v1/admin/tutor-flags", None),
                  ("post", "/api/v1/admin/tutor-flags/1/resolve", None)]
    for method, url, body in admin_only:
        assert client.request(method, url, json=body, headers=world["tutor"]).status_code in (403, 404), url
        assert client.request(method, url, json=body, headers=world["student"]).status_code in (403, 404), url


HOSTILE_VALUES = [None, True, 1.5, -1, 10**40, "", BIG, "😀" * 100, "\u0000", "\ud800", [], {}, [1, 2], {"a": 1}]
CREATE_FIELDS = ("tutor_id", "start", "duration_min", "kind", "subject", "mode")
SERIES_FIELDS = ("tutor_id", "start", "duration_min", "count", "timezone", "skip_conflicts")
ACCEPTABLE = {("kind", ""), ("subject", None), ("subject", ""), ("mode", None), ("mode", ""), ("timezone", None),
              ("timezone", ""), ("skip_conflicts", True)}


@pytest.mark.parametrize("field", CREATE_FIELDS + tuple("series." + f for f in SERIES_FIELDS))
def test_hostile_values_in_create_bodies_are_4xx(client, world, field):
    series = field.startswith("series.")
    name = field.removeprefix("series.")
    url = "/api/v1/bookings/series" if series else "/api/v1/bookings"
    base = {"tutor_id": world["tutor_id"], "start": START.isoformat(), "duration_min": 60}
    if series:
        base["count"] = 2
    for value in HOSTILE_VALUES:
        res = client.post(url, content=json.dumps({**base, name: value}),
                          headers={**world["student"], "content-type": "application/json"})
        assert res.status_code < 500, (name, value, res.status_code, res.text[:200])
        if res.status_code == 201:  # only the values that mean "default" are accepted
            assert (name, value) in ACCEPTABLE, (name, value)


@pytest.mark.parametrize(("suffix", "field"), [("/reschedule", "start"), ("/decline", "reason"), ("/cancel", "reason"),
                                               ("/no-show", "reason"), ("/dispute", "reason"), ("/notes", "notes"),
                                               ("/review", "rating"), ("/review", "comment"), ("/review/reply", "reply")])
def test_hostile_values_in_action_bodies_are_never_a_500(client, world, suffix, field):
    booking_id = confirmed(client, world)
    method = "put" if suffix == "/notes" else "post"
    headers = world["tutor"] if suffix in ("/decline", "/review/reply") else world["student"]
    for value in HOSTILE_VALUES:
        body = {"rating": 5, field: value} if suffix == "/review" else {field: value}
        res = client.request(method, f"/api/v1/bookings/{booking_id}{suffix}", content=json.dumps(body),
                             headers={**headers, "content-type": "application/json"})
        assert res.status_code < 500, (suffix, field, value, res.text[:200])
    for raw in (b"{", b"[]", b"null", b"\xff\xfe", b'"text"'):
        res = client.request(method, f"/api/v1/bookings/{booking_id}{suffix}", content=raw,
                             headers={**headers, "content-type": "application/json"})
        assert res.status_code < 500, (suffix, raw)


def test_hold_limits_over_http(client, world, clock):
    """At most 3 unpaid single holds (409), a series only when the wallet or credits cover it (402),
    and at most 20 hold attempts an hour (429 + Retry-After). Before: all were 201."""
    for day in range(3):
        assert book(client, world, START + timedelta(days=day)).status_code == 201
    fourth = book(client, world, START + timedelta(days=3))
    assert fourth.status_code == 409 and "Pay for one or release it" in fourth.json()["detail"]
    assert fourth.json()["unpaid_holds"] == 3
    body = {"tutor_id": world["tutor_id"], "start": (START + timedelta(hours=4)).isoformat(), "duration_min": 60,
            "count": 52}
    empty = client.post("/api/v1/bookings/series", json=body, headers=world["stranger"])  # an empty wallet
    assert empty.status_code == 402 and "top up €1,560 more" in empty.json()["detail"]
    assert empty.json()["missing_minor"] == 52 * 3000 and empty.json()["currency"] == "EUR"
    covered = client.post("/api/v1/bookings/series", json={**body, "count": 2}, headers=world["student"])
    assert covered.status_code == 201, covered.text
    # 5 attempts so far by the student; 15 more (refused ones count too), then the 21st is 429.
    for i in range(15):
        assert book(client, world, START + timedelta(days=4 + i)).status_code == 409
    limited = book(client, world, START + timedelta(days=20))
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3600"
    assert "at most 20 an hour" in limited.json()["detail"]
    series = client.post("/api/v1/bookings/series", json={**body, "count": 1}, headers=world["student"])
    assert series.status_code == 429 and series.headers["Retry-After"] == "3600"
    clock.now = T0 + timedelta(minutes=59)
    assert book(client, world, START + timedelta(days=20)).headers["Retry-After"] == "60"
    clock.now = T0 + timedelta(hours=1)  # the first attempts leave the hour; the holds have expired too
    assert book(client, world, START + timedelta(days=20)).status_code == 201


def test_a_hold_holds_one_pooled_connection_while_the_settings_cache_refills(client, world):
    """A request never needs a second connection from the request pool while it holds one. The
    platform settings' cache used to refill from that pool in the middle of a hold, under the tutor
    lock: 32 holds at once drained the 30 connections, and the lock holder waited the pool timeout for
    one while everyone waited for its lock (a 500 after 30 s, and clients timing out)."""
    held: dict[int, int] = {}
    second: list[int] = []

    def taken(*_args) -> None:
        me = threading.get_ident()
        held[me] = held.get(me, 0) + 1
        if held[me] > 1:
            second.append(me)

    def given_back(*_args) -> None:
        held[threading.get_ident()] -= 1

    pool = get_engine().pool
    event.listen(pool, "checkout", taken)
    event.listen(pool, "checkin", given_back)
    try:
        store.forget_cache()  # the hold's expiry time is read through the cache: it refills mid-request
        assert book(client, world).status_code == 201
        store.forget_cache()
        assert book(client, world, headers=world["stranger"]).status_code == 409
    finally:
        event.remove(pool, "checkout", taken)
        event.remove(pool, "checkin", given_back)
    assert sum(held.values()) == 0 and not second


def test_no_database_connection_within_the_pool_timeout_is_a_503_to_retry(client, world, monkeypatch):
    def saturated(*_args, **_kwargs):
        raise PoolTimeout("QueuePool limit of size 10 overflow 30 reached, connection timed out, timeout 10.00")

    monkeypatch.setattr(bookings_service, "create_booking", saturated)
    res = book(client, world)
    assert res.status_code == 503 and res.headers["Retry-After"] == "2"
    assert res.json() == {"detail": "The server is busy. Please try again in a moment."}
