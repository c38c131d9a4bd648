"""The courses pages' handlers: a tutor creates a course and builds it, a student previews, enrols, plays and
reviews; every mutating handler called by a stranger changes nothing."""

from __future__ import annotations

import pytest

from tests.state.conftest import redirects, toasts
from tests.support.courses import ready_course
from tests.support.db import fetch
from tests.support.money import fund_wallet
from tutorhub.models import ChapterProgress, Course, CourseChapter, CourseEnrolment, CourseReview, Role
from tutorhub.state.courses.builder import CourseBuilderState
from tutorhub.state.courses.course_page import CoursePageState
from tutorhub.state.courses.find import FindCoursesState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    tutor, _ = make_approved_tutor()
    cid, chapters = ready_course(db, tutor)
    student = make_user(Role.STUDENT)
    fund_wallet(db, student.id, 10_000, "EUR", commit=True)
    return {"tutor": tutor, "course_id": cid, "chapters": chapters, "student": student, "make_user": make_user,
            "other_tutor": make_approved_tutor()[0]}


def _open(browser, state: type, path: str, route: str, email: str | None) -> object:
    if email:
        browser.login(email)
    browser.goto(path, route=route)
    page = browser.state(state)
    return page


def test_a_tutor_creates_builds_and_publishes(browser, make_approved_tutor):
    tutor, _ = make_approved_tutor()
    find, _ = browser.open(FindCoursesState, "/courses", tutor.email)
    bad = browser.run(find.create({"title": "Chem", "subject": "chemistry", "price": "lots", "currency": "EUR"}))
    assert not redirects(bad) and "price" in find.create_errors
    [target] = redirects(browser.run(find.create({"title": "Chem", "subject": "chemistry", "price": "19.90",
                                                  "currency": "EUR"})))
    course = fetch(Course)[0]
    assert target == f"/teach/courses/{course.id}" and course.price_minor == 1990 and course.status == "DRAFT"
    builder = _open(browser, CourseBuilderState, target, "/teach/courses/[course_id]", None)
    browser.run(builder.load())
    assert builder.status == "ready" and builder.chapters == []
    browser.run(builder.add_chapter({"title": "Atoms", "notes_md": "**hi**", "preview": "on"}))
    browser.run(builder.add_chapter({"title": "Bonds"}))
    assert [c.label for c in builder.chapters] == ["1. Atoms", "2. Bonds"] and builder.chapters[0].preview
    browser.run(builder.move(builder.chapters[1].id, "up"))
    assert [c.label for c in builder.chapters] == ["1. Bonds", "2. Atoms"]
    browser.run(builder.edit_chapter({"chapter_id": str(builder.chapters[0].id), "title": "Chemical bonds",
                                      "notes_md": "# Bonds", "preview": "on"}))
    assert builder.chapters[0].label == "1. Chemical bonds" and builder.chapters[0].notes_md == "# Bonds"
    browser.run(builder.add_chapter({"title": ""}))
    assert "title" in builder.chapter_errors
    events = browser.run(builder.publish())
    assert toasts(events, "error") and "video" in builder.message and fetch(Course)[0].status == "DRAFT"
    assert builder.upload(builder.chapters[0].id) is not None  # hands the ids to assets/courses.js


def test_a_student_previews_enrols_plays_and_reviews(browser, world):
    cid, (preview, paid) = world["course_id"], world["chapters"]
    page = _open(browser, CoursePageState, f"/courses/{cid}", "/courses/[course_id]", world["student"].email)
    browser.run(page.load())
    assert page.current_id == preview and page.video_src.startswith("/api/v1/course-videos/")
    assert [c.playable for c in page.chapters] == [True, False] and "<strong>Bold</strong>" in page.notes_html
    assert "<script" not in page.notes_html and "&lt;script&gt;" in page.notes_html  # shown as text, never run
    events = browser.run(page.play(paid))
    assert toasts(events, "error") and page.current_id == preview
    page.set_pay_method("wallet")
    browser.run(page.enrol())
    assert page.enrolment == "ACTIVE" and page.wallet_text
    browser.run(page.play(paid))
    assert page.current_id == paid and f"/course-videos/{paid}?" in page.video_src
    browser.run(page.review({"rating": "4", "body": "Good"}))
    assert page.reviews[0].stars == "★★★★☆" and page.rating.startswith("★ 4.0")


