"""Scheduling over HTTP: the issue's exact requests, authorization, and hostile input (never a 500)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import db_snapshot

AVAIL = "/api/v1/tutors/me/availability"
ISSUE_BODY = {
    "timezone": "Europe/Berlin",
    "weekly": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
    "overrides": [{"date": "2027-03-29", "intervals": [{"start": "14:00", "end": "16:00"}]}],
    "settings": {
        "lesson_lengths": [60],
        "buffer_before_min": 0,
        "buffer_after_min": 0,
        "min_notice_hours": 12,
        "booking_window_days": 60,
        "max_lessons_per_day": 8,
    },
}
BIG = "x" * 10_240
FIXED_NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    """The API takes no `now`; pin the services' clock so no assertion depends on the wall clock."""
    from tutorhub.services.scheduling import free_index, slots
    from tutorhub.services.tutors import search

    for module in (slots, free_index, search):
        monkeypatch.setattr(module, "utcnow", lambda: FIXED_NOW)


@pytest.fixture
def tutor(make_approved_tutor, bearer, client):
    """An approved tutor who saved the issue's document plus Tuesday mornings."""
    user, tutor_id = make_approved_tutor(timezone="UTC")
    headers = bearer(user)
    body = dict(
        ISSUE_BODY,
        weekly=ISSUE_BODY["weekly"] + [{"weekday": 1, "start": "09:00", "end": "12:00"}],
        settings=dict(ISSUE_BODY["settings"], booking_window_days=365),
    )
    res = client.put(AVAIL, json=body, headers=headers)
    assert res.status_code == 200, res.text
    return tutor_id, headers


def slots_url(tutor_id: int) -> str:
    return f"/api/v1/tutors/{tutor_id}/slots"


def test_put_then_get_the_issue_document(as_role, client):
    _, headers = as_role("tutor")
    res = client.put(AVAIL, json=ISSUE_BODY, headers=headers)
    assert res.status_code == 200, res.text
    doc = res.json()
    assert doc["timezone"] == "Europe/Berlin"
    assert doc["weekly"] == [{"weekday": 0, "start": "09:00", "end": "12:00"}]
    assert doc["overrides"] == [{"date": "2027-03-29", "intervals": [{"start": "14:00", "end": "16:00"}]}]
    assert doc["settings"] == dict(ISSUE_BODY["settings"], instant_booking=True)
    assert client.get(AVAIL, headers=headers).json() == doc
    assert client.get("/api/v1/tutors/me/profile", headers=headers).json()["timezone"] == "Europe/Berlin"


def test_the_openapi_example_is_a_valid_document(as_role, client):
    """The request body example shown in /docs (kept apart from ISSUE_BODY, the issue's own
    request, on purpose) must be accepted and stored exactly as shown."""
    from tutorhub.api.routes.scheduling import AVAILABILITY_EXAMPLE

    _, headers = as_role("tutor")
    res = client.put(AVAIL, json=AVAILABILITY_EXAMPLE, headers=headers)
    assert res.status_code == 200, res.text
    assert {k: v for k, v in res.json().items() if k != "tutor_id"} == AVAILABILITY_EXAMPLE


def test_slots_as_in_the_issue(tutor, client):
    tutor_id, _ = tutor
    res = client.get(
        slots_url(tutor_id),
        params={
            "start": "2027-03-16T00:00:00-04:00",
            "end": "2027-03-17T00:00:00-04:00",
            "duration": 60,
            "tz": "America/New_York",
        },
    )
    assert res.status_code == 200, res.text
    body = res.json()
    # 09:00 Berlin (+01:00) is 04:00 in New York (-04:00 since 14 March).
    assert body["slots"][0] == {
        "start": "2027-03-16T04:00:00-04:00",
        "end": "2027-03-16T05:00:00-04:00",
        "tutor_start": "2027-03-16T09:00:00+01:00",
        "tutor_end": "2027-03-16T10:00:00+01:00",
    }
    starts = [s["start"] for s in body["slots"]]
    assert starts == sorted(starts) and len(starts) == 5


