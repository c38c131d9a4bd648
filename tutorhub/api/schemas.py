"""Request and response bodies of the JSON API.

Request models type their fields strictly enough that a wrong JSON type (a number where text is
expected, a list for a role) is refused with 422 before any service runs. Lengths, formats and
allowed values are checked by the services, which answer with field-level messages; the API
does not duplicate those rules. Response models reuse the services' plain data objects.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tutorhub.services.accounts.logins import LoginEventOut
from tutorhub.services.accounts.students import StudentProfileOut
from tutorhub.services.actor import UserOut
from tutorhub.services.catalog import GRADE_LEVELS
from tutorhub.services.currency import CURRENCIES
from tutorhub.services.money.promos import CODE_MAX_LEN
from tutorhub.services.outbox import OutboxItem
from tutorhub.services.tutors.views import TutorPrivate
from tutorhub.services.validation import timezone_names


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
    415: "The content is not of an accepted type",
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
    """Base for request bodies: no type coercion (123 is not an email, "5" is not a number), unknown
    keys ignored. A whole number written with a fraction (`60.0`) is a JSON Schema integer, so it
    is taken as one for integer fields; `60.5` and `"60"` are not."""

    model_config = ConfigDict(strict=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _whole_floats(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        ints = {name for name, info in cls.model_fields.items() if info.annotation in (int, int | None)}
        return {key: int(value) if key in ints and isinstance(value, float) and value.is_integer() else value
                for key, value in data.items()}


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


def query(**json_schema: Any) -> Any:
    """A query parameter whose format the service checks (a `text_rule`, `DATE_TIME`, an enum...)."""
    description = json_schema.pop("description", None)
    return Query(description=description, json_schema_extra=json_schema)


def required(**json_schema: Any) -> Any:
    """A required body field whose format the service checks (see `rule`)."""
    return Field(json_schema_extra=json_schema)


def _escape(code: int) -> str:
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _char_class(ranges: list[tuple[int, int]]) -> str:
    return "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges)


# Refused anywhere by services.validation.clean_text: control characters and bidi controls.
_REFUSED = [(0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x7F), (0x61C, 0x61C), (0x200E, 0x200F),
            (0x202A, 0x202E), (0x2066, 0x2069)]


@lru_cache(maxsize=1)
def _blank_ranges() -> list[tuple[int, int]]:
    """Characters clean_text drops before "is required" is judged: whitespace and format (Cf) characters."""
    out: list[tuple[int, int]] = []
    start = None
    for code in range(0x110000):
        blank = not 0xD800 <= code <= 0xDFFF and (chr(code).isspace() or unicodedata.category(chr(code)) == "Cf")
        if blank and start is None:
            start = code
        elif not blank and start is not None:
            out.append((start, code - 1))
            start = None
    return out


@lru_cache(maxsize=4)
def text_pattern(*, required: bool) -> str:
    """What services.validation.clean_text accepts: no control or bidi-control characters and, when
    required, at least one character that is neither whitespace nor invisible."""
    refused = _char_class(_REFUSED)
    if not required:
        return f"^[^{refused}]*$"
    return f"^[^{refused}]*[^{refused}{_char_class(_blank_ranges())}][^{refused}]*$"


def text_rule(max_len: int, *, required: bool = False, multiline: bool = False, **extra: Any) -> dict[str, Any]:
    """JSON Schema of a text the service checks with `clean_text(max_len=..., required=...)`; line
    breaks are kept in `multiline` text and folded into spaces otherwise (both accepted)."""
    del multiline
    return {"maxLength": max_len, "pattern": text_pattern(required=required), **extra}


def text_list(max_items: int, max_len: int, *, required: bool = False) -> dict[str, Any]:
    """services.learning.reports._items: a list of short texts, or one text split on commas and line
    breaks; blank items are dropped, at most `max_items` remain (`required`: at least one)."""
    refused = _char_class(_REFUSED)
    piece = f"[^,\\n{refused}]{{0,{max_len}}}"
    listed: dict[str, Any] = {"type": "array", "maxItems": max_items, "items": {"type": "string", **text_rule(max_len)}}
    joined: dict[str, Any] = {"type": "string", "pattern": f"^{piece}([,\\n]{piece}){{0,{max_items - 1}}}$"}
    if required:
        listed["contains"] = {"type": "string", "pattern": text_pattern(required=True)}
        joined = {"allOf": [joined, {"type": "string", "pattern": "[^\\s,]"}]}
    return {"anyOf": [listed, joined]}


# services.scheduling.schedule_input.parse_instant: ISO 8601 with an offset, years 2000-2100, real dates.
_YEAR = "(20[0-9]{2}|2100)"
_DAYS = ("((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))")
_DATE = f"({_YEAR}-{_DAYS}|20([02468][048]|[13579][26])-02-29)"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\\.[0-9]{1,6})?)?"
_OFFSET = "(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
DATE_TIME: dict[str, Any] = {
    "pattern": f"^{_DATE}T{_TIME}{_OFFSET}$",
    "examples": ["2027-03-16T09:00:00+01:00"],
}
# A local wall-clock time without offset (classes' first session: services.classes.schedule).
LOCAL_DATE_TIME: dict[str, Any] = {"pattern": f"^{_DATE}T([01][0-9]|2[0-3]):[0-5][0-9]$",
                                   "examples": ["2027-03-16T18:00"]}
# A calendar date (YYYY-MM-DD) or blank for "none".
DATE_OR_BLANK: dict[str, Any] = {"pattern": f"^({_DATE})?$", "examples": ["2027-05-20"]}
# The same, or blank for "not given" (filters).
DATE_TIME_OR_BLANK: dict[str, Any] = {**DATE_TIME, "pattern": f"^({_DATE}T{_TIME}{_OFFSET})?$"}


def one_of(values: Any, *, optional: bool = False, blank: bool = False) -> dict[str, Any]:
    """An `enum` for a field typed `str` (or `str | None` with `optional`; `blank` also allows "")."""
    return {"enum": [*values, *([""] if blank else []), *([None] if optional else [])]}


# A currency TutorHub trades in (services.validation.validate_currency; lower case is accepted too).
def currency(*, optional: bool = False) -> dict[str, Any]:
    return one_of(CURRENCIES, optional=optional)


# An IANA zone (services.validation.validate_timezone).
def timezone(*, optional: bool = False, blank: bool = False) -> dict[str, Any]:
    return one_of(sorted(timezone_names()), optional=optional, blank=blank)


# services.catalog.normalize_subject: at least two letters or digits, the rest from a small set (it also
# folds case and aliases, e.g. "Maths" → "mathematics").
SUBJECT: dict[str, Any] = {
    "minLength": 2, "maxLength": 60, "examples": ["Mathematics"],
    "pattern": "^[A-Za-z0-9]{2}[A-Za-z0-9+#&/.-]*( [A-Za-z0-9+#&/.-]+)*$",
}
SUBJECT_OR_BLANK: dict[str, Any] = {**SUBJECT, "minLength": 0, "pattern": f"^({SUBJECT['pattern'][1:-1]})?$"}
# A subject in a query string (ads, search): free text the service folds, so any text without control
# or bidi characters that keeps at least two of A-Z, 0-9, +#&/.- (the other characters are dropped).
_FREE = f"[^{_char_class(_REFUSED)}]*"
SUBJECT_QUERY: dict[str, Any] = {
    "maxLength": 60, "pattern": f"^(|{_FREE}[A-Za-z0-9+#&/.-]{_FREE}[A-Za-z0-9+#&/.-]{_FREE})$",
    "description": "a subject: at least two of A-Z, 0-9, +#&/.- (other characters are ignored)",
}
# services.catalog.normalize_grade: a grade band or a school year (it also takes "grade 7", "high school"...).
GRADES: tuple[str, ...] = (*GRADE_LEVELS, *(str(year) for year in range(1, 13)))


def grade(*, boards: tuple[str, ...] = (), optional: bool = False, blank: bool = False) -> dict[str, Any]:
    """A grade band or school year (`boards`: exam board course keys also accepted, e.g. cbse-10)."""
    return one_of((*GRADES, *boards), optional=optional, blank=blank)


# A promo code (services.money.promos.normalize_code; lower case is accepted too); "" is no code.
PROMO_CODE: dict[str, Any] = {"pattern": f"^([A-Z0-9][A-Z0-9_-]{{2,{CODE_MAX_LEN - 1}}})?$"}

# services.validation.normalize_email (email-validator) accepts more; this is the plain form it always takes.
EMAIL: dict[str, Any] = {
    "maxLength": 254, "examples": ["ada@example.org"],
    "pattern": "^[A-Za-z0-9_%+-]{1,32}(\\.[A-Za-z0-9_%+-]{1,32}){0,3}@([A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?\\.){1,4}"
               "(com|org|net|edu|io|dev|app|uk|de|fr|in|es|it|nl|au|ca|sg|jp|ae|test)$",
}
# services.validation.normalize_phone: E.164 (spaces, dashes and brackets are tolerated too).
PHONE: dict[str, Any] = {"pattern": "^\\+[1-9][0-9]{7,14}$", "examples": ["+14155550123"]}
# services.validation.validate_password.
PASSWORD: dict[str, Any] = {"minLength": 8, "maxLength": 128}
_NO_VALUE = {"enum": [None, ""]}


def or_blank(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` (with an anchored `pattern`) that also allows "" (for "not given")."""
    return {**schema, "pattern": f"^({schema['pattern'][1:-1]})?$"}
