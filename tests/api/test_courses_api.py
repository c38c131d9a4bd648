"""Courses JSON API exactly as issue 18 writes it: create → chapters → upload (multipart-shaped) → publish →
search / page → enrol (wallet, gateway, 402) → video (302 → signed URL, Range 206, expiry 403) → progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.api.conftest import PNG_BYTES as PNG
from tests.api.conftest import db_snapshot, fresh
from tests.support.courses import EXE, WEBM, chapter_body, course_body, published_course, upload_video
from tests.support.money import fund_wallet
from tutorhub.models import CourseUpload, Role
from tutorhub.services.accounts import sessions
from tutorhub.services.courses import watching
from tutorhub.settings import get_settings


@pytest.fixture
def tutor(make_approved_tutor, bearer):
    user, _ = make_approved_tutor(timezone="UTC")
    return user, bearer(user)


def _video_path(location: str) -> str:
    assert location.startswith("/api/v1/course-videos/"), location
    return location


def test_build_publish_enrol_watch(client, db, tutor, as_role):
    _, t = tutor
    res = client.post("/api/v1/courses", json=course_body(), headers=t)
    assert res.status_code == 201 and res.json()["status"] == "DRAFT" and set(res.json()) == {"id", "status"}
    cid = res.json()["id"]
    assert client.get(f"/api/v1/courses/{cid}").status_code == 404  # drafts are the tutor's only
    res = client.post(f"/api/v1/courses/{cid}/chapters", json=chapter_body(preview=True), headers=t)
    assert res.status_code == 201 and set(res.json()) == {"id"}
    first = res.json()["id"]
    second = client.post(f"/api/v1/courses/{cid}/chapters", json=chapter_body(title="Two"), headers=t).json()["id"]
    assert client.post(f"/api/v1/courses/{cid}/publish", headers=t).status_code == 409  # no video yet
    assert upload_video(client, t, cid, first, WEBM).json() == {"status": "ready"}
    assert upload_video(client, t, cid, second, WEBM).json() == {"status": "ready"}
    assert client.post(f"/api/v1/courses/{cid}/publish", headers=t).json() == {"status": "PUBLISHED"}

    listing = client.get("/api/v1/courses", params={"subject": "mathematics", "page": 1}).json()
    assert listing["total"] == 1 and listing["items"][0]["id"] == cid and listing["items"][0]["chapters"] == 2
    public = client.get(f"/api/v1/courses/{cid}").json()
    assert [c["playable"] for c in public["chapters"]] == [False, False]  # anonymous: no notes, nothing playable
    assert all(c["notes_html"] is None for c in public["chapters"]) and "url" not in str(public)

    student, s = as_role(Role.STUDENT)
    page = client.get(f"/api/v1/courses/{cid}", headers=s).json()
    assert [c["playable"] for c in page["chapters"]] == [True, False]  # the preview only
    assert "<script>" not in page["chapters"][0]["notes_html"] and "<strong>Bold</strong>" in page["chapters"][0]["notes_html"]
    assert client.get(f"/api/v1/courses/{cid}/chapters/{second}/video", headers=s,
                      follow_redirects=False).status_code == 403
    assert client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s).status_code == 402
    fund_wallet(db, student.id, 10_000, "EUR", commit=True)
    res = client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s)
    assert res.status_code == 201 and res.json()["status"] == "ACTIVE"
    assert client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s).status_code == 409

    res = client.get(f"/api/v1/courses/{cid}/chapters/{second}/video", headers=s, follow_redirects=False)
    assert res.status_code == 302
    url = _video_path(res.headers["location"])
    whole = client.get(url)
    assert whole.status_code == 200 and whole.content == WEBM and whole.headers["content-type"] == "video/webm"
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == WEBM[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(WEBM)}" and part.headers["accept-ranges"] == "bytes"
    assert client.get(url.replace("sig=", "sig=0")).status_code in (403, 422)

    res = client.post(f"/api/v1/courses/{cid}/chapters/{second}/progress", headers=s,
                      json={"position_s": 50, "duration_s": 100})
    assert res.json() == {"position_s": 50.0, "completed": False, "course_progress_percent": 0}
    res = client.post(f"/api/v1/courses/{cid}/chapters/{second}/progress", headers=s,
                      json={"position_s": 91.5, "duration_s": 100})
    assert res.json()["completed"] is True and res.json()["course_progress_percent"] == 50
    # Reordering after publishing keeps the student's progress (it follows the chapter).
    assert client.post(f"/api/v1/courses/{cid}/chapters/{second}/move", json={"direction": "up"},
                       headers=t).json() == {"order": [second, first]}
    mine = client.get(f"/api/v1/courses/{cid}", headers=s).json()
    assert mine["chapters"][0]["id"] == second and mine["chapters"][0]["completed"] and mine["progress_percent"] == 50
    assert client.post(f"/api/v1/courses/{cid}/reviews", json={"rating": 5, "body": "Clear"}, headers=s).status_code == 201
    assert client.get(f"/api/v1/courses/{cid}").json()["rating"] == 5.0


def test_expired_video_url_is_refused(client, db, tutor, as_role):
    _, t = tutor
    cid, _preview, paid = published_course(client, t)
    student, s = as_role(Role.STUDENT)
    fund_wallet(db, student.id, 10_000, "EUR", commit=True)
    client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s)
    old = watching.video_url(db, viewer=student, course_id=cid, chapter_id=paid,
                             now=datetime.now(UTC) - timedelta(minutes=6))
    res = client.get(old, headers={"Range": "bytes=0-9"})
    assert res.status_code == 403 and "expired" in res.json()["detail"]
    fresh_url = watching.video_url(db, viewer=student, course_id=cid, chapter_id=paid)
    assert client.get(fresh_url, headers={"Range": "bytes=0-9"}).status_code == 206


def test_disguised_executable_is_refused_and_deleted(client, db, tutor):
    _, t = tutor
    cid = client.post("/api/v1/courses", json=course_body(), headers=t).json()["id"]
    ch = client.post(f"/api/v1/courses/{cid}/chapters", json=chapter_body(), headers=t).json()["id"]
    res = upload_video(client, t, cid, ch, EXE, filename="lesson.mp4", content_type="video/mp4")
    assert res.status_code == 415 and "not a video" in res.json()["detail"]
    fresh(db)
    row = db.exec(select(CourseUpload).where(CourseUpload.chapter_id == ch)).one()
    store = get_settings().storage_dir / "videos"
    assert not (store / "objects" / row.key).exists() and not (store / "parts" / row.id).exists()
    assert row.status == "rejected"  # closed for good: completing it again is a conflict, not "send part 1"
    again = client.post(f"/api/v1/uploads/{row.id}/complete", headers=t, json={"parts": [{"n": 1, "etag": "x"}]})
    assert again.status_code == 409 and again.json()["status"] == "rejected"
    assert client.get(f"/api/v1/courses/{cid}", headers=t).json()["chapters"][0]["has_video"] is False
    # A real video uploaded next becomes the chapter's.
    assert upload_video(client, t, cid, ch, WEBM).json() == {"status": "ready"}


def test_gateway_enrolment_activates_on_payment(client, db, tutor, as_role):
    _, t = tutor
    cid, _, paid = published_course(client, t)
    _, s = as_role(Role.STUDENT)
    res = client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "gateway"}, headers=s)
    assert res.status_code == 201 and res.json()["status"] == "PENDING" and "/pay/sandbox/" in res.json()["checkout_url"]
    assert client.get(f"/api/v1/courses/{cid}/chapters/{paid}/video", headers=s, follow_redirects=False).status_code == 403
    reference = res.json()["checkout_url"].rsplit("/", 1)[1]
    assert client.post(f"/api/v1/sandbox/payments/{reference}/succeed").status_code in (200, 204)
    assert client.get(f"/api/v1/courses/{cid}", headers=s).json()["enrolment_status"] == "ACTIVE"
    assert client.get(f"/api/v1/courses/{cid}/chapters/{paid}/video", headers=s, follow_redirects=False).status_code == 302


def test_free_course_enrols_directly(client, tutor, as_role):
    _, t = tutor
    cid, _, _ = published_course(client, t, price_minor=0)
    _, s = as_role(Role.STUDENT)
    res = client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "gateway"}, headers=s)
    assert res.status_code == 201 and res.json()["status"] == "ACTIVE" and res.json().get("checkout_url") is None


def test_strangers_change_nothing(client, tutor, make_approved_tutor, bearer, as_role):
    _, t = tutor
    cid, _preview, paid = published_course(client, t)
    draft = client.post("/api/v1/courses", json=course_body(), headers=t).json()["id"]
    draft_ch = client.post(f"/api/v1/courses/{draft}/chapters", json=chapter_body(), headers=t).json()["id"]
    plan = client.post(f"/api/v1/courses/{draft}/chapters/{draft_ch}/upload", headers=t,
                       json={"filename": "a.webm", "size": len(WEBM), "content_type": "video/webm"}).json()
    other_user, _ = make_approved_tutor()
    other = bearer(other_user)
    _, student = as_role(Role.STUDENT)
    _, admin = as_role(Role.ADMIN)
    before = db_snapshot()
    calls = [
        ("post", "/api/v1/courses", course_body(), {None: 401, "student": 403, "admin": 403}),
        ("post", f"/api/v1/courses/{draft}/chapters", chapter_body(), {None: 401, "other": 404, "student": 403}),
        ("post", f"/api/v1/courses/{draft}/chapters/{draft_ch}/move", {"direction": "up"},
         {None: 401, "other": 404, "student": 403}),
        ("post", f"/api/v1/courses/{draft}/publish", None, {None: 401, "other": 404, "student": 403, "admin": 403}),
        ("post", f"/api/v1/courses/{cid}/unpublish", {"reason": "x"}, {None: 401, "other": 403, "student": 403}),
        ("post", f"/api/v1/courses/{draft}/chapters/{draft_ch}/upload",
         {"filename": "a.webm", "size": 10, "content_type": "video/webm"}, {None: 401, "other": 404, "student": 403}),
        ("post", f"/api/v1/uploads/{plan['upload_id']}/complete", {"parts": [{"n": 1, "etag": "x"}]},
         {None: 401, "other": 404, "student": 404}),
        ("post", f"/api/v1/courses/{cid}/enrol", {"method": "wallet"}, {None: 401, "other": 403, "admin": 403}),
        ("post", f"/api/v1/courses/{draft}/enrol", {"method": "wallet"}, {"student": 404}),
        ("post", f"/api/v1/courses/{cid}/refund", None, {None: 401, "student": 409, "other": 403}),
        ("post", f"/api/v1/courses/{cid}/chapters/{paid}/progress", {"position_s": 1, "duration_s": 10},
         {None: 401, "student": 403, "other": 403}),
        ("post", f"/api/v1/courses/{cid}/reviews", {"rating": 1}, {None: 401, "student": 403, "other": 403}),
        ("get", f"/api/v1/courses/{cid}/chapters/{paid}/video", None, {None: 403, "student": 403, "other": 403}),
        ("get", f"/api/v1/courses/{draft}/chapters/{draft_ch}/video", None, {None: 404, "student": 404, "other": 404}),
        ("get", f"/api/v1/courses/{draft}", None, {None: 404, "student": 404, "other": 404}),
        ("get", f"/api/v1/course-videos/{paid}?expires=99999999999&sig={'0' * 64}", None, {None: 403}),
        ("put", plan["parts"][0]["url"][:-1] + ("0" if plan["parts"][0]["url"][-1] != "0" else "1"), None, {None: 404}),
    ]
    who = {None: {}, "other": other, "student": student, "admin": admin}
    for method, url, body, expected in calls:
        for role, status in expected.items():
            kwargs = {"headers": who[role], "follow_redirects": False}
            if method == "put":
                res = client.put(url, content=WEBM, **kwargs)
            elif method == "get":
                res = client.get(url, **kwargs)
            else:
                res = client.post(url, json=body, **kwargs)
            assert res.status_code == status, (method, url, role, res.status_code, res.text)
            assert "detail" in res.json()
    assert db_snapshot() == before


@pytest.mark.parametrize("body", [{}, {**course_body(), "title": 5}, {**course_body(), "price_minor": "10"},
                                  {**course_body(), "price_minor": -1}, {**course_body(), "currency": "XXX"},
                                  {**course_body(), "title": "x" * 10_000}, {**course_body(), "subject": ""},
                                  {**course_body(), "price_minor": 10**12}])
def test_bad_course_bodies_are_422(client, tutor, body):
    _, t = tutor
    before = db_snapshot()
    res = client.post("/api/v1/courses", json=body, headers=t)
    assert res.status_code == 422 and "detail" in res.json()
    assert db_snapshot() == before


def test_bad_chapter_upload_progress_bodies_are_422(client, db, tutor, as_role):
    _, t = tutor
    cid, _preview, paid = published_course(client, t)
    student, s = as_role(Role.STUDENT)
    fund_wallet(db, student.id, 10_000, "EUR", commit=True)
    client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s)
    before = db_snapshot()
    bad = [
        (t, f"/api/v1/courses/{cid}/chapters", [{}, {"title": ""}, {"title": "a", "preview": "yes"},
                                                 {"title": "a", "notes_md": "x" * 30_000}, {"title": ["a"]}]),
        (t, f"/api/v1/courses/{cid}/chapters/{paid}/upload",
         [{}, {"filename": "a", "size": 0, "content_type": "video/webm"},
          {"filename": "a", "size": 10, "content_type": "application/x-msdownload"},
          {"filename": "a", "size": "10", "content_type": "video/webm"},
          {"filename": "a", "size": 3 * 1024**3, "content_type": "video/webm"}]),
        (t, f"/api/v1/courses/{cid}/chapters/{paid}/move", [{}, {"direction": "sideways"}, {"direction": 1}]),
        (s, f"/api/v1/courses/{cid}/chapters/{paid}/progress",
         [{}, {"position_s": -1, "duration_s": 10}, {"position_s": "1", "duration_s": 10},
          {"position_s": 1, "duration_s": 0}, {"position_s": 1, "duration_s": 10**9}]),
        (s, f"/api/v1/courses/{cid}/enrol", [{"method": "cash"}, {"method": 1}, {"method": "CREDITS"},
                                               {"method": "wallet", "student_id": "1"}]),
        (s, f"/api/v1/courses/{cid}/reviews", [{}, {"rating": 6}, {"rating": "5"}, {"rating": 3, "body": "x" * 5000}]),
        (t, "/api/v1/uploads/nope/complete", [{}, {"parts": "x"}, {"parts": [{"n": "1", "etag": 1}]}]),
    ]
    for headers, url, bodies in bad:
        for body in bodies:
            res = client.post(url, json=body, headers=headers)
            assert res.status_code == 422, (url, body, res.status_code, res.text)
            assert "detail" in res.json()
    assert db_snapshot() == before


def test_the_web_cookie_writes_only_from_the_same_origin(client, db, tutor, as_role):
    user, t = tutor
    cid = client.post("/api/v1/courses", json=course_body(), headers=t).json()["id"]
    ch = client.post(f"/api/v1/courses/{cid}/chapters", json=chapter_body(), headers=t).json()["id"]
    client.cookies.set("th_session", sessions.create_browser_session(db, user_id=user.id))
    db.commit()
    body = {"filename": "a.webm", "size": 10, "content_type": "video/webm"}
    url = f"/api/v1/courses/{cid}/chapters/{ch}/upload"
    for site in (None, "cross-site", "same-site"):
        res = client.post(url, json=body, headers={"Sec-Fetch-Site": site} if site else {})
        assert res.status_code == 401, site
    assert client.post(url, json=body, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 201
    client.cookies.clear()


def test_tutor_stats_are_the_tutors_only(client, db, tutor, make_approved_tutor, bearer, as_role):
    _, t = tutor
    cid, _, paid = published_course(client, t)
    student, s = as_role(Role.STUDENT)
    fund_wallet(db, student.id, 10_000, "EUR", commit=True)
    client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s)
    client.post(f"/api/v1/courses/{cid}/chapters/{paid}/progress", headers=s, json={"position_s": 95, "duration_s": 100})
    figures = client.get(f"/api/v1/courses/{cid}/stats", headers=t).json()
    assert figures["enrolments"] == 1 and figures["sales_minor"] == 4900
    assert [c["percent"] for c in figures["chapters"]] == [0, 100]
    other, _ = make_approved_tutor()
    assert client.get(f"/api/v1/courses/{cid}/stats", headers=bearer(other)).status_code == 404
    assert client.get(f"/api/v1/courses/{cid}/stats", headers=s).status_code == 403
    assert client.get(f"/api/v1/courses/{cid}/stats").status_code == 401


def test_cover_images_are_checked_by_content(client, tutor, make_approved_tutor, bearer):
    _, t = tutor
    cid = client.post("/api/v1/courses", json=course_body(), headers=t).json()["id"]
    res = client.put(f"/api/v1/courses/{cid}/cover", headers=t, files={"file": ("cover.png", EXE, "image/png")})
    assert res.status_code == 422 and "image" in res.json()["fields"]["file"]
    assert client.get(f"/api/v1/courses/{cid}/cover", headers=t).status_code == 404
    other, _ = make_approved_tutor()
    res = client.put(f"/api/v1/courses/{cid}/cover", headers=bearer(other), files={"file": ("c.png", PNG, "image/png")})
    assert res.status_code == 404
    res = client.put(f"/api/v1/courses/{cid}/cover", headers=t, files={"file": ("c.bin", PNG, "application/x-bin")})
    assert res.json() == {"content_type": "image/png"}
    got = client.get(f"/api/v1/courses/{cid}/cover", headers=t)
    assert got.content == PNG and got.headers["content-type"] == "image/png"
    assert client.get(f"/api/v1/courses/{cid}/cover").status_code == 404  # a draft's cover is the tutor's only


def test_ids_that_cannot_exist_never_crash(client, tutor):
    _, t = tutor
    for bad in ("abc", "0", "-1", "99999999999999999999999"):
        assert client.get(f"/api/v1/course-videos/{bad}?expires=1&sig={'0' * 64}").status_code == 403
        assert client.get(f"/api/v1/courses/{bad}", headers=t).status_code == 404
        assert client.get(f"/api/v1/courses/{bad}/chapters/{bad}/video", headers=t).status_code == 404
        res = client.put(f"/api/v1/uploads/{bad}/parts/1?expires=99999999999&sig={'0' * 64}", content=b"x")
        assert res.status_code == 404
    assert client.put(f"/api/v1/uploads/x/parts/{10**30}?expires=1&sig=x", content=b"x").status_code in (404, 422)


def test_editing_a_chapter_after_publishing_keeps_progress(client, db, tutor, make_approved_tutor, bearer, as_role):
    _, t = tutor
    cid, _, paid = published_course(client, t)
    student, s = as_role(Role.STUDENT)
    fund_wallet(db, student.id, 10_000, "EUR", commit=True)
    client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s)
    client.post(f"/api/v1/courses/{cid}/chapters/{paid}/progress", headers=s, json={"position_s": 95, "duration_s": 100})
    body = {"title": "Deeper dive", "notes_md": "New *notes*", "preview": False}
    other, _ = make_approved_tutor()
    assert client.patch(f"/api/v1/courses/{cid}/chapters/{paid}", json=body, headers=bearer(other)).status_code == 404
    assert client.patch(f"/api/v1/courses/{cid}/chapters/{paid}", json=body, headers=s).status_code == 403
    assert client.patch(f"/api/v1/courses/{cid}/chapters/{paid}", json={"title": ""}, headers=t).status_code == 422
    assert client.patch(f"/api/v1/courses/{cid}/chapters/{paid}", json=body, headers=t).json() == {"id": paid}
    page = client.get(f"/api/v1/courses/{cid}", headers=s).json()
    chapter = next(c for c in page["chapters"] if c["id"] == paid)
    assert chapter["title"] == "Deeper dive" and chapter["completed"] and "<em>notes</em>" in chapter["notes_html"]
    assert chapter["notes_md"] is None  # the source is the tutor's
    mine = next(c for c in client.get(f"/api/v1/courses/{cid}", headers=t).json()["chapters"] if c["id"] == paid)
    assert mine["notes_md"] == "New *notes*"


def test_reordering_all_chapters_at_once(client, tutor, make_approved_tutor, bearer, as_role):
    _, t = tutor
    cid, first, second = published_course(client, t)
    third = client.post(f"/api/v1/courses/{cid}/chapters", json=chapter_body(title="Three"), headers=t).json()["id"]
    url = f"/api/v1/courses/{cid}/chapter-order"
    assert client.put(url, json={"order": [third, first, second]}, headers=t).json() == {"order": [third, first, second]}
    assert [c["id"] for c in client.get(f"/api/v1/courses/{cid}").json()["chapters"]] == [third, first, second]
    for bad in ([first, second], [first, second, second], [first, second, 999], ["1", "2", "3"]):
        assert client.put(url, json={"order": bad}, headers=t).status_code == 422
    other, _ = make_approved_tutor()
    assert client.put(url, json={"order": [first, second, third]}, headers=bearer(other)).status_code == 404
    _, s = as_role(Role.STUDENT)
    assert client.put(url, json={"order": [first, second, third]}, headers=s).status_code == 403
    assert client.put(url, json={"order": [first, second, third]}).status_code == 401
    assert [c["id"] for c in client.get(f"/api/v1/courses/{cid}").json()["chapters"]] == [third, first, second]


def test_search_takes_the_issue_query_as_written(client, tutor):
    _, t = tutor
    cid, _, _ = published_course(client, t)
    for query in ("?subject=&page=", "?subject=&page=1", "?subject=mathematics&page=", "?max_price_minor=&min_rating="):
        res = client.get("/api/v1/courses" + query)
        assert res.status_code == 200, (query, res.text)
        assert [c["id"] for c in res.json()["items"]] == [cid] and res.json()["page"] == 1
    assert client.get("/api/v1/courses?subject=physics&page=").json()["total"] == 0
    for bad in ("?page=x", "?page=0", "?page=100000", "?min_rating=6", "?min_rating=0", "?max_price_minor=-1",
                "?max_price_minor=1.5", "?max_price_minor=1000000001"):
        res = client.get("/api/v1/courses" + bad)
        assert res.status_code == 422 and "detail" in res.json(), bad


def test_editing_the_course_after_publishing_keeps_price_paid_and_progress(client, db, tutor, make_approved_tutor,
                                                                           bearer, as_role):
    _, t = tutor
    cid, _, paid = published_course(client, t)
    student, s = as_role(Role.STUDENT)
    fund_wallet(db, student.id, 10_000, "EUR", commit=True)
    client.post(f"/api/v1/courses/{cid}/enrol", json={"method": "wallet"}, headers=s)
    client.post(f"/api/v1/courses/{cid}/chapters/{paid}/progress", headers=s, json={"position_s": 95, "duration_s": 100})
    body = course_body(title="Algebra, step by step", price_minor=5900, description="Now with exercises.")
    other = bearer(make_approved_tutor()[0])
    _, admin = as_role(Role.ADMIN)
    before = db_snapshot()
    for headers, status in (({}, 401), (other, 404), (s, 403), (admin, 403)):
        res = client.patch(f"/api/v1/courses/{cid}", json=body, headers=headers)
        assert res.status_code == status and "detail" in res.json()
    for bad in ({**body, "title": ""}, {**body, "price_minor": -1}, {**body, "currency": "XXX"}, {"title": "x"}):
        assert client.patch(f"/api/v1/courses/{cid}", json=bad, headers=t).status_code == 422
    assert client.patch("/api/v1/courses/abc", json=body, headers=t).status_code == 404
    assert db_snapshot() == before
    assert client.patch(f"/api/v1/courses/{cid}", json=body, headers=t).json() == {"id": cid, "status": "PUBLISHED"}
    page = client.get(f"/api/v1/courses/{cid}", headers=s).json()
    assert (page["title"], page["price_minor"], page["description"]) == ("Algebra, step by step", 5900,
                                                                          "Now with exercises.")
    assert page["enrolment_status"] == "ACTIVE" and page["progress_percent"] == 50
    assert client.get(f"/api/v1/courses/{cid}/stats", headers=t).json()["sales_minor"] == 4900  # what was paid
