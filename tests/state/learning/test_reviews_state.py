"""Reviews on the public tutor profile: newest first, "More reviews" pages on, a cap on how far
back it goes, and an unknown or unpublished tutor shows no section."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.state.conftest import toasts
from tests.support.booking_world import day_ahead, make_world
from tutorhub.models.bookings import Review
from tutorhub.state.learning import reviews as reviews_state
from tutorhub.state.learning.reviews import TutorReviewsState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    """The booking world's tutor with 7 reviews by Sam, the newest (comment 'review 6') first."""
    w = make_world(db, make_user, make_approved_tutor)
    first = datetime(2027, 1, 1, tzinfo=UTC)
    for n in range(7):
        booking = w.book(day_ahead(2 + n))
        db.add(
            Review(
                booking_id=booking.id,
                tutor_id=w.tutor_id,
                student_id=w.student.id,
                rating=1 + n % 5,
                comment=f"review {n}",
                reply="thanks" if n == 6 else "",
                created_at=first + timedelta(days=n),
            )
        )
    db.commit()
    return w


def _open(browser, path: str) -> TutorReviewsState:
    browser.goto(path, route="/tutors/[tutor_id]")
    page = browser.state(TutorReviewsState)
    browser.run(page.load())
    return page


def test_reviews_page_newest_first_and_more_appends(browser, world):
    page = _open(browser, f"/tutors/{world.tutor_id}")
    assert page.reviews_status == "ready" and page.reviews_total == 7
    assert (page.reviews_page, page.reviews_pages) == (1, 2)
    assert [r.comment for r in page.review_rows] == [f"review {n}" for n in (6, 5, 4, 3, 2)]
    top = page.review_rows[0]
    assert top.author == "Sam" and top.rating == 2 and top.stars == "★★☆☆☆" and top.reply == "thanks"
    browser.run(page.more_reviews())
    assert [r.comment for r in page.review_rows] == [f"review {n}" for n in range(6, -1, -1)]
    assert page.reviews_page == 2
    browser.run(page.more_reviews())  # nothing further: unchanged
    assert len(page.review_rows) == 7 and page.reviews_page == 2
    browser.run(page.load())  # a fresh load starts again from the newest
    assert len(page.review_rows) == 5 and page.reviews_page == 1


def test_more_reviews_stops_at_the_cap(browser, world, monkeypatch):
    monkeypatch.setattr(reviews_state, "MAX_SHOWN", 5)
    page = _open(browser, f"/tutors/{world.tutor_id}")
    events = browser.run(page.more_reviews())
    assert toasts(events, "info") and len(page.review_rows) == 5 and page.reviews_page == 1


@pytest.mark.parametrize("tail", ["999999", "abc", "-1", "9" * 200])
def test_unknown_tutor_hides_the_section(browser, world, tail):
    page = _open(browser, f"/tutors/{tail}")
    assert page.reviews_status == "hidden" and page.review_rows == []
    browser.run(page.more_reviews())
    assert page.reviews_status == "hidden" and page.review_rows == []


def test_unpublished_tutor_hides_the_section(browser, make_user, db):
    from tutorhub.services.scheduling import availability

    draft = make_user("tutor", timezone="Europe/Berlin")
    doc = availability.save_availability(db, actor=draft, data={"weekly": []})
    db.commit()
    page = _open(browser, f"/tutors/{doc.tutor_id}")
    assert page.reviews_status == "hidden"
