"""The demo seeds published video courses with a real (tiny) video, student2 enrolled part-way through
(paid from the wallet), student3 enrolled with credit minutes, and keeps the ledger clean."""

from __future__ import annotations

from sqlmodel import select

from tutorhub.demo.seed import seed_demo
from tutorhub.integrations.storage import get_local_video_store
from tutorhub.models import CourseChapter, CourseCreditSpend, CourseEnrolment, User
from tutorhub.models.base import utcnow
from tutorhub.services.actor import to_user_out
from tutorhub.services.courses import queries
from tutorhub.services.ops.ledger_verify import verify_ledger
from tutorhub.services.uploads import sniff_video_type


def test_the_demo_has_courses_to_watch(db):
    seed_demo(db, tutors=12)
    db.commit()
    found = queries.search_courses(db)
    assert found.total == 2 and {c.price_minor for c in found.items} == {0, 2900}
    student = to_user_out(db.exec(select(User).where(User.email == "student2@tutorhub.test")).one())
    paid = next(c for c in found.items if c.price_minor)
    page = queries.get_course(db, viewer=student, course_id=paid.id)
    assert page.enrolment_status == "ACTIVE" and page.progress_percent == 33 and page.rating == 5.0
    assert all(c.playable for c in page.chapters) and "<code>2x + 3 = 11</code>" in page.chapters[0].notes_html
    chapter = db.get(CourseChapter, page.chapters[0].id)
    head = get_local_video_store().head(chapter.video_key)
    assert sniff_video_type(head) == ("video/webm", "webm")
    credits_student = to_user_out(db.exec(select(User).where(User.email == "student3@tutorhub.test")).one())
    assert queries.get_course(db, viewer=credits_student, course_id=paid.id).enrolment_status == "ACTIVE"
    row = db.exec(select(CourseEnrolment).where(CourseEnrolment.student_id == credits_student.id)).one()
    spent = sum(s.minutes for s in db.exec(select(CourseCreditSpend).where(CourseCreditSpend.enrolment_id == row.id)))
    assert row.method == "credits" and spent == page.credit_price_minutes and spent > 0
    assert verify_ledger(db, now=utcnow()) == []
