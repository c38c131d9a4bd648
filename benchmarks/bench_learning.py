"""Learning figures: offline plan generation, and the progress page's queries for a student with
200 lessons and 100 homework items (plus 3 study plans and 100 lesson reports).

Run: `.venv/bin/python benchmarks/bench_learning.py [runs]` (default 200). SQLite in a temporary
directory (the default deployment); the rows are inserted directly, then `offline_plan` and
`progress.student_progress` (the service behind /progress and its API) are timed.
Targets (issue): offline plan p95 ≤ 50 ms; progress queries p95 ≤ 30 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
TMP = Path(tempfile.mkdtemp(prefix="bench-learning-"))
os.environ["REFLEX_DB_URL"] = f"sqlite:///{TMP / 'bench.db'}"
os.environ["TUTORHUB_SEED_DEMO"] = "0"
os.environ.setdefault("TUTORHUB_SECRET_KEY", "bench-secret-key-that-is-long-enough-1234567890")
os.environ["TUTORHUB_STORAGE_DIR"] = str(TMP / "private")

from sqlmodel import Session  # noqa: E402

from tutorhub.db import get_engine  # noqa: E402
from tutorhub.migrations import upgrade_to_head  # noqa: E402
from tutorhub.models import Booking, Homework, LessonReport, TutorProfile, User  # noqa: E402
from tutorhub.services.actor import to_user_out  # noqa: E402
from tutorhub.services.learning import progress, study_plans  # noqa: E402
from tutorhub.services.learning.offline_planner import PlanRequest, offline_plan  # noqa: E402

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
SUBJECTS = ["mathematics", "physics", "chemistry", "english"]


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def seed(session: Session):
    student = User(email="s@example.com", full_name="Sam Bench", role="student")
    tutor = User(email="t@example.com", full_name="Tia Bench", role="tutor")
    session.add_all([student, tutor])
    session.flush()
    profile = TutorProfile(user_id=tutor.id or 0)
    session.add(profile)
    session.flush()
    for i in range(200):
        start = NOW - timedelta(days=400 - 2 * i)
        booking = Booking(student_id=student.id or 0, tutor_id=profile.id or 0, subject=SUBJECTS[i % 4],
                          start_at=start, end_at=start + timedelta(hours=1), duration_min=60, block_start=start,
                          block_end=start + timedelta(hours=1), status="SETTLED", room_key=f"bench-{i}")
        session.add(booking)
        session.flush()
        if i % 2 == 0:
            report = LessonReport(booking_id=booking.id or 0, tutor_id=tutor.id or 0, student_id=student.id or 0,
                                  subject=booking.subject, topics=["Topic"], mistakes=["slip"], notes="ok",
                                  created_at=start + timedelta(hours=1))
            session.add(report)
            session.flush()
            session.add(Homework(report_id=report.id or 0, booking_id=booking.id or 0, tutor_id=tutor.id or 0,
                                 student_id=student.id or 0, title=f"HW {i}", source="offline",
                                 status="reviewed" if i < 180 else "assigned", due_at=start + timedelta(days=5),
                                 exercises=[{"prompt": "x", "topic": "", "answer": "y"}], score=50 + i % 50,
                                 reviewed_at=start + timedelta(days=6) if i < 180 else None))
    actor = to_user_out(student)
    for goal in ("Boards", "Mocks", "Revision"):
        plan = study_plans.request_study_plan(session, actor=actor, subject="maths", grade="cbse-10", goal=goal,
                                              hours_per_week=6, now=NOW)
        study_plans.generate_study_plan_offline(session, plan_id=plan.id, now=NOW)
    session.commit()
    return actor


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    upgrade_to_head()
    with Session(get_engine(), expire_on_commit=False) as session:
        actor = seed(session)
    plan_ms = []
    for i in range(runs):
        request = PlanRequest("mathematics" if i % 2 else "physics", "cbse-10" if i % 3 else "senior", "exam",
                              1 + i % 40, ("trigonometry", "optics")[: i % 3])
        t0 = time.perf_counter()
        offline_plan(request)
        plan_ms.append((time.perf_counter() - t0) * 1000)
    progress_ms = []
    for _ in range(runs):
        with Session(get_engine()) as session:
            t0 = time.perf_counter()
            out = progress.student_progress(session, actor=actor, now=NOW)
            progress_ms.append((time.perf_counter() - t0) * 1000)
    assert out.lessons == 200 and len(out.scores) == 90
    print(f"offline plan:   p50 {statistics.median(plan_ms):.2f} ms  p95 {p95(plan_ms):.2f} ms  (target ≤ 50 ms)")
    print(f"progress reads: p50 {statistics.median(progress_ms):.2f} ms  p95 {p95(progress_ms):.2f} ms  "
          f"(200 lessons, 100 homework; target ≤ 30 ms)")


if __name__ == "__main__":
    main()
