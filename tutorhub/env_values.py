"""Reading single environment variables with clear errors (the building blocks of `tutorhub/settings.py`).

Every reader names its variable in the error, so a bad value fails at start with a message an
operator can act on instead of a bare ValueError somewhere later.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """Raised when configuration is invalid; the message names the variable."""


def load_dotenv_file() -> None:
    env_file = PROJECT_ROOT / ".env"
    if env_file.exists():
        load_dotenv(env_file, override=False)


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be >= {minimum}, got {value}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be a boolean (1/0/true/false), got {raw!r}")


def env_opt(name: str) -> str | None:
    """An optional variable: its stripped value, or None when unset or blank."""
    return os.environ.get(name, "").strip() or None


def env_base_url(name: str, default: str | None = None) -> str | None:
    """An http(s) base URL without its trailing slash (provider paths are appended to it)."""
    value = (env_opt(name) or "").rstrip("/") or default
    if value is not None and not value.startswith(("https://", "http://")):
        raise SettingsError(f"{name} must start with https:// or http://, got {value!r}")
    return value
