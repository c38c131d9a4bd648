"""Lesson reports and homework: the tutor reports on an ended lesson, homework is drafted (offline
or by Claude through the stand-in), edited and sent; the student answers with files; the tutor
reviews; guardians see it; strangers see nothing; overdue is flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.conftest import PDF_BYTES
from tests.support.booking import at
from tutorhub.models import Role
from tutorhub.models.learning import GuardianLink
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from tutorhub.services.learning import homework, lessons, reports

START = at(3, 10)


def ended_lesson(env):
    booked = env.book(START, confirm=True)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START)
    lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START + timedelta(minutes=60))
    env.db.commit()
    return booked


def report_with_homework(env, booked, **kw):
    out = reports.write_lesson_report(env.db, actor=env.tutor, booking_id=booked.id,
                                      topics=["Quadratic equations"], mistakes=["forgot the negative root"],
                                      notes="Good effort.", homework=True, now=START + timedelta(hours=1), **kw)
    env.db.commit()
    return out


def test_report_only_after_the_lesson_by_its_tutor_and_once(env, make_user):
    booked = env.book(START, confirm=True)
    with pytest.raises(Conflict, match="ended"):
        reports.write_lesson_report(env.db, actor=env.tutor, booking_id=booked.id, topics=["x"], now=START)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START)
    lessons.complete_lesson(env.db, actor=env.tutor, booking_id=booked.id, now=START + timedelta(minutes=60))
    with pytest.raises(Forbidden):
        reports.write_lesson_report(env.db, actor=env.student, booking_id=booked.id, topics=["x"])
    with pytest.raises(NotFound):
        reports.write_lesson_report(env.db, actor=make_user(Role.TUTOR), booking_id=booked.id, topics=["x"])
    with pytest.raises(InvalidInput):
        reports.write_lesson_report(env.db, actor=env.tutor, booking_id=booked.id, topics=[])
    out = reports.write_lesson_report(env.db, actor=env.tutor, booking_id=booked.id, topics="Algebra, Graphs",
                                      notes="Well done", homework=False)
    assert out.topics == ["Algebra", "Graphs"] and out.homework_id is None
    with pytest.raises(Conflict, match="already"):
        reports.write_lesson_report(env.db, actor=env.tutor, booking_id=booked.id, topics=["x"])
    view = reports.get_lesson_report(env.db, actor=env.student, booking_id=booked.id)
    assert view.report is not None and view.report.notes == "Well done" and view.can_write is False


def test_homework_flow_offline(env, make_user):
    booked = ended_lesson(env)
    out = report_with_homework(env, booked)
    assert out.homework_status == "generating"
    assert homework.generate_homework(homework_id=out.homework_id, use_llm=False) == "draft"
    env.db.expire_all()
    # A draft is the tutor's only.
    with pytest.raises(NotFound):
        homework.get_homework(env.db, actor=env.student, homework_id=out.homework_id)
    draft = homework.get_homework(env.db, actor=env.tutor, homework_id=out.homework_id)
    assert draft.source == "offline" and draft.status == "draft"
    assert any("negative root" in e.prompt for e in draft.exercises)
    now = START + timedelta(hours=2)
    sent = homework.send_homework(env.db, actor=env.tutor, homework_id=draft.id,
                                  exercises=["Solve x^2 = 9", "Explain the discriminant"],
                                  due_at=(now + timedelta(days=3)).isoformat(), now=now)
    assert sent.status == "assigned" and len(sent.exercises) == 2
    with pytest.raises(Forbidden):
        homework.submit_homework(env.db, actor=env.tutor, homework_id=draft.id, answers=["x"])
    with pytest.raises(NotFound):
        homework.submit_homework(env.db, actor=make_user(Role.STUDENT), homework_id=draft.id, answers=["x"])
    with pytest.raises(Conflict) as empty:  # nothing written and no file attached yet: the homework's state, 409
        homework.submit_homework(env.db, actor=env.student, homework_id=draft.id, answers=[])
    assert empty.value.fields == {"answers": "write an answer or attach a file first"}
    with pytest.raises(Conflict):  # more answers than this homework has exercises
        homework.submit_homework(env.db, actor=env.student, homework_id=draft.id, answers=["a", "b", "c"])
    homework.attach_homework_file(env.db, actor=env.student, homework_id=draft.id, filename="work.pdf",
                                  data=PDF_BYTES, now=now)
    with pytest.raises(InvalidInput):
        homework.attach_homework_file(env.db, actor=env.student, homework_id=draft.id, filename="x.exe",
                                      data=b"MZ not a document")
    done = homework.submit_homework(env.db, actor=env.student, homework_id=draft.id, answers=["x = 3 or x = -3"],
                                    now=now)
    assert done.status == "submitted" and done.exercises[0].answer == "x = 3 or x = -3" and len(done.files) == 1
    name, kind, data = homework.read_homework_file(env.db, actor=env.tutor, homework_id=draft.id,
                                                   file_id=done.files[0].id)
    assert (name, kind, data) == ("work.pdf", "application/pdf", PDF_BYTES)
    with pytest.raises(Forbidden):
        homework.review_homework(env.db, actor=env.student, homework_id=draft.id, score=100)
    with pytest.raises(InvalidInput):
        homework.review_homework(env.db, actor=env.tutor, homework_id=draft.id, score=101)
    reviewed = homework.review_homework(env.db, actor=env.tutor, homework_id=draft.id, score=80,
                                        feedback=["Both roots: well done"], overall="Good", now=now)
    assert (reviewed.status, reviewed.score, reviewed.exercises[0].feedback) == ("reviewed", 80, "Both roots: well done")
    seen = homework.get_homework(env.db, actor=env.student, homework_id=draft.id)
    assert seen.score == 80 and seen.viewer == "student"
    with pytest.raises(Conflict):
        homework.submit_homework(env.db, actor=env.student, homework_id=draft.id, answers=["again"])


def test_overdue_guardian_view_and_isolation(env, make_user):
    booked = ended_lesson(env)
    out = report_with_homework(env, booked)
    homework.generate_homework(homework_id=out.homework_id, use_llm=False)
    env.db.expire_all()
    now = START + timedelta(hours=2)
    homework.send_homework(env.db, actor=env.tutor, homework_id=out.homework_id,
                           due_at=(now + timedelta(days=1)).isoformat(), now=now)
    guardian, other_guardian = make_user(Role.GUARDIAN), make_user(Role.GUARDIAN)
    other_child = make_user(Role.STUDENT)
    for g, child in ((guardian, env.student), (other_guardian, other_child)):
        env.db.add(GuardianLink(student_id=child.id, guardian_email=g.email or "", guardian_id=g.id, status="active",
                                expires_at=now + timedelta(days=1)))
    env.db.commit()
    later = now + timedelta(days=2)
    mine = homework.list_homework(env.db, actor=guardian, now=later)
    assert [h.id for h in mine] == [out.homework_id] and mine[0].overdue and mine[0].viewer == "guardian"
    assert homework.list_homework(env.db, actor=env.student, now=later)[0].overdue
    assert homework.list_homework(env.db, actor=env.tutor, now=later)[0].overdue
    assert homework.list_homework(env.db, actor=other_guardian, now=later) == []
    with pytest.raises(NotFound):
        homework.get_homework(env.db, actor=other_guardian, homework_id=out.homework_id)
    with pytest.raises(NotFound):
        homework.list_homework(env.db, actor=other_guardian, student_id=env.student.id)
    with pytest.raises(Forbidden):
        homework.submit_homework(env.db, actor=guardian, homework_id=out.homework_id, answers=["x"])


def test_claude_homework_and_its_fallback(env, claude):
    booked = ended_lesson(env)
    out = report_with_homework(env, booked)
    claude.script = [("tool", {"title": "Roots", "exercises": [{"prompt": "Solve x^2=4", "topic": "Quadratics"}]})]
    assert homework.generate_homework(homework_id=out.homework_id) == "draft"
    env.db.expire_all()
    got = homework.get_homework(env.db, actor=env.tutor, homework_id=out.homework_id)
    assert (got.source, got.title, got.exercises[0].prompt) == ("claude", "Roots", "Solve x^2=4")
    sent = claude.requests[0]
    assert "forgot the negative root" in sent["messages"][0]["content"]
    assert "forgot the negative root" not in sent["system"]


def test_claude_overloaded_homework_falls_back(env, claude):
    booked = ended_lesson(env)
    out = report_with_homework(env, booked)
    claude.script = [("status", 529)]
    homework.generate_homework(homework_id=out.homework_id)
    env.db.expire_all()
    assert homework.get_homework(env.db, actor=env.tutor, homework_id=out.homework_id).source == "offline"


def test_progress_view_and_monthly_report(env, make_user):
    from tutorhub.services.learning import progress, study_plans

    booked = ended_lesson(env)
    out = report_with_homework(env, booked)
    homework.generate_homework(homework_id=out.homework_id, use_llm=False)
    env.db.expire_all()
    now = START + timedelta(hours=2)
    homework.send_homework(env.db, actor=env.tutor, homework_id=out.homework_id, now=now)
    homework.submit_homework(env.db, actor=env.student, homework_id=out.homework_id, answers=["a"], now=now)
    homework.review_homework(env.db, actor=env.tutor, homework_id=out.homework_id, score=70, now=now)
    plan = study_plans.request_study_plan(env.db, actor=env.student, subject="maths", grade="high", goal="exam",
                                          hours_per_week=3, now=now)
    env.db.commit()
    study_plans.generate_study_plan(plan_id=plan.id, use_llm=False, now=now)
    env.db.expire_all()
    got = progress.student_progress(env.db, actor=env.student, now=now)
    month = START.strftime("%Y-%m")
    assert got.lessons == 1 and got.total_hours == 1.0
    assert got.hours_by_month == [{"month": month, got.subjects[0]: 1.0}]
    assert [s.score for s in got.scores] == [70] and got.average_score == 70
    assert got.plans[0].progress == 0 and got.reports[0].topics == "Quadratic equations"
    tutor_view = progress.student_progress(env.db, actor=env.tutor, student_id=env.student.id, now=now)
    assert tutor_view.viewer == "tutor" and tutor_view.lessons == 1
    with pytest.raises(NotFound):
        progress.student_progress(env.db, actor=make_user(Role.GUARDIAN), student_id=env.student.id)
    name, text = progress.monthly_report(env.db, actor=env.student, student_id=env.student.id, month=month, now=now)
    assert name.endswith(f"{month}.txt") and "70/100" in text and "Quadratic equations" in text
    with pytest.raises(InvalidInput):
        progress.monthly_report(env.db, actor=env.student, student_id=env.student.id, month="2027-13")