def test_a_plus_sign_typed_raw_in_the_url_still_works(tutor, client):
    tutor_id, _ = tutor
    url = f"{slots_url(tutor_id)}?start=2027-03-16T00:00:00+01:00&end=2027-03-17T00:00:00+01:00&tz=Europe/Berlin"
    res = client.get(url)
    assert res.status_code == 200, res.text
    assert res.json()["slots"][0]["start"] == "2027-03-16T09:00:00+01:00"


def test_tutor_and_student_zones_see_the_same_instants(tutor, client):
    tutor_id, _ = tutor
    seen = []
    for tz in ("Europe/Berlin", "Asia/Kathmandu", "America/Sao_Paulo", "Australia/Lord_Howe"):
        res = client.get(
            slots_url(tutor_id), params={"start": "2027-03-22T00:00:00Z", "end": "2027-04-06T00:00:00Z", "tz": tz}
        )
        seen.append([datetime.fromisoformat(s["start"]) for s in res.json()["slots"]])
    assert all(instants == seen[0] for instants in seen) and seen[0]
    # Across Berlin's 28 March change the tutor's wall clock stays 09:00.
    res = client.get(slots_url(tutor_id), params={"start": "2027-03-22T00:00:00Z", "end": "2027-04-06T00:00:00Z"})
    assert {s["tutor_start"][11:16] for s in res.json()["slots"]} >= {"09:00"}
    assert {s["tutor_start"][11:16] for s in res.json()["slots"]} <= {
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
        "14:00",
        "14:30",
        "15:00",
    }


@pytest.mark.parametrize(
    "params",
    [
        {"tz": "Mars/Base"},
        {"tz": BIG},
        {"start": "2027-03-20T00:00:00Z", "end": "2027-03-10T00:00:00Z"},
        {"start": "2027-01-01T00:00:00Z", "end": "2027-04-05T00:00:00Z"},  # 94 days
        {"start": "2027-03-16T00:00:00", "end": "2027-03-17T00:00:00Z"},  # naive start
        {"start": "2027-03-16T00:00:00Z", "end": "2027-03-17T00:00:00"},  # naive end
        {"start": BIG},
        {"start": "9999-12-31T23:59:59-23:59"},
        {"duration": 45},
        {"duration": BIG},
        {"duration": "1e9"},
    ],
)
def test_bad_slot_queries_are_422(tutor, client, params):
    tutor_id, _ = tutor
    res = client.get(slots_url(tutor_id), params=params)
    assert res.status_code == 422, res.text
    assert "detail" in res.json()


def test_slots_of_unapproved_unknown_or_malformed_tutors(client, as_role, make_approved_tutor):
    draft, headers = as_role("tutor")
    client.put(AVAIL, json=ISSUE_BODY, headers=headers)
    draft_id = client.get(AVAIL, headers=headers).json()["tutor_id"]
    assert client.get(slots_url(draft_id)).status_code == 404
    _, student_headers = as_role("student")
    assert client.get(slots_url(draft_id), headers=student_headers).status_code == 404
    assert client.get(slots_url(draft_id), headers=headers).status_code == 200  # the owner previews
    assert client.get(slots_url(99999)).status_code == 404
    assert client.get(slots_url(10**30)).status_code == 404
    assert client.get("/api/v1/tutors/abc/slots").status_code == 404  # an id that cannot exist
    assert client.get(slots_url(draft_id), headers={"Authorization": "Bearer garbage"}).status_code == 404


def test_best_times(tutor, client):
    tutor_id, _ = tutor
    windows = json.dumps([{"weekday": 1, "start": "08:00", "end": "12:00"}])
    res = client.get(
        f"{slots_url(tutor_id)}/best", params={"tz": "UTC", "duration": 60, "windows": windows, "limit": 3}
    )
    assert res.status_code == 200, res.text
    proposals = res.json()["proposals"]
    assert 1 <= len(proposals) <= 3
    assert all({"start", "end", "tutor_start", "score"} <= set(p) for p in proposals)
    assert [p["score"] for p in proposals] == sorted((p["score"] for p in proposals), reverse=True)


