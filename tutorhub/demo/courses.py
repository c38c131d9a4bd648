"""Demo video courses: a published algebra course by the first EUR tutor (a free preview chapter, Markdown
notes, a tiny real WebM video recorded by Chromium — assets/demo_chapter.webm) with student2 enrolled and
part-way through (paid from the wallet) and student3 enrolled with credit minutes, a free study-skills
course, and a draft — created through the course services (the upload goes through the same start →
part → complete path and content check as a browser's)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.courses import Course
from tutorhub.models.credits import LotSource
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.actor import to_user_out
from tutorhub.services.billing import credits
from tutorhub.services.courses import building, course_credits, enrolment, uploads, watching
from tutorhub.services.errors import DomainError

VIDEO = Path(__file__).resolve().parent / "assets" / "demo_chapter.webm"
NOTES = ("## What you will learn\n\n- What a variable stands for\n- Solving `2x + 3 = 11` step by step\n\n"
         "**Tip:** pause the video and try each example first. More in [the syllabus](https://example.org).")
DEMO_COURSES = [
    ("Algebra in short videos", "mathematics", "high", 2900,
     ["Welcome and what you need", "Variables and expressions", "Solving linear equations"], True),
    ("Study skills: plan your week", "english", "", 0, ["Why plans fail", "A weekly plan that works"], True),
    ("Trigonometry basics (draft)", "mathematics", "senior", 3900, ["Angles and ratios"], False),
]


def _enrol_with_credits(session: Session, student: User, course_id: int, now: datetime) -> None:
    """An enrolment paid with credit minutes: the demo grants exactly the course's minutes first (so other
    demo balances are untouched), then enrols through the same use case as the course page."""
    course = session.get(Course, course_id)
    minutes = course_credits.course_minutes(session, course) if course is not None else None
    if student.id is None or minutes is None:
        return
    credits.grant_lot(session, user_id=student.id, minutes=minutes, source=LotSource.ADMIN,
                      source_ref=f"demo:course:{course_id}:{student.id}", expires_at=now + timedelta(days=60), now=now,
                      memo="Demo credit minutes for a course")
    enrolment.enrol(session, actor=to_user_out(student), course_id=course_id, method="credits", now=now)


def seed_courses_demo(session: Session, *, now: datetime) -> int:
    """Create the demo courses; returns how many were published."""
    tutor_row = session.exec(select(User).join(TutorProfile, col(TutorProfile.user_id) == col(User.id)).where(
        col(TutorProfile.status) == TutorStatus.APPROVED, col(TutorProfile.currency) == "EUR",
    ).order_by(col(User.id))).first()
    student_row = session.exec(select(User).where(col(User.email) == "student2@tutorhub.test")).first()
    credits_row = session.exec(select(User).where(col(User.email) == "student3@tutorhub.test")).first()
    if tutor_row is None or not VIDEO.is_file():
        return 0
    tutor, data = to_user_out(tutor_row), VIDEO.read_bytes()
    published = 0
    for title, subject, grade, price, chapters, publish in DEMO_COURSES:
        try:
            cid = building.create_course(session, actor=tutor, now=now, data={
                "title": title, "subject": subject, "grade": grade, "price_minor": price, "currency": "EUR",
                "description": f"{title}: short recorded lessons you can watch at your own pace, with notes."})["id"]
            ids = [building.add_chapter(session, actor=tutor, course_id=cid, now=now,
                                        data={"title": name, "notes_md": NOTES, "preview": i == 0})["id"]
                   for i, name in enumerate(chapters)]
            for chapter_id in ids:
                uploads.import_video(session, actor=tutor, course_id=cid, chapter_id=chapter_id, data=data,
                                     filename="demo_chapter.webm", now=now)
            if not publish:
                continue
            building.publish_course(session, actor=tutor, course_id=cid, now=now)
            published += 1
            if student_row is not None and published == 1:
                student = to_user_out(student_row)
                enrolment.enrol(session, actor=student, course_id=cid, method="wallet", now=now)
                watching.record_progress(session, actor=student, course_id=cid, chapter_id=ids[0], position_s=3.8,
                                         duration_s=4.0, now=now)
                watching.review_course(session, actor=student, course_id=cid, rating=5, now=now,
                                       body="Short, clear videos — the notes help a lot.")
            if credits_row is not None and published == 1:
                _enrol_with_credits(session, credits_row, cid, now)
        except DomainError:
            continue  # e.g. student2's wallet is short: the course stays, unbought
    return published
