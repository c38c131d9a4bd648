"""Growth JSON API exactly as issue 17 writes it: an admin creates a campaign, matching visitors are
served it (and others not), impressions and clicks counted once per visitor per hour, spend in the
ledger; strangers refused; bad input 422 with nothing changed. The routes' clock is fixed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.conftest import PDF_BYTES, PNG_BYTES, db_snapshot, fresh
from tests.support.growth import BROWSER_UA, NOW, campaign_input, funded_advertiser
from tutorhub.api.routes import ads as ads_routes
from tutorhub.api.routes import growth as growth_routes
from tutorhub.models import Role
from tutorhub.services.money import ledger
from tutorhub.services.money.promos import create_promo

UA = {"User-Agent": BROWSER_UA}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    for module in (ads_routes, growth_routes):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)


@pytest.fixture
def admin(as_role):
    return as_role(Role.ADMIN)


def _create(client, headers, **changes):
    return client.post("/api/v1/admin/campaigns", json=campaign_input(**changes), headers=headers)


def test_create_serve_click_and_read_back(client, db, admin):
    user, headers = admin
    funded_advertiser(db, user)
    res = _create(client, headers)
    assert res.status_code == 201, res.text
    cid = res.json()["id"]
    got = client.get(f"/api/v1/admin/campaigns/{cid}", headers=headers).json()
    assert (got["status"], got["impressions"], got["clicks"], got["spend_minor"]) == ("ACTIVE", 0, 0, 0)

    where = {"placement": "search", "city": "Berlin", "subject": "mathematics", "grade": "high"}
    served = client.get("/api/v1/ads", params=where, headers=UA).json()["items"]
    assert [i["campaign_id"] for i in served] == [cid]
    assert set(served[0]) >= {"campaign_id", "kind", "title", "click_token"}
    client.get("/api/v1/ads", params=where, headers=UA)  # same visitor, same hour: not counted again
    assert client.get("/api/v1/ads", params={**where, "city": "Munich"}, headers=UA).json() == {"items": []}
    assert client.get("/api/v1/ads", params={"placement": "home"}, headers=UA).json() == {"items": []}

    token = served[0]["click_token"]
    first = client.post(f"/api/v1/ads/{cid}/click", json={"click_token": token}, headers=UA)
    assert first.status_code == 200 and first.json()["counted"] is True
    assert client.post(f"/api/v1/ads/{cid}/click", json={"click_token": token}, headers=UA).json()["counted"] is False
    got = client.get(f"/api/v1/admin/campaigns/{cid}", headers=headers).json()
    assert (got["impressions"], got["clicks"]) == (1, 1)
    assert client.get(f"/api/v1/admin/campaigns/{cid}/stats", headers=headers).json()["days"][-1]["impressions"] == 1


def test_cpc_spend_is_in_the_ledger(client, db, admin):
    user, headers = admin
    advertiser = funded_advertiser(db, user)
    cid = _create(client, headers, cpm_minor=None, cpc_minor=75).json()["id"]
    token = client.get("/api/v1/ads", params={"placement": "home", "city": "Berlin", "subject": "maths",
                                              "grade": "high"}, headers=UA).json()["items"][0]["click_token"]
    client.post(f"/api/v1/ads/{cid}/click", json={"click_token": token}, headers=UA)
    assert client.get(f"/api/v1/admin/campaigns/{cid}", headers=headers).json()["spend_minor"] == 75
    fresh(db)
    assert ledger.balance(db, f"advertiser:{advertiser}:prepaid", "USD") == 100_000 - 75
    assert ledger.balance(db, "platform:revenue", "USD") == 75


def test_strangers_are_refused_and_nothing_changes(client, db, admin, as_role):
    user, headers = admin
    funded_advertiser(db, user)
    cid = _create(client, headers).json()["id"]
    strangers = (None, as_role(Role.STUDENT)[1], as_role(Role.TUTOR)[1])
    before = db_snapshot()
    for who in strangers:
        h = who or {}
        want = 401 if who is None else 403
        assert _create(client, h).status_code == want
        assert client.get(f"/api/v1/admin/campaigns/{cid}", headers=h).status_code == want
        assert client.get("/api/v1/admin/campaigns", headers=h).status_code == want
        assert client.patch(f"/api/v1/admin/campaigns/{cid}", json={"title": "x"}, headers=h).status_code == want
        assert client.post(f"/api/v1/admin/campaigns/{cid}/pause", headers=h).status_code == want
        assert client.post(f"/api/v1/admin/campaigns/{cid}/image", files={"file": ("a.png", PNG_BYTES)},
                           headers=h).status_code == want
        assert client.get("/api/v1/admin/advertisers", headers=h).status_code == want
        assert client.post("/api/v1/admin/advertisers", json={"name": "X"}, headers=h).status_code == want
        assert client.post("/api/v1/admin/advertisers/1/prepayments", headers=h,
                           json={"amount_minor": 5, "currency": "USD", "reference": "r"}).status_code == want
        assert client.post("/api/v1/admin/offers", json={"promo_code": "ABC", "banner_text": "x"},
                           headers=h).status_code == want
    assert client.get("/api/v1/admin/campaigns/99999", headers=headers).status_code == 404
    assert client.post("/api/v1/ads/99999/click", json={"click_token": "x"}).status_code == 404
    assert db_snapshot() == before


@pytest.mark.parametrize("changes", [
    {"kind": 5}, {"title": None}, {"budget_minor": "100"}, {"budget_minor": 10**40}, {"cpm_minor": 1.5},
    {"target": {"cities": "Berlin", "subjects": 3}}, {"target": [1]}, {"title": "x" * 10_240},
    {"starts_at": "not a date"}, {"currency": "usd!"}, {"cpc_minor": 10}, {"kind": "popup"}, {"budget_minor": -5},
])
def test_bad_campaign_input_is_422_and_changes_nothing(client, db, admin, changes):
    user, headers = admin
    funded_advertiser(db, user)
    before = db_snapshot()
    res = _create(client, headers, **changes)
    assert res.status_code == 422, res.text
    assert db_snapshot() == before


def test_missing_fields_and_bad_ad_queries_are_422(client, db, admin):
    _, headers = admin
    assert client.post("/api/v1/admin/campaigns", json={"title": "x"}, headers=headers).status_code == 422
    assert client.get("/api/v1/ads", headers=UA).status_code == 422  # placement required
    assert client.get("/api/v1/ads", params={"placement": "sidebar"}, headers=UA).status_code == 422
    assert client.get("/api/v1/ads", params={"placement": "home", "grade": "x" * 500}, headers=UA).status_code == 422
    assert client.get("/api/v1/ads", params={"placement": "home", "grade": "nonsense"}, headers=UA).status_code == 422
    assert client.post("/api/v1/ads/1/click", json={}, headers=UA).status_code in (404, 422)


def test_forged_click_tokens_are_refused(client, db, admin):
    user, headers = admin
    funded_advertiser(db, user)
    cid = _create(client, headers, target={}).json()["id"]
    token = client.get("/api/v1/ads", params={"placement": "home"}, headers=UA).json()["items"][0]["click_token"]
    for bad in ("", "abc", token[:-2] + "00", token.replace(f"{cid}.", "999.", 1), 123):
        res = client.post(f"/api/v1/ads/{cid}/click", json={"click_token": bad}, headers=UA)
        assert res.status_code == 422, bad
    other_ua = {"User-Agent": BROWSER_UA + " Edg/120"}
    assert client.post(f"/api/v1/ads/{cid}/click", json={"click_token": token}, headers=other_ua).status_code == 422
    assert client.get(f"/api/v1/admin/campaigns/{cid}", headers=headers).json()["clicks"] == 0


def test_bots_are_served_but_not_counted(client, db, admin):
    user, headers = admin
    funded_advertiser(db, user)
    cid = _create(client, headers, target={}).json()["id"]
    for ua in ("Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.0", ""):
        items = client.get("/api/v1/ads", params={"placement": "home"}, headers={"User-Agent": ua}).json()["items"]
        assert items and items[0]["click_token"] == ""
    assert client.get(f"/api/v1/admin/campaigns/{cid}", headers=headers).json()["impressions"] == 0


def test_creative_upload_is_checked_by_content_and_served(client, db, admin):
    user, headers = admin
    funded_advertiser(db, user)
    cid = _create(client, headers, target={}).json()["id"]
    bad = client.post(f"/api/v1/admin/campaigns/{cid}/image", files={"file": ("a.png", PDF_BYTES)}, headers=headers)
    assert bad.status_code == 422
    ok = client.post(f"/api/v1/admin/campaigns/{cid}/image", files={"file": ("x.pdf", PNG_BYTES)}, headers=headers)
    assert ok.status_code == 200 and ok.json()["image_url"] == f"/api/v1/ads/{cid}/image"
    image = client.get(f"/api/v1/ads/{cid}/image")
    assert image.content == PNG_BYTES and image.headers["content-type"] == "image/png"
    served = client.get("/api/v1/ads", params={"placement": "home"}, headers=UA).json()["items"][0]
    assert served["image_url"] == f"/api/v1/ads/{cid}/image"


def test_pause_resume_and_edit(client, db, admin):
    user, headers = admin
    funded_advertiser(db, user)
    cid = _create(client, headers, target={}).json()["id"]
    assert client.post(f"/api/v1/admin/campaigns/{cid}/pause", headers=headers).json()["status"] == "PAUSED"
    assert client.get("/api/v1/ads", params={"placement": "home"}, headers=UA).json() == {"items": []}
    assert client.post(f"/api/v1/admin/campaigns/{cid}/pause", headers=headers).status_code == 409
    assert client.post(f"/api/v1/admin/campaigns/{cid}/resume", headers=headers).json()["status"] == "ACTIVE"
    res = client.patch(f"/api/v1/admin/campaigns/{cid}", json={"title": "Renamed", "budget_minor": 9000},
                       headers=headers)
    assert res.status_code == 200 and res.json()["title"] == "Renamed" and res.json()["budget_minor"] == 9000


def test_advertisers_prepay_once_per_reference(client, db, admin):
    _, headers = admin
    adv = client.post("/api/v1/admin/advertisers", json={"name": "Oxford Press"}, headers=headers)
    assert adv.status_code == 201
    aid = adv.json()["id"]
    body = {"amount_minor": 25_000, "currency": "EUR", "reference": "TRANSFER-7"}
    for _ in range(2):
        res = client.post(f"/api/v1/admin/advertisers/{aid}/prepayments", json=body, headers=headers)
        assert res.status_code == 200
    assert res.json()["balances"] == {"EUR": 25_000}
    bad = client.post(f"/api/v1/admin/advertisers/{aid}/prepayments", json={**body, "amount_minor": 0},
                      headers=headers)
    assert bad.status_code == 422


def test_offers_shown_to_matching_students(client, db, admin, as_role):
    user, headers = admin
    create_promo(db, actor=user, data={"code": "WELCOME20", "kind": "percent", "percent": 20})
    db.commit()
    res = client.post("/api/v1/admin/offers", headers=headers, json={
        "promo_code": "welcome20", "banner_text": "20% off your first maths lesson", "new_students_only": True,
        "subject": "mathematics"})
    assert res.status_code == 201, res.text
    assert client.post("/api/v1/admin/offers", headers=headers,
                       json={"promo_code": "NOPE99", "banner_text": "x"}).status_code == 422
    got = client.get("/api/v1/offers", params={"subject": "maths"}).json()["items"]
    assert [o["promo_code"] for o in got] == ["WELCOME20"] and got[0]["discount_text"] == "20% off"
    assert client.get("/api/v1/offers", params={"subject": "physics"}).json()["items"] == []
    _, tutor = as_role(Role.TUTOR)
    assert client.get("/api/v1/offers", params={"subject": "maths"}, headers=tutor).json()["items"] == []
    off = client.patch(f"/api/v1/admin/offers/{res.json()['id']}", json={"active": False}, headers=headers)
    assert off.json()["active"] is False
    assert client.get("/api/v1/offers", params={"subject": "maths"}).json()["items"] == []


def test_expired_window_is_not_served(client, db, admin, monkeypatch):
    user, headers = admin
    funded_advertiser(db, user)
    _create(client, headers, target={}, ends_at=(NOW + timedelta(hours=1)).isoformat())
    monkeypatch.setattr(ads_routes, "utcnow", lambda: NOW + timedelta(hours=2))
    assert client.get("/api/v1/ads", params={"placement": "home"}, headers=UA).json() == {"items": []}
