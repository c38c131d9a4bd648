"""Input validation shared by every service: text, emails, phones, timezones, URLs, money."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from email_validator import EmailNotValidError, validate_email

from tutorhub.services.currency import CURRENCIES
from tutorhub.services.errors import InvalidInput, NotFound

_PHONE_RE = re.compile(r"^\+[1-9][0-9]{7,14}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lone UTF-16 surrogates arrive from JSON escapes like "\ud800"; they cannot be encoded as UTF-8,
# so storing or hashing them would crash the request instead of reporting a field error.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def fail(field: str, message: str) -> InvalidInput:
    return fail_fields({field: message})


def fail_fields(errors: dict[str, str]) -> InvalidInput:
    """One error reporting every invalid field at once (`errors` maps field names to messages)."""
    return InvalidInput("; ".join(f"{k}: {v}" for k, v in errors.items()), fields=errors)


def check_fields(checks: Iterable[tuple[str, Callable[[], Any]]]) -> dict[str, Any]:
    """Run every field's check and return the cleaned values by field; if any fail, raise one error
    naming every failed field (a form shows all its problems at once, not one per submit)."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for key, check in checks:
        try:
            values[key] = check()
        except InvalidInput as exc:
            errors[key] = next(iter(exc.fields.values()), exc.message)
    if errors:
        raise fail_fields(errors)
    return values


def clean_text(value: Any, field: str, *, max_len: int, required: bool = False, multiline: bool = False) -> str:
    """Strip, reject non-strings, control characters and over-long values."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise fail(field, "must be text")
    if _SURROGATE_RE.search(value):
        raise fail(field, "contains invalid characters")
    value = unicodedata.normalize("NFC", value).strip()
    if not multiline:
        value = " ".join(value.split())
    else:
        value = value.replace("\r\n", "\n")
    if _CONTROL_RE.search(value):
        raise fail(field, "contains control characters")
    if required and not value:
        raise fail(field, "is required")
    if len(value) > max_len:
        raise fail(field, f"must be at most {max_len} characters")
    return value


def clean_int(value: Any, field: str, *, minimum: int = 0, maximum: int = 10**9) -> int:
    if isinstance(value, bool) or value is None:
        raise fail(field, "must be a whole number")
    if isinstance(value, str):
        stripped = value.strip()
        if not re.fullmatch(r"-?\d{1,12}", stripped):
            raise fail(field, "must be a whole number")
        value = int(stripped)
    if isinstance(value, float):
        if not value.is_integer():
            raise fail(field, "must be a whole number")
        value = int(value)
    if not isinstance(value, int):
        raise fail(field, "must be a whole number")
    if value < minimum or value > maximum:
        raise fail(field, f"must be between {minimum} and {maximum}")
    return value


def clean_id(value: Any, not_found: str, *, maximum: int = 2**62, text_ok: bool = True) -> int:
    """A row id from request input; anything that is not one is simply not found (like another
    user's id), so a bad id and a missing row answer the same 404.

    `text_ok=False` accepts only real ints (ids the browser or router already hands over as numbers).
    """
    if not text_ok and (isinstance(value, bool) or not isinstance(value, int)):
        raise NotFound(not_found)
    try:
        return clean_int(value, "id", minimum=1, maximum=maximum)
    except InvalidInput:
        raise NotFound(not_found) from None


def normalize_email(value: Any, field: str = "email") -> str:
    text = clean_text(value, field, max_len=254, required=True)
    try:
        result = validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError as exc:
        raise fail(field, "is not a valid email address") from exc
    return result.normalized.lower()


def normalize_phone(value: Any, field: str = "phone") -> str:
    """Phones are E.164: '+' then 8–15 digits; spaces, dashes and brackets are tolerated."""
    text = clean_text(value, field, max_len=32, required=True)
    compact = re.sub(r"[\s\-().]", "", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not _PHONE_RE.match(compact):
        raise fail(field, "must be an international number like +14155550123")
    return compact


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    # "localtime" (the server's own zone) and "Factory" are tz database artefacts, not places.
    return frozenset(
        z for z in available_timezones()
        if z not in {"localtime", "Factory"} and not z.startswith(("posix/", "right/"))
    )


def validate_timezone(value: Any, field: str = "timezone") -> str:
    text = clean_text(value, field, max_len=64, required=True)
    if text not in _zones():
        raise fail(field, "must be an IANA timezone like Europe/Berlin")
    ZoneInfo(text)
    return text


def validate_password(value: Any, field: str = "password") -> str:
    if not isinstance(value, str):
        raise fail(field, "must be text")
    if _SURROGATE_RE.search(value):
        raise fail(field, "contains invalid characters")
    if len(value) < 8:
        raise fail(field, "must be at least 8 characters")
    if len(value) > 128:
        raise fail(field, "must be at most 128 characters")
    return value


def validate_url(value: Any, field: str, *, max_len: int = 500) -> str:
    text = clean_text(value, field, max_len=max_len)
    if text and not re.match(r"^https?://[^\s/$.?#][^\s]*$", text, re.IGNORECASE):
        raise fail(field, "must be an http(s) link")
    return text


def validate_currency(value: Any, field: str = "currency") -> str:
    text = clean_text(value, field, max_len=3, required=True).upper()
    if text not in CURRENCIES:
        raise fail(field, f"must be one of {', '.join(CURRENCIES)}")
    return text