def test_gateway_enrolment_goes_to_the_checkout(browser, world):
    page = _open(browser, CoursePageState, f"/courses/{world['course_id']}", "/courses/[course_id]",
                 world["student"].email)
    browser.run(page.load())
    [target] = redirects(browser.run(page.enrol()))
    assert "/pay/sandbox/" in target and fetch(CourseEnrolment)[0].status == "PENDING"


def test_search_lists_published_courses(browser, world):
    find, _ = browser.open(FindCoursesState, "/courses")
    assert [r.id for r in find.rows] == [world["course_id"]] and find.rows[0].price == "€49"
    browser.run(find.search({"subject": "physics"}))
    assert find.rows == []
    browser.run(find.search({"max_price": "48.99"}))
    assert find.rows == []
    browser.run(find.search({"max_price": "lots"}))
    assert find.filter_error


def _snapshot() -> tuple:
    return (sorted((c.id, c.status, c.title, c.price_minor) for c in fetch(Course)),
            sorted((c.id, c.position, c.title) for c in fetch(CourseChapter)),
            len(fetch(CourseEnrolment)), len(fetch(CourseReview)), len(fetch(ChapterProgress)))


@pytest.mark.parametrize("who", [None, "other_tutor", "admin", "student"])
@pytest.mark.parametrize(("state", "handler", "args"), [
    (CourseBuilderState, "add_chapter", ({"title": "Spam"},)), (CourseBuilderState, "move", (0, "down")),
    (CourseBuilderState, "publish", ()), (CoursePageState, "enrol", ()), (CoursePageState, "refund", ()),
    (CoursePageState, "review", ({"rating": "1"},)), (CoursePageState, "play", (0,)),
    (CoursePageState, "unpublish", ({"reason": "spam"},)),
    (CourseBuilderState, "edit_chapter", ({"chapter_id": "0", "title": "Hacked"},)),
    (CourseBuilderState, "save_details", ({"title": "Hacked", "subject": "mathematics", "price": "0",
                                           "currency": "EUR"},)),
])
def test_strangers_change_nothing(new_browser, world, db, who, state, handler, args):
    from tutorhub.services.courses import building

    draft = building.create_course(db, actor=world["tutor"], data={"title": "Draft", "subject": "maths",
                                                                   "price_minor": 100, "currency": "EUR"})["id"]
    db.commit()
    if who == "student" and handler in ("enrol", "play"):
        pytest.skip("a student enrolling or playing a preview is the owner of that action")
    if who == "admin" and handler in ("play", "unpublish"):
        pytest.skip("admins may watch any chapter and unpublish courses (moderation)")
    users = {"other_tutor": world["other_tutor"], "admin": world["make_user"](Role.ADMIN),
             "student": world["student"]}
    before = _snapshot()
    for course_id in (world["course_id"], draft):
        b = new_browser()
        if who:
            b.login(users[who].email)
        path = f"/teach/courses/{course_id}" if state is CourseBuilderState else f"/courses/{course_id}"
        route = "/teach/courses/[course_id]" if state is CourseBuilderState else "/courses/[course_id]"
        b.goto(path, route=route)
        page = b.state(state)
        page.course_id = course_id  # forced, as a malicious client could not, to reach the service
        call = args if handler not in ("move", "play") else (world["chapters"][1], *args[1:])
        if handler == "edit_chapter":
            call = ({"chapter_id": str(world["chapters"][1]), "title": "Hacked"},)
        events = b.run(getattr(page, handler)(*call))
        if handler == "review":
            assert page.review_error, (course_id, handler)
        elif handler == "play":
            assert toasts(events, "error") or redirects(events), (course_id, handler)
            assert page.video_src == ""
        else:
            assert (toasts(events, "error") or redirects(events) or page.chapter_errors or page.chapter_message
                    or page.details_errors), (course_id, handler)
    assert _snapshot() == before


def _upload(data: bytes, name: str):
    import io
    from pathlib import Path

    import reflex as rx

    return rx.UploadFile(file=io.BytesIO(data), path=Path(name), size=len(data))


