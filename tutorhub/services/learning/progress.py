"""The progress view for a student, their guardians and their tutors: hours taught per subject per
month, study plan completion, homework scores, the latest lesson reports — and a monthly report
as plain text to print or download.

A tutor sees only what happened with them (their lessons, homework and reports), plus the plans.
Every part is one query whatever the history's length (a student with 200 lessons and 100
homework items reads in a few milliseconds; benchmarks/bench_learning.py measures it).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import case
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking, BookingStatus
from tutorhub.models.learning import Homework, HomeworkStatus, LessonReport, StudyPlan, StudyPlanTask
from tutorhub.services.actor import UserOut
from tutorhub.services.catalog import subject_label
from tutorhub.services.learning.access import TUTOR, student_name, tutor_profile_id, viewer_role
from tutorhub.services.validation import clean_id, fail

TAUGHT = (BookingStatus.COMPLETED, BookingStatus.SETTLED, BookingStatus.DISPUTED)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class PlanProgress(BaseModel):
    id: int
    title: str
    progress: int


class ScorePoint(BaseModel):
    title: str
    date: str
    score: int


class ReportSummary(BaseModel):
    booking_id: int
    date: str
    subject: str
    topics: str
    mistakes: str
    notes: str


class ProgressOut(BaseModel):
    student_id: int
    student_name: str
    viewer: str
    subjects: list[str]  # labels, the keys of each month row besides "month"
    hours_by_month: list[dict[str, Any]]  # [{"month": "2027-03", "Mathematics": 4.5, ...}] oldest first
    total_hours: float
    lessons: int
    plans: list[PlanProgress]
    scores: list[ScorePoint]  # reviewed homework, oldest first
    average_score: int | None
    open_homework: int
    overdue_homework: int
    reports: list[ReportSummary]  # newest first


def _month(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m")


def student_progress(session: Session, *, actor: UserOut | None, student_id: Any = None, months: int = 12,
                     now: datetime | None = None) -> ProgressOut:
    now = now or utcnow()
    child = actor.id if actor is not None and actor.role == "student" and student_id in (None, "") else \
        clean_id(student_id, "No such student.")
    user, role = viewer_role(session, actor, child, "No such student.")
    only_tutor = tutor_profile_id(session, user.id) if role == TUTOR else None

    lessons_q = select(Booking.start_at, Booking.duration_min, Booking.subject).where(
        col(Booking.student_id) == child, col(Booking.status).in_(TAUGHT))
    if only_tutor is not None:
        lessons_q = lessons_q.where(col(Booking.tutor_id) == only_tutor)
    per_month: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    total_min, count = 0, 0
    for start_at, minutes, subject in session.exec(lessons_q).all():
        per_month[_month(start_at)][subject_label(subject or "general")] += minutes / 60
        total_min, count = total_min + minutes, count + 1
    keys = sorted(per_month)[-months:]
    subjects = sorted({s for m in keys for s in per_month[m]})
    rows = [{"month": m, **{s: round(per_month[m].get(s, 0.0), 2) for s in subjects}} for m in keys]

    plans = session.exec(select(StudyPlan).where(col(StudyPlan.student_id) == child)
                         .order_by(col(StudyPlan.id).desc()).limit(10)).all()
    done: dict[int, tuple[int, int]] = {}
    if plans:
        for pid, total, ticked in session.exec(select(
                StudyPlanTask.plan_id, func.count(), func.sum(case((col(StudyPlanTask.done), 1), else_=0)))
                .where(col(StudyPlanTask.plan_id).in_([p.id for p in plans])).group_by(col(StudyPlanTask.plan_id))).all():
            done[pid] = (int(total), int(ticked or 0))
    plan_rows = []
    for p in plans:
        total, ticked = done.get(p.id or 0, (0, 0))
        plan_rows.append(PlanProgress(id=p.id or 0, title=f"{subject_label(p.subject)}: {p.goal}"[:120],
                                      progress=round(100 * ticked / total) if total else 0))

    # Only the columns the view needs: the JSON columns (exercises, answers) are the costly part to load.
    hw_q = sa_select(col(Homework.title), col(Homework.status), col(Homework.score), col(Homework.reviewed_at),
                     col(Homework.due_at)).where(
        col(Homework.student_id) == child, col(Homework.status).not_in((HomeworkStatus.GENERATING, HomeworkStatus.DRAFT)))
    if role == TUTOR:
        hw_q = hw_q.where(col(Homework.tutor_id) == user.id)
    scores: list[ScorePoint] = []
    open_count = overdue = 0
    for title, status, score, reviewed_at, due_at in session.execute(hw_q.order_by(col(Homework.id))).all():
        if status == HomeworkStatus.REVIEWED and score is not None and reviewed_at is not None:
            scores.append(ScorePoint(title=title, date=reviewed_at.date().isoformat(), score=score))
        elif status == HomeworkStatus.ASSIGNED:
            open_count += 1
            overdue += due_at < now

    rep_q = select(LessonReport).where(col(LessonReport.student_id) == child)  # 5 rows
    if role == TUTOR:
        rep_q = rep_q.where(col(LessonReport.tutor_id) == user.id)
    reports = [ReportSummary(booking_id=r.booking_id, date=r.created_at.date().isoformat(),
                             subject=subject_label(r.subject or "general"), topics=", ".join(r.topics),
                             mistakes=", ".join(r.mistakes), notes=r.notes)
               for r in session.exec(rep_q.order_by(col(LessonReport.id).desc()).limit(5)).all()]
    return ProgressOut(
        student_id=child, student_name=student_name(session, child), viewer=role, subjects=subjects,
        hours_by_month=rows, total_hours=round(total_min / 60, 1), lessons=count, plans=plan_rows, scores=scores,
        average_score=round(sum(s.score for s in scores) / len(scores)) if scores else None,
        open_homework=open_count, overdue_homework=overdue, reports=reports)


def monthly_report(session: Session, *, actor: UserOut | None, student_id: Any, month: Any,
                   now: datetime | None = None) -> tuple[str, str]:
    """(file name, plain text) of one month's progress report, for printing or download."""
    match = _MONTH_RE.match(month) if isinstance(month, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise fail("month", "must be a month like 2027-03")
    data = student_progress(session, actor=actor, student_id=student_id, months=120, now=now)
    row = next((r for r in data.hours_by_month if r["month"] == month), {"month": month})
    hours = {k: v for k, v in row.items() if k != "month" and v}
    scores = [s for s in data.scores if s.date.startswith(month)]
    reports = [r for r in data.reports if r.date.startswith(month)]
    lines = [f"TutorHub progress report — {data.student_name} — {month}", "",
             "Hours of lessons: " + (", ".join(f"{k} {v:g} h" for k, v in hours.items()) or "none"), "",
             "Study plans:"] + [f"  {p.title}: {p.progress}% done" for p in data.plans] + \
            ["", "Homework reviewed:"] + [f"  {s.date} {s.title}: {s.score}/100" for s in scores] + \
            ["", f"Open homework: {data.open_homework} (overdue: {data.overdue_homework})", "", "Lesson reports:"] + \
            [f"  {r.date} {r.subject} — topics: {r.topics}; mistakes: {r.mistakes or 'none'}; notes: {r.notes}"
             for r in reports]
    safe = re.sub(r"[^A-Za-z0-9]+", "-", data.student_name).strip("-") or "student"
    return f"progress-{safe}-{month}.txt", "\n".join(lines) + "\n"