@pytest.mark.parametrize(
    "params",
    [
        {"windows": "garbage"},
        {"windows": '{"weekday": 0}'},
        {"windows": "[" * 3000 + "]" * 3000},
        {"windows": BIG},
        {"windows": json.dumps([{"weekday": 0, "start": "10:00", "end": "09:00"}])},
        {"windows": json.dumps([{"weekday": "mon", "start": "10:00", "end": "11:00"}])},
        {"windows": json.dumps([{"weekday": 0, "start": 600, "end": 660}])},
        {"windows": "[]", "limit": 51},
        {"windows": "[]", "limit": "many"},
        {"windows": "[]", "tz": "Nope"},
        {"windows": "[]", "duration": 30},
        {},
    ],
)
def test_bad_best_time_queries_are_422(tutor, client, params):
    tutor_id, _ = tutor
    res = client.get(f"{slots_url(tutor_id)}/best", params=params)
    assert res.status_code == 422, res.text
    assert "detail" in res.json()


def test_who_may_edit_availability(client, as_role):
    assert client.put(AVAIL, json=ISSUE_BODY).status_code == 401
    assert client.get(AVAIL).status_code == 401
    for role in ("student", "admin"):
        _, headers = as_role(role)
        before = db_snapshot()
        assert client.put(AVAIL, json=ISSUE_BODY, headers=headers).status_code == 403
        assert db_snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"timezone": BIG},
        {"timezone": "Not/AZone"},
        {"weekly": [{"weekday": 0, "start": BIG, "end": "10:00"}]},
        {
            "weekly": [
                {"weekday": 0, "start": "09:00", "end": "10:00"},
                {"weekday": 0, "start": "09:30", "end": "11:00"},
            ]
        },
        {"weekly": [{"weekday": 0, "start": "11:00", "end": "10:00"}]},
        {"weekly": [{"weekday": 0, "start": "09:10", "end": "10:00"}]},
        {"weekly": [{"weekday": -1, "start": "09:00", "end": "10:00"}]},
        {"weekly": [{"weekday": 10**40, "start": "09:00", "end": "10:00"}]},
        {"weekly": [None]},
        {"overrides": [{"date": BIG, "intervals": []}]},
        {"overrides": [{"date": "2027-13-01", "intervals": []}]},
        {"overrides": {"2027-03-01": []}},
        {"settings": {"lesson_lengths": [60, 120]}},
        {"settings": {"booking_window_days": 400}},
        {"settings": {"max_lessons_per_day": -5}},
        {"settings": {"buffer_before_min": 1.5}},
    ],
)
def test_bad_availability_documents_are_422_and_change_nothing(as_role, client, body):
    _, headers = as_role("tutor")
    before = db_snapshot()
    res = client.put(AVAIL, json=body, headers=headers)
    assert res.status_code == 422, res.text
    assert "detail" in res.json()
    assert db_snapshot() == before


