"""Reading classes: the public search (published classes with seats), a class's page, "my classes".

Search reads column tuples through indexed filters (status, subject) and pages them; the class page
adds the sessions and, for a signed-in viewer, their own seat (never anyone else's).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, User
from tutorhub.models.base import utcnow
from tutorhub.models.classes import ClassEnrolment, ClassStatus, GroupClass, SeatStatus
from tutorhub.models.tutors import TutorProfile
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.catalog import normalize_grade, normalize_subject
from tutorhub.services.classes.access import class_sessions, is_class_owner, load_class
from tutorhub.services.classes.seats import seat_counts
from tutorhub.services.classes.views import ClassDetail, ClassPage, ClassSummary, session_out, summary_fields
from tutorhub.services.currency import ceilings_by_currency, load_rates
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.paging import page_count, page_number
from tutorhub.services.validation import clean_int, validate_currency

PER_PAGE = 20


def _tutor_names(session: Session, tutor_ids: list[int]) -> dict[int, str]:
    if not tutor_ids:
        return {}
    rows = session.exec(select(TutorProfile.id, User.full_name).join(User, col(User.id) == col(TutorProfile.user_id))
                        .where(col(TutorProfile.id).in_(tutor_ids))).all()
    return {tid: name for tid, name in rows if tid is not None}


def search_classes(session: Session, *, subject: Any = None, grade: Any = None, mode: Any = None,
                   max_price_minor: Any = None, seats_only: bool = False, page: Any = 1,
                   display_currency: Any = None, now: datetime | None = None) -> ClassPage:
    """Published classes open for enrolment (first session ahead), soonest first. A subject or grade that
    names nothing the catalogue knows matches no class (a search, not a form: no 422).
    `max_price_minor` is in `display_currency` (default USD) and compared with every class's price
    converted at the admin's rates (one bound per currency, services/currency.py)."""
    now = now or utcnow()
    try:
        subject = normalize_subject(subject) if subject not in (None, "") else None
        grade = normalize_grade(grade) if grade not in (None, "") else None
    except InvalidInput:
        return ClassPage(items=[], total=0, page=1, pages=1)
    query = select(GroupClass).where(col(GroupClass.status) == ClassStatus.PUBLISHED,
                                     col(GroupClass.first_start_at) > now)
    if subject not in (None, ""):
        query = query.where(col(GroupClass.subject) == subject)
    if grade not in (None, ""):
        query = query.where(col(GroupClass.grade) == grade)
    if mode not in (None, ""):
        query = query.where(col(GroupClass.mode) == str(mode))
    # Checked whether or not there is a price to compare, so a bad currency is a 422 on every page.
    display = validate_currency(display_currency or "USD", "display_currency")
    if max_price_minor not in (None, ""):
        limit = clean_int(max_price_minor, "max_price_minor")
        bounds = ceilings_by_currency(limit, display, load_rates(session))
        query = query.where(or_(*[and_(col(GroupClass.currency) == code, col(GroupClass.price_minor) <= bound)
                                  for code, bound in bounds.items()]))
    if seats_only:
        query = query.where(col(GroupClass.seats_taken) < col(GroupClass.capacity))
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    number = page_number(page, text_ok=True)
    rows = session.exec(query.order_by(col(GroupClass.first_start_at), col(GroupClass.id))
                        .offset((number - 1) * PER_PAGE).limit(PER_PAGE)).all()
    names = _tutor_names(session, sorted({r.tutor_id for r in rows}))
    items = [ClassSummary(**summary_fields(r, names.get(r.tutor_id, ""))) for r in rows]
    return ClassPage(items=items, total=total, page=number, pages=page_count(total, PER_PAGE))


def _viewer_seat(session: Session, cls: GroupClass, viewer: UserOut | None) -> ClassEnrolment | None:
    if viewer is None or viewer.role != Role.STUDENT:
        return None
    return session.exec(select(ClassEnrolment).where(
        col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.student_id) == viewer.id,
        col(ClassEnrolment.status).in_(SeatStatus.LIVE))).first()


def get_class(session: Session, *, viewer: UserOut | None, class_id: Any) -> ClassDetail:
    """A class's page. Drafts are visible to their tutor only (404 for anyone else)."""
    cls = load_class(session, class_id)
    owner = is_class_owner(session, cls, viewer)
    seat = _viewer_seat(session, cls, viewer)
    if cls.status == ClassStatus.DRAFT and not owner:
        raise NotFound("No such class.")
    assert cls.id is not None
    counts = seat_counts(session, cls.id)
    position = None
    if seat is not None and seat.status == SeatStatus.WAITLISTED:
        position = 1 + int(session.exec(select(func.count()).where(
            col(ClassEnrolment.class_id) == cls.id, col(ClassEnrolment.status) == SeatStatus.WAITLISTED,
            col(ClassEnrolment.id) < seat.id)).one())
    names = _tutor_names(session, [cls.tutor_id])
    return ClassDetail(
        **summary_fields(cls, names.get(cls.tutor_id, "")), description=cls.description, rrule=cls.rrule,
        first_start_local=cls.first_start_local,
        sessions=[session_out(r, cls.timezone) for r in class_sessions(session, cls.id)],
        enrolled_count=counts.get(SeatStatus.ENROLLED, 0), waitlist_count=counts.get(SeatStatus.WAITLISTED, 0),
        my_status=seat.status if seat else None, my_offer_expires_at=seat.offer_expires_at if seat else None,
        my_waitlist_position=position, is_owner=owner,
    )


def my_classes(session: Session, *, actor: UserOut | None, page: Any = 1) -> ClassPage:
    """A tutor's own classes (every status), or a student's live seats' classes; newest first."""
    user = require_role(actor, Role.TUTOR, Role.STUDENT)
    if user.role == Role.TUTOR:
        profile_id = session.exec(select(TutorProfile.id).where(col(TutorProfile.user_id) == user.id)).first()
        query = select(GroupClass).where(col(GroupClass.tutor_id) == (profile_id or -1))
    else:
        mine = select(ClassEnrolment.class_id).where(col(ClassEnrolment.student_id) == user.id,
                                                     col(ClassEnrolment.status).in_(SeatStatus.LIVE))
        query = select(GroupClass).where(col(GroupClass.id).in_(mine))
    total = int(session.exec(select(func.count()).select_from(query.subquery())).one())
    number = page_number(page, text_ok=True)
    rows = session.exec(query.order_by(col(GroupClass.first_start_at).desc(), col(GroupClass.id).desc())
                        .offset((number - 1) * PER_PAGE).limit(PER_PAGE)).all()
    names = _tutor_names(session, sorted({r.tutor_id for r in rows}))
    return ClassPage(items=[ClassSummary(**summary_fields(r, names.get(r.tutor_id, ""))) for r in rows],
                     total=total, page=number, pages=page_count(total, PER_PAGE))
