"""Class reviews: only students who attended a session, once each, shown with their average; the
tutor's lesson rating is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.booking import NOW
from tests.support.classes import funded_students, published_class
from tutorhub.models import ClassReview, Role, TutorProfile
from tutorhub.services.classes import attendance, class_reviews, seats
from tutorhub.services.classes.access import class_sessions
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound


@pytest.fixture
def attended(env):
    """A class of 3: `a` came (present), `b` was marked absent, `c` is enrolled and never marked."""
    class_id = published_class(env.db, env.tutor, NOW, capacity=3, min_size=1)
    a, b, c = funded_students(env.db, env.make_user, 3)
    for s in (a, b, c):
        seats.enrol(env.db, actor=s, class_id=class_id, now=NOW)
    first = class_sessions(env.db, class_id)[0]
    at = first.start_at + timedelta(minutes=5)
    for s, mark in ((a, "present"), (b, "absent")):
        attendance.mark_attendance(env.db, actor=env.tutor, class_id=class_id, session_id=first.id, student_id=s.id,
                                   status=mark, now=at)
    env.db.commit()
    return class_id, (a, b, c)


def test_a_student_who_attended_reviews_once_and_it_is_listed(env, attended):
    class_id, (a, *_) = attended
    assert class_reviews.class_reviews(env.db, viewer=a, class_id=class_id).can_review
    out = class_reviews.review_class(env.db, actor=a, class_id=class_id, rating=4, comment="Clear and friendly")
    assert out.rating == 4
    with pytest.raises(Conflict):
        class_reviews.review_class(env.db, actor=a, class_id=class_id, rating=5)
    listing = class_reviews.class_reviews(env.db, viewer=None, class_id=class_id)
    assert listing.count == 1 and listing.average == 4.0 and listing.items[0].comment == "Clear and friendly"
    assert not class_reviews.class_reviews(env.db, viewer=a, class_id=class_id).can_review


def test_absent_unmarked_outsiders_and_tutors_cannot_review(env, attended):
    class_id, (_, b, c) = attended
    outsider = env.make_user(Role.STUDENT)
    for who in (b, c, outsider):
        assert not class_reviews.class_reviews(env.db, viewer=who, class_id=class_id).can_review
        with pytest.raises(Forbidden):
            class_reviews.review_class(env.db, actor=who, class_id=class_id, rating=5)
    with pytest.raises(Forbidden):
        class_reviews.review_class(env.db, actor=env.tutor, class_id=class_id, rating=5)
    with pytest.raises(NotAuthenticated):
        class_reviews.review_class(env.db, actor=None, class_id=class_id, rating=5)
    assert env.db.exec(ClassReview.__table__.select()).all() == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(("rating", "comment"), [(0, ""), (6, ""), ("five", ""), (None, ""), (3, "x" * 2001),
                                                 (3, ["list"])])
def test_bad_ratings_and_comments_are_refused(env, attended, rating, comment):
    class_id, (a, *_) = attended
    with pytest.raises(InvalidInput):
        class_reviews.review_class(env.db, actor=a, class_id=class_id, rating=rating, comment=comment)


def test_unknown_and_draft_classes_are_404(env, attended):
    from tests.support.classes import class_body
    from tutorhub.services.classes import classes

    _, (a, *_) = attended
    draft = classes.create_class(env.db, actor=env.tutor, data=class_body(first_start_local="2027-05-04T17:00"),
                                 now=NOW)
    for cid in (draft.id, 99999, "nope"):
        with pytest.raises(NotFound):
            class_reviews.review_class(env.db, actor=a, class_id=cid, rating=5)
        with pytest.raises(NotFound):
            class_reviews.class_reviews(env.db, viewer=a, class_id=cid)


def test_class_reviews_leave_the_tutors_lesson_rating_alone(env, attended):
    class_id, (a, *_) = attended
    before = env.db.get(TutorProfile, env.tutor_id)
    rating_before = (before.rating_avg, before.rating_count)
    class_reviews.review_class(env.db, actor=a, class_id=class_id, rating=1)
    env.db.commit()
    env.db.expire_all()
    after = env.db.get(TutorProfile, env.tutor_id)
    assert (after.rating_avg, after.rating_count) == rating_before
