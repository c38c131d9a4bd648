"""The demo's numbers are honest: every tutor's review count and rating are computed from the
reviews listed on their profile (with text, dates and some replies), and "Top-rated tutors" is
ordered by the Bayesian rating."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import col, select

from tutorhub.demo.seed import seed_demo
from tutorhub.models import TutorProfile
from tutorhub.models.bookings import Review
from tutorhub.services.learning.reviews import list_tutor_reviews
from tutorhub.services.tutors.search import search_tutors
from tutorhub.services.tutors.stats import bayesian_rating
from tutorhub.services.tutors.top_rated import top_rated_tutors


def test_demo_review_counts_and_ratings_come_from_the_reviews(db):
    seed_demo(db)
    db.commit()
    reviews = db.exec(select(Review)).all()
    by_tutor: dict[int, list[int]] = defaultdict(list)
    for r in reviews:
        by_tutor[r.tutor_id].append(r.rating)
    assert len(reviews) >= 60 and all(r.comment for r in reviews)
    assert sum(1 for r in reviews if r.reply and r.replied_at and r.replied_at > r.created_at) >= 5
    assert len({r.created_at.date() for r in reviews}) >= 30  # spread over months, not one day
    approved = db.exec(select(TutorProfile).where(col(TutorProfile.status) == "APPROVED")).all()
    assert any(p.id not in by_tutor for p in approved)  # some tutors are new (no reviews)
    cards = {c.id: c for c in search_tutors(db, per_page=50).items}
    for p in approved:
        ratings = by_tutor.get(p.id or 0, [])
        assert p.rating_count == len(ratings) == cards[p.id or 0].rating_count
        expected = round(bayesian_rating(sum(ratings), len(ratings)), 2) if ratings else 0.0
        assert p.rating_avg == expected
        listed = list_tutor_reviews(db, tutor_id=p.id, per_page=50)
        assert listed.total == len(ratings) and len(listed.items) == len(ratings)


def test_top_rated_tutors_are_ordered_by_the_bayesian_rating(db):
    seed_demo(db)
    db.commit()
    top = top_rated_tutors(db, limit=6)
    assert len(top) == 6 and all(c.rating_count > 0 for c in top)
    ratings = [c.rating_avg for c in top]
    assert ratings == sorted(ratings, reverse=True)
    best_possible = max(p.rating_avg for p in db.exec(select(TutorProfile)).all())
    assert top[0].rating_avg == best_possible
