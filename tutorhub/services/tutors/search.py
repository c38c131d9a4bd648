"""Tutor search and public profiles.

Only APPROVED tutors whose account is not suspended are ever returned.

Ranking: the match score and the other sort orders (price, rating, next free time) are defined
and documented in services/tutors/ranking.py (and for users on /help/ranking). SQL applies the
yes/no filters and returns one small tuple per candidate; distance, free time in the windows and
the score are computed in Python over those tuples, then only the page's rows are loaded.

Place search: `city` (or "locality, city") is resolved in the offline gazetteer
(services/tutors/places.py); tutors whose own place lies within `radius_km` (default 25 km; for
home tuition also within the tutor's travel radius) are kept, with `distance_km`. A tutor whose
place the gazetteer does not know is kept only when they typed the same city name. An unknown
searched place falls back to that exact-name match, and the page carries suggestions.

"Free in my windows" (`windows`, `windows_tz`, `duration`) is a filter too: tutors with at least
one bookable start in the student's weekly windows during the next 14 days. It reads the
precomputed index (services/scheduling/free_index.py) — the student's windows become one bitmask, each
candidate tutor's row is ANDed with it — so no calendar is expanded per request; the number of
matching starts feeds the availability part of the score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_
from sqlalchemy import select as sa_select  # sqlmodel's select is typed for at most four columns
from sqlmodel import Session, col, select

from tutorhub.models.accounts import Role, StudentProfile, User
from tutorhub.models.base import utcnow
from tutorhub.models.tutors import TutorLanguage, TutorProfile, TutorStatus, TutorSubject
from tutorhub.services.actor import UserOut
from tutorhub.services.catalog import (
    grade_label,
    normalize_city,
    normalize_grade,
    normalize_language,
    normalize_mode,
    normalize_subject,
    subject_label,
)
from tutorhub.services.currency import (
    Rates,
    UnknownCurrency,
    ceilings_by_currency,
    convert_minor,
    format_money,
    load_rates,
)
from tutorhub.services.errors import InvalidInput, NotFound
from tutorhub.services.paging import page_count
from tutorhub.services.scheduling.free_index import WindowMask, free_start_counts, next_free_minutes, window_mask
from tutorhub.services.scheduling.schedule_input import parse_lesson_length, parse_windows
from tutorhub.services.tutors.photos import photo_url
from tutorhub.services.tutors.places import Place, distance_km, place_of, resolve_place, suggestions
from tutorhub.services.tutors.ranking import SORTS, Candidate, match_score, sort_key
from tutorhub.services.tutors.views import (
    SearchPage,
    TutorCard,
    TutorPublic,
    build_public,
    load_languages,
    load_subjects,
    modes_of,
)
from tutorhub.services.validation import clean_int, clean_text, fail, fail_fields, validate_currency, validate_timezone

MAX_PER_PAGE = 50
DEFAULT_RADIUS_KM = 25


def _clean_sort(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in SORTS:
        raise fail("sort", f"must be one of {', '.join(SORTS)}")
    return text


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
    radius_km: Any = None,
    sort: Any = None,
    display_currency: Any = None,
    name: Any = None,
    preferences: SearchPreferences | None = None,
    now: datetime | None = None,
) -> SearchPage:
    """One page of approved tutors matching the filters, best match first.

    Prices compare across currencies: `max_rate` is in minor units of `display_currency` (default:
    `currency` when given, else USD) and every tutor's rate is converted into it at the admin's
    rates (services/currency.py) — the ceiling is converted once per currency (the largest rate in
    that currency that converts to at most the ceiling), so SQL compares plain columns. Sorting by
    price and the match score's price fit use the converted rates too. `currency` is a separate,
    explicit filter: only tutors who charge in it. Cards carry the rates converted for display.

    `windows` (a list of {"weekday", "start", "end"} or its JSON text, in `windows_tz`, default
    UTC) keeps only tutors free for a `duration`-minute lesson (default 60) inside them within
    the next 14 days. `name` keeps tutors whose name contains it (any case), for someone who
    already knows whom they want. `preferences` (a signed-in student's profile: `preferences_of`)
    weigh the match score where the filters say nothing — never narrowing the results.
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
    place: Place | None = None
    if city_v and "city" not in errors:
        try:
            place = resolve_place(city_v, "city")
        except InvalidInput:
            place = None  # an unknown place still matches tutors who typed the same city name
    radius_v = parse("radius_km", radius_km, lambda v: clean_int(v, "radius_km", minimum=1, maximum=500)) or DEFAULT_RADIUS_KM
    sort_v = parse("sort", sort, _clean_sort) or "match"
    currency_v = parse("currency", currency, lambda v: validate_currency(v, "currency"))
    display_v = parse("display_currency", display_currency, lambda v: validate_currency(v, "display_currency"))
    display_v = display_v or currency_v or "USD"
    lang_v = parse("language", language, lambda v: normalize_language(v, "language"))
    rating_v = parse("min_rating", min_rating, lambda v: clean_int(v, "min_rating", minimum=0, maximum=5))
    page_v = parse("page", page, lambda v: clean_int(v, "page", minimum=1, maximum=100_000)) or 1
    per_v = parse("per_page", per_page, lambda v: clean_int(v, "per_page", minimum=1, maximum=MAX_PER_PAGE)) or 12
    windows_v = parse("windows", windows, parse_windows)
    name_v = parse("name", name, lambda v: clean_text(v, "name", max_len=80))
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
    rates = load_rates(session)
    if rate_v is not None:
        conditions.append(_ceiling_condition(rate_v, display_v, currency_v, mode_v, rates))
    if city_v:
        conditions.append(col(TutorProfile.city) != "")
    if currency_v:
        conditions.append(col(TutorProfile.currency) == currency_v)  # asked for explicitly, never implied
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
    if name_v:
        pattern = "%" + name_v.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(func.lower(col(User.full_name)).like(pattern, escape="\\"))

    liked = preferences.subjects if preferences is not None and not subject_v else ()
    fit_grade = grade_v or (preferences.grade if preferences is not None else "") or None
    score_rate = rate_v if rate_v is not None else _budget_in(preferences, display_v, rates)
    ranked = _rank(session, conditions, mode_v=mode_v, subject_v=subject_v, grade_v=fit_grade, rate_v=score_rate,
                   city_v=city_v, place=place, radius=radius_v, mask=free_mask, sort=sort_v, now=now or utcnow(),
                   display=display_v, rates=rates, liked=liked)
    total = len(ranked)
    chosen = ranked[(page_v - 1) * per_v : page_v * per_v]
    by_id = {c.id: c for c in chosen}
    found = session.exec(
        select(TutorProfile, User).join(User, col(User.id) == col(TutorProfile.user_id))
        .where(col(TutorProfile.id).in_(list(by_id)))
    ).all() if chosen else []
    position = {c.id: i for i, c in enumerate(chosen)}
    rows = sorted(found, key=lambda row: position[row[0].id or 0])
    ids = [p.id for p, _ in rows if p.id is not None]
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
            photo_thumb_url=photo_url(p.id or 0, p.photo_version, "small"),
            score=by_id[p.id or 0].score,
            match_score=by_id[p.id or 0].score,
            distance_km=by_id[p.id or 0].distance_km,
            display_currency=display_v,
            hourly_rate_display=_shown(p.hourly_rate, p.currency, display_v, rates),
            home_rate_display=_shown(p.home_rate, p.currency, display_v, rates),
        )
        for p, u in rows
    ]
    return SearchPage(items=items, total=total, page=page_v, per_page=per_v, pages=page_count(total, per_v),
                      place=place.label if place else "",
                      place_suggestions=suggestions(city_v) if city_v and place is None else [])