def test_student_windows_and_search(tutor, client, as_role):
    tutor_id, _ = tutor
    _, headers = as_role("student")
    assert client.get("/api/v1/students/me/windows", headers=headers).json()["windows"] == []
    body = {
        "timezone": "Asia/Kolkata",
        "windows": [{"weekday": 1, "start": "13:30", "end": "17:30"}],
        "lesson_length": 60,
    }
    res = client.put("/api/v1/students/me/windows", json=body, headers=headers)
    assert res.status_code == 200 and res.json() == body
    assert client.get("/api/v1/students/me/profile", headers=headers).json()["timezone"] == "Asia/Kolkata"
    # Saved windows serve best times without query parameters.
    res = client.get(f"{slots_url(tutor_id)}/best", headers=headers)
    assert res.status_code == 200
    best = res.json()
    assert best["windows_timezone"] == "Asia/Kolkata" and best["timezone"] == "Asia/Kolkata"
    assert best["windows"] == body["windows"] and best["duration"] == 60
    # Tuesday 13:30–17:30 in Kolkata is 09:00–13:00 in Berlin: inside the tutor's Tuesday mornings.
    assert best["proposals"] and all(p["tutor_start"][11:13] in ("09", "10", "11") for p in best["proposals"])
    _, tutor_headers = as_role("tutor")
    assert client.put("/api/v1/students/me/windows", json=body, headers=tutor_headers).status_code == 403
    assert client.put("/api/v1/students/me/windows", json={"windows": "x"}, headers=headers).status_code == 422

    windows = json.dumps(body["windows"])
    res = client.get("/api/v1/tutors", params={"windows": windows, "tz": "Asia/Kolkata", "duration": 60})
    assert res.status_code == 200
    assert tutor_id in [t["id"] for t in res.json()["items"]]
    off_hours = json.dumps([{"weekday": 6, "start": "00:00", "end": "01:00"}])
    assert client.get("/api/v1/tutors", params={"windows": off_hours}).json()["total"] == 0
    for params in ({"windows": "garbage"}, {"windows": windows, "tz": BIG}, {"windows": windows, "duration": 7}):
        res = client.get("/api/v1/tutors", params=params)
        assert res.status_code == 422 and "detail" in res.json()


def test_openapi_lists_the_scheduling_contract(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/tutors/me/availability"])
    assert "get" in paths["/api/v1/tutors/{tutor_id}/slots"]
    assert "get" in paths["/api/v1/tutors/{tutor_id}/slots/best"]
    assert {"get", "put"} <= set(paths["/api/v1/students/me/windows"])
    search = {p["name"] for p in paths["/api/v1/tutors"]["get"]["parameters"]}
    assert {"windows", "tz", "duration"} <= search


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
entry = st.fixed_dictionaries(
    {
        "weekday": json_values | st.integers(-2, 9),
        "start": json_values | st.sampled_from(["09:00", "24:00", "7"]),
        "end": json_values | st.sampled_from(["10:30", "24:00", "25:00"]),
    }
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "timezone": json_values | st.sampled_from(["Europe/Berlin", "Asia/Kathmandu", ""]),
        "weekly": st.lists(entry, max_size=4) | json_values,
        "overrides": st.lists(
            st.fixed_dictionaries(
                {
                    "date": json_values | st.sampled_from(["2027-03-29", "2027-02-29"]),
                    "intervals": st.lists(entry, max_size=2) | json_values,
                }
            ),
            max_size=3,
        )
        | json_values,
        "settings": st.dictionaries(
            st.sampled_from(
                [
                    "lesson_lengths",
                    "buffer_before_min",
                    "min_notice_hours",
                    "booking_window_days",
                    "max_lessons_per_day",
                    "instant_booking",
                ]
            ),
            json_values | st.lists(st.sampled_from([30, 45, 60, 90, 7]), max_size=5),
        ),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=documents)
def test_any_availability_document_is_200_or_422(tutor, client, body):
    _, headers = tutor
    res = client.put(AVAIL, json=body, headers=headers)
    assert res.status_code in (200, 422), res.text
    assert "detail" in res.json() or res.status_code == 200


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["start", "end", "duration", "tz", "windows", "limit"]),
        st.text(max_size=40)
        | st.sampled_from(["2027-03-16T00:00:00+01:00", "2027-06-30T00:00:00Z", "60", "UTC", "[]"]),
    ),
    best=st.booleans(),
)
def test_any_slot_query_is_200_404_or_422(tutor, client, params, best):
    tutor_id, _ = tutor
    res = client.get(slots_url(tutor_id) + ("/best" if best else ""), params=params)
    assert res.status_code in (200, 422), res.text
    assert "detail" in res.json() or res.status_code == 200