def test_cover_upload_is_the_tutors_and_checked_by_content(new_browser, world):
    from tests.api.conftest import PNG_BYTES

    cid = world["course_id"]
    owner = _open(new_browser(), CourseBuilderState, f"/teach/courses/{cid}", "/teach/courses/[course_id]",
                  world["tutor"].email)
    b = new_browser()
    other = _open(b, CourseBuilderState, f"/teach/courses/{cid}", "/teach/courses/[course_id]",
                  world["other_tutor"].email)
    b.run(other.upload_cover([_upload(PNG_BYTES, "x.png")]))
    assert other.cover_error and fetch(Course)[0].cover_key == ""
    new_browser().run(owner.upload_cover([_upload(b"MZ" + b"\x00" * 100, "evil.png")]))
    assert "image" in owner.cover_error and fetch(Course)[0].cover_key == ""
    new_browser().run(owner.upload_cover([_upload(PNG_BYTES, "cover.png")]))
    assert owner.cover_error == "" and owner.has_cover and fetch(Course)[0].cover_type == "image/png"


def test_an_admin_unpublishes_with_a_reason(new_browser, world):
    from tutorhub.models import AuditEntry

    admin = world["make_user"](Role.ADMIN)
    b = new_browser()
    page = _open(b, CoursePageState, f"/courses/{world['course_id']}", "/courses/[course_id]", admin.email)
    b.run(page.load())
    b.run(page.unpublish({"reason": ""}))
    assert fetch(Course)[0].status == "PUBLISHED"
    b.run(page.unpublish({"reason": "Copied material"}))
    assert fetch(Course)[0].status == "UNPUBLISHED" and page.course_status == "UNPUBLISHED"
    [entry] = [e for e in fetch(AuditEntry) if e.action == "course_unpublish"]  # (approving the tutor is audited too)
    assert entry.reason == "Copied material"


def test_a_guardian_buys_for_a_linked_child(new_browser, world, db):
    from datetime import UTC, datetime, timedelta

    from tutorhub.models import GuardianLink

    guardian = world["make_user"](Role.GUARDIAN)
    child = world["student"]
    db.add(GuardianLink(student_id=child.id, guardian_email=guardian.email or "", guardian_id=guardian.id,
                        status="active", expires_at=datetime.now(UTC) + timedelta(days=1)))
    fund_wallet(db, guardian.id, 6000, "EUR", commit=True)
    b = new_browser()
    page = _open(b, CoursePageState, f"/courses/{world['course_id']}", "/courses/[course_id]", guardian.email)
    b.run(page.load())
    assert page.children == [[str(child.id), child.full_name]] and page.child_id == str(child.id)
    page.set_child("999999")  # not theirs: ignored
    assert page.child_id == str(child.id)
    page.set_pay_method("wallet")
    b.run(page.enrol())
    [row] = fetch(CourseEnrolment)
    assert (row.student_id, row.payer_id, row.status) == (child.id, guardian.id, "ACTIVE")


def test_the_tutor_edits_the_course_details_after_publishing(new_browser, world, db):
    from tutorhub.services.courses import enrolment, watching

    cid, (_preview, paid), student = world["course_id"], world["chapters"], world["student"]
    enrolment.enrol(db, actor=student, course_id=cid, method="wallet")
    watching.record_progress(db, actor=student, course_id=cid, chapter_id=paid, position_s=95, duration_s=100)
    db.commit()
    b = new_browser()
    builder = _open(b, CourseBuilderState, f"/teach/courses/{cid}", "/teach/courses/[course_id]", world["tutor"].email)
    b.run(builder.load())
    assert (builder.title, builder.subject, builder.price_input, builder.currency) == (
        "Algebra from zero", "mathematics", "49.00", "EUR")
    b.run(builder.save_details({"title": "Algebra", "subject": "mathematics", "price": "lots", "currency": "EUR"}))
    assert "price" in builder.details_errors and fetch(Course)[0].title == "Algebra from zero"
    b.run(builder.save_details({"title": "", "subject": "mathematics", "price": "1", "currency": "EUR"}))
    assert "title" in builder.details_errors and fetch(Course)[0].title == "Algebra from zero"
    events = b.run(builder.save_details({"title": "Algebra, step by step", "subject": "mathematics", "grade": "high",
                                         "description": "Now with exercises.", "price": "59.50", "currency": "EUR"}))
    assert toasts(events, "success") and builder.details_errors == {}
    course = fetch(Course)[0]
    assert (course.title, course.price_minor, course.description, course.status) == (
        "Algebra, step by step", 5950, "Now with exercises.", "PUBLISHED")
    assert builder.title == "Algebra, step by step" and builder.price == "€59.50"
    [row] = fetch(CourseEnrolment)
    assert row.price_minor == 4900 and row.status == "ACTIVE"  # what the student paid stays
    assert watching.course_progress(db, cid, student.id) == 50 and fetch(ChapterProgress)[0].completed_at


