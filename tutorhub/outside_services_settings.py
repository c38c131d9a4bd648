"""Settings of the optional outside services (email/SMS providers, Claude, analytics, S3 storage),
read from the environment for tutorhub/settings.py; each returns the fields it fills on Settings.
`defaults` is the Settings class's default instance (a plain object here, so this module does not
import settings.py)."""

from __future__ import annotations

import os
import re
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



SMS_PROVIDERS = ("http", "twilio")
WHATSAPP_PROVIDERS = ("http", "twilio", "cloud")


def message_provider_settings() -> dict[str, Any]:
    """Which sender carries SMS and WhatsApp (default "http", the generic contract, so existing setups keep
    working), and the Twilio / WhatsApp Cloud API credentials. A chosen provider must be fully configured:
    a half-set provider would otherwise fail every message at send time instead of at start-up."""
    sms = (env_opt("TUTORHUB_SMS_PROVIDER") or "http").lower()
    whatsapp = (env_opt("TUTORHUB_WHATSAPP_PROVIDER") or "http").lower()
    if sms not in SMS_PROVIDERS:
        raise SettingsError(f"TUTORHUB_SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}, got {sms!r}")
    if whatsapp not in WHATSAPP_PROVIDERS:
        raise SettingsError(f"TUTORHUB_WHATSAPP_PROVIDER must be one of {', '.join(WHATSAPP_PROVIDERS)}, got {whatsapp!r}")
    values: dict[str, Any] = {
        "sms_provider": sms,
        "whatsapp_provider": whatsapp,
        "twilio_account_sid": env_opt("TUTORHUB_TWILIO_ACCOUNT_SID"),
        "twilio_auth_token": env_opt("TUTORHUB_TWILIO_AUTH_TOKEN"),
        "twilio_from_number": env_opt("TUTORHUB_TWILIO_FROM_NUMBER"),
        "twilio_whatsapp_from": env_opt("TUTORHUB_TWILIO_WHATSAPP_FROM"),
        "twilio_whatsapp_content_sid": env_opt("TUTORHUB_TWILIO_WHATSAPP_CONTENT_SID"),
        "twilio_api_base": env_base_url("TUTORHUB_TWILIO_API_BASE"),
        "whatsapp_cloud_token": env_opt("TUTORHUB_WHATSAPP_CLOUD_TOKEN"),
        "whatsapp_cloud_phone_number_id": env_opt("TUTORHUB_WHATSAPP_CLOUD_PHONE_NUMBER_ID"),
        "whatsapp_cloud_template": env_opt("TUTORHUB_WHATSAPP_CLOUD_TEMPLATE"),
        "whatsapp_cloud_template_language": env_opt("TUTORHUB_WHATSAPP_CLOUD_TEMPLATE_LANGUAGE") or "en_US",
        "whatsapp_cloud_api_base": env_base_url("TUTORHUB_WHATSAPP_CLOUD_API_BASE"),
        # Delivery callbacks (services/messaging/delivery_reports.py): Meta signs them with the app secret
        # and checks the webhook with the verify token; unset = the WhatsApp webhook answers 404.
        "whatsapp_app_secret": env_opt("TUTORHUB_WHATSAPP_APP_SECRET"),
        "whatsapp_verify_token": env_opt("TUTORHUB_WHATSAPP_VERIFY_TOKEN"),
    }
    needed: list[str] = []
    if "twilio" in (sms, whatsapp):
        needed += ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"]
    if sms == "twilio":
        needed.append("TWILIO_FROM_NUMBER")
    if whatsapp == "twilio":
        needed.append("TWILIO_WHATSAPP_FROM")
    if whatsapp == "cloud":
        needed += ["WHATSAPP_CLOUD_TOKEN", "WHATSAPP_CLOUD_PHONE_NUMBER_ID", "WHATSAPP_CLOUD_TEMPLATE"]
    if not re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2,3})?", values["whatsapp_cloud_template_language"]):
        raise SettingsError("TUTORHUB_WHATSAPP_CLOUD_TEMPLATE_LANGUAGE must be a template locale such as en_US or de")
    missing = [f"TUTORHUB_{name}" for name in needed if not values[name.lower()]]
    if missing:
        raise SettingsError(f"the chosen SMS/WhatsApp provider needs {', '.join(missing)}")
    return values


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
        **message_provider_settings(),
        "deliver_immediately": env_bool("TUTORHUB_DELIVER_IMMEDIATELY", True),
    }
