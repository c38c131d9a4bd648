"""Settings of the optional outside services (email/SMS providers, Claude, analytics, S3 storage),
read from the environment for tutorhub/settings.py; each returns the fields it fills on Settings.
`defaults` is the Settings class's default instance (a plain object here, so this module does not
import settings.py)."""

from __future__ import annotations

import os
from typing import Any

from tutorhub.env_values import SettingsError, env_base_url, env_bool, env_int, env_opt


def analytics_settings() -> dict[str, Any]:
    """TUTORHUB_ANALYTICS_ENABLED (default off), _TOKEN (required when enabled), _API_HOST."""
    enabled = env_bool("TUTORHUB_ANALYTICS_ENABLED", False)
    token = env_opt("TUTORHUB_ANALYTICS_TOKEN")
    if enabled and not token:
        raise SettingsError("TUTORHUB_ANALYTICS_ENABLED=1 needs TUTORHUB_ANALYTICS_TOKEN (the project token)")
    host = env_opt("TUTORHUB_ANALYTICS_API_HOST") or "api.mixpanel.com"
    if host.startswith(("http://", "https://")):
        host = env_base_url("TUTORHUB_ANALYTICS_API_HOST") or host
    return {"analytics_enabled": enabled, "analytics_token": token, "analytics_api_host": host.rstrip("/")}



def course_storage_settings(defaults: Any) -> dict[str, Any]:
    """Course video limit and the optional S3-compatible bucket (TUTORHUB_S3_*; unset = local disk)."""
    return {
        "course_video_max_bytes": env_int("TUTORHUB_COURSE_VIDEO_MAX_MB", 2048, minimum=1) * 1024 * 1024,
        "s3_bucket": env_opt("TUTORHUB_S3_BUCKET"),
        "s3_endpoint_url": env_opt("TUTORHUB_S3_ENDPOINT_URL"),
        "s3_region": env_opt("TUTORHUB_S3_REGION") or defaults.s3_region,
        "s3_access_key_id": env_opt("TUTORHUB_S3_ACCESS_KEY_ID"),
        "s3_secret_access_key": env_opt("TUTORHUB_S3_SECRET_ACCESS_KEY"),
    }



def llm_settings(defaults: Any) -> dict[str, Any]:
    return {
        "anthropic_api_key": env_opt("ANTHROPIC_API_KEY"),
        "llm_model": env_opt("TUTORHUB_LLM_MODEL") or defaults.llm_model,
        "llm_timeout_seconds": env_int("TUTORHUB_LLM_TIMEOUT_SECONDS", defaults.llm_timeout_seconds, minimum=1),
    }



def messaging_settings() -> dict[str, Any]:
    """SMTP (email) and the JSON-over-HTTP SMS/WhatsApp provider; unset = the outbox only."""
    sms_base = env_base_url("TUTORHUB_SMS_API_BASE")
    sms_key = env_opt("TUTORHUB_SMS_API_KEY")
    if sms_base and not sms_key:
        raise SettingsError("TUTORHUB_SMS_API_KEY must be set when TUTORHUB_SMS_API_BASE is set")
    raw_channels = os.environ.get("TUTORHUB_SMS_CHANNELS", "").strip() or "sms,whatsapp"
    channels = tuple(c.strip().lower() for c in raw_channels.split(",") if c.strip())
    if not set(channels) <= {"sms", "whatsapp"}:
        raise SettingsError(f"TUTORHUB_SMS_CHANNELS must list sms and/or whatsapp, got {raw_channels!r}")
    return {
        "smtp_host": env_opt("TUTORHUB_SMTP_HOST"),
        "smtp_port": env_int("TUTORHUB_SMTP_PORT", 587, minimum=1),
        "smtp_user": env_opt("TUTORHUB_SMTP_USER"),
        "smtp_password": os.environ.get("TUTORHUB_SMTP_PASSWORD", "") or None,
        "smtp_from": env_opt("TUTORHUB_SMTP_FROM") or "TutorHub <no-reply@localhost>",
        "smtp_starttls": env_bool("TUTORHUB_SMTP_STARTTLS", True),
        "sms_api_base": sms_base,
        "sms_api_key": sms_key,
        "sms_channels": channels,
        "deliver_immediately": env_bool("TUTORHUB_DELIVER_IMMEDIATELY", True),
    }
