"""Tutor search and public profiles.

Only APPROVED tutors whose account is not suspended are ever returned.

Match score (0–100, documented for users on the search page), computed in SQL so paging stays
fast on thousands of tutors:
  * 35 × rating      — Bayesian average rating / 5 (services/tutors/stats.py; unrated tutors store 0)
  * 25 × trust       — trust score / 100
  * 15 × response    — response rate / 100
  * 25 × price fit   — 1 − rate / max_rate when a price ceiling is given (cheaper fits better),
                       0.5 otherwise
Subject, grade, mode, city, language and price are filters (a tutor either fits or is not shown).
Ties: more reviews, then id.

"Free in my windows" (`windows`, `windows_tz`, `duration`) is a filter too: tutors with at least
one bookable start in the student's weekly windows during the next 14 days. It reads the
precomputed index (services/scheduling/free_index.py) — the student's windows become one bitmask, each
candidate tutor's row is ANDed with it — so no calendar is expanded per request. The SQL part
returns candidate ids in score order; the bitmask test filters them; only the page is loaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, cast, exists, func, literal, or_
from sqlalchemy import select as sa_select  # sqlmodel's select is typed for at most four columns
from sqlmodel import Session, col, select

from tutorhub.models.accounts import User
from tutorhub.models.base import utcnow
from tutorhub.models.tutors import TutorLanguage, TutorProfile, TutorStatus, TutorSubject
from tutorhub.services.catalog import (
    normalize_city,
    normalize_grade,
    normalize_language,
    normalize_mode,
    normalize_subject,
    subject_label,
)
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.paging import page_count
from tutorhub.services.scheduling.free_index import WindowMask, matching_tutor_ids, window_mask
from tutorhub.services.scheduling.schedule_input import parse_lesson_length, parse_windows
from tutorhub.services.tutors.views import (
    SearchPage,
    TutorCard,
    TutorPublic,
    build_public,
    load_languages,
    load_subjects,
    modes_of,
)
from tutorhub.services.validation import clean_int, fail_fields, validate_currency, validate_timezone

MAX_PER_PAGE = 50


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def search_tutors(
    session: Session,
    *,
    subject: Any = None,
    grade: Any = None,
    mode: Any = None,
    max_rate: Any = None,
    city: Any = None,
    language: Any = None,
    min_rating: Any = None,
    currency: Any = None,
    page: Any = 1,
    per_page: Any = 12,
    windows: Any = None,
    windows_tz: Any = None,
    duration: Any = None,
    now: datetime | None = None,
) -> SearchPage:
    """One page of approved tutors matching the filters, best match first.

    `max_rate` is in minor units of the tutors' own currency; pass `currency` to compare prices
    in one currency only (the UI always does).

    `windows` (a list of {"weekday", "start", "end"} or its JSON text, in `windows_tz`, default
    UTC) keeps only tutors free for a `duration`-minute lesson (default 60) inside them within
    the next 14 days.
    """
    errors: dict[str, str] = {}

    def parse(field: str, value: Any, fn: Any) -> Any:
        if _blank(value):
            return None
        try:
            return fn(value)
        except InvalidInput as exc:
            errors[field] = exc.fields.get(field) or next(iter(exc.fields.values()), exc.message)
            return None

    subject_v = parse("subject", subject, lambda v: normalize_subject(v, "subject"))
    grade_v = parse("grade", grade, lambda v: normalize_grade(v, "grade"))
    mode_v = parse("mode", mode, lambda v: normalize_mode(v, "mode"))
    rate_v = parse("max_rate", max_rate, lambda v: clean_int(v, "max_rate", minimum=1, maximum=10**9))
    city_v = parse("city", city, lambda v: normalize_city(v, "city"))
    currency_v = parse("currency", currency, lambda v: validate_currency(v, "currency"))
    lang_v = parse("language", language, lambda v: normalize_language(v, "language"))
    rating_v = parse("min_rating", min_rating, lambda v: clean_int(v, "min_rating", minimum=0, maximum=5))
    page_v = parse("page", page, lambda v: clean_int(v, "page", minimum=1, maximum=100_000)) or 1
    per_v = parse("per_page", per_page, lambda v: clean_int(v, "per_page", minimum=1, maximum=MAX_PER_PAGE)) or 12
    windows_v = parse("windows", windows, parse_windows)
    if windows_v == [] and "windows" not in errors:
        # An explicit empty list would silently mean "no filter"; say what is wrong instead.
        errors["windows"] = "give at least one weekly window, or leave the filter out"
    free_mask: WindowMask | None = None
    if windows_v is not None or not _blank(duration) or not _blank(windows_tz):
        zone_v = parse("windows_tz", windows_tz, lambda v: validate_timezone(v, "windows_tz")) or "UTC"
        length_v = parse("duration", duration, lambda v: parse_lesson_length(v, "duration")) or 60
        if windows_v and not errors:
            free_mask = window_mask(windows_v, zone_v, length_v, now=now or utcnow())
    if errors:
        raise fail_fields(errors)

    conditions: list[Any] = [col(TutorProfile.status) == TutorStatus.APPROVED, col(User.is_suspended) == False]  # noqa: E712
    if subject_v or grade_v:
        sub_conds = [col(TutorSubject.tutor_id) == col(TutorProfile.id)]
        if subject_v:
            sub_conds.append(col(TutorSubject.subject) == subject_v)
        if grade_v:
            sub_conds.append(col(TutorSubject.grade_level).in_([grade_v, "all"]))
        conditions.append(exists().where(and_(*sub_conds)))
    if mode_v == "online":
        conditions.append(col(TutorProfile.offers_online) == True)  # noqa: E712
    elif mode_v == "home":
        conditions.append(col(TutorProfile.offers_home) == True)  # noqa: E712
    if rate_v is not None:
        online_fits = and_(col(TutorProfile.offers_online) == True, col(TutorProfile.hourly_rate) <= rate_v)  # noqa: E712
        home_fits = and_(col(TutorProfile.offers_home) == True, col(TutorProfile.home_rate) <= rate_v)  # noqa: E712
        if mode_v == "online":
            conditions.append(online_fits)
        elif mode_v == "home":
            conditions.append(home_fits)
        else:
            conditions.append(or_(online_fits, home_fits))
    if city_v:
        conditions.append(func.lower(col(TutorProfile.city)) == city_v.lower())
    if currency_v:
        # Rates are only comparable within one currency (there are no offline FX rates), so a
        # price ceiling in a currency keeps only tutors who charge in that currency.
        conditions.append(col(TutorProfile.currency) == currency_v)
    if lang_v:
        conditions.append(
            exists().where(
                and_(
                    col(TutorLanguage.tutor_id) == col(TutorProfile.id),
                    func.lower(col(TutorLanguage.language)) == lang_v.lower(),
                )
            )
        )
    if rating_v:
        conditions.append(col(TutorProfile.rating_avg) >= rating_v)

    rate_col = col(TutorProfile.home_rate) if mode_v == "home" else col(TutorProfile.hourly_rate)
    price_fit: Any = (
        case((rate_col <= 0, literal(0.5)), else_=1.0 - cast(rate_col, Float) / float(rate_v))
        if rate_v
        else literal(0.5)
    )
    score = (
        35.0 * cast(col(TutorProfile.rating_avg), Float) / 5.0
        + 25.0 * cast(col(TutorProfile.trust_score), Float) / 100.0
        + 15.0 * cast(col(TutorProfile.response_rate), Float) / 100.0
        + 25.0 * price_fit
    ).label("score")

    order = (score.desc(), col(TutorProfile.rating_count).desc(), col(TutorProfile.id))
    if free_mask is not None:
        total, rows = _free_page(session, conditions, score, order, free_mask, page_v, per_v)
    else:
        total = int(
            session.exec(
                select(func.count())
                .select_from(TutorProfile)
                .join(User, col(User.id) == col(TutorProfile.user_id))
                .where(*conditions)
            ).one()
        )
        rows = list(
            session.exec(
                select(TutorProfile, User, score)
                .join(User, col(User.id) == col(TutorProfile.user_id))
                .where(*conditions)
                .order_by(*order)
                .offset((page_v - 1) * per_v)
                .limit(per_v)
            ).all()
        )
    ids = [p.id for p, _, _ in rows if p.id is not None]
    subjects = load_subjects(session, ids)
    languages = load_languages(session, ids)
    items = [
        TutorCard(
            id=p.id or 0,
            full_name=u.full_name,
            headline=p.headline,
            hourly_rate=p.hourly_rate,
            home_rate=p.home_rate,
            currency=p.currency,
            city=p.city,
            modes=modes_of(p),
            subjects=sorted({subject_label(s.subject) for s in subjects.get(p.id or 0, [])}),
            languages=languages.get(p.id or 0, []),
            rating_avg=round(p.rating_avg, 2),
            rating_count=p.rating_count,
            trust_score=p.trust_score,
            score=round(float(s), 1),
        )
        for p, u, s in rows
    ]
    return SearchPage(items=items, total=total, page=page_v, per_page=per_v, pages=page_count(total, per_v))


def _free_page(
    session: Session,
    conditions: list[Any],
    score: Any,
    order: tuple[Any, ...],
    mask: WindowMask,
    page: int,
    per_page: int,
) -> tuple[int, list[Any]]:
    """(total, page rows) of tutors matching `conditions` and free inside the mask.

    Three cheap reads instead of a giant IN list: the ids free in the windows (index scan, see
    free_index.py), the ids matching the filters in score order (one integer per tutor), and the
    page's rows. Plain column reads go through the connection to skip ORM row processing.
    """
    free = matching_tutor_ids(session, mask)
    if not free:
        return 0, []
    ordered = (
        session.connection()
        .execute(
            sa_select(col(TutorProfile.id))
            .join(User, col(User.id) == col(TutorProfile.user_id))
            .where(*conditions)
            .order_by(*order)
        )
        .scalars()
    )
    matched = [tid for tid in ordered if tid in free]
    page_ids = matched[(page - 1) * per_page : page * per_page]
    if not page_ids:
        return len(matched), []
    found = session.exec(
        select(TutorProfile, User, score)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(col(TutorProfile.id).in_(page_ids))
    ).all()
    position = {tid: i for i, tid in enumerate(page_ids)}
    return len(matched), sorted(found, key=lambda row: position[row[0].id])


def get_public_profile(session: Session, *, tutor_id: Any) -> TutorPublic:
    """A tutor's public profile; 404 unless approved and not suspended."""
    try:
        pid = clean_int(tutor_id, "tutor_id", minimum=1)
    except InvalidInput as exc:
        raise NotFound("Tutor not found.") from exc
    profile = session.get(TutorProfile, pid)
    user = session.get(User, profile.user_id) if profile else None
    if profile is None or user is None or profile.status != TutorStatus.APPROVED or user.is_suspended:
        raise NotFound("Tutor not found.")
    return build_public(session, profile, user)


def list_cities(session: Session) -> list[str]:
    """Cities with at least one approved tutor (for the search filter)."""
    rows = session.exec(
        select(col(TutorProfile.city))
        .where(col(TutorProfile.status) == TutorStatus.APPROVED, col(TutorProfile.city) != "")
        .distinct()
        .order_by(col(TutorProfile.city))
    ).all()
    return list(rows)
