"""Password hashing (argon2id), random tokens and keyed hashes for stored secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tutorhub.settings import get_settings

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# A real hash of a random password, made once per process with the same parameters as real
# hashes: a login for an email nobody has (or an account without a password) verifies against it,
# so both cost one argon2 verify and timing does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_dummy_for: tuple[PasswordHasher, str] = (_hasher, _DUMMY_HASH)


def _dummy_hash() -> str:
    """The dummy hash for the hasher in use (remade only if the hasher was swapped, as tests do)."""
    global _dummy_for
    if _dummy_for[0] is not _hasher:
        _dummy_for = (_hasher, _hasher.hash(secrets.token_urlsafe(16)))
    return _dummy_for[1]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """One argon2 verify whether or not there is a hash to check (False without one)."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
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
