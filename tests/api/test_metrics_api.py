"""Admin dashboard API: /admin/metrics, /admin/cohorts and the CSV exports — admins only, bad
input 422 with nothing changed, CSV files that parse and agree with the metrics."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.responses import StreamingResponse

from tests.api.conftest import db_snapshot
from tutorhub.api.routes import metrics as metrics_routes
from tutorhub.services.accounts import sessions
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.ops import daily_aggregates, exports

METRICS = "/api/v1/admin/metrics"
KINDS = ("users", "bookings", "payments", "refunds", "payouts", "ledger", "campaigns")


@pytest.fixture
def world(db, as_role):
    """An admin, a student and a tutor; sales and ad spend yesterday and today (wall clock: the
    API reads it), then the aggregates refreshed as the hourly job would."""
    admin, admin_h = as_role("admin")
    student, student_h = as_role("student")
    _tutor, tutor_h = as_role("tutor")
    now = datetime.now(UTC)
    for n, (amount, unit, days) in enumerate([(1000, "EUR", 1), (2500, "EUR", 0), (900, "USD", 0)]):
        ledger.post(db, kind="purchase", idempotency_key=f"api-sale:{n}", now=now - timedelta(days=days, minutes=1),
                    user_id=student.id, lines=[Line("gateway:sandbox:clearing", amount, unit),
                                               Line("platform:revenue", -amount, unit)])
    ledger.post(db, kind="ad_spend", idempotency_key="api-ad:1", now=now - timedelta(minutes=1),
                lines=[Line("advertiser:3:prepaid", 400, "EUR"), Line("platform:revenue", -400, "EUR")])
    db.commit()
    daily_aggregates.refresh_recent(db, now=now)
    db.commit()
    today = now.date()
    return {"admin": admin_h, "student": student_h, "tutor": tutor_h, "admin_user": admin,
            "range": {"from": (today - timedelta(days=3)).isoformat(), "to": today.isoformat()}}


def test_admin_reads_metrics_with_every_listed_key(client, world):
    res = client.get(METRICS, params={**world["range"], "interval": "day"}, headers=world["admin"])
    assert res.status_code == 200, res.text
    body = res.json()
    for key in ("gmv_minor", "revenue_minor", "escrow_minor", "payouts_pending_minor", "ad_spend_minor",
                "active_students", "active_tutors", "series"):
        assert key in body
    assert body["currency"] == "EUR" and (body["gmv_minor"], body["revenue_minor"], body["ad_spend_minor"]) == (3500, 3900, 400)
    assert body["currencies"]["USD"]["gmv_minor"] == 900 and body["currencies"]["EUR"]["gmv_minor"] == 3500
    assert len(body["series"]) == 4 and body["from"] == world["range"]["from"]
    usd = client.get(METRICS, params={**world["range"], "currency": "usd"}, headers=world["admin"]).json()
    assert (usd["currency"], usd["gmv_minor"]) == ("USD", 900)
    month = client.get(METRICS, params={"interval": "month"}, headers=world["admin"]).json()
    assert sum(p["gmv_minor"] for p in month["series"]) == month["gmv_minor"]


def test_cohorts_for_admins(client, world):
    res = client.get("/api/v1/admin/cohorts", params={"months": 2}, headers=world["admin"])
    assert res.status_code == 200 and len(res.json()["cohorts"]) == 2 and "active" in res.json()["definition"]


@pytest.mark.parametrize("path", [METRICS, "/api/v1/admin/cohorts", "/api/v1/admin/exports/ledger.csv"])
def test_strangers_are_refused(client, world, path):
    before = db_snapshot()
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": "Bearer forged"}).status_code == 401
    for who in ("student", "tutor"):
        res = client.get(path, headers=world[who])
        assert res.status_code == 403 and "csv" not in res.headers["content-type"], who
    assert db_snapshot() == before


@pytest.mark.parametrize("params", [
    {"from": "2027-03-02", "to": "2027-03-01"}, {"interval": "year"}, {"from": "2020-01-01", "to": "2026-12-01"},
    {"from": "2010-01-01", "to": "2026-12-01", "interval": "month"}, {"from": "yesterday"}, {"to": "2027-02-30"},
    {"currency": "EURO"}, {"from": "9" * 5000},
])
def test_bad_metrics_parameters_are_422(client, world, params):
    before = db_snapshot()
    res = client.get(METRICS, params=params, headers=world["admin"])
    assert res.status_code == 422, res.text
    assert db_snapshot() == before


@pytest.mark.parametrize("params", [{"months": 0}, {"months": 99}, {"months": "x"}, {"role": "admin"}])
def test_bad_cohort_parameters_are_422(client, world, params):
    assert client.get("/api/v1/admin/cohorts", params=params, headers=world["admin"]).status_code == 422


def read_csv(res) -> list[dict[str, str]]:
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    assert res.headers["content-disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(res.text)))


@pytest.mark.parametrize("kind", KINDS)
def test_every_export_has_a_header_row(client, db, world, kind):
    res = client.get(f"/api/v1/admin/exports/{kind}.csv", headers=world["admin"])
    header = next(csv.reader(io.StringIO(res.text)))
    assert header == list(exports.header_of(db, exports.EXPORTS[kind])) and len(header) >= 5


def test_ledger_and_users_csv_match_the_metrics(client, world):
    figures = client.get(METRICS, params=world["range"], headers=world["admin"]).json()
    rows = read_csv(client.get("/api/v1/admin/exports/ledger.csv", params=world["range"], headers=world["admin"]))
    assert len(rows) == 8
    revenue = -sum(int(r["amount"]) for r in rows if r["account"] == "platform:revenue" and r["unit"] == "EUR")
    gmv = sum(int(r["amount"]) for r in rows if r["kind"] == "purchase" and r["unit"] == "EUR" and int(r["amount"]) > 0)
    ad = -sum(int(r["amount"]) for r in rows if r["kind"] == "ad_spend" and r["account"] == "platform:revenue")
    assert (gmv, revenue, ad) == (figures["gmv_minor"], figures["revenue_minor"], figures["ad_spend_minor"])
    users = read_csv(client.get("/api/v1/admin/exports/users.csv", params={"role": "student"}, headers=world["admin"]))
    assert [u["role"] for u in users] == ["student"]
    old = read_csv(client.get("/api/v1/admin/exports/ledger.csv", params={"to": "2020-01-01"}, headers=world["admin"]))
    assert old == []


def test_admin_cookie_downloads_and_bad_filters(client, db, world):
    cookie = sessions.create_browser_session(db, user_id=world["admin_user"].id)
    db.commit()
    client.cookies.clear()
    res = client.get("/api/v1/admin/exports/payments.csv", cookies={"th_session": cookie})
    assert res.status_code == 200 and res.text.startswith("id,reference,")
    client.cookies.clear()
    for path, params, code in [("nothing.csv", {}, 404), ("ledger.csv", {"from": "2027-03-02", "to": "2027-03-01"}, 422),
                               ("ledger.csv", {"from": "soon"}, 422), ("bookings.csv", {"status": "LOST"}, 422),
                               ("users.csv", {"role": "king"}, 422), ("ledger.csv", {"q": "x"}, 422),
                               ("users.csv", {"q": "x" * 101}, 422)]:
        assert client.get(f"/api/v1/admin/exports/{path}", params=params, headers=world["admin"]).status_code == code


def test_a_formula_in_a_name_is_defused(client, db, make_user, world):
    make_user("student", name="=HYPERLINK(\"http://evil\")")
    rows = read_csv(client.get("/api/v1/admin/exports/users.csv", headers=world["admin"]))
    assert "'=HYPERLINK(\"http://evil\")" in [r["full_name"] for r in rows]


def test_the_export_is_streamed_in_chunks(client, world, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 3)
    response = metrics_routes.admin_export("ledger", world["admin_user"])
    assert isinstance(response, StreamingResponse)
    with client.stream("GET", "/api/v1/admin/exports/ledger.csv", headers=world["admin"]) as res:
        chunks = [c for c in res.iter_text() if c]
    assert len(chunks) == 1 + 3  # the header, then 8 rows in pages of 3
    assert sum(c.count("\r\n") for c in chunks) == 9
