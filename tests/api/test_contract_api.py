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