def _scripts(events) -> list[str]:
    from reflex.event import EventSpec

    from tests.state.conftest import _flatten

    return [str(dict((n._js_expr, v) for n, v in e.args)["javascript_code"]).strip("\"") for e in _flatten(events)
            if isinstance(e, EventSpec) and e.handler.fn.__qualname__ == "_call_script"]


def test_the_player_resumes_where_the_student_left_off(new_browser, world, db):
    from tutorhub.services.courses import enrolment, watching

    cid, (preview, paid), student = world["course_id"], world["chapters"], world["student"]
    enrolment.enrol(db, actor=student, course_id=cid, method="wallet")
    watching.record_progress(db, actor=student, course_id=cid, chapter_id=paid, position_s=42.7, duration_s=100)
    watching.record_progress(db, actor=student, course_id=cid, chapter_id=preview, position_s=97, duration_s=100)
    db.commit()
    b = new_browser()
    page = _open(b, CoursePageState, f"/courses/{cid}", "/courses/[course_id]", student.email)
    b.run(page.load())
    [script] = _scripts(b.run(page.play(paid)))
    assert f"window.thWatch({cid}, {paid}, 42.7, " in script and page.video_src in script
    [script] = _scripts(b.run(page.play(preview)))
    assert f"window.thWatch({cid}, {preview}, 0, " in script  # completed: from the start


def test_the_builder_charts_completion_per_chapter(new_browser, world, db, make_user):
    from tutorhub.services.courses import enrolment, watching

    cid, (_preview, paid), student = world["course_id"], world["chapters"], world["student"]
    other = make_user(Role.STUDENT)
    fund_wallet(db, other.id, 10_000, "EUR", commit=True)
    for who in (student, other):
        enrolment.enrol(db, actor=who, course_id=cid, method="wallet")
    watching.record_progress(db, actor=student, course_id=cid, chapter_id=paid, position_s=90, duration_s=100)
    watching.record_progress(db, actor=other, course_id=cid, chapter_id=paid, position_s=89, duration_s=100)
    db.commit()
    b = new_browser()
    builder = _open(b, CourseBuilderState, f"/teach/courses/{cid}", "/teach/courses/[course_id]", world["tutor"].email)
    b.run(builder.load())
    assert builder.completion == [{"label": "1. Welcome", "percent": 0}, {"label": "2. Deep dive", "percent": 50}]
    assert (builder.enrolments, builder.sales) == (2, "€98")


def test_the_earnings_page_shows_course_money_to_its_tutor_only(new_browser, world, db):
    from datetime import UTC, datetime, timedelta

    from tutorhub.services.courses import enrolment
    from tutorhub.state.courses.earnings import CourseEarningsState

    sold = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    enrolment.enrol(db, actor=world["student"], course_id=world["course_id"], method="wallet", now=sold)
    db.commit()
    b = new_browser()
    mine = _open(b, CourseEarningsState, "/earnings", "/earnings", world["tutor"].email)
    b.run(mine.load())
    assert [(r.currency, r.in_window, r.earned, r.sales) for r in mine.rows] == [("EUR", "€49", "€0", 1)]
    enrolment.release_due(db, now=sold + timedelta(days=8))  # past the refund window: earned, net of commission
    db.commit()
    b.run(mine.load())
    [row] = mine.rows
    assert row.in_window == "€0" and row.earned not in ("€0", "€49") and row.sales == 1
    other = new_browser()
    theirs = _open(other, CourseEarningsState, "/earnings", "/earnings", world["other_tutor"].email)
    other.run(theirs.load())
    assert theirs.rows == []
