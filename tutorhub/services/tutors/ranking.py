"""The search match score (0–100) and the other sort orders. Shown to users on /help/ranking.

    score = 25 × rating        Bayesian average rating / 5 (services/tutors/stats.py); unrated: 0.5
          + 15 × trust         trust score / 100
          + 10 × response      ½ × response rate / 100 + ½ × speed, speed = 1 − min(1, median first-answer
                               minutes / 2880) (48 h or slower: 0; no data: ½)
          + 15 × price fit     1 − rate / ceiling when a price ceiling is given (cheaper fits better); the
                               rate converted into the ceiling's currency (services/currency.py). Without
                               one, a signed-in student's profile budget is the ceiling (for the score only)
          + 10 × subject fit   1 when the tutor lists the searched grade itself, 0.7 for "all grades"; for a
                               signed-in student who filters on no subject, their profile's subjects count
                               too: 0 for a tutor teaching none of them
          + 15 × availability  min(1, free starts inside the student's windows in 14 days / 20)
          + 10 × distance      home tuition from a place: 1 − distance / max(radius, 1)
A signed-in student's profile (subjects, grade, budget) fills in what their search leaves out — for
the order only, never as a filter (search.SearchPreferences): tutors teaching one of their profile
subjects come first, then by score. A part that does not apply to the search (no ceiling, no grade,
no windows, no place) counts ½ for every tutor, so scores stay comparable across searches. Ties: more
reviews, then lower id.

Other orders: `price` (the rate for the searched mode converted into the viewer's display currency,
lowest first), `rating` (Bayesian rating,
then number of reviews), `next_free` (earliest bookable start in the free-slot index; tutors with
none last).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SORTS = ("match", "price", "rating", "next_free")
NEUTRAL = 0.5
SLOW_MINUTES = 2880
FULL_OVERLAP = 20
WEIGHTS = {"rating": 25, "trust": 15, "response": 10, "price": 15, "fit": 10, "availability": 15, "distance": 10}
# What each part means, for the "How we rank" page (the page reads these, so it cannot drift).
EXPLAINED = {
    "rating": "the tutor's Bayesian average rating out of 5 (few reviews are pulled towards the average)",
    "trust": "the trust score out of 100 (verification, reliability, experience, answering requests)",
    "response": "half how reliably they answer requests, half how fast (the median time to a first answer; "
                "two days or slower counts nothing)",
    "price": "1 − rate ÷ your price ceiling when you give one, else the budget in your student profile "
             "(cheaper fits better; every rate is converted into your currency first)",
    "fit": "1 when the tutor lists your grade itself, 0.7 when they teach all grades; when you search no "
           "subject, the subjects and grade in your student profile are used, and a tutor teaching none of "
           "your subjects gets 0",
    "availability": "how many of their free lesson times in the next 2 weeks fall in your preferred times "
                    f"({FULL_OVERLAP} or more counts fully)",
    "distance": "with a place: 1 − distance ÷ the radius you searched (closer fits better)",
}


@dataclass(slots=True)
class Candidate:
    id: int
    rate: int
    rating_avg: float
    rating_count: int
    trust_score: int
    response_rate: int
    response_minutes: int | None
    exact_grade: bool | None  # None: no grade searched
    likes_subject: bool | None = None  # teaches one of the student's profile subjects; None: not used
    free_starts: int | None = None  # None: no windows searched
    distance_km: float | None = None
    radius_km: float | None = None
    next_free: int | None = None  # epoch minute of the earliest bookable start
    score: float = 0.0


def match_score(c: Candidate, *, max_rate: int | None) -> float:
    rating = c.rating_avg / 5.0 if c.rating_count else NEUTRAL
    speed = NEUTRAL if c.response_minutes is None else 1.0 - min(1.0, c.response_minutes / SLOW_MINUTES)
    response = 0.5 * c.response_rate / 100.0 + 0.5 * speed
    price = NEUTRAL if not max_rate else (NEUTRAL if c.rate <= 0 else max(0.0, 1.0 - c.rate / max_rate))
    fit = NEUTRAL if c.exact_grade is None else (1.0 if c.exact_grade else 0.7)
    if c.likes_subject is not None:
        fit = 0.0 if not c.likes_subject else (1.0 if c.exact_grade is None else fit)
    availability = NEUTRAL if c.free_starts is None else min(1.0, c.free_starts / FULL_OVERLAP)
    distance = NEUTRAL if c.distance_km is None or c.radius_km is None else max(
        0.0, 1.0 - c.distance_km / max(c.radius_km, 1.0))
    parts = {"rating": rating, "trust": c.trust_score / 100.0, "response": response, "price": price, "fit": fit,
             "availability": availability, "distance": distance}
    return round(sum(WEIGHTS[k] * v for k, v in parts.items()), 1)


def sort_key(sort: str) -> Any:
    if sort == "price":
        return lambda c: (c.rate, -c.score, c.id)
    if sort == "rating":
        return lambda c: (-(c.rating_avg if c.rating_count else 0.0), -c.rating_count, c.id)
    if sort == "next_free":
        return lambda c: (c.next_free is None, c.next_free or 0, -c.score, c.id)
    # a student's profile subjects come first: tutors of none of them follow, however cheap or well rated
    return lambda c: (c.likes_subject is False, -c.score, -c.rating_count, c.id)
