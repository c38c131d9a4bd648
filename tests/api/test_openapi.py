"""The OpenAPI document lists the contract."""

from __future__ import annotations

CONTRACT = {
    "/api/v1/auth/register": {"post"},
    "/api/v1/auth/login": {"post"},
    "/api/v1/auth/refresh": {"post"},
    "/api/v1/auth/otp/request": {"post"},
    "/api/v1/auth/otp/verify": {"post"},
    "/api/v1/auth/logout": {"post"},
    "/api/v1/auth/logout-all": {"post"},
    "/api/v1/me": {"get"},
    "/api/v1/students/me/profile": {"get", "put"},
    "/api/v1/tutors/me/profile": {"get", "put"},
    "/api/v1/tutors/me/submit": {"post"},
    "/api/v1/tutors/me/credentials": {"post"},
    "/api/v1/tutors/me/credentials/{doc_id}": {"delete"},
    "/api/v1/tutors": {"get"},
    "/api/v1/tutors/{tutor_id}": {"get"},
    "/api/v1/admin/tutors": {"get"},
    "/api/v1/admin/tutors/{tutor_id}": {"get"},
    "/api/v1/admin/tutors/{tutor_id}/approve": {"post"},
    "/api/v1/admin/tutors/{tutor_id}/reject": {"post"},
    "/api/v1/admin/outbox": {"get"},
    "/api/v1/admin/logins": {"get"},
    "/api/v1/files/credentials/{doc_id}": {"get"},
    "/api/v1/admin/metrics": {"get"},
    "/api/v1/admin/cohorts": {"get"},
    "/api/v1/admin/exports/{kind}.csv": {"get"},
}


def test_openapi_lists_contract_paths(client):
    res = client.get("/api/v1/openapi.json")
    assert res.status_code == 200
    doc = res.json()
    assert doc["info"]["title"] == "TutorHub API"
    for path, methods in CONTRACT.items():
        assert path in doc["paths"], path
        assert methods <= set(doc["paths"][path]), path
    search = {p["name"] for p in doc["paths"]["/api/v1/tutors"]["get"]["parameters"]}
    assert {"subject", "grade", "mode", "max_rate", "city", "language", "min_rating", "page", "per_page"} <= search
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    assert doc["paths"]["/api/v1/me"]["get"]["security"] == [{"HTTPBearer": []}]
    upload = doc["paths"]["/api/v1/tutors/me/credentials"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload


def test_docs_page_served(client):
    res = client.get("/api/v1/docs")
    assert res.status_code == 200 and "swagger" in res.text.lower()
