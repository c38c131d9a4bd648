"""Demo reviews: past lessons of the demo tutors with real reviews (stars, text, dates, a few
tutor replies), so every number on a card — "★4.6 (7)" — is computed from reviews a visitor can
read on the profile (services/tutors/stats.py recounts them; nothing here writes an aggregate).

The lessons are history (settled months ago), written as rows like the rest of the seed: the
booking services only take lessons in the future. The reviewers are extra student accounts
(reviewer1…@tutorhub.test) so the three demo students' own lesson lists stay empty at first.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tutorhub.models.bookings import Booking, BookingKind, BookingStatus, Review
from tutorhub.models.tutors import TutorProfile, TutorStatus, TutorSubject
from tutorhub.services.accounts.passwords import register
from tutorhub.services.tutors.stats import refresh_tutors_stats

REVIEWERS = [
    ("Priya Nair", "Asia/Kolkata"), ("Lukas Weber", "Europe/Berlin"), ("Emma Clarke", "Europe/London"),
    ("Mateo García", "America/New_York"), ("Aiko Tanaka", "Asia/Singapore"), ("Noah Williams", "America/Los_Angeles"),
    ("Chloe Martin", "Europe/London"), ("Arjun Mehta", "Asia/Kolkata"), ("Sofia Rossi", "Europe/Berlin"),
    ("Liam O'Brien", "Australia/Sydney"), ("Hana Shrestha", "Asia/Kathmandu"), ("Ethan Brown", "America/New_York"),
    ("Mia Schneider", "Europe/Berlin"), ("Ravi Kumar", "Asia/Kolkata"),
]
COMMENTS = {
    5: [
        "Explains things step by step and never makes you feel slow. My exam grade went up a full band.",
        "Brilliant lesson: we worked through three past papers and I finally understand where I lose marks.",
        "Patient, well prepared and always on time. Homework feedback arrives the same evening.",
        "Our son looks forward to every lesson. Clear structure and lots of encouragement.",
        "Made a topic I had struggled with for months feel easy. Highly recommended.",
    ],
    4: [
        "Very helpful and organised. Sometimes a bit fast, but happy to slow down when asked.",
        "Good lesson with useful exercises. I would have liked a short summary at the end.",
        "Knows the syllabus inside out. The first lesson was mostly assessment, the next ones were great.",
        "Friendly and clear. Connection dropped once, but the time was made up.",
    ],
    3: [
        "Knowledgeable, but the lesson felt unstructured. Better once I sent my questions in advance.",
        "Fine overall; started ten minutes late, which was annoying before an exam.",
    ],
    2: ["Nice person, but we spent most of the time on things I already knew."],
}
REPLIES = [
    "Thank you! Great progress this term — keep doing those past papers.",
    "Thanks for the kind words, see you next week.",
    "Thank you for the feedback. I now send a short summary after every lesson.",
    "Sorry about the late start — it will not happen again.",
]
STARS = [5, 5, 5, 5, 4, 4, 4, 3, 2]
REVIEWS_PER_TUTOR = [0, 0, 1, 2, 3, 4, 5, 6, 8, 11]


def _reviewers(session: Session, password: str) -> list[int]:
    ids = []
    for n, (name, zone) in enumerate(REVIEWERS, start=1):
        user = register(session, email=f"reviewer{n}@tutorhub.test", password=password, full_name=name,
                        role="student", timezone=zone)
        ids.append(user.id)
    return ids


def seed_reviews_demo(session: Session, *, now: datetime, password: str) -> int:
    """Past lessons with reviews for the approved demo tutors, then their numbers recounted from
    the reviews; returns how many reviews were written."""
    rng = random.Random(7)
    reviewers = _reviewers(session, password)
    tutors = session.exec(select(TutorProfile).where(col(TutorProfile.status) == TutorStatus.APPROVED)
                          .order_by(col(TutorProfile.id))).all()
    written = 0
    for profile in tutors:
        assert profile.id is not None
        subject = session.exec(select(TutorSubject.subject).where(col(TutorSubject.tutor_id) == profile.id)).first()
        for student_id in rng.sample(reviewers, rng.choice(REVIEWS_PER_TUTOR)):
            start = (now - timedelta(days=rng.randint(4, 320))).replace(
                hour=rng.randint(7, 19), minute=0, second=0, microsecond=0)
            end = start + timedelta(minutes=60)
            booking = Booking(
                student_id=student_id, tutor_id=profile.id, kind=BookingKind.SINGLE, subject=subject or "",
                mode="online", start_at=start, end_at=end, duration_min=60, block_start=start, block_end=end,
                status=BookingStatus.SETTLED, list_price_minor=profile.hourly_rate, price_minor=profile.hourly_rate,
                currency=profile.currency, paid_at=start - timedelta(days=2), confirmed_at=start - timedelta(days=2),
                started_at=start, ended_at=end, actual_minutes=60, settle_after=end + timedelta(hours=48),
                room_key=secrets.token_hex(16), created_at=start - timedelta(days=2), updated_at=end + timedelta(hours=48),
            )
            session.add(booking)
            session.flush()
            stars = rng.choice(STARS)
            reviewed = end + timedelta(hours=rng.randint(1, 60))
            reply = rng.random() < 0.3
            session.add(Review(
                booking_id=booking.id or 0, tutor_id=profile.id, student_id=student_id, rating=stars,
                comment=rng.choice(COMMENTS[stars]), created_at=reviewed,
                reply=rng.choice(REPLIES) if reply else "",
                replied_at=reviewed + timedelta(hours=rng.randint(2, 40)) if reply else None,
            ))
            written += 1
    session.flush()
    refresh_tutors_stats(session, [p.id for p in tutors if p.id is not None], now=now)
    return written
