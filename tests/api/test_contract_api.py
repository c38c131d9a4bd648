"""Issue 11, defect 9: the API answers and documents what its OpenAPI document says (fast checks; the
whole contract is tests/contract/test_schemathesis.py)."""

from __future__ import annotations


def test_wrong_method_is_json_405_listing_every_method_of_the_path(client):
    res = client.delete("/api/v1/students/me/profile")
    assert res.status_code == 405 and res.headers["content-type"] == "application/json"
    assert {m.strip() for m in res.headers["allow"].split(",")} >= {"GET", "PUT"}  # was "GET" only
    options = client.options("/api/v1/bookings/series")
    assert options.status_code == 405 and options.headers["allow"] == "POST"  # not /bookings/{booking_id}'s GET


def test_unknown_api_path_is_json_404_even_with_the_frontend_mounted_behind(client):
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Mount

    from tutorhub.api.contract import ApiPathsAnswerJson

    frontend = Starlette()
    frontend.add_route("/{path:path}", lambda request: HTMLResponse("<h1>404</h1>", status_code=404),
                       methods=["GET", "POST"])
    from tutorhub.api.app import api

    app = ApiPathsAnswerJson(Starlette(routes=[Mount("", frontend)]), api=api)
    from fastapi.testclient import TestClient

    local = TestClient(app)
    for method in ("GET", "POST"):
        res = local.request(method, "/api/v1/no-such-thing")
        assert res.status_code == 404 and res.json() == {"detail": "Not Found"}, method
    assert local.get("/elsewhere").headers["content-type"].startswith("text/html")


def test_money_settings_refuse_numbers_sent_as_strings(client, as_role):
    _, headers = as_role("admin")
    res = client.put("/api/v1/admin/money-settings", headers=headers, json={"commission_percent": "15"})
    assert res.status_code == 422 and "commission_percent" in res.json()["fields"]
    res = client.put("/api/v1/admin/money-settings", headers=headers, json={"payout_minimum_minor": "100"})
    assert res.status_code == 422
    assert client.put("/api/v1/admin/money-settings", headers=headers, json={"commission_percent": 15}).status_code == 200


def test_openapi_documents_the_errors_every_operation_can_answer(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            responses = op["responses"]
            if "requestBody" in op:
                assert {"400", "413", "422"} <= set(responses), (method, path)
            if any(p["in"] == "path" for p in op.get("parameters", [])):
                assert "404" in responses, (method, path)
            if any(op.get("security", [])) and {} not in op.get("security", []):
                assert "401" in responses, (method, path)
            for code, response in responses.items():
                if code[0] in "45":
                    assert list(response.get("content", {"application/json": 0})) == ["application/json"], (code, path)
    slots = doc["paths"]["/api/v1/tutors/{tutor_id}/slots"]["get"]
    assert {} in slots["security"]  # a public read: the token is optional


def test_a_path_id_that_cannot_exist_is_a_json_404_everywhere(client, as_role):
    """`/bookings/abc` and `/tutors/abc` answered 404 and 422 before: now one answer, the documented one."""
    _, student = as_role("student")
    _, tutor = as_role("tutor")
    for bad in ("abc", "0", "-1", "1.5", "99999999999999999999999"):
        for method, path, headers in (
            ("GET", f"/api/v1/bookings/{bad}", student),
            ("GET", f"/api/v1/tutors/{bad}", {}),
            ("GET", f"/api/v1/tutors/{bad}/slots", {}),
            ("DELETE", f"/api/v1/tutors/me/credentials/{bad}", tutor),
            ("POST", f"/api/v1/notifications/{bad}/read", student),
        ):
            res = client.request(method, path, headers=headers)
            assert res.status_code == 404, (method, path, res.status_code, res.text)
            assert res.headers["content-type"] == "application/json" and isinstance(res.json()["detail"], str)


def test_body_and_query_rules_are_in_the_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    booking = schemas["BookingIn"]["properties"]
    assert booking["duration_min"]["minimum"] == 1 and booking["duration_min"]["maximum"] == 1440
    assert "pattern" in booking["start"] and set(booking["mode"]["enum"]) == {"online", "home", "", None}
    review = schemas["ReviewIn"]["properties"]
    assert (review["rating"]["minimum"], review["rating"]["maximum"]) == (1, 5)
    assert schemas["ReplyIn"]["properties"]["reply"]["maxLength"] == 2000
    topup = schemas["TopupIn"]["properties"]
    assert topup["amount_minor"]["minimum"] == 100 and "USD" in topup["currency"]["enum"]
    register = schemas["RegisterIn"]["properties"]
    assert register["password"]["minLength"] == 8 and register["role"]["enum"] == ["student", "tutor", "guardian"]
    assert "oneOf" in schemas["OtpRequestIn"]
    statement = {p["name"]: p for p in doc["paths"]["/api/v1/tutors/me/statement"]["get"]["parameters"]}
    assert statement["month"]["schema"]["pattern"]


def test_text_rules_match_what_the_service_accepts():
    import re

    from tutorhub.api.schemas import DATE_TIME, text_pattern
    from tutorhub.services.errors import InvalidInput
    from tutorhub.services.scheduling.schedule_input import parse_instant
    from tutorhub.services.validation import clean_text

    required = re.compile(text_pattern(required=True))
    for value in ("Maths", " a ", "👩\u200d💻", "line\nbreak"):
        assert required.match(value) and clean_text(value, "f", max_len=50, required=True, multiline=True)
    for value in ("", "   ", "\u200b", "a\x01b", "bad\u202eexe"):
        assert not required.match(value)
        try:
            clean_text(value, "f", max_len=50, required=True)
        except InvalidInput:
            continue
        raise AssertionError(f"the service accepts {value!r}")
    when = re.compile(DATE_TIME["pattern"])
    for value in ("2027-03-16T09:00:00+01:00", "2024-02-29T23:59Z", "2100-12-31T00:00:00.5-05:30"):
        assert when.match(value) and parse_instant(value, "start")
    for value in ("2027-02-30T09:00Z", "2023-02-29T09:00Z", "1999-12-31T09:00Z", "2027-03-16T09:00:00"):
        assert not when.match(value)


def test_whole_numbers_with_a_fraction_are_numbers_but_text_is_not(client, as_role):
    _, student = as_role("student")
    res = client.post("/api/v1/wallet/topup", headers=student, json={"amount_minor": 500.0, "currency": "EUR"})
    assert res.status_code == 200, res.text
    for amount in (500.5, "500"):
        res = client.post("/api/v1/wallet/topup", headers=student, json={"amount_minor": amount, "currency": "EUR"})
        assert res.status_code == 422 and "amount_minor" in res.json()["fields"]
