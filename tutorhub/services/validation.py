"""Input validation shared by every service: text, emails, phones, timezones, URLs, money.

Invisible formatting characters (Unicode category Cf) in text people see — names, headlines,
bios, chat messages, file names, anything through `clean_text` — could make text display as
something other than what it is ("invoice\u202egpj.exe" shows as "invoiceexe.jpg"). The rule:

- Bidi controls are refused with a field error ("contains direction-control characters"): the
  embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069, and the marks U+200E, U+200F
  and U+061C. They change the order in which text is shown, so silently dropping them could change
  what the writer meant; a clear error lets them retype it.
- Every other format character is invisible and is stripped: zero-width space U+200B, word joiner
  and invisible operators U+2060–U+2064, the byte-order mark U+FEFF, soft hyphen U+00AD, U+180E,
  the deprecated U+206A–U+206F, interlinear annotation marks and the rest of Cf. The text looks
  the same without them, so nothing the writer meant is lost.
- Kept where they do real work: the zero-width joiner and non-joiner (U+200D, U+200C) between two
  visible characters — ZWJ glues emoji sequences (👩‍💻, 🏳️‍🌈) and both shape Indic and Persian
  words (می‌خواهم) — and tag characters U+E0020–U+E007F right after a black flag U+1F3F4 (subdivision
  flags like 🏴󠁧󠁢󠁳󠁣󠁴󠁿). Anywhere else (at an edge, next to a space, doubled) they display nothing and are
  stripped too.
"""

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
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINERS = frozenset("\u200c\u200d")
_BLACK_FLAG = "\U0001f3f4"
_TAG_FIRST, _TAG_LAST = 0xE0020, 0xE007F


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


def _is_format(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf"


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc")


def _keep_format(text: str, i: int) -> bool:
    """Whether the format character at `i` does real work there (see the module doc)."""
    ch = text[i]
    if ch in _JOINERS:
        return 0 < i < len(text) - 1 and _visible(text[i - 1]) and _visible(text[i + 1])
    if _TAG_FIRST <= ord(ch) <= _TAG_LAST:
        j = i - 1
        while j >= 0 and _TAG_FIRST <= ord(text[j]) <= _TAG_LAST:
            j -= 1
        return j >= 0 and text[j] == _BLACK_FLAG
    return False


def strip_format_characters(value: str, field: str) -> str:
    """`value` without invisible format characters; InvalidInput when it holds bidi controls."""
    if not any(_is_format(ch) for ch in value):
        return value
    if any(ch in BIDI_CONTROLS for ch in value):
        raise fail(field, "contains direction-control characters (such as U+202E); please retype it")
    return "".join(ch for i, ch in enumerate(value) if not _is_format(ch) or _keep_format(value, i))


def clean_text(value: Any, field: str, *, max_len: int, required: bool = False, multiline: bool = False) -> str:
    """Strip, reject non-strings, control characters, bidi controls and over-long values; drop
    invisible format characters (module doc)."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise fail(field, "must be text")
    if _SURROGATE_RE.search(value):
        raise fail(field, "contains invalid characters")
    value = strip_format_characters(unicodedata.normalize("NFC", value), field).strip()
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


MAX_ROW_ID = 2**31 - 1  # ids are INTEGER columns; PostgreSQL refuses a larger bound value outright


def clean_id(value: Any, not_found: str, *, maximum: int = MAX_ROW_ID, text_ok: bool = True) -> int:
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


def timezone_names() -> frozenset[str]:
    """Every zone `validate_timezone` accepts (for forms and the API's document)."""
    return _zones()


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
    """An accepted currency code; anything else (also 'EURO' or '€') is told the accepted list."""
    text = clean_text(value, field, max_len=100, required=True).upper()
    if text not in CURRENCIES:
        raise fail(field, f"must be one of {', '.join(CURRENCIES)}")
    return text
