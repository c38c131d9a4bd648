"""A random id per browser, for one fraud signal: many accounts signing in from one device.

Why a cookie of our own and not a browser fingerprint: it is honest (a random value, no tracking
across sites, nothing derived from the machine) and enough for the question asked — did these
accounts use the same browser? The id lives in `th_device`: HttpOnly (page scripts cannot read or
copy it), SameSite=Lax, two years; set by the page responses (api/device_cookie.py) when absent and
read back from the request that logs in (the websocket's handshake for the web UI). It is recorded
on the login log (`LoginEvent.device_id`) and read only by the fraud scan. Anyone can clear or
forge a cookie, so it is never used to authorize anything, and it is never shown to users.
"""

from __future__ import annotations

import re
import secrets

DEVICE_COOKIE = "th_device"
DEVICE_PATH = "/api/v1/auth/device"  # GET: sets the cookie when absent (pages not served by the backend)
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600
_DEVICE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_device_id() -> str:
    return secrets.token_urlsafe(24)  # 32 characters, 192 random bits


def clean_device_id(value: object) -> str:
    """The id if it looks like one we issue, else "" (a forged cookie is only ever a string in a log)."""
    return value if isinstance(value, str) and _DEVICE_RE.match(value) else ""


def device_from_cookies(cookie_header: str | None) -> str:
    """This browser's device id from a Cookie header ("" when absent or malformed)."""
    for part in (cookie_header or "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == DEVICE_COOKIE:
            return clean_device_id(value.strip().strip('"'))
    return ""


def device_cookie(device_id: str, *, secure: bool) -> str:
    """The Set-Cookie value that gives a browser its device id."""
    return (f"{DEVICE_COOKIE}={device_id}; Max-Age={DEVICE_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax"
            + ("; Secure" if secure else ""))