@dataclass(frozen=True)
class SearchPreferences:
    """What a signed-in student told us in their profile, used to rank (not filter) their searches."""

    subjects: tuple[str, ...] = ()
    grade: str = ""
    budget_max_minor: int = 0
    currency: str = ""

    def describe(self) -> str:
        """'Mathematics, Physics · High school · up to €30.00/h' for the results page."""
        parts = [", ".join(subject_label(s) for s in self.subjects[:4])] if self.subjects else []
        if self.grade:
            parts.append(grade_label(self.grade))
        if self.budget_max_minor > 0 and self.currency:
            parts.append(f"up to {format_money(self.budget_max_minor, self.currency)}/h")
        return " · ".join(parts)


def preferences_of(session: Session, actor: UserOut | None) -> SearchPreferences | None:
    """The signed-in student's search preferences from their profile; None for anyone else, or
    when the profile says nothing useful."""
    if actor is None or actor.role != Role.STUDENT:
        return None
    row = session.exec(select(StudentProfile).where(col(StudentProfile.user_id) == actor.id)).first()
    if row is None:
        return None
    prefs = SearchPreferences(subjects=tuple(str(s) for s in (row.subjects or [])[:20]), grade=row.grade_level or "",
                              budget_max_minor=max(0, row.budget_max or 0), currency=row.currency or "")
    return prefs if prefs.subjects or prefs.grade or prefs.budget_max_minor else None


def _budget_in(preferences: SearchPreferences | None, display: str, rates: Rates) -> int | None:
    if preferences is None or preferences.budget_max_minor <= 0 or not preferences.currency:
        return None
    try:
        return convert_minor(preferences.budget_max_minor, preferences.currency, display, rates) or None
    except UnknownCurrency:
        return None


