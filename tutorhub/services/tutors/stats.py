"""A tutor's public numbers: Bayesian rating, hours taught, response rate and trust score.

They are written to `TutorProfile` (rating_avg, rating_count, hours_taught, response_rate,
trust_score) whenever something behind them changes — a review, a completed lesson, a strike,
an answer to a request, an approval — and nightly for everyone (reliability looks back 90 days,
so it changes with the calendar alone). Search ranks by these columns (services/tutors/search.py).

**Rating** — Bayesian average with a prior of C = 5 reviews at m = 4.0 stars:
    rating = (C·m + Σ ratings) / (C + n)
so one 5-star review gives 4.17, not 5.0, and a long record outweighs the prior. A tutor with no
reviews stores 0 (shown as "new"), so a minimum-rating filter never admits an unrated tutor.

**Response rate** — over the last 90 days, of the paid requests the tutor had to answer, the
percentage they accepted or declined themselves (auto-declines after 24 h count as unanswered);
100 when there were none.

**Response time** — the median, over the last 90 days, of minutes from a request reaching the tutor
to their first answer: a paid booking request (paid_at) to their accept/decline, and an enquiry
reaching their lead inbox to their claim. None (not shown) without any. Shown as "usually replies
within …" and part of the search match score (services/tutors/ranking.py).

**Trust score** (0–100), the sum of five parts:
    verification  20 × [profile approved by an admin]
    rating        30 × (R − 1) / 4, with R the Bayesian rating (the prior 4.0 when unrated)
    experience    15 × min(1, ln(1 + hours taught) / ln(201))  (saturates at 200 hours)
    reliability   25 × (1 − min(1, strikes / max(lessons, 4))) over the last 90 days, where
                  strikes = tutor-side cancellations + tutor no-shows and lessons = bookings
                  confirmed for a time from 90 days ago onward
    response      10 × response rate / 100
rounded to the nearest integer.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from tutorhub.models.base import utcnow
from tutorhub.models.bookings import Booking, BookingEvent, ReliabilityStrike, Review
from tutorhub.models.leads import EnquiryClaim
from tutorhub.models.tutors import TutorProfile, TutorStatus

PRIOR_MEAN = 4.0
PRIOR_WEIGHT = 5
LOOKBACK = timedelta(days=90)
HOURS_SATURATION = 200


def bayesian_rating(total: int, count: int) -> float:
    """Bayesian average of `count` ratings summing to `total` (see the module docstring)."""
    return (PRIOR_WEIGHT * PRIOR_MEAN + total) / (PRIOR_WEIGHT + count)


@dataclass(frozen=True, slots=True)
class TrustInputs:
    approved: bool
    rating: float  # Bayesian; the prior when unrated
    hours_taught: int
    strikes_90d: int
    lessons_90d: int
    response_rate: int  # percent


def trust_score(inputs: TrustInputs) -> int:
    """The documented 0–100 trust score."""
    verification = 20.0 if inputs.approved else 0.0
    rating = 30.0 * max(0.0, min(1.0, (inputs.rating - 1.0) / 4.0))
    experience = 15.0 * min(1.0, math.log1p(max(0, inputs.hours_taught)) / math.log1p(HOURS_SATURATION))
    reliability = 25.0 * (1.0 - min(1.0, inputs.strikes_90d / max(inputs.lessons_90d, 4)))
    response = 10.0 * max(0, min(100, inputs.response_rate)) / 100.0
    return max(0, min(100, round(verification + rating + experience + reliability + response)))


def response_rate(answered: int, unanswered: int) -> int:
    total = answered + unanswered
    return 100 if total == 0 else round(100 * answered / total)


def _grouped(session: Session, statement: object) -> dict[int, tuple[int, ...]]:
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in session.connection().execute(statement)}  # type: ignore[call-overload]


def refresh_tutors_stats(
    session: Session, tutor_ids: list[int] | None = None, *, now: datetime | None = None, recount_reviews: bool = True
) -> int:
    """Recompute and store the numbers of these tutors (all when None); returns tutors updated.

    A handful of grouped queries whatever the count, so the nightly run stays cheap. The nightly
    run passes `recount_reviews=False`: ratings only change when a review is written (which
    recounts them), so it keeps the stored rating and refreshes what moves with the calendar.
    """
    now = now or utcnow()
    since = now - LOOKBACK
    query = select(TutorProfile)
    if tutor_ids is not None:
        if not tutor_ids:
            return 0
        query = query.where(col(TutorProfile.id).in_(tutor_ids))
    profiles = session.exec(query).all()
    ids = [p.id for p in profiles if p.id is not None]
    if not ids:
        return 0
    reviews = (
        _grouped(
            session,
            sa_select(col(Review.tutor_id), func.count(), func.sum(col(Review.rating)))
            .where(col(Review.tutor_id).in_(ids))
            .group_by(col(Review.tutor_id)),
        )
        if recount_reviews
        else {}
    )
    strikes = _grouped(
        session,
        sa_select(col(ReliabilityStrike.tutor_id), func.count())
        .where(col(ReliabilityStrike.tutor_id).in_(ids), col(ReliabilityStrike.created_at) >= since)
        .group_by(col(ReliabilityStrike.tutor_id)),
    )
    lessons = _grouped(
        session,
        sa_select(col(Booking.tutor_id), func.count())
        .where(
            col(Booking.tutor_id).in_(ids),
            col(Booking.confirmed_at).is_not(None),
            col(Booking.start_at) >= since,
        )
        .group_by(col(Booking.tutor_id)),
    )
    answers: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for tid, action, count in session.connection().execute(
        sa_select(col(Booking.tutor_id), col(BookingEvent.action), func.count())
        .join(Booking, col(Booking.id) == col(BookingEvent.booking_id))
        .where(
            col(Booking.tutor_id).in_(ids),
            col(BookingEvent.action).in_(("accept", "decline", "auto_decline")),
            col(BookingEvent.created_at) >= since,
        )
        .group_by(col(Booking.tutor_id), col(BookingEvent.action))
    ):
        answers[tid][1 if action == "auto_decline" else 0] += int(count)
    waits = _response_samples(session, ids, since)
    for profile in profiles:
        tid = profile.id or 0
        profile.response_minutes = round(statistics.median(waits[tid])) if waits.get(tid) else None
        if recount_reviews:
            count, total = reviews.get(tid, (0, 0))
            rating = bayesian_rating(total, count)
            profile.rating_count = count
            profile.rating_avg = round(rating, 2) if count else 0.0
        else:
            rating = profile.rating_avg if profile.rating_count else PRIOR_MEAN
        profile.hours_taught = profile.minutes_taught // 60
        answered, unanswered = answers.get(tid, [0, 0])
        profile.response_rate = response_rate(answered, unanswered)
        profile.trust_score = trust_score(
            TrustInputs(
                approved=profile.status == TutorStatus.APPROVED,
                rating=rating,
                hours_taught=profile.hours_taught,
                strikes_90d=strikes.get(tid, (0,))[0],
                lessons_90d=lessons.get(tid, (0,))[0],
                response_rate=profile.response_rate,
            )
        )
        session.add(profile)
    session.flush()
    return len(profiles)


def _response_samples(session: Session, ids: list[int], since: datetime) -> dict[int, list[float]]:
    """Minutes to first answer per tutor (booking requests and lead claims, see the docstring)."""
    out: dict[int, list[float]] = defaultdict(list)
    for tid, paid_at, answered_at in session.connection().execute(
        sa_select(col(Booking.tutor_id), col(Booking.paid_at), func.min(col(BookingEvent.created_at)))
        .join(Booking, col(Booking.id) == col(BookingEvent.booking_id))
        .where(col(Booking.tutor_id).in_(ids), col(BookingEvent.action).in_(("accept", "decline")),
               col(BookingEvent.created_at) >= since, col(Booking.paid_at).is_not(None))
        .group_by(col(Booking.id), col(Booking.tutor_id), col(Booking.paid_at))
    ):
        if paid_at is not None and answered_at is not None:
            paid = paid_at if paid_at.tzinfo else paid_at.replace(tzinfo=since.tzinfo)
            answered = answered_at if answered_at.tzinfo else answered_at.replace(tzinfo=since.tzinfo)
            out[tid].append(max(0.0, (answered - paid).total_seconds() / 60))
    for tid, minutes in session.connection().execute(
        sa_select(col(EnquiryClaim.tutor_id), col(EnquiryClaim.response_minutes))
        .where(col(EnquiryClaim.tutor_id).in_(ids), col(EnquiryClaim.created_at) >= since)
    ):
        out[tid].append(float(minutes))
    return out


def response_text(minutes: int | None) -> str:
    """"usually replies within an hour" and the like; "" without data."""
    if minutes is None:
        return ""
    if minutes <= 60:
        return "usually replies within an hour"
    if minutes <= 6 * 60:
        return f"usually replies within {math.ceil(minutes / 60)} hours"
    if minutes <= 24 * 60:
        return "usually replies within a day"
    return f"usually replies within {math.ceil(minutes / 1440)} days"


def refresh_tutor_stats(session: Session, tutor_id: int, *, now: datetime | None = None) -> None:
    """Recompute one tutor's numbers in the caller's transaction."""
    refresh_tutors_stats(session, [tutor_id], now=now)
