"""Tutors: the tutor's own profile and credentials, search, and public profiles.

The `/tutors/me/...` routes are registered before `/tutors/{tutor_id}` so "me" is never read as an id.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Path, Query, Response, UploadFile
from pydantic import BaseModel

from tutorhub.api.deps import CurrentUser
from tutorhub.api.schemas import error_responses, one_of, query, ranged, text_rule, timezone
from tutorhub.db import session_scope
from tutorhub.services.catalog import GRADE_LEVELS, MODES
from tutorhub.services.currency import CURRENCIES
from tutorhub.services.scheduling.schedule_input import LESSON_LENGTHS
from tutorhub.services.tutors import photos as tutor_photos
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.tutors import search
from tutorhub.services.tutors.views import DocumentOut, SearchPage, TutorPrivate, TutorPublic
from tutorhub.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["tutors"])

_OWN = error_responses(401, 403, 422, e403="Not a tutor")


@router.get("/tutors/me/profile", response_model=TutorPrivate, responses=_OWN)
def get_own_profile(user: CurrentUser) -> TutorPrivate:
    """The tutor's own profile, with review status, notes, documents and history."""
    with session_scope() as session:
        return tutor_profiles.get_own_profile(session, actor=user)


@router.put("/tutors/me/profile", response_model=TutorPrivate, responses=_OWN)
def update_own_profile(user: CurrentUser, data: Annotated[dict[str, Any], Body()]) -> TutorPrivate:
    """Update profile fields (headline, bio, subjects, languages, hourly_rate, home_rate, currency,
    city, locality, travel_radius_km, modes, timezone, intro_video_url, full_name); absent fields
    keep their values. Invalid fields are reported together in `fields` (422)."""
    with session_scope() as session:
        return tutor_profiles.update_own_profile(session, actor=user, data=data)


@router.post(
    "/tutors/me/submit",
    response_model=TutorPrivate,
    responses=error_responses(401, 403, 409, e403="Not a tutor",
                              e409="Already pending or approved, or the profile is incomplete (`fields` says what is missing)"),
)
def submit_for_review(user: CurrentUser) -> TutorPrivate:
    """Send the profile to the verification queue (status becomes PENDING)."""
    with session_scope() as session:
        return tutor_profiles.submit_for_review(session, actor=user)


@router.post(
    "/tutors/me/credentials",
    status_code=201,
    response_model=DocumentOut,
    responses=error_responses(400, 401, 403, 422, e403="Not a tutor", e422="Not a PDF/JPEG/PNG, empty, too large"),
)
def upload_credential(user: CurrentUser, file: Annotated[UploadFile, File()]) -> DocumentOut:
    """Upload a credential document (PDF, JPEG or PNG, judged by content; size-limited).

    Stored privately; an approved profile goes back to review."""
    limit = get_settings().max_upload_bytes
    data = file.file.read(limit + 1)  # one byte over the limit is enough to refuse it
    with session_scope() as session:
        return tutor_profiles.upload_credential(session, actor=user, filename=file.filename, data=data)


@router.delete(
    "/tutors/me/credentials/{doc_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 403, 404, 422, e403="Not a tutor", e404="No such document of yours"),
)
def delete_credential(user: CurrentUser, doc_id: Annotated[int, Path(ge=1, le=10**9)]) -> Response:
    """Delete one of your credential documents (an approved profile goes back to review)."""
    with session_scope() as session:
        tutor_profiles.delete_credential(session, actor=user, document_id=doc_id)
    return Response(status_code=204)


class PhotoOut(BaseModel):
    photo_url: str  # the public 400×400 photo, with its version


@router.put(
    "/tutors/me/photo",
    response_model=PhotoOut,
    responses=error_responses(400, 401, 403, 422, e403="Not a tutor",
                              e422="Not a JPEG/PNG/WebP image, unreadable, empty, too small or over 5 MB"),
)
def set_own_photo(user: CurrentUser, file: Annotated[UploadFile, File()]) -> PhotoOut:
    """Upload your profile photo (public by design). Judged by content and decoded whole; stored
    re-encoded as a square WebP without metadata (services/tutors/photos.py)."""
    data = file.file.read(tutor_photos.MAX_PHOTO_BYTES + 1)  # one byte over the limit is enough to refuse it
    with session_scope() as session:
        return PhotoOut(photo_url=tutor_photos.set_own_photo(session, actor=user, data=data))


