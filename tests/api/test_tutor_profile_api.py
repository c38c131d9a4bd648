"""Tutor profile editing and submission, and the admin verification queue and decisions."""

from __future__ import annotations

from tests.api.conftest import db_snapshot

PROFILE = "/api/v1/tutors/me/profile"
SUBMIT = "/api/v1/tutors/me/submit"

COMPLETE = {
    "headline": "Physics with intuition",
    "bio": "I teach physics\nthrough experiments.",
    "subjects": [{"subject": "Physics", "grades": ["high", "11"]}, "maths"],
    "languages": ["english", "Hindi"],
    "hourly_rate": 2500,
    "home_rate": 4000,
    "currency": "inr",
    "city": "pune",
    "travel_radius_km": 10,
    "modes": ["online", "home"],
    "timezone": "Asia/Kolkata",
    "intro_video_url": "https://video.example.com/intro",
}


def _submitted_tutor(client, as_role):
    tutor, headers = as_role("tutor")
    assert client.put(PROFILE, json=COMPLETE, headers=headers).status_code == 200
    res = client.post(SUBMIT, headers=headers)
    assert res.status_code == 200
    return tutor, headers, res.json()["id"]


def test_put_profile_saves_normalized_fields(client, as_role):
    tutor, headers = as_role("tutor")
    res = client.put(PROFILE, json=COMPLETE, headers=headers)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["status"] == "DRAFT"
    assert body["user_id"] == tutor.id
    assert body["currency"] == "INR" and body["city"] == "Pune"
    assert body["modes"] == ["online", "home"]
    assert {(s["subject"], s["grade_level"]) for s in body["subjects"]} == {
        ("physics", "high"),
        ("physics", "senior"),
        ("mathematics", "all"),
    }
    assert body["languages"] == ["English", "Hindi"]
    assert client.get(PROFILE, headers=headers).json() == body


def test_put_profile_partial_update_keeps_other_fields(client, as_role):
    _, headers = as_role("tutor")
    client.put(PROFILE, json=COMPLETE, headers=headers)
    res = client.put(PROFILE, json={"headline": "New headline"}, headers=headers)
    assert res.status_code == 200
    assert res.json()["headline"] == "New headline"
    assert res.json()["hourly_rate"] == 2500


def test_put_profile_field_errors_save_nothing(client, as_role):
    _, headers = as_role("tutor")
    client.put(PROFILE, json=COMPLETE, headers=headers)
    before = db_snapshot()
    res = client.put(
        PROFILE,
        headers=headers,
        json={
            "headline": "h" * 121,
            "hourly_rate": -5,
            "currency": "XXX",
            "timezone": "Nowhere/City",
            "intro_video_url": "javascript:alert(1)",
            "modes": ["teleport"],
            "languages": "English",
            "travel_radius_km": 10**30,
            "subjects": "maths",
            "bio": "ok",
        },
    )
    assert res.status_code == 422
    fields = res.json()["fields"]
    assert {
        "headline",
        "hourly_rate",
        "currency",
        "timezone",
        "intro_video_url",
        "modes",
        "languages",
        "travel_radius_km",
        "subjects",
    } <= set(fields)
    assert db_snapshot() == before


def test_put_profile_ignores_status_and_ownership_keys(client, as_role, make_user):
    other = make_user("tutor")
    _, headers = as_role("tutor")
    res = client.put(
        PROFILE, headers=headers, json={**COMPLETE, "status": "APPROVED", "user_id": other.id, "id": 1, "rating_avg": 5}
    )
    assert res.status_code == 200
    body = res.json()
    assert body["status"] == "DRAFT" and body["user_id"] != other.id and body["rating_avg"] == 0


def test_profile_routes_need_a_tutor(client, as_role):
    assert client.get(PROFILE).status_code == 401
    assert client.put(PROFILE, json={"headline": "x"}).status_code == 401
    assert client.post(SUBMIT).status_code == 401
    for role in ("student", "admin"):
        _, headers = as_role(role)
        before = db_snapshot()
        assert client.get(PROFILE, headers=headers).status_code == 403
        assert client.put(PROFILE, json={"headline": "x"}, headers=headers).status_code == 403
        assert client.post(SUBMIT, headers=headers).status_code == 403
        assert db_snapshot() == before


def test_submit_incomplete_profile_is_409_with_missing_fields(client, as_role):
    """What is missing is the stored profile's state, not the (bodiless) request's: 409, with the fields."""
    _, headers = as_role("tutor")
    res = client.post(SUBMIT, headers=headers)
    assert res.status_code == 409
    assert {"headline", "subjects", "hourly_rate"} <= set(res.json()["fields"])
    assert client.get(PROFILE, headers=headers).json()["status"] == "DRAFT"


def test_submit_moves_to_pending_and_twice_is_409(client, as_role):
    _, headers, _ = _submitted_tutor(client, as_role)
    assert client.get(PROFILE, headers=headers).json()["status"] == "PENDING"
    assert client.post(SUBMIT, headers=headers).status_code == 409


