"""Password hashing (argon2id), random tokens and keyed hashes for stored secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tutorhub.settings import get_settings

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# A real hash of a random password, verified on unknown emails so timing does not leak accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError, UnicodeEncodeError):
        return False  # UnicodeEncodeError: a lone surrogate in the submitted password


def new_token() -> str:
    """A 256-bit URL-safe random token."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are high-entropy, so a fast keyed hash is enough to store them safely."""
    key = get_settings().secret_key.encode()
    # surrogatepass: a client-sent token with a lone surrogate hashes to a value that matches nothing.
    return hmac.new(key, token.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def new_otp_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def hash_otp(identifier: str, code: str) -> str:
    """Codes have only 10^6 values; the key and the identifier make stolen hashes useless."""
    key = get_settings().secret_key.encode()
    return hmac.new(key, f"otp:{identifier}:{code}".encode(), hashlib.sha256).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
