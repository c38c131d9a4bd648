"""A student's enquiries: post one (it reaches the matching tutors' inboxes at once), list and read
their own, close one by hand.

Privacy: a student only ever reads their own enquiries; any other id is NotFound, exactly like
one that does not exist. Tutors read enquiries only through the inbox (inbox.py), never these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from tutorhub.db import rows_matched
from tutorhub.integrations.broker import publish_after_commit
from tutorhub.models.accounts import Role
from tutorhub.models.base import utcnow
from tutorhub.models.leads import Enquiry, EnquiryClaim, EnquiryMatch, EnquiryProposal, EnquiryStatus, ProposalStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.catalog import normalize_grade, normalize_mode, normalize_subject, subject_label
from tutorhub.services.errors import Conflict, InvalidInput, NotFound
from tutorhub.services.leads.enquiry_times import check_whole_lessons, parse_enquiry_windows
from tutorhub.services.leads.held import PENDING, booked_clause, booked_ids, outcomes, unsettled_clause
from tutorhub.services.leads.lead_settings import OPEN_FOR
from tutorhub.services.leads.matching import Wanted, find_matches
from tutorhub.services.leads.outputs import enquiry_channel, enquiry_detail, enquiry_out
from tutorhub.services.leads.views import EnquiryDetail, EnquiryList, EnquiryOut
from tutorhub.services.live_hints import user_channel
from tutorhub.services.messaging.notifications import notify
from tutorhub.services.scheduling.free_index import window_mask
from tutorhub.services.scheduling.schedule_input import parse_lesson_length
from tutorhub.services.scheduling.student_windows import saved_windows
from tutorhub.services.tutors.places import Place, resolve_place
from tutorhub.services.validation import clean_id, clean_int, clean_text, validate_currency, validate_timezone

MAX_LIVE = 5  # open or matched enquiries one student may have at once (spam guard)
LIST_LIMIT = 50
NOT_FOUND = "Enquiry not found."
MAX_BUDGET = 10**9


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse(data: dict[str, Any], saved_zone: str, whole_lessons: bool) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}

    def take(field: str, fn: Any) -> None:
        try:
            out[field] = fn(data.get(field))
        except InvalidInput as exc:
            errors[field] = exc.fields.get(field) or next(iter(exc.fields.values()), exc.message)

    take("subject", lambda v: normalize_subject(v, "subject"))
    take("grade", lambda v: normalize_grade(v, "grade"))
    take("mode", lambda v: normalize_mode(v, "mode"))
    take("budget_max_minor", lambda v: clean_int(v, "budget_max_minor", minimum=1, maximum=MAX_BUDGET))
    take("currency", lambda v: validate_currency(v, "currency"))
    take("duration_min", lambda v: parse_lesson_length(v, "duration_min"))
    take("message", lambda v: clean_text(v, "message", max_len=2000, required=True, multiline=True))
    take("timezone", lambda v: saved_zone if _blank(v) else validate_timezone(v, "timezone"))
    raw_windows = data.get("windows")
    try:  # errors keep their "windows.{index}…" names: the form shows each on its own range
        out["windows"] = None if raw_windows is None else parse_enquiry_windows(raw_windows, "windows")
        if whole_lessons and isinstance(raw_windows, list) and isinstance(out.get("duration_min"), int):
            check_whole_lessons(raw_windows, out["windows"], out["duration_min"])
    except InvalidInput as exc:
        errors.update({str(k): str(v) for k, v in exc.fields.items()} or {"windows": exc.message})
    city = data.get("city")
    if _blank(city):
        if out.get("mode") == "home":
            errors["city"] = "home tuition needs your city or locality"
        out["place"] = None
    else:
        try:
            out["place"] = resolve_place(city, "city")
            out["city"] = clean_text(city, "city", max_len=160)
        except InvalidInput as exc:
            errors["city"] = exc.fields.get("city", exc.message)
            out["suggestions"] = exc.extra.get("suggestions", [])
    if errors:
        raise InvalidInput("Please correct the highlighted fields.", fields=errors,
                           extra={"suggestions": out.get("suggestions", [])} if out.get("suggestions") else None)
    return out


def post_enquiry(session: Session, *, actor: UserOut | None, data: Any, now: datetime | None = None,
                 whole_lessons: bool = False) -> EnquiryDetail:
    """Post an enquiry; it reaches every matching tutor's inbox in this transaction.

    `data`: subject, grade, mode ("online"|"home"), city (required for home tuition), budget_max_minor,
    currency, duration_min, message, windows (weekly, in `timezone`; default: the student's saved
    windows; rules in enquiry_times.py) and timezone (default: the student's saved zone). 422 with
    field errors (an unknown place comes with suggestions); 409 with MAX_LIVE enquiries already open.
    `whole_lessons` (the form): every range must also hold one lesson of `duration_min`.
    """
    user = require_role(actor, Role.STUDENT)
    now = now or utcnow()
    if not isinstance(data, dict):
        raise InvalidInput("Body must be a JSON object.")
    saved = saved_windows(session, user.id)
    zone_default = saved.timezone if saved else (user.timezone or "UTC")
    v = _parse(data, zone_default, whole_lessons)
    windows = v["windows"]
    zone = v["timezone"]
    if windows is None and saved is not None:
        windows, zone = saved.rows, saved.timezone  # saved windows are wall-clock times in their own zone
    if windows == []:
        windows = None
    live = session.exec(select(func.count()).select_from(Enquiry).where(
        col(Enquiry.student_id) == user.id, col(Enquiry.status).in_(EnquiryStatus.LIVE),
        col(Enquiry.expires_at) > now, ~booked_clause())).one()
    if live >= MAX_LIVE:
        raise Conflict(f"You already have {MAX_LIVE} open enquiries. Close one you no longer need first.")
    place: Place | None = v["place"]
    enquiry = Enquiry(
        student_id=user.id, subject=v["subject"], grade=v["grade"], mode=v["mode"], city=v.get("city", ""),
        place_name=place.label if place else "", latitude=place.latitude if place else None,
        longitude=place.longitude if place else None, budget_max_minor=v["budget_max_minor"], currency=v["currency"],
        duration_min=v["duration_min"], message=v["message"], windows=[list(w) for w in windows or []], timezone=zone,
        status=EnquiryStatus.OPEN, created_at=now, updated_at=now, expires_at=now + OPEN_FOR,
    )
    session.add(enquiry)
    session.flush()
    assert enquiry.id is not None
    wanted = Wanted(subject=enquiry.subject, grade=enquiry.grade, mode=enquiry.mode, currency=enquiry.currency,
                    budget_max_minor=enquiry.budget_max_minor, place=place,
                    mask=window_mask(windows, zone, enquiry.duration_min, now=now) if windows else None)
    fits = find_matches(session, wanted)
    if fits:
        session.execute(insert(EnquiryMatch), [
            {"enquiry_id": enquiry.id, "tutor_id": f.tutor_id, "distance_km": f.distance_km,
             "free_starts": f.free_starts, "created_at": now} for f in fits])
    enquiry.match_count = len(fits)
    session.add(enquiry)
    announce_lead(session, enquiry, [f.user_id for f in fits], now=now)
    publish_after_commit(session, user_channel(user.id), {"type": "enquiry", "id": enquiry.id})
    session.flush()
    return enquiry_detail(session, enquiry)


def announce_lead(session: Session, enquiry: Enquiry, tutor_user_ids: list[int], *, now: datetime) -> None:
    """Tell tutors the enquiry reached their inbox (in-app, email by preference) and refresh open inboxes."""
    title = f"New enquiry: {subject_label(enquiry.subject)} ({enquiry.mode})"
    for uid in tutor_user_ids:
        notify(session, user_id=uid, kind="lead", title=title, body=enquiry.message[:300], link="/leads", now=now)
        publish_after_commit(session, user_channel(uid), {"type": "lead", "id": enquiry.id})


def list_my_enquiries(session: Session, *, actor: UserOut | None, limit: Any = LIST_LIMIT) -> EnquiryList:
    """The student's own enquiries, newest first."""
    user = require_role(actor, Role.STUDENT)
    size = clean_int(LIST_LIMIT if _blank(limit) else limit, "limit", minimum=1, maximum=LIST_LIMIT)
    rows = session.exec(select(Enquiry).where(col(Enquiry.student_id) == user.id)
                        .order_by(col(Enquiry.created_at).desc(), col(Enquiry.id).desc()).limit(size)).all()
    held = outcomes(session, [e.id for e in rows if e.id is not None and e.status in EnquiryStatus.LIVE])
    booked, held_open = booked_ids(held), {h.enquiry_id for h in held if h.outcome == PENDING}
    return EnquiryList(items=[enquiry_out(e, booked=e.id in booked, held_open=e.id in held_open) for e in rows])


def own_enquiry(session: Session, user: UserOut, enquiry_id: Any) -> Enquiry:
    eid = clean_id(enquiry_id, NOT_FOUND)
    row = session.get(Enquiry, eid)
    if row is None or row.student_id != user.id:
        raise NotFound(NOT_FOUND)
    return row


def get_my_enquiry(session: Session, *, actor: UserOut | None, enquiry_id: Any) -> EnquiryDetail:
    """One of the student's enquiries with the tutors who claimed it and their proposals."""
    user = require_role(actor, Role.STUDENT)
    return enquiry_detail(session, own_enquiry(session, user, enquiry_id))


def end_enquiry(session: Session, enquiry: Enquiry, *, status: str, now: datetime, reason: str) -> bool:
    """OPEN/MATCHED → CLOSED or EXPIRED (conditional: one winner), withdraw open proposals, tell the
    tutors who claimed it. False when it had already ended."""
    assert enquiry.id is not None
    won = rows_matched(session.execute(
        update(Enquiry).where(col(Enquiry.id) == enquiry.id, col(Enquiry.status).in_(EnquiryStatus.LIVE))
        .values(status=status, closed_at=now, updated_at=now)))
    if not won:
        return False
    session.refresh(enquiry)
    session.execute(update(EnquiryProposal).where(col(EnquiryProposal.enquiry_id) == enquiry.id,
                                                  col(EnquiryProposal.status) == ProposalStatus.OFFERED)
                    .values(status=ProposalStatus.WITHDRAWN))
    claimers = session.exec(select(col(TutorProfile.user_id)).join(
        EnquiryClaim, col(EnquiryClaim.tutor_id) == col(TutorProfile.id)).where(
        col(EnquiryClaim.enquiry_id) == enquiry.id)).all()
    for uid in claimers:
        notify(session, user_id=uid, kind="lead", title=f"Enquiry {reason}: {subject_label(enquiry.subject)}",
               link="/leads", now=now)
        publish_after_commit(session, user_channel(uid), {"type": "lead", "id": enquiry.id})
    publish_after_commit(session, enquiry_channel(enquiry.id), {"type": "enquiry", "id": enquiry.id})
    publish_after_commit(session, user_channel(enquiry.student_id), {"type": "enquiry", "id": enquiry.id})
    return True


def close_enquiry(session: Session, *, actor: UserOut | None, enquiry_id: Any, now: datetime | None = None) -> EnquiryOut:
    """The student closes their enquiry (found a tutor elsewhere, no longer needed). 409 when it
    already ended."""
    user = require_role(actor, Role.STUDENT)
    now = now or utcnow()
    enquiry = own_enquiry(session, user, enquiry_id)
    if not end_enquiry(session, enquiry, status=EnquiryStatus.CLOSED, now=now, reason="closed by the student"):
        raise Conflict(f"This enquiry is already {enquiry.status.lower()}.")
    return enquiry_out(enquiry)


def expire_enquiries(session: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """The job: OPEN or MATCHED enquiries older than 7 days become EXPIRED; claimers are told.

    One with a lesson held from an accepted proposal waits until that lesson is confirmed (then it
    is CLOSED, settlement.py) or lapses: a student paying on day 7 must not find it expired."""
    now = now or utcnow()
    due = session.exec(select(Enquiry).where(col(Enquiry.status).in_(EnquiryStatus.LIVE),
                                             col(Enquiry.expires_at) <= now, ~unsettled_clause()).order_by(col(Enquiry.id)).limit(limit)).all()
    done = 0
    for enquiry in due:
        if end_enquiry(session, enquiry, status=EnquiryStatus.EXPIRED, now=now, reason="expired"):
            notify(session, user_id=enquiry.student_id, kind="lead",
                   title=f"Your enquiry expired: {subject_label(enquiry.subject)}",
                   body="Post a new one if you are still looking.", link="/enquiries", now=now)
            done += 1
    return done
