"""Study plan pages: asking (the draft is chained to a background event), the plan's checklist,
a tutor's edits, comments — and every mutating handler called by a stranger."""

from __future__ import annotations

import pytest

from tests.state.conftest import chained, toasts
from tests.support.booking_world import day_ahead, make_world
from tutorhub.models import Role
from tutorhub.services.learning import study_plans
from tutorhub.state.learning.study_plans import PlanState, StudyPlansState

FORM = {"subject": "Maths", "grade": "cbse-10", "goal": "Boards", "hours_per_week": "5",
        "weak_areas": "trigonometry, quadratic equations"}


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor)


def _ask_and_draft(browser, email: str) -> int:
    page, _ = browser.open(StudyPlansState, "/plans", email)
    events = browser.run(page.ask(FORM))
    assert chained(events) == ["finish_draft"] and page.drafting
    plan_id = page._pending_plan
    study_plans.generate_study_plan(plan_id=plan_id, use_llm=False)  # what finish_draft runs off the loop
    return plan_id


def test_student_asks_ticks_and_comments(browser, world):
    plan_id = _ask_and_draft(browser, world.student.email)
    lst, _ = browser.open(StudyPlansState, "/plans")
    assert [r.id for r in lst.rows] == [plan_id] and lst.rows[0].source_label == "Drafted by the offline planner"
    browser.goto(f"/plans/{plan_id}", route="/plans/[plan_id]")
    page = browser.state(PlanState)
    browser.run(page.load())
    assert page.status == "ready" and page.viewer == "student" and len(page.weeks) == 4
    task = page.weeks[0].topics[0].tasks[0]
    browser.run(page.toggle_task(task.id, True))
    assert page.weeks[0].topics[0].tasks[0].done and page.progress > 0
    browser.run(page.comment({"body": "Week 1 was hard"}))
    assert page.history[0].body == "Week 1 was hard"


def test_invalid_request_shows_field_errors(browser, world):
    page, _ = browser.open(StudyPlansState, "/plans", world.student.email)
    events = browser.run(page.ask({**FORM, "hours_per_week": "99", "goal": ""}))
    assert chained(events) == [] and "goal" in page.errors and not page.drafting


def test_strangers_get_nothing_from_any_handler(browser, new_browser, world, make_user, db):
    plan_id = _ask_and_draft(browser, world.student.email)
    world.book(day_ahead(2))  # the world's tutor teaches the student from now on
    stranger = make_user(Role.TUTOR)
    other = new_browser()
    other.login(stranger.email)
    other.goto(f"/plans/{plan_id}", route="/plans/[plan_id]")
    page = other.state(PlanState)
    other.run(page.load())
    assert page.status == "notfound" and page.weeks == []
    page.plan_id = plan_id  # a client can send any id with any handler
    plan = study_plans.get_study_plan(db, actor=world.student, plan_id=plan_id)
    task_id = plan.weeks[0].topics[0].tasks[0].id
    calls = [lambda: page.toggle_task(task_id, True), lambda: page.remove_task(task_id),
             lambda: page.move_task(task_id, "3"),
             lambda: page.add_task({"week": "4", "topic": "x", "title": "y", "minutes": "10"}),
             lambda: page.comment({"body": "hi"})]
    for call in calls:
        page.errors, page.message = {}, ""
        events = other.run(call())
        assert toasts(events, "error") or "not found" in (page.message + str(page.errors)).lower()
    db.expire_all()
    after = study_plans.get_study_plan(db, actor=world.student, plan_id=plan_id)
    assert after.model_dump() == plan.model_dump()
    # Nobody signed in: asking for a plan is refused too.
    anon = new_browser()
    lst = anon.state(StudyPlansState)
    anon.run(lst.ask(FORM))
    assert lst._pending_plan == 0 and lst.message


def test_the_lessons_tutor_edits_the_plan(browser, new_browser, world, db):
    plan_id = _ask_and_draft(browser, world.student.email)
    world.book(day_ahead(2))
    tutor = new_browser()
    tutor.login(world.tutor.email)
    tutor.goto(f"/plans/{plan_id}", route="/plans/[plan_id]")
    page = tutor.state(PlanState)
    tutor.run(page.load())
    assert page.viewer == "tutor"
    last = page.weeks[3].topics[-1].tasks[-1]  # week 4 is full: make room first
    tutor.run(page.remove_task(last.id))
    tutor.run(page.add_task({"week": "4", "topic": "Past papers", "title": "2024 paper", "minutes": "10"}))
    assert any(t.title == "2024 paper" for w in page.weeks for tp in w.topics for t in tp.tasks)
    assert page.history[0].action == "added"
