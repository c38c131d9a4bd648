"""Who is looking at an ad, whether they count, and the signed click tokens.

- A visitor is a signed-in user (by id) or, for anonymous visitors, their IP address + user agent.
  Either way only an HMAC of it (keyed with the install's secret) is stored: enough to count one
  impression per visitor per hour, useless to identify anyone.
- Bots (declared by their user agent: crawlers, link previewers, HTTP libraries, or no user agent
  at all) are served like anyone but never counted, and get no click token.
- A click token is `{campaign}.{visitor hash}.{issued epoch}.{nonce}.{signature}`: HMAC-signed, so
  nobody can mint clicks for a campaign they were not shown; bound to the visitor it was served to;
  valid for CLICK_TOKEN_HOURS; and its nonce is stored under a unique constraint when it is used, so a
  replayed token never counts twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tutorhub.services.errors import InvalidInput
from tutorhub.services.validation import fail
from tutorhub.settings import get_settings

CLICK_TOKEN_HOURS = 2
_BOT_RE = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|embedly|preview|monitor|pingdom|lighthouse|"
    r"curl/|wget/|python-requests|python-urllib|httpx|aiohttp|go-http-client|java/|okhttp|scrapy|phantomjs",
    re.IGNORECASE,
)
_TOKEN_RE = re.compile(r"^(\d{1,18})\.([0-9a-f]{32})\.(\d{1,12})\.([0-9a-f]{16})\.([0-9a-f]{64})$")


@dataclass(frozen=True)
class Visitor:
    key: str  # the stored hash
    is_bot: bool


def _hmac(purpose: str, value: str) -> str:
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def is_bot(user_agent: str) -> bool:
    """Declared bots and clients without a user agent are not people looking at ads."""
    return not user_agent.strip() or bool(_BOT_RE.search(user_agent))


def identify_visitor(*, user_id: int | None, ip: str, user_agent: str) -> Visitor:
    ua = (user_agent or "")[:300]
    raw = f"user:{user_id}" if user_id is not None else f"anon:{(ip or '')[:64]}|{ua}"
    return Visitor(key=_hmac("ad-visitor", raw)[:32], is_bot=is_bot(ua))


def hour_of(now: datetime) -> datetime:
    """The UTC hour an impression or click falls in (the deduplication window)."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def issue_click_token(*, campaign_id: int, visitor: Visitor, now: datetime) -> str:
    body = f"{campaign_id}.{visitor.key}.{int(now.timestamp())}.{secrets.token_hex(8)}"
    return f"{body}.{_hmac('ad-click', body)}"


def _bad_token() -> InvalidInput:
    return fail("click_token", "is not a valid click token for this ad")


def check_click_token(token: object, *, campaign_id: int, visitor: Visitor, now: datetime) -> str:
    """The token's nonce if it is genuine, for this campaign and visitor, and fresh; InvalidInput otherwise."""
    if not isinstance(token, str) or len(token) > 200:
        raise _bad_token()
    match = _TOKEN_RE.match(token)
    if match is None:
        raise _bad_token()
    body = token.rsplit(".", 1)[0]
    if not hmac.compare_digest(_hmac("ad-click", body), match.group(5)):
        raise _bad_token()
    if int(match.group(1)) != campaign_id or not hmac.compare_digest(match.group(2), visitor.key):
        raise _bad_token()
    issued = datetime.fromtimestamp(int(match.group(3)), UTC)
    if issued > now + timedelta(minutes=5) or now - issued > timedelta(hours=CLICK_TOKEN_HOURS):
        raise fail("click_token", "has expired; reload the page")
    return match.group(4)
