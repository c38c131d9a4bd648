"""Request and response bodies of the JSON API.

Request models type their fields strictly enough that a wrong JSON type (a number where text is
expected, a list for a role) is refused with 422 before any service runs. Lengths, formats and
allowed values are checked by the services, which answer with field-level messages; the API
does not duplicate those rules. Response models reuse the services' plain data objects.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from tutorhub.services.accounts.logins import LoginEventOut
from tutorhub.services.accounts.students import StudentProfileOut
from tutorhub.services.actor import UserOut
from tutorhub.services.outbox import OutboxItem
from tutorhub.services.tutors.views import TutorPrivate


class ErrorOut(BaseModel):
    """Every error body. `detail` is a message (or, for malformed requests, a list of problems);
    `fields` maps input field names to what is wrong with them."""

    detail: str | list[dict[str, Any]]
    fields: dict[str, str] | None = None


_ERROR_TEXT = {
    400: "Unparsable request body (not JSON, not UTF-8, or broken multipart)",
    401: "Not authenticated: missing, invalid, expired or revoked credentials (WWW-Authenticate: Bearer)",
    402: "Not enough wallet balance or credits",
    403: "Signed in, but this role may not do that",
    404: "Not found (or not yours)",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "Invalid input; see `fields`",
    429: "Too many attempts; retry after the Retry-After header's seconds",
}


def error_text(code: int) -> str:
    return _ERROR_TEXT[code]


def error_responses(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the given error codes; override a text with e.g. `e409="..."`.

    List the codes the use case itself can answer (403, 404, 409, 402, 429, ...); the ones every
    operation of a kind can give (400/413 with a body, 401 with a token, 404 with an id in the path,
    422 with input) are added to the document by `tutorhub.api.contract.document_errors`."""
    return {code: {"model": ErrorOut, "description": descriptions.get(f"e{code}", _ERROR_TEXT[code])} for code in codes}


class StrictIn(BaseModel):
    """Base for request bodies: no type coercion (123 is not an email), unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


def rule(**json_schema: Any) -> Any:
    """An optional field whose range or format the service checks (with its own field messages), stated
    in the OpenAPI document so that what the document calls valid is what the service accepts."""
    return Field(default=None, json_schema_extra=json_schema)


def need(**json_schema: Any) -> Any:
    """A required field whose range or format the service checks, stated in the OpenAPI document (see `rule`)."""
    return Field(json_schema_extra=json_schema)


def ranged(minimum: int, maximum: int, **query: Any) -> Any:
    """A query parameter whose whole-number range the service checks (see `rule`)."""
    return Query(json_schema_extra={"minimum": minimum, "maximum": maximum}, **query)


class MoneySettingsIn(StrictIn):
    """Absent or null keeps the stored value; numbers are JSON numbers, never strings."""

    commission_percent: int | None = rule(minimum=0, maximum=100)
    refund_destination: Literal["original", "wallet"] | None = None
    payout_minimum_minor: int | None = rule(minimum=1, maximum=10**9)


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