def test_admin_queue_review_and_approve(client, as_role):
    tutor, t_headers, tutor_id = _submitted_tutor(client, as_role)
    admin, a_headers = as_role("admin")
    queue = client.get("/api/v1/admin/tutors", params={"status": "PENDING"}, headers=a_headers)
    assert queue.status_code == 200
    body = queue.json()
    assert body["total"] == 1 and body["items"][0]["id"] == tutor_id
    assert body["items"][0]["email"] == tutor.email
    detail = client.get(f"/api/v1/admin/tutors/{tutor_id}", headers=a_headers)
    assert detail.status_code == 200 and detail.json()["status"] == "PENDING"
    assert client.get(f"/api/v1/tutors/{tutor_id}").status_code == 404  # not public before approval
    res = client.post(f"/api/v1/admin/tutors/{tutor_id}/approve", headers=a_headers)
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "APPROVED"
    assert client.get(PROFILE, headers=t_headers).json()["status"] == "APPROVED"
    assert client.get(f"/api/v1/tutors/{tutor_id}").status_code == 200
    assert client.get("/api/v1/admin/tutors", params={"status": "APPROVED"}, headers=a_headers).json()["total"] == 1
    # Decisions only on PENDING profiles.
    assert client.post(f"/api/v1/admin/tutors/{tutor_id}/approve", headers=a_headers).status_code == 409
    assert (
        client.post(f"/api/v1/admin/tutors/{tutor_id}/reject", json={"notes": "x"}, headers=a_headers).status_code
        == 409
    )


def test_approve_with_notes_body(client, as_role):
    _, _, tutor_id = _submitted_tutor(client, as_role)
    _, a_headers = as_role("admin")
    res = client.post(f"/api/v1/admin/tutors/{tutor_id}/approve", json={"notes": "Looks great"}, headers=a_headers)
    assert res.status_code == 200
    assert res.json()["review_notes"] == "Looks great"
    assert res.json()["history"][0]["action"] == "APPROVED"


def test_reject_needs_notes_then_tutor_can_resubmit(client, as_role):
    _, t_headers, tutor_id = _submitted_tutor(client, as_role)
    _, a_headers = as_role("admin")
    before = db_snapshot()
    for body in (None, {}, {"notes": ""}, {"notes": "   "}, {"notes": None}):
        res = client.post(f"/api/v1/admin/tutors/{tutor_id}/reject", json=body, headers=a_headers)
        assert res.status_code == 422, body
        assert "notes" in res.json()["fields"]
    assert db_snapshot() == before
    res = client.post(
        f"/api/v1/admin/tutors/{tutor_id}/reject", json={"notes": "Upload your degree."}, headers=a_headers
    )
    assert res.status_code == 200
    assert res.json()["status"] == "REJECTED"
    mine = client.get(PROFILE, headers=t_headers).json()
    assert mine["status"] == "REJECTED" and mine["review_notes"] == "Upload your degree."
    assert client.get(f"/api/v1/tutors/{tutor_id}").status_code == 404
    assert client.post(SUBMIT, headers=t_headers).json()["status"] == "PENDING"


def test_decisions_on_draft_are_409_and_unknown_is_404(client, as_role):
    tutor, t_headers = as_role("tutor")
    draft_id = client.get(PROFILE, headers=t_headers).json()["id"]
    _, a_headers = as_role("admin")
    assert client.post(f"/api/v1/admin/tutors/{draft_id}/approve", headers=a_headers).status_code == 409
    for bad in ("999999", "0", "-1", "99999999999999999999999999"):
        assert client.post(f"/api/v1/admin/tutors/{bad}/approve", headers=a_headers).status_code == 404, bad
        assert client.get(f"/api/v1/admin/tutors/{bad}", headers=a_headers).status_code == 404, bad
    assert client.get("/api/v1/admin/tutors/abc", headers=a_headers).status_code == 404  # cannot exist


def test_admin_routes_refuse_students_tutors_and_anonymous(client, as_role):
    _, _, tutor_id = _submitted_tutor(client, as_role)
    calls = [
        ("get", "/api/v1/admin/tutors", None),
        ("get", f"/api/v1/admin/tutors/{tutor_id}", None),
        ("post", f"/api/v1/admin/tutors/{tutor_id}/approve", {"notes": "ok"}),
        ("post", f"/api/v1/admin/tutors/{tutor_id}/reject", {"notes": "no"}),
        ("get", "/api/v1/admin/logins", None),
        ("get", "/api/v1/admin/outbox", None),
    ]
    before = db_snapshot()
    for method, url, body in calls:
        res = client.request(method, url, json=body)
        assert res.status_code == 401, url
        assert res.headers["www-authenticate"] == "Bearer"
    for role in ("student", "tutor"):
        _, headers = as_role(role)
        snap = db_snapshot()
        for method, url, body in calls:
            res = client.request(method, url, json=body, headers=headers)
            assert res.status_code == 403, (role, url)
            assert res.json() == {"detail": "You do not have access to this."}
        assert db_snapshot() == snap
    after = db_snapshot()
    assert [r for r in after["tutor_profiles"] if r[0] == str(tutor_id)] == [
        r for r in before["tutor_profiles"] if r[0] == str(tutor_id)
    ]
    assert after["verification_decisions"] == before["verification_decisions"]


def test_admin_queue_bad_params(client, as_role):
    _, a_headers = as_role("admin")
    for params in (
        {"status": "WHATEVER"},
        {"page": 0},
        {"page": -3},
        {"page": 10**30},
        {"page": "x"},
        {"status": "p" * 10_000},
    ):
        res = client.get("/api/v1/admin/tutors", params=params, headers=a_headers)
        assert res.status_code == 422, params
    res = client.get("/api/v1/admin/tutors", params={"status": "DRAFT", "page": 500}, headers=a_headers)
    assert res.status_code == 200 and res.json()["items"] == []
