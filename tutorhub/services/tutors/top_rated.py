"""The home page's "Top-rated tutors": approved tutors with reviews, by their Bayesian rating
(services/tutors/stats.py: one 5-star review ranks below forty 4.8-star ones), then by how many
reviews they have. Unreviewed tutors only fill the list when too few tutors have reviews."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.tutors import TutorProfile, TutorStatus
from tutorhub.services.catalog import subject_label
from tutorhub.services.tutors.photos import photo_url
from tutorhub.services.tutors.views import TutorCard, load_languages, load_subjects, modes_of
from tutorhub.services.validation import clean_int


def top_rated_tutors(session: Session, *, limit: Any = 6) -> list[TutorCard]:
    """The best-rated approved tutors (public: no actor needed)."""
    size = clean_int(limit, "limit", minimum=1, maximum=24)
    rows = session.exec(
        select(TutorProfile, User)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(col(TutorProfile.status) == TutorStatus.APPROVED)
        .order_by(col(TutorProfile.rating_avg).desc(), col(TutorProfile.rating_count).desc(), col(TutorProfile.id))
        .limit(size)
    ).all()
    ids = [p.id for p, _ in rows if p.id is not None]
    subjects, languages = load_subjects(session, ids), load_languages(session, ids)
    return [
        TutorCard(
            id=p.id or 0, full_name=u.full_name, headline=p.headline, hourly_rate=p.hourly_rate,
            home_rate=p.home_rate, currency=p.currency, city=p.city, modes=modes_of(p),
            subjects=sorted({subject_label(s.subject) for s in subjects.get(p.id or 0, [])}),
            languages=languages.get(p.id or 0, []), rating_avg=round(p.rating_avg, 2),
            rating_count=p.rating_count, trust_score=p.trust_score, score=round(p.rating_avg, 2),
            photo_thumb_url=photo_url(p.id or 0, p.photo_version, "small"),
        )
        for p, u in rows
    ]
