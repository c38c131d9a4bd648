"""Course builders for tests: bodies, a real tiny WebM (recorded once by Chromium's MediaRecorder, the
demo's asset), a disguised executable, and the upload protocol driven through the API as a client would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

WEBM = (Path(__file__).resolve().parents[2] / "tutorhub" / "demo" / "assets" / "demo_chapter.webm").read_bytes()
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 4000
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 5000 + b"This program cannot be run in DOS mode"


def course_body(**changes: Any) -> dict[str, Any]:
    body = {"title": "Algebra from zero", "subject": "mathematics", "grade": "high",
            "description": "Ten short videos.", "price_minor": 4900, "currency": "EUR"}
    body.update(changes)
    return body


def chapter_body(**changes: Any) -> dict[str, Any]:
    body = {"title": "Chapter one", "notes_md": "# Notes\n\n**Bold** and <script>alert(1)</script>", "preview": False}
    body.update(changes)
    return body


def upload_video(client: TestClient, headers: dict[str, str], course_id: int, chapter_id: int, data: bytes,
                 *, filename: str = "lesson.webm", content_type: str = "video/webm") -> Any:
    """Open an upload, PUT every part, complete; returns the completion response."""
    res = client.post(f"/api/v1/courses/{course_id}/chapters/{chapter_id}/upload", headers=headers,
                      json={"filename": filename, "size": len(data), "content_type": content_type})
    assert res.status_code == 201, res.text
    plan = res.json()
    etags = []
    for part in plan["parts"]:
        start = (part["n"] - 1) * plan["part_size"]
        put = client.put(part["url"], content=data[start:start + plan["part_size"]])
        assert put.status_code == 200, put.text
        etags.append({"n": part["n"], "etag": put.headers["ETag"]})
    return client.post(f"/api/v1/uploads/{plan['upload_id']}/complete", headers=headers, json={"parts": etags})


def published_course(client: TestClient, headers: dict[str, str], **changes: Any) -> tuple[int, int, int]:
    """A published course with a preview chapter and a paid chapter, both with the tiny WebM: (course, preview, paid)."""
    course_id = client.post("/api/v1/courses", json=course_body(**changes), headers=headers).json()["id"]
    preview = client.post(f"/api/v1/courses/{course_id}/chapters", headers=headers,
                          json=chapter_body(title="Welcome", preview=True)).json()["id"]
    paid = client.post(f"/api/v1/courses/{course_id}/chapters", headers=headers, json=chapter_body()).json()["id"]
    for chapter in (preview, paid):
        assert upload_video(client, headers, course_id, chapter, WEBM).json() == {"status": "ready"}
    assert client.post(f"/api/v1/courses/{course_id}/publish", headers=headers).json() == {"status": "PUBLISHED"}
    return course_id, preview, paid


def give_video(db: Any, course_id: int, chapter_id: int, data: bytes = WEBM) -> None:
    """A ready video on a chapter, exactly as a completed upload leaves it (for service/state tests)."""
    from tutorhub.integrations.storage import get_local_video_store
    from tutorhub.models import CourseChapter, VideoStatus

    store = get_local_video_store()
    key = f"courses/{course_id}/chapters/{chapter_id}/seeded"
    store.path(key).parent.mkdir(parents=True, exist_ok=True)
    store.path(key).write_bytes(data)
    row = db.get(CourseChapter, chapter_id)
    row.video_key, row.video_type, row.video_size, row.video_status = key, "video/webm", len(data), VideoStatus.READY
    db.add(row)


def ready_course(db: Any, tutor: Any, **changes: Any) -> tuple[int, list[int]]:
    """A published course of `tutor` (services, committed): a preview chapter and a paid one, both with video."""
    from tutorhub.services.courses import building

    cid = building.create_course(db, actor=tutor, data=course_body(**changes))["id"]
    chapters = [building.add_chapter(db, actor=tutor, course_id=cid, data=chapter_body(title="Welcome", preview=True))["id"],
                building.add_chapter(db, actor=tutor, course_id=cid, data=chapter_body(title="Deep dive"))["id"]]
    for ch in chapters:
        give_video(db, cid, ch)
    building.publish_course(db, actor=tutor, course_id=cid)
    db.commit()
    return cid, chapters
