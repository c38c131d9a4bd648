"""Credits & plans over HTTP: admin catalogue CRUD, subscribe → sandbox pay → credits, pack from the
wallet (402 when short), promo validation, trial credit, lead credits, and bad input."""

from __future__ import annotations

from tests.api.conftest import db_snapshot, fresh
from tutorhub.models import Role


def _catalogue(client, headers):
    r = client.post("/api/v1/admin/plans", headers=headers, json={
        "code": "basic", "name": "Basic", "minutes_per_cycle": 240,
        "prices": [{"currency": "USD", "amount_minor": 4000}]})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/admin/packs", headers=headers, json={
        "code": "hour5", "name": "5 hours", "minutes": 300, "price_minor": 6000, "currency": "USD"})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/admin/promos", headers=headers, json={"code": "welcome10", "kind": "percent", "percent": 10})
    assert r.status_code == 201 and r.json()["code"] == "WELCOME10"


def test_admin_crud_and_public_lists(client, as_role):
    _admin, admin_h = as_role(Role.ADMIN)
    _student, student_h = as_role(Role.STUDENT)
    assert client.post("/api/v1/admin/plans", headers=student_h, json={"code": "x"}).status_code == 403
    assert client.get("/api/v1/admin/promos").status_code == 401
    _catalogue(client, admin_h)
    assert [p["code"] for p in client.get("/api/v1/plans").json()] == ["basic"]
    assert client.get("/api/v1/packs?currency=USD").json()[0]["minutes"] == 300
    r = client.patch("/api/v1/admin/packs/hour5", headers=admin_h, json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/v1/packs").json() == []
    assert client.post("/api/v1/admin/plans", headers=admin_h, json={"code": "basic", "name": "B", "minutes_per_cycle": 60,
                       "prices": [{"currency": "USD", "amount_minor": 1}]}).status_code == 409
    assert client.get("/api/v1/admin/promos", headers=admin_h).json()[0]["percent"] == 10


def test_subscribe_and_pay_in_the_sandbox(client, as_role, db):
    _admin, admin_h = as_role(Role.ADMIN)
    _catalogue(client, admin_h)
    _student, h = as_role(Role.STUDENT)
    assert client.get("/api/v1/subscription", headers=h).json() is None
    r = client.post("/api/v1/subscription", headers=h, json={"plan_code": "basic", "currency": "USD"})
    assert r.status_code == 200, r.text
    ref = r.json()["payment_reference"]
    assert client.post(f"/api/v1/sandbox/payments/{ref}/succeed").status_code == 200
    sub = client.get("/api/v1/subscription", headers=h).json()
    assert sub["status"] == "active" and sub["plan_code"] == "basic"
    credits = client.get("/api/v1/credits", headers=h).json()
    assert credits["credits_minutes"] == 240 and credits["trial_available"] is True
    wallet = client.get("/api/v1/wallet", headers=h)
    if wallet.status_code == 200:  # the money core's endpoint, fed by credits.credit_summary
        assert wallet.json()["credits_minutes"] == 240
        assert len(wallet.json()["credit_lots"]) == 1
    r = client.post("/api/v1/credits/trial", headers=h)
    assert r.json()["credits_minutes"] == 300 and r.json()["trial_available"] is False
    assert client.post("/api/v1/credits/trial", headers=h).json()["credits_minutes"] == 300
    r = client.post("/api/v1/subscription/cancel", headers=h)
    assert r.status_code == 200 and r.json()["cancel_at_period_end"] is True


def test_pack_from_wallet_is_402_when_short_and_changes_nothing(client, as_role):
    _admin, admin_h = as_role(Role.ADMIN)
    _catalogue(client, admin_h)
    _student, h = as_role(Role.STUDENT)
    before = db_snapshot()
    r = client.post("/api/v1/packs/hour5/buy", headers=h, json={"method": "wallet"})
    assert r.status_code == 402, r.text
    assert db_snapshot() == before
    r = client.post("/api/v1/packs/hour5/buy", headers=h, json={"promo_code": "WELCOME10"})
    assert r.status_code == 200 and r.json()["price_minor"] == 5400 and r.json()["checkout_url"]


def test_promo_validate_and_bad_input(client, as_role):
    _admin, admin_h = as_role(Role.ADMIN)
    _catalogue(client, admin_h)
    _student, h = as_role(Role.STUDENT)
    r = client.post("/api/v1/promos/validate", headers=h, json={"code": "Welcome10", "amount_minor": 3000, "currency": "USD"})
    assert r.status_code == 200 and r.json()["discount_minor"] == 300
    r = client.post("/api/v1/promos/validate", headers=h, json={"code": "NOPE99", "amount_minor": 3000, "currency": "USD"})
    assert r.status_code == 404 and "promo_code" in r.json()["fields"]  # no such code
    assert client.post("/api/v1/promos/validate", headers=h, json={"code": 5, "amount_minor": "x"}).status_code == 422
    assert client.post("/api/v1/subscription", headers=h, json={"plan_code": "basic", "currency": "XYZ"}).status_code == 422
    assert client.post("/api/v1/subscription", headers=h, json={"plan_code": "nope", "currency": "USD"}).status_code == 404
    assert client.post("/api/v1/subscription/change", headers=h, json={"plan_code": "basic"}).status_code == 404
    assert client.post("/api/v1/packs/%00/buy", headers=h, json={}).status_code in (404, 422)


def test_lead_credits(client, as_role, db):
    _tutor, h = as_role(Role.TUTOR)
    _student, sh = as_role(Role.STUDENT)
    assert client.get("/api/v1/lead-credits", headers=sh).status_code == 403
    assert client.get("/api/v1/lead-credits", headers=h).json()["balance"] == 0
    r = client.post("/api/v1/lead-credits/buy", headers=h, json={"quantity": 2, "currency": "USD"})
    assert r.status_code == 200 and r.json()["price_minor"] == 400
    assert client.post(f"/api/v1/sandbox/payments/{r.json()['payment_reference']}/succeed").status_code == 200
    fresh(db)
    assert client.get("/api/v1/lead-credits", headers=h).json()["balance"] == 2
    r = client.post("/api/v1/lead-credits/buy", headers=h, json={"quantity": 1, "currency": "USD", "method": "earnings"})
    assert r.status_code == 402


def test_garbage_bodies_are_4xx_never_500_and_change_nothing(client, as_role):
    _admin, admin_h = as_role(Role.ADMIN)
    _catalogue(client, admin_h)
    _student, sh = as_role(Role.STUDENT)
    _tutor, th = as_role(Role.TUTOR)
    big = "x" * 10_000
    cases = [
        (sh, "/api/v1/subscription", {"plan_code": big, "currency": big}),
        (sh, "/api/v1/subscription", {"plan_code": ["basic"], "currency": 1}),
        (sh, "/api/v1/packs/hour5/buy", {"method": big, "promo_code": big}),
        (sh, "/api/v1/packs/hour5/buy", {"method": "wallet", "promo_code": "\x00bad"}),
        (sh, "/api/v1/promos/validate", {"code": big, "amount_minor": -5, "currency": "USD"}),
        (sh, "/api/v1/promos/validate", {"code": "WELCOME10", "amount_minor": 10**15, "currency": "USD"}),
        (th, "/api/v1/lead-credits/buy", {"quantity": 10**9, "currency": "USD"}),
        (th, "/api/v1/lead-credits/buy", {"quantity": 1, "currency": "USD", "method": big}),
        (admin_h, "/api/v1/admin/plans", {"code": big, "name": big, "minutes_per_cycle": -1, "prices": [{"currency": "X",
                                                                                                       "amount_minor": 0}]}),
        (admin_h, "/api/v1/admin/packs", {"code": "ok-code", "name": "n", "minutes": 60, "price_minor": 1, "currency": "ZZZ"}),
        (admin_h, "/api/v1/admin/promos", {"code": "GOOD1", "kind": "percent", "percent": 10, "valid_from": "tomorrow"}),
        (admin_h, "/api/v1/admin/promos", {"code": "GOOD2", "kind": "percent", "percent": 10,
                                           "valid_from": "2027-01-01T00:00:00"}),
    ]
    before = db_snapshot()
    for headers, url, body in cases:
        r = client.post(url, headers=headers, json=body)
        assert 400 <= r.status_code < 500, (url, body if len(str(body)) < 200 else "...", r.status_code, r.text[:200])
        assert big not in r.text
    r = client.post("/api/v1/subscription/change", headers={**sh, "Content-Type": "application/json"},
                    content=b'{"plan_code": "\\ud800"}')
    assert r.status_code in (404, 422), r.text
    assert client.patch("/api/v1/admin/promos/NOPE1", headers=admin_h, json={"active": "yes"}).status_code in (404, 422)
    assert client.patch("/api/v1/admin/plans/basic", headers=admin_h, json={"prices": []}).status_code == 422
    assert db_snapshot() == before
