"""Request and response bodies of the JSON API.

Request models type their fields strictly enough that a wrong JSON type (a number where text is
expected, a list for a role) is refused with 422 before any service runs. Lengths, formats and
allowed values are checked by the services, which answer with field-level messages; the API
does not duplicate those rules. Response models reuse the services' plain data objects.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tutorhub.services.auth import LoginEventOut, UserOut
from tutorhub.services.outbox import OutboxItem
from tutorhub.services.students import StudentProfileOut
from tutorhub.services.tutor_views import TutorPrivate


class StrictIn(BaseModel):
    """Base for request bodies: no type coercion (123 is not an email), unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class RegisterIn(StrictIn):
    email: str
    password: str
    full_name: str
    role: str
    timezone: str | None = None


class LoginIn(StrictIn):
    email: str
    password: str


class RefreshIn(StrictIn):
    refresh_token: str


class OtpRequestIn(StrictIn):
    email: str | None = None
    phone: str | None = None


class OtpVerifyIn(StrictIn):
    code: str
    email: str | None = None
    phone: str | None = None


class DecisionIn(StrictIn):
    notes: str | None = None


class RegisterOut(BaseModel):
    user: UserOut
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (a token kind, not a secret)
    expires_in: int


class OtpSentOut(BaseModel):
    detail: str
    channel: str


class MeOut(UserOut):
    """The signed-in user; `profile` is the student or (private) tutor profile, null for admins."""

    profile: StudentProfileOut | TutorPrivate | None


class LoginEventPage(BaseModel):
    items: list[LoginEventOut]
    total: int
    page: int
    per_page: int
    pages: int


class OutboxPage(BaseModel):
    items: list[OutboxItem]
