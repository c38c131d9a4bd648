"""Local multipart uploads: a part cut off mid-stream leaves nothing and is simply sent again; a part longer
than declared is refused while streaming (not read to the end); the size limit is a setting; two chapters
upload at the same time without mixing bytes."""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator

import anyio
import pytest
from fastapi.testclient import TestClient
from starlette.requests import ClientDisconnect

from tests.support.courses import WEBM, chapter_body, course_body, upload_video
from tutorhub.api.app import api
from tutorhub.db import session_scope
from tutorhub.integrations.storage import get_local_video_store
from tutorhub.services.accounts import api_tokens
from tutorhub.services.courses import uploads
from tutorhub.settings import reset_settings

SMALL_PART = 64 * 1024


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(uploads, "PART_SIZE", SMALL_PART)


@pytest.fixture
def course(db, make_approved_tutor):
    user, _ = make_approved_tutor(timezone="UTC")
    headers = {"Authorization": f"Bearer {api_tokens.issue_tokens(db, user_id=user.id).access_token}"}
    db.commit()
    client = TestClient(api)
    cid = client.post("/api/v1/courses", json=course_body(), headers=headers).json()["id"]
    chapters = [client.post(f"/api/v1/courses/{cid}/chapters", json=chapter_body(title=f"C{i}"), headers=headers)
                .json()["id"] for i in range(2)]
    return client, headers, cid, chapters


def _open(client, headers, cid, chapter, data):
    res = client.post(f"/api/v1/courses/{cid}/chapters/{chapter}/upload", headers=headers,
                      json={"filename": "v.webm", "size": len(data), "content_type": "video/webm"})
    assert res.status_code == 201, res.text
    return res.json()


def _video_bytes(client, headers, cid, chapter) -> bytes:
    location = client.get(f"/api/v1/courses/{cid}/chapters/{chapter}/video", headers=headers,
                          follow_redirects=False).headers["location"]
    return client.get(location).content


def _grant(plan, n):
    url = plan["parts"][n - 1]["url"]
    with session_scope(read_only=True) as session:
        return uploads.part_grant(session, upload_id=plan["upload_id"], n=n,
                                  expires=int(url.split("expires=")[1].split("&")[0]), sig=url.split("sig=")[1])


def test_an_interrupted_part_is_resent_and_the_upload_completes(course, small_parts):
    client, headers, cid, (chapter, _) = course
    data = WEBM + os.urandom(3 * SMALL_PART)
    plan = _open(client, headers, cid, chapter, data)
    assert plan["part_size"] == SMALL_PART and len(plan["parts"]) == 4
    assert all(p["method"] == "PUT" for p in plan["parts"])
    pieces = [data[i:i + SMALL_PART] for i in range(0, len(data), SMALL_PART)]
    etags = {}
    for part in plan["parts"]:
        if part["n"] != 2:
            etags[part["n"]] = client.put(part["url"], content=pieces[part["n"] - 1]).headers["ETag"]

    async def dropped() -> AsyncIterator[bytes]:  # the connection dies half-way through part 2
        yield pieces[1][:20_000]
        raise ClientDisconnect()

    with pytest.raises(ClientDisconnect):
        anyio.run(uploads.receive_part, _grant(plan, 2), dropped())
    store = get_local_video_store()
    assert store.part_etag(plan["upload_id"], 2) is None  # nothing of the cut part counts
    listed = [{"n": n, "etag": etags.get(n, '"0"')} for n in range(1, 5)]
    res = client.post(f"/api/v1/uploads/{plan['upload_id']}/complete", headers=headers, json={"parts": listed})
    assert res.status_code == 422 and "part 2" in res.json()["detail"] + str(res.json().get("fields"))

    etags[2] = client.put(plan["parts"][1]["url"], content=pieces[1]).headers["ETag"]  # resume: send it again
    listed = [{"n": n, "etag": etags[n]} for n in range(1, 5)]
    res = client.post(f"/api/v1/uploads/{plan['upload_id']}/complete", headers=headers, json={"parts": listed})
    assert res.json() == {"status": "ready"}
    assert _video_bytes(client, headers, cid, chapter) == data
    assert not (store.root / "parts" / plan["upload_id"]).exists()


def test_a_part_longer_than_declared_is_refused_without_reading_it_all(course, small_parts):
    client, headers, cid, (chapter, _) = course
    plan = _open(client, headers, cid, chapter, WEBM)
    sent = {"chunks": 0}

    async def endless() -> AsyncIterator[bytes]:  # 128 MB if it were all read
        for _ in range(2000):
            sent["chunks"] += 1
            yield b"\x00" * 65536

    with pytest.raises(uploads.PartRefused):
        anyio.run(uploads.receive_part, _grant(plan, 1), endless())
    assert sent["chunks"] == 1  # stopped at the part's declared length (26 KB): the rest was never read
    store = get_local_video_store()
    assert store.data_path(plan["upload_id"]).stat().st_size <= len(WEBM)  # nothing past the part's region
    assert store.part_etag(plan["upload_id"], 1) is None
    # Through HTTP the same body is answered 413 and the part does not count.
    res = client.put(plan["parts"][0]["url"], content=b"\x00" * (len(WEBM) + 1))
    assert res.status_code == 413 and "detail" in res.json()
    assert store.part_etag(plan["upload_id"], 1) is None


def test_the_size_limit_is_a_setting(course, monkeypatch):
    client, headers, cid, (chapter, _) = course
    monkeypatch.setenv("TUTORHUB_COURSE_VIDEO_MAX_MB", "1")
    reset_settings()
    try:
        res = client.post(f"/api/v1/courses/{cid}/chapters/{chapter}/upload", headers=headers,
                          json={"filename": "v.webm", "size": 1024 * 1024 + 1, "content_type": "video/webm"})
        assert res.status_code == 422 and "at most 1 MB" in res.json()["fields"]["size"]
    finally:
        monkeypatch.delenv("TUTORHUB_COURSE_VIDEO_MAX_MB")
        reset_settings()


def test_a_short_part_does_not_count(course, small_parts):
    client, headers, cid, (chapter, _) = course
    plan = _open(client, headers, cid, chapter, WEBM)
    res = client.put(plan["parts"][0]["url"], content=WEBM[:1000])
    assert res.status_code == 400 and "exactly" in res.json()["detail"]
    res = client.post(f"/api/v1/uploads/{plan['upload_id']}/complete", headers=headers,
                      json={"parts": [{"n": 1, "etag": '"x"'}]})
    assert res.status_code == 422


def test_two_chapters_upload_at_the_same_time(course, small_parts):
    client, headers, cid, chapters = course
    payloads = {ch: WEBM + os.urandom(2 * SMALL_PART + i) for i, ch in enumerate(chapters)}
    results: dict[int, object] = {}

    def run(chapter: int) -> None:
        results[chapter] = upload_video(TestClient(api), headers, cid, chapter, payloads[chapter]).json()

    threads = [threading.Thread(target=run, args=(ch,)) for ch in chapters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == {ch: {"status": "ready"} for ch in chapters}
    for ch in chapters:
        assert _video_bytes(client, headers, cid, ch) == payloads[ch]
