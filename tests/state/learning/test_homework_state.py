"""The lesson report card and the homework pages: the tutor reports and the homework is drafted
(chained background event), sent, answered and reviewed — and every mutating handler called by a
stranger changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.state.conftest import chained
from tests.support.booking_world import make_world, soon
from tutorhub.models import Role
from tutorhub.services.learning import homework, lessons
from tutorhub.state.learning.homework import HomeworkListState, HomeworkState
from tutorhub.state.learning.lesson_report import LessonReportState
from tutorhub.state.learning.progress import ProgressState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor)


class _File:
    name = "work.png"

    async def read(self, size: int = -1) -> bytes:
        return b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _ended(world, db):
    start = soon(30)  # on the tutor's :00/:30 grid, whatever the clock says
    booked = world.book(start)
    lessons.start_lesson(db, actor=world.tutor, booking_id=booked.id, now=start)
    lessons.complete_lesson(db, actor=world.tutor, booking_id=booked.id, now=start + timedelta(minutes=60))
    db.commit()
    return booked


def _open(browser, cls, url, route):
    browser.goto(url, route=route)
    page = browser.state(cls)
    browser.run(page.load())
    return page


def _report(browser, world, db) -> int:
    booked = _ended(world, db)
    browser.login(world.tutor.email)
    card = _open(browser, LessonReportState, f"/lessons/{booked.id}", "/lessons/[booking_id]")
    assert card.report_status == "write" and card.suggested
    events = browser.run(card.write_report({"topics": "Quadratic equations", "mistakes": "sign errors",
                                            "notes": "Good", "homework": "on", "pick_0": "on"}))
    assert chained(events) == ["finish_homework"]
    work_id = card._pending_homework
    homework.generate_homework(homework_id=work_id, use_llm=False)  # what finish_homework runs off the loop
    return work_id


def test_report_send_answer_review(browser, new_browser, world, db):
    work_id = _report(browser, world, db)
    page = _open(browser, HomeworkState, f"/homework/{work_id}", "/homework/[homework_id]")
    assert page.viewer == "tutor" and page.hw_status == "draft" and page.exercises
    due = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    browser.run(page.send({"title": "Roots", "exercises": "Solve x^2 = 9\n\nExplain the discriminant", "due_date": due}))
    assert page.hw_status == "assigned" and len(page.exercises) == 2, page.message
    student = new_browser()
    student.login(world.student.email)
    lst = _open(student, HomeworkListState, "/homework", "/homework")
    assert [r.id for r in lst.rows] == [work_id]
    mine = _open(student, HomeworkState, f"/homework/{work_id}", "/homework/[homework_id]")
    student.run(mine.submit({"answer_0": "x = 3 or x = -3", "answer_1": "b^2 - 4ac"}))
    assert mine.hw_status == "submitted" and mine.exercises[0].answer == "x = 3 or x = -3"
    page = _open(browser, HomeworkState, f"/homework/{work_id}", "/homework/[homework_id]")
    browser.run(page.review({"score": "85", "feedback_0": "Right", "overall": "Well done"}))
    assert page.hw_status == "reviewed" and page.score == "85/100"
    mine = _open(student, HomeworkState, f"/homework/{work_id}", "/homework/[homework_id]")
    assert mine.exercises[0].feedback == "Right" and mine.overall_feedback == "Well done"


def test_strangers_change_nothing(browser, new_browser, world, db, make_user):
    work_id = _report(browser, world, db)
    before = homework.get_homework(db, actor=world.tutor, homework_id=work_id)
    stranger = make_user(Role.TUTOR)
    other = new_browser()
    other.login(stranger.email)
    page = _open(other, HomeworkState, f"/homework/{work_id}", "/homework/[homework_id]")
    assert page.status == "notfound" and page.exercises == []
    page.hw_id = work_id
    for call in (lambda: page.send({"title": "x", "exercises": "y"}), lambda: page.submit({"answer_0": "x"}),
                 lambda: page.review({"score": "1"}), lambda: page.upload([_File()])):
        page.message = ""
        other.run(call())
        assert "not found" in page.message.lower()
    card = _open(other, LessonReportState, f"/lessons/{before.booking_id}", "/lessons/[booking_id]")
    assert card.report_status == "none"
    events = other.run(card.write_report({"topics": "x", "homework": "on"}))
    assert chained(events) == [] and card._pending_homework == 0
    db.expire_all()
    assert homework.get_homework(db, actor=world.tutor, homework_id=work_id) == before


def test_progress_page_for_the_student_and_not_for_strangers(browser, new_browser, world, db, make_user):

    _ended(world, db)
    browser.login(world.student.email)
    page = _open(browser, ProgressState, "/progress", "/progress")
    assert page.status == "ready" and page.lessons == 1 and page.hour_rows[0]["s0"] == 1.0
    assert page.months and page.slot_names[0]
    tutor = new_browser()
    tutor.login(world.tutor.email)
    seen = _open(tutor, ProgressState, f"/progress?student={world.student.id}", "/progress")
    assert seen.status == "ready" and seen.student_name == world.student.full_name
    stranger = new_browser()
    stranger.login(make_user(Role.GUARDIAN).email)
    other = _open(stranger, ProgressState, f"/progress?student={world.student.id}", "/progress")
    assert other.status == "notfound" and other.hour_rows == [] and other.student_name == ""