_ONE_IDENTIFIER = [
    {"required": ["email"], "properties": {"email": {"type": "string", "minLength": 1}, "phone": _NO_VALUE}},
    {"required": ["phone"], "properties": {"phone": {"type": "string", "minLength": 1}, "email": _NO_VALUE}},
]


class MoneySettingsIn(StrictIn):
    """Absent or null keeps the stored value; numbers are JSON numbers, never strings."""

    commission_percent: int | None = rule(minimum=0, maximum=100)
    refund_destination: Literal["original", "wallet"] | None = None
    payout_minimum_minor: int | None = rule(minimum=1, maximum=10**9)


class RegisterIn(StrictIn):
    email: str = required(**EMAIL)
    password: str = required(**PASSWORD)
    full_name: str = required(**text_rule(120, required=True))
    role: Literal["student", "tutor", "guardian"]
    timezone: str | None = rule(**timezone(optional=True, blank=True), description="IANA zone; default UTC")
    display_currency: str | None = rule(**one_of(CURRENCIES, optional=True, blank=True),
                                        description="Currency prices are shown in; default: guessed from "
                                                    "`locale`, then `timezone`, then USD")
    locale: str | None = rule(**text_rule(64), description="The client's language tag (e.g. de-DE): only a hint "
                              "for the display-currency guess; a malformed one is ignored")


class DisplayCurrencyIn(StrictIn):
    display_currency: str = required(**currency(), description="Currency prices are shown in (≈, converted)")


class LoginIn(StrictIn):
    email: str
    password: str


class RefreshIn(StrictIn):
    refresh_token: str


class OtpRequestIn(StrictIn):
    """Exactly one of `email` and `phone` (E.164, like +14155550123); the other absent, null or ""."""

    model_config = ConfigDict(json_schema_extra={"oneOf": _ONE_IDENTIFIER})
    email: str | None = rule(**or_blank(EMAIL))
    phone: str | None = rule(**or_blank(PHONE))


class OtpVerifyIn(OtpRequestIn):
    code: str = required(pattern="^[0-9]{6}$", description="the 6 digits sent")


class ForgotPasswordIn(StrictIn):
    email: str = required(**EMAIL)


class ResetPasswordIn(StrictIn):
    email: str = required(**EMAIL)
    code: str = required(pattern="^[0-9]{6}$", description="the 6 digits emailed by /auth/password/forgot")
    new_password: str = required(**PASSWORD)


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

