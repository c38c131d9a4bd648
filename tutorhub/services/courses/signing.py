"""Short-lived signed URLs: HMAC-SHA256 with the install's secret over (purpose, subject, expiry).

Two uses: the part URLs of a local multipart upload (the client PUTs there without a bearer token,
exactly as it would to an S3 pre-signed URL) and the video URLs players load (a `<video>` element
cannot send a bearer header, and a copied link must stop working after a few minutes). The subject
includes what the URL grants (the upload id and part number; the chapter and its current video key),
so a signature for one thing never opens another, and a replaced video invalidates old links.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from tutorhub.settings import get_settings

VIDEO_URL_TTL = timedelta(minutes=5)
PART_URL_TTL = timedelta(hours=24)


def _digest(purpose: str, subject: str, expires: int) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"{purpose}\n{subject}\n{expires}".encode(), hashlib.sha256).hexdigest()


def sign(purpose: str, subject: str, *, now: datetime, ttl: timedelta) -> tuple[int, str]:
    """(expires as a Unix time, signature)."""
    expires = int((now + ttl).timestamp())
    return expires, _digest(purpose, subject, expires)


def is_valid(purpose: str, subject: str, *, expires: object, signature: object, now: datetime) -> bool:
    """True when the signature matches and has not expired (constant-time comparison)."""
    if not isinstance(expires, int) or not isinstance(signature, str) or len(signature) != 64:
        return False
    if expires < int(now.timestamp()):
        return False
    return hmac.compare_digest(_digest(purpose, subject, expires), signature)
