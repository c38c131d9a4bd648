"""The display currency over the API: sent (or guessed) at registration, changed with
PUT /api/v1/me/display-currency by the signed-in user only; bad input is a 422 that changes nothing."""

from __future__ import annotations

import pytest

from tests.api.conftest import db_snapshot
from tests.conftest import PASSWORD

URL = "/api/v1/me/display-currency"


def _register(client, email, **extra):
    body = {"email": email, "password": PASSWORD, "full_name": "Ana", "role": "student", **extra}
    return client.post("/api/v1/auth/register", json=body)


def test_register_guesses_or_takes_the_display_currency(client):
    assert _register(client, "a@example.com", timezone="Asia/Kolkata").json()["user"]["display_currency"] == "INR"
    assert _register(client, "b@example.com", timezone="Asia/Kolkata",
                     display_currency="GBP").json()["user"]["display_currency"] == "GBP"
    assert _register(client, "c@example.com").json()["user"]["display_currency"] == "USD"
    res = _register(client, "d@example.com", display_currency="DOGE")
    assert res.status_code == 422


@pytest.mark.parametrize(("extra", "expected"), [
    ({"locale": "de-DE", "timezone": "Asia/Kolkata"}, "EUR"), ({"locale": "en-SG"}, "SGD"),
    ({"locale": "en", "timezone": "Europe/London"}, "GBP"), ({"locale": "<b>", "timezone": "Asia/Kolkata"}, "INR"),
    ({"locale": "en-IN", "display_currency": "AUD"}, "AUD"),
])
def test_register_guesses_from_the_locale_first(client, extra, expected):
    res = _register(client, f"loc{len(str(extra))}@example.com", **extra)
    assert res.status_code == 201, res.text
    assert res.json()["user"]["display_currency"] == expected


def test_a_user_sets_their_own_display_currency(client, as_role):
    user, headers = as_role("student")
    res = client.put(URL, json={"display_currency": "eur"}, headers=headers)
    assert res.status_code == 200 and res.json()["display_currency"] == "EUR" and res.json()["id"] == user.id
    assert client.get("/api/v1/me", headers=headers).json()["display_currency"] == "EUR"


def test_another_users_id_in_the_body_changes_only_the_caller(client, as_role, db):
    from tutorhub.models import User

    victim, _ = as_role("student")
    me, headers = as_role("tutor")
    res = client.put(URL, json={"display_currency": "JPY", "user_id": victim.id, "id": victim.id}, headers=headers)
    assert res.status_code == 200 and res.json()["id"] == me.id
    db.expire_all()
    assert db.get(User, victim.id).display_currency == "USD" and db.get(User, me.id).display_currency == "JPY"


def test_anonymous_is_refused_and_nothing_changes(client, as_role):
    as_role("student")
    before = db_snapshot()
    assert client.put(URL, json={"display_currency": "EUR"}).status_code == 401
    assert client.put(URL, json={"display_currency": "EUR"}, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert db_snapshot() == before


@pytest.mark.parametrize("body", [
    {}, {"display_currency": "DOGE"}, {"display_currency": 5}, {"display_currency": None},
    {"display_currency": "E" * 10_000}, [], "EUR",
])
def test_bad_input_is_422_and_nothing_changes(client, as_role, body):
    _, headers = as_role("tutor")
    before = db_snapshot()
    assert client.put(URL, json=body, headers=headers).status_code == 422
    assert db_snapshot() == before
