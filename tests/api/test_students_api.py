"""Student onboarding profile through the API."""

from __future__ import annotations

from tests.api.conftest import db_snapshot

PROFILE = "/api/v1/students/me/profile"

GOOD = {
    "grade_level": "Grade 10",
    "subjects": ["Maths", "physics", "maths"],
    "goals": "Pass the board exams\nwith 90%.",
    "budget_min": 1000,
    "budget_max": 3000,
    "currency": "inr",
    "mode": "both",
    "city": "bengaluru",
    "locality": "Indiranagar",
    "timezone": "Asia/Kolkata",
    "guardian_name": "Priya Rao",
    "guardian_email": "Priya@Example.com",
    "guardian_phone": "+91 98450 12345",
}


def test_get_and_update_student_profile(client, as_role):
    _, headers = as_role("student")
    res = client.get(PROFILE, headers=headers)
    assert res.status_code == 200 and res.json()["complete"] is False
    res = client.put(PROFILE, json=GOOD, headers=headers)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["grade_level"] == "high" and body["subjects"] == ["mathematics", "physics"]
    assert (body["currency"], body["city"], body["guardian_email"], body["guardian_phone"]) == (
        "INR",
        "Bengaluru",
        "priya@example.com",
        "+919845012345",
    )
    assert body["complete"] is True
    assert client.get(PROFILE, headers=headers).json() == body
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["timezone"] == "Asia/Kolkata" and me["profile"] == body


def test_student_profile_field_errors_save_nothing(client, as_role):
    _, headers = as_role("student")
    client.put(PROFILE, json=GOOD, headers=headers)
    before = db_snapshot()
    res = client.put(
        PROFILE,
        headers=headers,
        json={
            "grade_level": "kindergarten",
            "subjects": "maths",
            "budget_min": -1,
            "budget_max": "lots",
            "currency": "DOGE",
            "mode": "teleport",
            "timezone": "Atlantis/Capital",
            "guardian_email": "nope",
            "guardian_phone": "12",
            "goals": "g" * 10_000,
        },
    )
    assert res.status_code == 422
    assert {
        "grade_level",
        "subjects",
        "budget_min",
        "budget_max",
        "currency",
        "mode",
        "timezone",
        "guardian_email",
        "guardian_phone",
        "goals",
    } <= set(res.json()["fields"])
    assert db_snapshot() == before
    res = client.put(PROFILE, json={"budget_min": 5000, "budget_max": 100}, headers=headers)
    assert res.status_code == 422 and "budget_max" in res.json()["fields"]


def test_student_profile_needs_a_student(client, as_role):
    assert client.get(PROFILE).status_code == 401
    assert client.put(PROFILE, json={"goals": "x"}).status_code == 401
    for role in ("tutor", "admin"):
        _, headers = as_role(role)
        before = db_snapshot()
        assert client.get(PROFILE, headers=headers).status_code == 403
        assert client.put(PROFILE, json={"goals": "x"}, headers=headers).status_code == 403
        assert db_snapshot() == before


def test_student_profile_body_must_be_an_object(client, as_role):
    _, headers = as_role("student")
    for body in ([], "text", 5, None):
        assert client.put(PROFILE, json=body, headers=headers).status_code == 422, body
    assert (
        client.put(PROFILE, content=b"{not json", headers={**headers, "Content-Type": "application/json"}).status_code
        == 422
    )
