"""Credential documents: upload checked by content and size, private downloads by token or cookie."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.api.conftest import JPEG_BYTES, PDF_BYTES, PNG_BYTES, db_snapshot, fresh
from tutorhub.models import CredentialDocument
from tutorhub.services.accounts import sessions
from tutorhub.settings import get_settings

UPLOAD = "/api/v1/tutors/me/credentials"
FILES = "/api/v1/files/credentials"


def _upload(client, headers, data=PDF_BYTES, name="degree.pdf", content_type="application/pdf"):
    return client.post(UPLOAD, files={"file": (name, data, content_type)}, headers=headers)


@pytest.mark.parametrize(
    ("data", "name", "claimed", "expected"),
    [
        (PDF_BYTES, "degree.pdf", "application/pdf", "application/pdf"),
        (PNG_BYTES, "scan.png", "image/png", "image/png"),
        (JPEG_BYTES, "photo.jpeg", "image/jpeg", "image/jpeg"),
        (PDF_BYTES, "no-extension", "application/octet-stream", "application/pdf"),  # judged by content
    ],
)
def test_upload_accepts_pdf_png_jpeg_by_content(client, as_role, db, data, name, claimed, expected):
    _, headers = as_role("tutor")
    res = _upload(client, headers, data, name, claimed)
    assert res.status_code == 201, res.text
    doc = res.json()
    assert doc["content_type"] == expected and doc["size_bytes"] == len(data) and doc["original_name"] == name
    mine = client.get("/api/v1/tutors/me/profile", headers=headers).json()
    assert [d["id"] for d in mine["documents"]] == [doc["id"]]
    fresh(db)
    row = db.get(CredentialDocument, doc["id"])
    path = get_settings().storage_dir / row.storage_key
    assert path.read_bytes() == data
    assert "static" not in str(path) and "assets" not in str(path)


@pytest.mark.parametrize(
    ("data", "name", "claimed"),
    [
        (b"just some text, not a pdf", "degree.pdf", "application/pdf"),
        (b"<html><script>alert(1)</script></html>", "cv.png", "image/png"),
        (b"GIF89a....", "x.jpg", "image/jpeg"),
        (b"", "empty.pdf", "application/pdf"),
    ],
)
def test_upload_rejects_wrong_content(client, as_role, data, name, claimed):
    _, headers = as_role("tutor")
    before = db_snapshot()
    res = _upload(client, headers, data, name, claimed)
    assert res.status_code == 422
    assert "file" in res.json()["fields"]
    assert db_snapshot() == before


def test_upload_rejects_files_over_the_limit(client, as_role):
    _, headers = as_role("tutor")
    limit = get_settings().max_upload_bytes
    before = db_snapshot()
    res = _upload(client, headers, PDF_BYTES + b"0" * (limit + 1 - len(PDF_BYTES)))
    assert res.status_code == 422
    assert "at most 10 MB" in res.json()["fields"]["file"]
    assert db_snapshot() == before
    res = _upload(client, headers, PDF_BYTES + b"0" * (limit + 200_000))  # refused before parsing
    assert res.status_code == 422
    assert res.json()["fields"] == {"file": "must be at most 10 MB"}

    def chunked():  # no Content-Length: counted while streaming
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n' + PDF_BYTES
        for _ in range(limit // 65536 + 4):
            yield b"0" * 65536
        yield b"\r\n--b--\r\n"

    res = client.post(UPLOAD, content=chunked(), headers={**headers, "Content-Type": "multipart/form-data; boundary=b"})
    assert res.status_code == 422
    assert res.json()["fields"] == {"file": "must be at most 10 MB"}
    assert db_snapshot() == before
    exact = _upload(client, headers, PDF_BYTES + b"0" * (limit - len(PDF_BYTES)))
    assert exact.status_code == 201


def test_upload_needs_a_tutor_and_a_file(client, as_role):
    assert _upload(client, {}).status_code == 401
    for role in ("student", "admin"):
        _, headers = as_role(role)
        assert _upload(client, headers).status_code == 403
    _, headers = as_role("tutor")
    assert client.post(UPLOAD, headers=headers).status_code == 422
    assert client.post(UPLOAD, data={"file": "not a file"}, headers=headers).status_code == 422
    assert client.post(UPLOAD, json={"file": "x"}, headers=headers).status_code == 422
    assert client.post(
        UPLOAD, content=b"--xx\r\ngarbage", headers={**headers, "Content-Type": "multipart/form-data; boundary=xx"}
    ).status_code in (400, 422)


def test_upload_by_approved_tutor_returns_profile_to_review(client, make_approved_tutor, bearer):
    tutor, tutor_id = make_approved_tutor()
    headers = bearer(tutor)
    assert client.get(f"/api/v1/tutors/{tutor_id}").status_code == 200
    assert _upload(client, headers).status_code == 201
    mine = client.get("/api/v1/tutors/me/profile", headers=headers).json()
    assert mine["status"] == "PENDING"
    assert mine["history"][0]["action"] == "RESET"
    assert client.get(f"/api/v1/tutors/{tutor_id}").status_code == 404
    assert tutor_id not in {i["id"] for i in client.get("/api/v1/tutors").json()["items"]}


def test_delete_credential(client, as_role, make_approved_tutor, bearer, db):
    owner, headers = as_role("tutor")
    doc_id = _upload(client, headers).json()["id"]
    other, other_headers = as_role("tutor")
    before = db_snapshot()
    assert client.delete(f"{UPLOAD}/{doc_id}", headers=other_headers).status_code == 404
    assert client.delete(f"{UPLOAD}/{doc_id}").status_code == 401
    _, s_headers = as_role("student")
    assert client.delete(f"{UPLOAD}/{doc_id}", headers=s_headers).status_code == 403
    for bad in ("999999", "0", "-4", "99999999999999999999999"):
        assert client.delete(f"{UPLOAD}/{bad}", headers=headers).status_code in (404, 422), bad
    assert client.delete(f"{UPLOAD}/abc", headers=headers).status_code == 404  # an id that cannot exist
    assert db_snapshot()["credential_documents"] == before["credential_documents"]
    res = client.delete(f"{UPLOAD}/{doc_id}", headers=headers)
    assert res.status_code == 204 and res.content == b""
    assert client.delete(f"{UPLOAD}/{doc_id}", headers=headers).status_code == 404
    fresh(db)
    assert db.exec(select(CredentialDocument)).all() == []
    # Deleting from an approved profile sends it back to review too.
    tutor, _ = make_approved_tutor()
    t_headers = bearer(tutor)
    doc = _upload(client, t_headers).json()
    assert client.get("/api/v1/tutors/me/profile", headers=t_headers).json()["status"] == "PENDING"
    assert client.delete(f"{UPLOAD}/{doc['id']}", headers=t_headers).status_code == 204


def test_download_by_owner_and_admin_with_bearer_and_cookie(client, as_role, make_user, db):
    owner, headers = as_role("tutor")
    doc = _upload(client, headers, name="my degree; x=1 \u00e9.pdf").json()
    admin, a_headers = as_role("admin")
    admin_cookie = sessions.create_browser_session(db, user_id=admin.id)
    owner_cookie = sessions.create_browser_session(db, user_id=owner.id)
    db.commit()
    for kwargs in (
        {"headers": headers},
        {"headers": a_headers},
        {"cookies": {"th_session": admin_cookie}},
        {"cookies": {"th_session": owner_cookie}},
    ):
        client.cookies.clear()
        res = client.get(f"{FILES}/{doc['id']}", **kwargs)
        assert res.status_code == 200, kwargs
        assert res.content == PDF_BYTES
        assert res.headers["content-type"] == "application/pdf"
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["cache-control"] == "private, no-store"
        assert res.headers["content-disposition"] == (
            "inline; filename=\"my_degree_x_1_.pdf\"; filename*=UTF-8''my%20degree%3B%20x%3D1%20%C3%A9.pdf"
        )
    client.cookies.clear()


def test_download_refused_to_everyone_else(client, as_role, db):
    owner, headers = as_role("tutor")
    doc_id = _upload(client, headers).json()["id"]
    other_tutor, ot_headers = as_role("tutor")
    student, s_headers = as_role("student")
    student_cookie = sessions.create_browser_session(db, user_id=student.id)
    owner_cookie = sessions.create_browser_session(db, user_id=owner.id)
    db.commit()
    sessions.logout(db, owner_cookie)
    db.commit()
    attempts = [
        {},
        {"headers": ot_headers},
        {"headers": s_headers},
        {"headers": {"Authorization": "Bearer forged"}},
        {"cookies": {"th_session": student_cookie}},
        {"cookies": {"th_session": "made-up"}},
        {"cookies": {"th_session": owner_cookie}},  # logged out
        {"cookies": {"th_session": "x" * 10_000}},
    ]
    for kwargs in attempts:
        client.cookies.clear()
        res = client.get(f"{FILES}/{doc_id}", **kwargs)
        assert res.status_code == 404, kwargs
        assert res.json() == {"detail": "Document not found."}
        assert PDF_BYTES not in res.content
    client.cookies.clear()
    for bad in ("999999", "abc", "0", "-1", "1e3", "9" * 40, "..%2F..%2Fetc%2Fpasswd"):
        assert client.get(f"{FILES}/{bad}", headers=headers).status_code == 404, bad


def test_cookie_refused_for_cross_site_scripted_requests(client, as_role, db):
    owner, headers = as_role("tutor")
    doc_id = _upload(client, headers).json()["id"]
    cookie = sessions.create_browser_session(db, user_id=owner.id)
    db.commit()
    client.cookies.clear()
    cross = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
    res = client.get(f"{FILES}/{doc_id}", cookies={"th_session": cookie}, headers=cross)
    assert res.status_code == 404
    client.cookies.clear()
    nav = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert client.get(f"{FILES}/{doc_id}", cookies={"th_session": cookie}, headers=nav).status_code == 200
    client.cookies.clear()
    same = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
    assert client.get(f"{FILES}/{doc_id}", cookies={"th_session": cookie}, headers=same).status_code == 200
    client.cookies.clear()
    # A bearer token is not ambient authority, so it works from anywhere.
    assert client.get(f"{FILES}/{doc_id}", headers={**headers, **cross}).status_code == 200


def test_download_of_file_missing_from_storage_is_404(client, as_role, db):
    _, headers = as_role("tutor")
    doc_id = _upload(client, headers).json()["id"]
    fresh(db)
    row = db.get(CredentialDocument, doc_id)
    (get_settings().storage_dir / row.storage_key).unlink()
    assert client.get(f"{FILES}/{doc_id}", headers=headers).status_code == 404


def test_reflex_upload_route_gets_the_upload_limit_too(client):
    # The API wraps every backend request (it is Reflex's api_transformer), including Reflex's own
    # /_upload, where Starlette would otherwise spool a file of any size to disk before the handler runs.
    limit = get_settings().max_upload_bytes
    too_big = {"Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(limit + 200_000)}
    res = client.post("/_upload", content=b"--b--\r\n", headers=too_big)
    assert res.status_code == 413 and "Upload too large" in res.json()["detail"]
