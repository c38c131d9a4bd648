"""Working on a plan: the student ticks tasks off; the student's tutors add, move and remove
tasks; the student, guardians and tutors comment. Every change is kept with who made it
(`study_plan_events`) and read back as the plan's history.

A tutor's add or move may not push a week past the student's hours per week: the plan stays
something the student can actually do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.base import utcnow
from tutorhub.models.learning import PlanStatus, StudyPlan, StudyPlanEvent, StudyPlanTask
from tutorhub.services.actor import UserOut
from tutorhub.services.errors import Conflict, Forbidden, NotFound
from tutorhub.services.learning.access import STUDENT, TUTOR
from tutorhub.services.learning.plan_schema import WEEKS
from tutorhub.services.learning.plan_views import PlanTaskOut, task_out
from tutorhub.services.learning.study_plans import load_plan
from tutorhub.services.validation import check_fields, clean_id, clean_int, clean_text, fail

MAX_COMMENT = 2000
TASK_NOT_FOUND = "Task not found."


class PlanEventOut(BaseModel):
    id: int
    action: str
    who: str
    body: str
    task_id: int | None
    created_at: str


def _editable(session: Session, actor: UserOut | None, plan_id: Any, *roles: str) -> tuple[StudyPlan, UserOut]:
    plan, user, role = load_plan(session, actor, plan_id)
    if role not in roles:
        raise Forbidden("Only the student ticks tasks off." if roles == (STUDENT,) else
                        "Only the student's tutors can edit the plan.")
    if plan.status != PlanStatus.READY:
        raise Conflict("The plan is still being drafted.")
    return plan, user


def _task(session: Session, plan: StudyPlan, task_id: Any) -> StudyPlanTask:
    tid = clean_id(task_id, TASK_NOT_FOUND)
    task = session.exec(select(StudyPlanTask).where(col(StudyPlanTask.id) == tid,
                                                    col(StudyPlanTask.plan_id) == plan.id)).first()
    if task is None:
        raise NotFound(TASK_NOT_FOUND)
    return task


def _log(session: Session, plan: StudyPlan, user: UserOut, action: str, now: datetime, *, task_id: int | None = None,
         body: str = "") -> None:
    assert plan.id is not None
    session.add(StudyPlanEvent(plan_id=plan.id, actor_id=user.id, action=action, task_id=task_id, body=body[:2000],
                               created_at=now))
    plan.updated_at = now
    session.add(plan)


def _week(value: Any) -> int:
    if isinstance(value, bool):
        raise fail("week", f"must be a week from 1 to {WEEKS}")
    return clean_int(value, "week", minimum=1, maximum=WEEKS)


def _fits(session: Session, plan: StudyPlan, week: int, minutes: int, moving: StudyPlanTask | None = None) -> None:
    used = session.exec(select(func.coalesce(func.sum(StudyPlanTask.minutes), 0)).where(
        col(StudyPlanTask.plan_id) == plan.id, col(StudyPlanTask.week) == week,
        col(StudyPlanTask.id) != (moving.id if moving else -1))).one()
    budget = plan.hours_per_week * 60
    if int(used) + minutes > budget:
        raise Conflict(f"Week {week} already has {int(used)} of the student's {budget} minutes; "
                       f"this task ({minutes} min) does not fit.")


def _place(session: Session, plan: StudyPlan, week: int, topic: str) -> tuple[int, int]:
    """(topic position, task position) for a task appended to `topic` in `week` (a new topic goes last)."""
    rows = session.exec(select(StudyPlanTask).where(col(StudyPlanTask.plan_id) == plan.id,
                                                    col(StudyPlanTask.week) == week)).all()
    same = [r for r in rows if r.topic.lower() == topic.lower()]
    if same:
        return same[0].topic_position, max(r.position for r in same) + 1
    return (max((r.topic_position for r in rows), default=-1) + 1), 0


def set_task_done(session: Session, *, actor: UserOut | None, plan_id: Any, task_id: Any, done: Any,
                  now: datetime | None = None) -> PlanTaskOut:
    """The student ticks a task off (or back on)."""
    now = now or utcnow()
    if not isinstance(done, bool):
        raise fail("done", "must be true or false")
    plan, user = _editable(session, actor, plan_id, STUDENT)
    task = _task(session, plan, task_id)
    if task.done != done:
        task.done, task.done_at = done, (now if done else None)
        session.add(task)
        _log(session, plan, user, "done" if done else "undone", now, task_id=task.id, body=task.title)
        session.flush()
    return task_out(task, plan.subject)


def add_plan_task(session: Session, *, actor: UserOut | None, plan_id: Any, week: Any, topic: Any, title: Any,
                  description: Any = "", minutes: Any = 30, book_lesson: Any = False,
                  now: datetime | None = None) -> PlanTaskOut:
    """A tutor adds a task to a week's topic (a new topic when the title is new)."""
    now = now or utcnow()
    plan, user = _editable(session, actor, plan_id, TUTOR)
    v = check_fields([
        ("week", lambda: _week(week)),
        ("topic", lambda: clean_text(topic, "topic", max_len=120, required=True)),
        ("title", lambda: clean_text(title, "title", max_len=160, required=True)),
        ("description", lambda: clean_text(description, "description", max_len=600, multiline=True)),
        ("minutes", lambda: clean_int(minutes, "minutes", minimum=5, maximum=600)),
    ])
    _fits(session, plan, v["week"], v["minutes"])
    topic_pos, pos = _place(session, plan, v["week"], v["topic"])
    assert plan.id is not None
    task = StudyPlanTask(plan_id=plan.id, week=v["week"], topic_position=topic_pos, topic=v["topic"], position=pos,
                         title=v["title"], description=v["description"], minutes=v["minutes"],
                         book_lesson=book_lesson is True)
    session.add(task)
    session.flush()
    _log(session, plan, user, "added", now, task_id=task.id, body=f"{task.title} (week {task.week}, {task.topic})")
    session.flush()
    return task_out(task, plan.subject)


