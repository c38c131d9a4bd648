"""The S3 path through boto3 against moto in server mode (a local S3-compatible endpoint started here):
pre-signed multipart part URLs PUT by a plain HTTP client, completion by the app, a pre-signed GET that
answers Range requests, and a disguised file deleted from the bucket."""

from __future__ import annotations

import os
import socket

import boto3
import httpx
import pytest
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer

from tests.support.courses import EXE, WEBM, chapter_body, course_body
from tests.support.money import fund_wallet
from tutorhub.api.app import api
from tutorhub.models import Role
from tutorhub.services.accounts import api_tokens
from tutorhub.settings import reset_settings

BUCKET = "tutorhub-videos"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3(monkeypatch):
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    httpx.post(f"{endpoint}/moto-api/reset")  # moto keeps its buckets per process: start empty
    env = {"TUTORHUB_S3_BUCKET": BUCKET, "TUTORHUB_S3_ENDPOINT_URL": endpoint, "TUTORHUB_S3_REGION": "us-east-1",
           "TUTORHUB_S3_ACCESS_KEY_ID": "testing", "TUTORHUB_S3_SECRET_ACCESS_KEY": "testing"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings()
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for key in env:
        monkeypatch.delenv(key)
    reset_settings()
    server.stop()


def _headers(db, user) -> dict[str, str]:
    token = api_tokens.issue_tokens(db, user_id=user.id).access_token
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def _upload(client, headers, cid, chapter, data, content_type="video/webm"):
    res = client.post(f"/api/v1/courses/{cid}/chapters/{chapter}/upload", headers=headers,
                      json={"filename": "v.webm", "size": len(data), "content_type": content_type})
    assert res.status_code == 201, res.text
    plan = res.json()
    etags = []
    with httpx.Client(timeout=30) as http:  # straight to the bucket, as the browser does: no app server involved
        for part in plan["parts"]:
            assert part["url"].startswith("http://127.0.0.1:") and "X-Amz-Signature" in part["url"]
            start = (part["n"] - 1) * plan["part_size"]
            put = http.put(part["url"], content=data[start:start + plan["part_size"]])
            assert put.status_code == 200, put.text
            etags.append({"n": part["n"], "etag": put.headers["ETag"]})
    return plan, client.post(f"/api/v1/uploads/{plan['upload_id']}/complete", headers=headers, json={"parts": etags})


def test_multipart_upload_to_the_bucket_and_ranged_presigned_get(s3, db, make_approved_tutor, make_user):
    tutor, _ = make_approved_tutor(timezone="UTC")
    t = _headers(db, tutor)
    client = TestClient(api)
    cid = client.post("/api/v1/courses", json=course_body(), headers=t).json()["id"]
    chapter = client.post(f"/api/v1/courses/{cid}/chapters", json=chapter_body(), headers=t).json()["id"]
    data = WEBM + os.urandom(9 * 1024 * 1024)  # two parts: 8 MiB + the rest
    plan, res = _upload(client, t, cid, chapter, data)
    assert len(plan["parts"]) == 2 and res.json() == {"status": "ready"}
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len(keys) == 1 and s3.head_object(Bucket=BUCKET, Key=keys[0])["ContentLength"] == len(data)
    assert client.post(f"/api/v1/courses/{cid}/publish", headers=t).json() == {"status": "PUBLISHED"}

    student = make_user(Role.STUDENT)
    s = _headers(db, student)
    assert client.get(f"/api/v1/courses/{cid}/chapters/{chapter}/video", headers=s,
                      follow_redirects=False).status_code == 403
    fund_wallet(db, student.id, 10_000, "EUR", commit=True)
    assert client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s).status_code == 201
    res = client.get(f"/api/v1/courses/{cid}/chapters/{chapter}/video", headers=s, follow_redirects=False)
    assert res.status_code == 302 and "X-Amz-Expires=300" in res.headers["location"]
    ranged = httpx.get(res.headers["location"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and ranged.content == data[:100]
    assert ranged.headers["content-range"] == f"bytes 0-99/{len(data)}"


def test_a_disguised_file_is_deleted_from_the_bucket(s3, db, make_approved_tutor):
    tutor, _ = make_approved_tutor(timezone="UTC")
    t = _headers(db, tutor)
    client = TestClient(api)
    cid = client.post("/api/v1/courses", json=course_body(), headers=t).json()["id"]
    chapter = client.post(f"/api/v1/courses/{cid}/chapters", json=chapter_body(), headers=t).json()["id"]
    _, res = _upload(client, t, cid, chapter, EXE, content_type="video/mp4")
    assert res.status_code == 415
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount", 0) == 0


def test_pages_may_reach_the_bucket_when_s3_is_configured(s3):
    from tutorhub.api.security_headers import page_csp
    from tutorhub.settings import get_settings

    policy = page_csp(get_settings(), "/teach/courses/1", ())
    endpoint = get_settings().s3_endpoint_url
    connect = next(d for d in policy.split("; ") if d.startswith("connect-src"))
    media = next(d for d in policy.split("; ") if d.startswith("media-src"))
    assert endpoint in connect and endpoint in media
