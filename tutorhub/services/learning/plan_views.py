"""What a study plan looks like to the people allowed to see it (plain data, never ORM rows)."""

from __future__ import annotations

from urllib.parse import urlencode

from pydantic import BaseModel
from sqlmodel import Session, col, select

from tutorhub.models.learning import StudyPlan, StudyPlanTask
from tutorhub.services.catalog import subject_label
from tutorhub.services.learning.access import student_name
from tutorhub.services.learning.plan_schema import WEEKS
from tutorhub.services.learning.syllabus import grade_text


class PlanTaskOut(BaseModel):
    id: int
    title: str
    description: str
    minutes: int
    done: bool
    book_lesson: bool
    book_url: str | None  # find a tutor for this subject (shown when the plan suggests a lesson)
    week: int
    topic: str


class PlanTopicOut(BaseModel):
    title: str
    tasks: list[PlanTaskOut]


class PlanWeekOut(BaseModel):
    week: int
    topics: list[PlanTopicOut]
    minutes: int
    done: int
    total: int


class PlanCreated(BaseModel):
    id: int
    status: str


class StudyPlanOut(BaseModel):
    id: int
    status: str  # generating | ready
    source: str  # claude | offline ("" while generating)
    student_id: int
    student_name: str
    subject: str
    subject_label: str
    grade: str
    grade_label: str
    goal: str
    exam_date: str | None
    hours_per_week: int
    weak_areas: list[str]
    fallback_reason: str
    created_at: str
    progress: int  # percent of tasks done
    weeks: list[PlanWeekOut]
    viewer: str  # student | guardian | tutor: what the page offers (tick, edit, comment)


class PlanSummary(BaseModel):
    id: int
    student_id: int
    student_name: str
    status: str
    source: str
    subject_label: str
    goal: str
    progress: int
    created_at: str


def book_url(subject: str) -> str:
    return "/tutors?" + urlencode({"subject": subject})


def task_out(task: StudyPlanTask, subject: str) -> PlanTaskOut:
    assert task.id is not None
    return PlanTaskOut(id=task.id, title=task.title, description=task.description, minutes=task.minutes,
                       done=task.done, book_lesson=task.book_lesson,
                       book_url=book_url(subject) if task.book_lesson else None, week=task.week, topic=task.topic)


def plan_tasks(session: Session, plan_id: int) -> list[StudyPlanTask]:
    return list(session.exec(select(StudyPlanTask).where(col(StudyPlanTask.plan_id) == plan_id).order_by(
        col(StudyPlanTask.week), col(StudyPlanTask.topic_position), col(StudyPlanTask.position),
        col(StudyPlanTask.id))).all())


def progress_of(tasks: list[StudyPlanTask]) -> int:
    return round(100 * sum(t.done for t in tasks) / len(tasks)) if tasks else 0


def plan_out(session: Session, plan: StudyPlan, viewer: str) -> StudyPlanOut:
    assert plan.id is not None
    tasks = plan_tasks(session, plan.id)
    weeks: list[PlanWeekOut] = []
    for number in range(1, WEEKS + 1):
        topics: list[PlanTopicOut] = []
        mine = [t for t in tasks if t.week == number]
        for task in mine:
            if not topics or topics[-1].title != task.topic:
                topics.append(PlanTopicOut(title=task.topic, tasks=[]))
            topics[-1].tasks.append(task_out(task, plan.subject))
        weeks.append(PlanWeekOut(week=number, topics=topics, minutes=sum(t.minutes for t in mine),
                                 done=sum(t.done for t in mine), total=len(mine)))
    return StudyPlanOut(
        id=plan.id, status=plan.status, source=plan.source, student_id=plan.student_id,
        student_name=student_name(session, plan.student_id), subject=plan.subject,
        subject_label=subject_label(plan.subject), grade=plan.grade, grade_label=grade_text(plan.grade),
        goal=plan.goal, exam_date=plan.exam_date.isoformat() if plan.exam_date else None,
        hours_per_week=plan.hours_per_week, weak_areas=list(plan.weak_areas), fallback_reason=plan.fallback_reason,
        created_at=plan.created_at.isoformat(), progress=progress_of(tasks), weeks=weeks, viewer=viewer,
    )


def plan_summary(session: Session, plan: StudyPlan) -> PlanSummary:
    assert plan.id is not None
    return PlanSummary(id=plan.id, student_id=plan.student_id, student_name=student_name(session, plan.student_id),
                       status=plan.status, source=plan.source, subject_label=subject_label(plan.subject),
                       goal=plan.goal, progress=progress_of(plan_tasks(session, plan.id)),
                       created_at=plan.created_at.isoformat())
