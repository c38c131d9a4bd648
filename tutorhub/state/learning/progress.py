"""The progress page (/progress, `?student=<id>` for a guardian or tutor): charts of hours per
subject per month and homework scores, plan completion, the latest reports, and the monthly
report to print or download."""

from __future__ import annotations

from typing import Any

import reflex as rx

from tutorhub.services.errors import NotFound
from tutorhub.services.learning import progress
from tutorhub.services.learning.progress import PlanProgress, ProgressOut, ReportSummary, ScorePoint
from tutorhub.state.base import AppState, read_for_page

SLOTS = 4  # subjects drawn as their own bars; the rest add up under "Other"


def chart_rows(out: ProgressOut) -> tuple[list[dict[str, Any]], list[str]]:
    """Month rows with fixed keys s0..s3 (the chart's bars) and the names behind them."""
    names = out.subjects[:SLOTS] if len(out.subjects) <= SLOTS else [*out.subjects[:SLOTS - 1], "Other"]
    rows = []
    for row in out.hours_by_month:
        values = [float(row.get(s, 0.0)) for s in out.subjects]
        slots = values[:SLOTS] if len(values) <= SLOTS else [*values[:SLOTS - 1], sum(values[SLOTS - 1:])]
        rows.append({"month": row["month"], **{f"s{i}": round(v, 2) for i, v in enumerate(slots)}})
    return rows, names + [""] * (SLOTS - len(names))


class ProgressState(AppState):
    status: str = "loading"  # loading | ready | forbidden | notfound
    student_id: int = 0
    student_name: str = ""
    hour_rows: list[dict[str, Any]] = []
    slot_names: list[str] = [""] * SLOTS
    total_hours: str = ""
    lessons: int = 0
    plans: list[PlanProgress] = []
    scores: list[ScorePoint] = []
    score_rows: list[dict[str, Any]] = []  # the chart's data (recharts takes plain rows)
    average_score: str = "—"
    open_homework: int = 0
    overdue_homework: int = 0
    reports: list[ReportSummary] = []
    months: list[str] = []

    def _forget(self) -> None:
        self.hour_rows, self.plans, self.scores, self.reports, self.student_name = [], [], [], [], ""
        self.score_rows = []

    async def load(self):
        self.status = "loading"
        wanted = str(self.router.url.query_parameters.get("student", ""))[:20]
        try:
            ok, got = await read_for_page(self, lambda s, actor: progress.student_progress(
                s, actor=actor, student_id=wanted or None), forget=self._forget)
        except NotFound:
            self._forget()
            self.status = "notfound"
            return None
        if not ok:
            return got
        self.student_id, self.student_name = got.student_id, got.student_name
        self.hour_rows, self.slot_names = chart_rows(got)
        self.total_hours, self.lessons = f"{got.total_hours:g}", got.lessons
        self.plans, self.scores, self.reports = got.plans, got.scores, got.reports
        self.score_rows = [{"date": p.date, "score": p.score, "title": p.title} for p in got.scores[-50:]]
        self.average_score = "—" if got.average_score is None else f"{got.average_score}/100"
        self.open_homework, self.overdue_homework = got.open_homework, got.overdue_homework
        self.months = [r["month"] for r in got.hours_by_month][::-1]
        self.status = "ready"
        return None

    def print_page(self):
        """The browser's print dialog (a printable view of this page)."""
        return rx.call_script("window.print()")