def move_plan_task(session: Session, *, actor: UserOut | None, plan_id: Any, task_id: Any, week: Any,
                   topic: Any = None, now: datetime | None = None) -> PlanTaskOut:
    """A tutor moves a task to another week (and optionally another topic)."""
    now = now or utcnow()
    plan, user = _editable(session, actor, plan_id, TUTOR)
    task = _task(session, plan, task_id)
    target = _week(week)
    name = clean_text(topic, "topic", max_len=120) if topic not in (None, "") else task.topic
    _fits(session, plan, target, task.minutes, moving=task)
    before = f"week {task.week}, {task.topic}"
    task.topic_position, task.position = _place(session, plan, target, name)
    task.week, task.topic = target, name
    session.add(task)
    _log(session, plan, user, "moved", now, task_id=task.id, body=f"{task.title}: {before} → week {target}, {name}")
    session.flush()
    return task_out(task, plan.subject)


def remove_plan_task(session: Session, *, actor: UserOut | None, plan_id: Any, task_id: Any,
                     now: datetime | None = None) -> None:
    """A tutor removes a task (its history stays)."""
    now = now or utcnow()
    plan, user = _editable(session, actor, plan_id, TUTOR)
    task = _task(session, plan, task_id)
    _log(session, plan, user, "removed", now, task_id=task.id, body=f"{task.title} (week {task.week}, {task.topic})")
    session.delete(task)
    session.flush()


def comment_on_plan(session: Session, *, actor: UserOut | None, plan_id: Any, body: Any,
                    now: datetime | None = None) -> PlanEventOut:
    """The student, a guardian or a tutor leaves a comment on the plan."""
    now = now or utcnow()
    text = clean_text(body, "body", max_len=MAX_COMMENT, required=True, multiline=True)
    plan, user, _ = load_plan(session, actor, plan_id)
    _log(session, plan, user, "comment", now, body=text)
    session.flush()
    event = session.exec(select(StudyPlanEvent).where(col(StudyPlanEvent.plan_id) == plan.id)
                         .order_by(col(StudyPlanEvent.id).desc())).first()
    assert event is not None and event.id is not None
    return PlanEventOut(id=event.id, action="comment", who=user.full_name, body=text, task_id=None,
                        created_at=now.isoformat())


def plan_history(session: Session, *, actor: UserOut | None, plan_id: Any, limit: int = 100) -> list[PlanEventOut]:
    """Every change and comment, newest first, with who made it."""
    plan, _, _ = load_plan(session, actor, plan_id)
    rows = session.exec(select(StudyPlanEvent, User.full_name).outerjoin(User, col(User.id) == col(StudyPlanEvent.actor_id))
                        .where(col(StudyPlanEvent.plan_id) == plan.id)
                        .order_by(col(StudyPlanEvent.id).desc()).limit(limit)).all()
    return [PlanEventOut(id=e.id or 0, action=e.action, who=name or "TutorHub", body=e.body, task_id=e.task_id,
                         created_at=e.created_at.isoformat()) for e, name in rows]
