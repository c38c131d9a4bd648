"""Which tutors an enquiry reaches: the lead inbox's rules, computed once when it is posted.

A tutor matches when they are APPROVED and not suspended, teach the subject at the grade (or
"all" grades), offer the mode, charge in the enquiry's currency at a rate within the budget (the
home rate for home tuition), reach the student's place within their travel radius (home tuition:
great-circle distance from the gazetteer, services/tutors/places.py), and — when the student gave
weekly windows — have at least one bookable start inside them in the next 14 days (read from the
precomputed free-slot index, services/scheduling/free_index.py: one AND per tutor, no calendar
expansion).

Why matches are stored (enquiry_matches) rather than recomputed per inbox read: the inbox is then
one indexed read per tutor however many enquiries are open, the fit shown ("4.2 km away") is the
fit the tutor was notified about, and "reached their inbox" has a time for response times. A
tutor who becomes eligible later (approved, a new subject, a lower rate, a wider radius, more free
time) is added by the periodic re-match (rematching.py), and told once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tutorhub.models.accounts import User
from tutorhub.models.tutors import TutorProfile, TutorStatus, TutorSubject
from tutorhub.services.scheduling.free_index import WindowMask, free_start_counts
from tutorhub.services.tutors.places import Place, distance_km, place_of


@dataclass(frozen=True, slots=True)
class Fit:
    tutor_id: int
    user_id: int
    distance_km: float | None
    free_starts: int | None


@dataclass(frozen=True, slots=True)
class Wanted:
    subject: str
    grade: str
    mode: str
    currency: str
    budget_max_minor: int
    place: Place | None
    mask: WindowMask | None  # None: the student gave no windows (no availability filter)


def candidate_rows(session: Session, wanted: Wanted) -> list[Any]:
    """(id, user_id, city, locality, travel_radius_km) of tutors passing the SQL part of the rules."""
    home = wanted.mode == "home"
    rate = col(TutorProfile.home_rate) if home else col(TutorProfile.hourly_rate)
    conditions: list[Any] = [
        col(TutorProfile.status) == TutorStatus.APPROVED,
        col(User.is_suspended) == False,  # noqa: E712
        col(TutorProfile.currency) == wanted.currency,
        rate <= wanted.budget_max_minor,
        (col(TutorProfile.offers_home) if home else col(TutorProfile.offers_online)) == True,  # noqa: E712
        exists().where(and_(col(TutorSubject.tutor_id) == col(TutorProfile.id),
                            col(TutorSubject.subject) == wanted.subject,
                            col(TutorSubject.grade_level).in_([wanted.grade, "all"]))),
    ]
    if home:
        conditions.append(col(TutorProfile.travel_radius_km) > 0)
    query = (
        sa_select(col(TutorProfile.id), col(TutorProfile.user_id), col(TutorProfile.city), col(TutorProfile.locality),
                  col(TutorProfile.travel_radius_km))
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(*conditions)
    )
    return list(session.connection().execute(query))


def find_matches(session: Session, wanted: Wanted, *, skip: Collection[int] = ()) -> list[Fit]:
    """Every tutor the enquiry reaches, with the fit (distance, free starts in the windows);
    tutors in `skip` (already matched) are left out before the costly checks."""
    rows = [r for r in candidate_rows(session, wanted) if r[0] not in skip] if skip else candidate_rows(session, wanted)
    distances: dict[int, float | None] = {}
    for tid, _uid, city, locality, radius in rows:
        if wanted.mode == "home":
            there = place_of(city, locality)
            if there is None or wanted.place is None:
                continue
            d = distance_km(wanted.place.latitude, wanted.place.longitude, there.latitude, there.longitude)
            if d > radius:
                continue
            distances[tid] = round(d, 1)
        else:
            distances[tid] = None
    counts: dict[int, int] | None = None
    if wanted.mask is not None:
        counts = free_start_counts(session, wanted.mask, list(distances))
    fits = []
    for tid, uid, *_ in rows:
        if tid not in distances or (counts is not None and tid not in counts):
            continue
        fits.append(Fit(tid, uid, distances[tid], counts.get(tid) if counts is not None else None))
    return fits