def _shown(minor: int, source: str, display: str, rates: Rates) -> int:
    try:
        return convert_minor(minor, source, display, rates) if minor > 0 else 0
    except UnknownCurrency:
        return 0


def _ceiling_condition(limit: int, display: str, only: str | None, mode_v: str | None, rates: Rates) -> Any:
    """"Rate ≤ limit (in `display`)" as one OR per currency of "currency = C and rate ≤ bound_C"
    (currency.ceilings_by_currency): an index-friendly comparison, no conversion per row, and every
    currency is kept (none is silently dropped)."""
    per_currency = []
    for code, bound in ceilings_by_currency(limit, display, rates, only).items():
        bound = min(bound, 2**31 - 1)  # rates are INTEGER columns (a large ceiling in ₹ overflows PostgreSQL's)
        online_fits = and_(col(TutorProfile.offers_online) == True, col(TutorProfile.hourly_rate) <= bound)  # noqa: E712
        home_fits = and_(col(TutorProfile.offers_home) == True, col(TutorProfile.home_rate) <= bound)  # noqa: E712
        fits = online_fits if mode_v == "online" else home_fits if mode_v == "home" else or_(online_fits, home_fits)
        per_currency.append(and_(col(TutorProfile.currency) == code, fits))
    return or_(*per_currency) if per_currency else literal(False)


def _rank(session: Session, conditions: list[Any], *, mode_v: str | None, subject_v: str | None, grade_v: str | None,
          rate_v: int | None, city_v: str | None, place: Place | None, radius: int, mask: WindowMask | None,
          sort: str, now: datetime, display: str, rates: Rates, liked: tuple[str, ...] = ()) -> list[Candidate]:
    """Every tutor passing the SQL filters, then the place, radius and windows filters, scored and
    sorted (ranking.py). One read of plain columns per candidate — a few thousand small tuples.
    Each candidate's rate is converted into `display`, so price sort and price fit compare like with like."""
    rate_col = col(TutorProfile.home_rate) if mode_v == "home" else col(TutorProfile.hourly_rate)
    exact: Any = literal(None)
    if grade_v:
        exact_conds = [col(TutorSubject.tutor_id) == col(TutorProfile.id), col(TutorSubject.grade_level) == grade_v]
        if subject_v:
            exact_conds.append(col(TutorSubject.subject) == subject_v)
        elif liked:
            exact_conds.append(col(TutorSubject.subject).in_(liked))
        exact = exists().where(and_(*exact_conds))
    likes: Any = literal(None)
    if liked:
        likes = exists().where(col(TutorSubject.tutor_id) == col(TutorProfile.id), col(TutorSubject.subject).in_(liked))
    query = (
        sa_select(col(TutorProfile.id), rate_col, col(TutorProfile.rating_avg), col(TutorProfile.rating_count),
                  col(TutorProfile.trust_score), col(TutorProfile.response_rate), col(TutorProfile.response_minutes),
                  col(TutorProfile.city), col(TutorProfile.locality), col(TutorProfile.travel_radius_km), exact,
                  col(TutorProfile.currency), likes)
        .join(User, col(User.id) == col(TutorProfile.user_id))
        .where(*conditions)
    )
    out: list[Candidate] = []
    wanted_city = (city_v or "").lower()
    rows = session.connection().execute(query)
    converted: dict[tuple[int, str], int] = {}  # rates repeat a lot: convert each (rate, currency) once
    for tid, rate, rating, count, trust, resp, resp_min, city, locality, travel, exact_v, currency, likes_v in rows:
        key = (int(rate or 0), currency)
        if key not in converted:
            converted[key] = _shown(key[0], currency, display, rates)
        cand = Candidate(int(tid or 0), converted[key], float(rating or 0), int(count or 0), int(trust or 0),
                         int(resp or 0), resp_min, None if exact_v is None else bool(exact_v),
                         None if likes_v is None else bool(likes_v))
        if city_v:
            there = place_of(city, locality) if place is not None else None
            if there is not None and place is not None:
                d = distance_km(place.latitude, place.longitude, there.latitude, there.longitude)
                reach = min(radius, travel) if mode_v == "home" and travel > 0 else radius
                if d > reach:
                    continue
                cand.distance_km, cand.radius_km = round(d, 1), float(reach)
            elif (city or "").lower() != wanted_city:
                continue
        out.append(cand)
    if mask is not None:
        counts = free_start_counts(session, mask, [c.id for c in out])
        out = [c for c in out if c.id in counts]
        for c in out:
            c.free_starts = counts[c.id]
    if sort == "next_free":
        firsts = next_free_minutes(session, [c.id for c in out], now=now)
        for c in out:
            c.next_free = firsts.get(c.id)
    for c in out:
        c.score = match_score(c, max_rate=rate_v)
    out.sort(key=sort_key(sort))
    return out


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