@router.delete("/tutors/me/photo", status_code=204, response_class=Response,
               responses=error_responses(401, 403, e403="Not a tutor"))
def remove_own_photo(user: CurrentUser) -> Response:
    """Remove your profile photo (your initials are shown instead)."""
    with session_scope() as session:
        tutor_photos.remove_own_photo(session, actor=user)
    return Response(status_code=204)


@router.get("/tutors", response_model=SearchPage, responses=error_responses(422))
def search_tutors(
    subject: Annotated[str | None, query(maxLength=60, pattern="^(|.*[A-Za-z0-9+#&/.-].*[A-Za-z0-9+#&/.-].*)$",
                                         description="a subject: at least two of A-Z, 0-9, +#&/.- (other "
                                         "characters are ignored)")] = None,
    grade: Annotated[str | None, query(**one_of([*GRADE_LEVELS, *map(str, range(1, 13))], blank=True))] = None,
    mode: Annotated[str | None, query(**one_of(MODES, blank=True))] = None,
    max_rate: Annotated[int | None, ranged(1, 10**9)] = None,
    city: Annotated[str | None, query(**text_rule(80))] = None,
    language: Annotated[str | None, query(**text_rule(40))] = None,
    min_rating: Annotated[int | None, ranged(0, 5)] = None,
    currency: Annotated[str | None, query(**one_of(CURRENCIES, blank=True),
                                          description="Only tutors charging in this ISO currency")] = None,
    display_currency: Annotated[str | None, query(**one_of(CURRENCIES, blank=True),
                                                  description="Currency of `max_rate` and of the converted "
                                                  "`*_display` rates (default: `currency`, else USD)")] = None,
    page: Annotated[int, ranged(1, 100_000)] = 1,
    per_page: Annotated[int | None, ranged(1, search.MAX_PER_PAGE)] = None,
    windows: Annotated[
        str | None,
        Query(description='Free in my windows: JSON list like [{"weekday": 0, "start": "17:00", "end": "20:00"}]'),
    ] = None,
    tz: Annotated[str | None, query(**timezone(blank=True), description="IANA zone of `windows`; default UTC")] = None,
    duration: Annotated[int | None, query(**one_of(LESSON_LENGTHS), description="Lesson minutes for `windows`; "
                                          "default 60")] = None,
    radius_km: Annotated[int | None, ranged(1, 500, description="With `city`: within this many km (default 25)")] = None,
    sort: Annotated[Literal["match", "price", "rating", "next_free"] | None,
                    Query(description="match (default), price, rating or next_free")] = None,
) -> SearchPage:
    """Approved tutors matching every given filter, best match first.

    `mode` is online or home; `max_rate` is in minor units per hour of `display_currency`, compared
    with every tutor's rate converted at the admin-maintained rates (no currency is left out); `grade` is a band (primary,
    middle, high, senior, university, adult) or a school year 1–12. With `windows`, only tutors
    with a free `duration`-minute slot inside those weekly windows in the next 14 days. `city` is a
    place ("Koramangala, Bengaluru"): results carry `distance_km`; all carry `match_score`; `sort` orders them."""
    with session_scope(read_only=True) as session:
        return search.search_tutors(
            session,
            subject=subject,
            grade=grade,
            mode=mode,
            max_rate=max_rate,
            city=city,
            language=language,
            min_rating=min_rating,
            currency=currency,
            display_currency=display_currency,
            page=page,
            per_page=per_page,
            windows=windows,
            windows_tz=tz,
            duration=duration,
            radius_km=radius_km,
            sort=sort,
        )


@router.get(
    "/tutors/{tutor_id}",
    response_model=TutorPublic,
    responses=error_responses(404, 422, e404="No approved tutor with this id"),
)
def get_public_profile(tutor_id: int) -> TutorPublic:
    """A tutor's public profile (approved, non-suspended tutors only)."""
    with session_scope(read_only=True) as session:
        return search.get_public_profile(session, tutor_id=tutor_id)
