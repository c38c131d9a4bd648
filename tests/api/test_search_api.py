"""Tutor search filters and public profiles: only approved, non-suspended tutors, no private data."""

from __future__ import annotations

import json

import pytest

from tutorhub.models import TutorProfile, User
from tutorhub.services.tutors import profiles as tutor_profiles

SEARCH = "/api/v1/tutors"


@pytest.fixture
def catalogue(db, make_user, make_approved_tutor):
    """Three approved tutors plus a draft, a pending and a suspended one that must never show."""
    _, maths = make_approved_tutor()  # mathematics/high, online 3000 EUR, Berlin, English
    _, physics = make_approved_tutor(
        headline="Physics for boards",
        subjects=[{"subject": "physics", "grades": ["senior"]}],
        languages=["Hindi", "English"],
        hourly_rate=5000,
        home_rate=6000,
        currency="INR",
        city="Pune",
        modes=["online", "home"],
        timezone="Asia/Kolkata",
    )
    _, home = make_approved_tutor(
        headline="Home maths",
        subjects=["maths"],
        languages=["Spanish"],
        hourly_rate=0,
        home_rate=2000,
        city="Mumbai",
        modes=["home"],
    )
    _, suspended = make_approved_tutor(headline="Suspended maths")
    row = db.get(TutorProfile, suspended)
    user = db.get(User, row.user_id)
    user.is_suspended = True
    db.add(user)
    draft = make_user("tutor")
    tutor_profiles.update_own_profile(
        db, actor=draft, data={"headline": "Draft maths", "subjects": ["maths"], "hourly_rate": 100}
    )
    pending = make_user("tutor")
    tutor_profiles.update_own_profile(
        db, actor=pending, data={"headline": "Pending maths", "subjects": ["maths"], "hourly_rate": 100}
    )
    pending_profile = tutor_profiles.submit_for_review(db, actor=pending)
    db.commit()
    hidden = {suspended, pending_profile.id, tutor_profiles.get_own_profile(db, actor=draft).id}
    db.commit()
    return {"maths": maths, "physics": physics, "home": home, "hidden": hidden}


def _ids(client, **params) -> set[int]:
    res = client.get(SEARCH, params=params)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["total"] == len(body["items"]) or body["per_page"] < body["total"]
    return {item["id"] for item in body["items"]}


def test_no_filters_returns_only_approved_visible_tutors(client, catalogue):
    body = client.get(SEARCH).json()
    ids = {i["id"] for i in body["items"]}
    assert ids == {catalogue["maths"], catalogue["physics"], catalogue["home"]}
    assert not ids & catalogue["hidden"]
    assert (body["total"], body["page"], body["pages"]) == (3, 1, 1)


def test_each_filter(client, catalogue):
    c = catalogue
    assert _ids(client, subject="Maths") == {c["maths"], c["home"]}
    assert _ids(client, subject="physics") == {c["physics"]}
    assert _ids(client, subject="underwater basket weaving") == set()
    assert _ids(client, grade="high") == {c["maths"], c["home"]}  # "home" teaches maths at all levels
    assert _ids(client, grade="11") == {c["physics"], c["home"]}
    assert _ids(client, subject="maths", grade="primary") == {c["home"]}
    assert _ids(client, mode="home") == {c["physics"], c["home"]}
    assert _ids(client, mode="online") == {c["maths"], c["physics"]}
    # max_rate is in display_currency; every tutor's rate is converted (₹50 ≈ €0.55), none dropped.
    assert _ids(client, max_rate=3000, display_currency="EUR") == {c["maths"], c["physics"], c["home"]}
    assert _ids(client, max_rate=2999, display_currency="EUR") == {c["physics"], c["home"]}
    assert _ids(client, max_rate=2500, mode="online", display_currency="EUR") == {c["physics"]}
    assert _ids(client, max_rate=50, mode="online", display_currency="EUR") == set()
    assert _ids(client, city="pune") == {c["physics"]}
    assert _ids(client, city="BERLIN") == {c["maths"]}
    assert _ids(client, language="hindi") == {c["physics"]}
    assert _ids(client, language="English") == {c["maths"], c["physics"]}
    assert _ids(client, subject="maths", mode="home", city="Mumbai", language="spanish") == {c["home"]}


def test_min_rating_filter(client, catalogue, db):
    row = db.get(TutorProfile, catalogue["physics"])
    row.rating_avg = 4.6
    row.rating_count = 12
    db.add(row)
    db.commit()
    assert _ids(client, min_rating=4) == {catalogue["physics"]}
    assert _ids(client, min_rating=5) == set()


