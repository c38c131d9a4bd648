"""Re-matching: tutors who became eligible after an enquiry was posted reach it too, told once.

Matches are stored when an enquiry is posted (matching.py says why). What makes a tutor eligible
later — an admin approves them or lifts a suspension, they add the subject, lower their rate, widen
their travel radius, open more hours — changes in accounts, tutors and scheduling, packages below
leads that may not call into it (import-linter). So a periodic job (jobs/tasks.rematch_enquiries,
every 5 minutes) runs the same rules (matching.find_matches) again over the live enquiries, leaving
out the tutors already matched before the costly distance and free-time checks.

Never twice: the UNIQUE(enquiry_id, tutor_id) row is the guard. A new match is inserted with
ON CONFLICT DO NOTHING … RETURNING and the tutor is told only when their row is new, so overlapping
runs (the scheduler and "run now") or a tutor who drops out and comes back never hear of the same
enquiry again. A tutor who stops matching keeps their row: the inbox itself checks approval and
suspension at read time, as before. Enquiries that already hold their claim cap are skipped (no new
tutor could claim them); raising the cap brings them back into the next run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from tutorhub.db import upsert_insert
from tutorhub.models.leads import Enquiry, EnquiryMatch, EnquiryStatus
from tutorhub.services.leads.enquiries import announce_lead
from tutorhub.services.leads.held import booked_clause
from tutorhub.services.leads.lead_settings import claim_cap
from tutorhub.services.leads.matching import Wanted, find_matches
from tutorhub.services.scheduling.free_index import window_mask
from tutorhub.services.tutors.places import Place

BATCH = 200


def rematch_enquiries(session: Session, *, now: datetime) -> int:
    """Add the newly eligible tutors to every live enquiry's matches; returns how many were added."""
    cap = claim_cap(session)
    added, after = 0, 0
    while True:
        batch = session.exec(select(Enquiry).where(
            col(Enquiry.id) > after, col(Enquiry.status).in_(EnquiryStatus.LIVE), col(Enquiry.expires_at) > now,
            col(Enquiry.claim_count) < cap, ~booked_clause()).order_by(col(Enquiry.id)).limit(BATCH)).all()
        for enquiry in batch:
            added += rematch_enquiry(session, enquiry, now=now)
        if len(batch) < BATCH:
            return added
        after = batch[-1].id or after


def rematch_enquiry(session: Session, enquiry: Enquiry, *, now: datetime) -> int:
    """The tutors this enquiry reaches now and did not reach before: matched and told (once)."""
    assert enquiry.id is not None
    place = (Place(label=enquiry.place_name, latitude=enquiry.latitude, longitude=enquiry.longitude, country="")
             if enquiry.latitude is not None and enquiry.longitude is not None else None)
    windows = [(int(w), int(s), int(t)) for w, s, t in enquiry.windows]
    wanted = Wanted(subject=enquiry.subject, grade=enquiry.grade, mode=enquiry.mode, currency=enquiry.currency,
                    budget_max_minor=enquiry.budget_max_minor, place=place,
                    mask=window_mask(windows, enquiry.timezone, enquiry.duration_min, now=now) if windows else None)
    have = set(session.exec(select(col(EnquiryMatch.tutor_id)).where(col(EnquiryMatch.enquiry_id) == enquiry.id)).all())
    fits = find_matches(session, wanted, skip=have)
    if not fits:
        return 0
    insert = upsert_insert(session)
    told: list[int] = []
    for f in fits:
        # RETURNING, not rowcount: an ORM-table insert's rowcount is not reliable across drivers.
        row = session.execute(
            insert(EnquiryMatch).values(enquiry_id=enquiry.id, tutor_id=f.tutor_id, distance_km=f.distance_km,
                                        free_starts=f.free_starts, created_at=now)
            .on_conflict_do_nothing(index_elements=["enquiry_id", "tutor_id"])
            .returning(col(EnquiryMatch.id))).first()
        if row is not None:
            told.append(f.user_id)
    if told:
        session.execute(update(Enquiry).where(col(Enquiry.id) == enquiry.id)
                        .values(match_count=col(Enquiry.match_count) + len(told)))
        session.refresh(enquiry)
        announce_lead(session, enquiry, told, now=now)
    return len(told)