def test_paging(client, catalogue):
    seen = []
    for page in (1, 2, 3):
        body = client.get(SEARCH, params={"per_page": 1, "page": page}).json()
        assert (body["total"], body["page"], body["per_page"], body["pages"]) == (3, page, 1, 3)
        assert len(body["items"]) == 1
        seen.append(body["items"][0]["id"])
    assert set(seen) == {catalogue["maths"], catalogue["physics"], catalogue["home"]}
    assert client.get(SEARCH, params={"per_page": 1, "page": 4}).json()["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page": -1},
        {"page": 10**30},
        {"page": "two"},
        {"per_page": 0},
        {"per_page": 51},
        {"max_rate": -5},
        {"max_rate": "cheap"},
        {"max_rate": 10**40},
        {"mode": "teleport"},
        {"grade": "nursery"},
        {"min_rating": 6},
        {"subject": "x" * 10_000},
        {"city": "c" * 10_000},
        {"language": "l" * 10_000},
        {"grade": "g" * 10_000},
        {"mode": "m" * 10_000},
        {"subject": "bad\x00byte"},
        {"page": "9" * 5000},
    ],
)
def test_bad_search_params_are_422(client, params):
    res = client.get(SEARCH, params=params)
    assert res.status_code == 422, res.text
    assert "detail" in res.json()


PRIVATE_KEYS = {
    "email",
    "phone",
    "status",
    "review_notes",
    "documents",
    "history",
    "user_id",
    "password",
    "password_hash",
    "submitted_at",
    "reviewed_at",
    "token_version",
    "is_suspended",
}


def _all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _all_keys(v)}
    return set()


def test_public_profile_has_no_private_fields(client, catalogue, db):
    tutor_id = catalogue["physics"]
    user = db.get(User, db.get(TutorProfile, tutor_id).user_id)
    res = client.get(f"{SEARCH}/{tutor_id}")
    assert res.status_code == 200
    body = res.json()
    assert body["id"] == tutor_id and body["headline"] == "Physics for boards"
    assert body["languages"] == ["Hindi", "English"] and body["modes"] == ["online", "home"]
    assert not _all_keys(body) & PRIVATE_KEYS
    text = json.dumps(body)
    assert user.email not in text and "argon2" not in text and "ok" != body.get("review_notes")
    search_text = client.get(SEARCH).text
    assert user.email not in search_text
    assert not _all_keys(client.get(SEARCH).json()) & PRIVATE_KEYS


def test_public_profile_404s(client, catalogue):
    for tutor_id in sorted(catalogue["hidden"]) + [999999, 0, -1, 10**30]:
        res = client.get(f"{SEARCH}/{tutor_id}")
        assert res.status_code == 404, tutor_id
        assert res.json() == {"detail": "Tutor not found."}
    for bad in ("abc", "1.5", "me", "%00", "9" * 5000):
        assert client.get(f"{SEARCH}/{bad}").status_code in (404, 422), bad


def test_search_currency_filter(client, make_approved_tutor):
    _, inr = make_approved_tutor(subjects=["physics"], hourly_rate=50000, currency="INR")
    make_approved_tutor(subjects=["physics"], hourly_rate=3000, currency="EUR")
    body = client.get("/api/v1/tutors", params={"currency": "INR", "max_rate": 60000}).json()
    assert [item["id"] for item in body["items"]] == [inr]
    assert client.get("/api/v1/tutors", params={"currency": "XYZ"}).status_code == 422
    assert client.get("/api/v1/tutors", params={"display_currency": "XYZ"}).status_code == 422
    assert client.get("/api/v1/tutors", params={"display_currency": "E" * 5000}).status_code == 422


def test_search_converts_for_display_and_the_ceiling(client, make_approved_tutor):
    _, inr = make_approved_tutor(subjects=["physics"], hourly_rate=90000, currency="INR")
    _, eur = make_approved_tutor(subjects=["physics"], hourly_rate=3500, currency="EUR")
    body = client.get("/api/v1/tutors", params={"max_rate": 3000, "display_currency": "EUR", "sort": "price"}).json()
    [item] = body["items"]
    assert item["id"] == inr and item["currency"] == "INR" and item["hourly_rate"] == 90000
    assert item["display_currency"] == "EUR" and item["hourly_rate_display"] == 995
    body = client.get("/api/v1/tutors", params={"sort": "price", "display_currency": "USD"}).json()
    assert [i["id"] for i in body["items"]] == [inr, eur]
