"""One typed settings object, read from environment variables (and an optional `.env`).

Why one object: every layer (services, API, Reflex states, jobs, CLI) must agree on the same
configuration, and published secrets must be refused in exactly one place. Secrets come from the
environment or, when it sets none (the default run), from the install's generated secrets file
(`tutorhub/secrets_store.py`); no key shipped in the source, `.env.example` or the docs is accepted.
Settings are read lazily (first call to `get_settings()`), so importing a module never fails
because of configuration; `reset_settings()` lets tests re-read the environment.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tutorhub.env_values import PROJECT_ROOT, SettingsError, env_base_url, env_bool, env_int, env_opt, load_dotenv_file
from tutorhub.outside_services_settings import (
    analytics_settings,
    course_storage_settings,
    llm_settings,
    messaging_settings,
)
from tutorhub.secrets_store import (
    MIN_SECRET_LENGTH,
    SECRETS_FILE_NAME,
    SecretsFileError,
    is_published_secret,
    load_or_create_secrets,
)

DEFAULT_PUBLIC_URL = "http://localhost:3000"
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    db_url: str = f"sqlite:///{PROJECT_ROOT / 'tutorhub.db'}"
    redis_url: str | None = None
    # PostgreSQL connection pool per process: a request holds one connection; the API runs sync
    # routes on up to 40 threads, so 10 + 30 lets every thread hold one without queueing.
    db_pool_size: int = 10
    db_max_overflow: int = 30
    db_pool_timeout_seconds: int = 10
    secret_key: str = ""  # never empty once read: from the environment or the install's secrets file
    secrets_file: Path | None = None  # where generated secrets live (None: all came from the environment)
    public_url: str = DEFAULT_PUBLIC_URL
    cors_origins: tuple[str, ...] = (DEFAULT_PUBLIC_URL,)
    seed_demo: bool = True
    storage_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var" / "private")
    max_upload_bytes: int = 10 * 1024 * 1024
    # Course videos (services/courses/uploads.py): size limit, and S3-compatible storage when a bucket is set
    course_video_max_bytes: int = 2048 * 1024 * 1024
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    session_ttl_days: int = 30
    access_token_ttl_minutes: int = 15
    refresh_token_ttl_days: int = 30
    otp_ttl_minutes: int = 10
    otp_max_attempts: int = 5
    otp_sends_per_identifier_per_hour: int = 5
    # Per network address, sized for a school or office behind one NAT (issue 12): the per-identifier
    # limits above are what protect one person; these only stop one address flooding everybody.
    otp_sends_per_ip_per_hour: int = 200
    login_ip_max_failures: int = 30  # failed password logins per address per 15 minutes
    login_max_failures: int = 10
    login_lockout_minutes: int = 15
    page_size: int = 12
    run_jobs: bool = True
    # Lessons (services/booking/policy.py documents how each number is used)
    meeting_provider: str = "jitsi"
    meeting_base_url: str = "https://meet.jit.si"
    booking_hold_minutes: int = 15
    booking_request_hours: int = 24
    dispute_window_hours: int = 48
    auto_complete_hours: int = 48
    trial_discount_percent: int = 50
    cancel_full_refund_hours: int = 24
    cancel_partial_refund_hours: int = 12
    cancel_partial_refund_percent: int = 50
    reschedule_min_hours: int = 12
    max_reschedules: int = 1
    replacement_offer_count: int = 3
    replacement_offer_hours: int = 24
    flag_cancellations: int = 3
    flag_window_days: int = 30
    # The LLM for study plans and homework (tutorhub/integrations/llm.py): Claude when a key is set,
    # otherwise the offline planner. ANTHROPIC_BASE_URL is honoured by the SDK itself.
    anthropic_api_key: str | None = None
    llm_model: str = "claude-sonnet-4-6"
    llm_timeout_seconds: int = 30
    # Payment gateways (tutorhub/integrations/payments/__init__.py documents the selection rules)
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    # Stripe signs Connect events (a tutor's account.updated) for a Connect endpoint with its own secret.
    stripe_connect_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    razorpay_key_id: str | None = None
    razorpay_key_secret: str | None = None
    razorpay_webhook_secret: str | None = None
    razorpay_api_base: str | None = None
    sandbox_webhook_secret: str = ""
    sandbox_payments: bool = True
    webhook_tolerance_seconds: int = 300
    # Message transports (tutorhub/integrations/messaging.py): none set = outbox only.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "TutorHub <no-reply@localhost>"
    smtp_starttls: bool = True
    sms_api_base: str | None = None
    sms_api_key: str | None = None
    sms_channels: tuple[str, ...] = ("sms", "whatsapp")
    # Which sender carries each channel: "http" (the contract above), "twilio", or for WhatsApp also "cloud".
    sms_provider: str = "http"
    whatsapp_provider: str = "http"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_whatsapp_content_sid: str | None = None
    twilio_api_base: str | None = None
    whatsapp_cloud_token: str | None = None
    whatsapp_cloud_phone_number_id: str | None = None
    whatsapp_cloud_template: str | None = None
    whatsapp_cloud_template_language: str = "en_US"
    whatsapp_cloud_api_base: str | None = None
    whatsapp_app_secret: str | None = None  # verifies X-Hub-Signature-256 on delivery callbacks
    whatsapp_verify_token: str | None = None  # the webhook subscription handshake
    deliver_immediately: bool = True
    # Calendar import (integrations/calendar_fetch.py): let the fetcher reach loopback/private addresses.
    allow_private_calendar_urls: bool = False
    # Operations (README "Deploy"): Prometheus scrape token and port; nightly backups (None: none)
    metrics_token: str | None = None
    metrics_port: int | None = None
    backup_dir: Path | None = None
    backup_keep: int = 7
    # Product analytics (services/growth/analytics.py): off unless enabled with a project token;
    # the endpoint is Mixpanel's or any compatible one (a host name, or a full http(s) base URL).
    analytics_enabled: bool = False
    analytics_token: str | None = None
    analytics_api_host: str = "api.mixpanel.com"
    # Exchange-rate feed (services/money/exchange_rates.py): JSON {"base": "USD", "rates": {...}}
    # fetched by the refresh_exchange_rates job; None (default) = rates only change on /admin/rates.
    rates_url: str | None = None

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def is_https(self) -> bool:
        """Served over TLS: cookies get `Secure`, responses get HSTS."""
        return self.public_url.startswith("https://")


def _origin(url: str, name: str) -> str:
    """scheme://host[:port] of an http(s) URL, lower-cased, default ports dropped."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingsError(f"{name} must list http(s) origins like https://tutorhub.example, got {url!r}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default_port = 443 if parts.scheme == "https" else 80
    port = "" if parts.port in (None, default_port) else f":{parts.port}"
    return f"{parts.scheme}://{host.lower()}{port}"


def environment_from_env() -> str:
    """TUTORHUB_ENV, validated; readable without secrets (the page frame is compiled with it)."""
    load_dotenv_file()
    env = os.environ.get("TUTORHUB_ENV", "development").strip().lower() or "development"
    if env not in {"development", "production"}:
        raise SettingsError(f"TUTORHUB_ENV must be 'development' or 'production', got {env!r}")
    if env == "production" and os.environ.get("TUTORHUB_TEST_CLOCK_FILE"):
        raise SettingsError("TUTORHUB_TEST_CLOCK_FILE (the browser tests' clock) is refused in production")
    return env


def public_url_from_env() -> str:
    """TUTORHUB_PUBLIC_URL without a trailing slash; readable before the secrets exist (rxconfig.py)."""
    load_dotenv_file()
    return env_base_url("TUTORHUB_PUBLIC_URL", DEFAULT_PUBLIC_URL) or DEFAULT_PUBLIC_URL


def allowed_origins_from_env() -> tuple[str, ...]:
    """The browser origins allowed to call the app cross-origin (CORS, the event websocket): the
    public URL's origin plus TUTORHUB_CORS_ORIGINS. A loopback public URL also allows its loopback
    aliases on the same port (localhost / 127.0.0.1 / [::1]), so a local run works whichever name the
    browser uses. `*` and `null` are refused: they would let any page act with the visitor's cookies."""
    public = _origin(public_url_from_env(), "TUTORHUB_PUBLIC_URL")
    origins = [public]
    parts = urlsplit(public)
    if f"[{parts.hostname}]" in _LOOPBACK_HOSTS or parts.hostname in _LOOPBACK_HOSTS:
        port = f":{parts.port}" if parts.port else ""
        origins += [f"{parts.scheme}://{host}{port}" for host in _LOOPBACK_HOSTS]
    for item in (os.environ.get("TUTORHUB_CORS_ORIGINS", "") or "").split(","):
        if item.strip():
            origins.append(_origin(item, "TUTORHUB_CORS_ORIGINS"))
    return tuple(dict.fromkeys(origins))


def _checked_secret(name: str, value: str) -> str:
    if len(value) < MIN_SECRET_LENGTH or is_published_secret(value, PROJECT_ROOT):
        raise SettingsError(
            f"{name} must be a random string of at least {MIN_SECRET_LENGTH} characters that appears in no "
            "example or documentation (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
            f"or unset it to use the secrets generated for this install"
        )
    return value


def _secrets_file(storage_dir: Path) -> Path:
    given = env_opt("TUTORHUB_SECRETS_FILE")
    return Path(given) if given else storage_dir.parent / SECRETS_FILE_NAME


def _install_secrets(env: str, storage_dir: Path) -> tuple[str, Path | None, dict[str, str]]:
    """(token signing key, the secrets file used or None, generated values). The environment wins;
    without it development generates per-install secrets, production refuses to start (replicas
    on several machines must share one key, so it is set explicitly there)."""
    given = env_opt("TUTORHUB_SECRET_KEY")
    if given is not None:
        return _checked_secret("TUTORHUB_SECRET_KEY", given), None, {}
    if env == "production":
        raise SettingsError(
            f"TUTORHUB_SECRET_KEY must be set to a random string of at least {MIN_SECRET_LENGTH} characters "
            "in production (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )
    path = _secrets_file(storage_dir)
    try:
        stored = load_or_create_secrets(path)
    except (SecretsFileError, OSError) as exc:
        raise SettingsError(f"TUTORHUB_SECRETS_FILE: {exc}") from exc
    return stored["secret_key"], path, stored


def _read_settings() -> Settings:
    env = environment_from_env()
    defaults = Settings()
    db_url = os.environ.get("REFLEX_DB_URL", "").strip() or defaults.db_url
    if db_url.startswith("postgres://"):
        db_url = "postgresql://" + db_url[len("postgres://") :]
    storage = os.environ.get("TUTORHUB_STORAGE_DIR", "").strip()
    storage_dir = Path(storage) if storage else defaults.storage_dir
    public_url = public_url_from_env()
    cors_origins = allowed_origins_from_env()
    secret, secrets_file, generated = _install_secrets(env, storage_dir)
    return Settings(
        env=env,
        db_url=db_url,
        redis_url=os.environ.get("REFLEX_REDIS_URL", "").strip() or None,
        db_pool_size=env_int("TUTORHUB_DB_POOL_SIZE", 10, minimum=1),
        db_max_overflow=env_int("TUTORHUB_DB_MAX_OVERFLOW", 30, minimum=0),
        db_pool_timeout_seconds=env_int("TUTORHUB_DB_POOL_TIMEOUT", 10, minimum=1),
        secret_key=secret,
        secrets_file=secrets_file,
        public_url=public_url,
        cors_origins=cors_origins,
        # Demo accounts have published passwords: never seeded in production unless asked for.
        seed_demo=env_bool("TUTORHUB_SEED_DEMO", env != "production"),
        storage_dir=storage_dir,
        max_upload_bytes=env_int("TUTORHUB_MAX_UPLOAD_MB", 10, minimum=1) * 1024 * 1024,
        session_ttl_days=env_int("TUTORHUB_SESSION_TTL_DAYS", 30, minimum=1),
        access_token_ttl_minutes=env_int("TUTORHUB_ACCESS_TOKEN_TTL_MINUTES", 15, minimum=1),
        refresh_token_ttl_days=env_int("TUTORHUB_REFRESH_TOKEN_TTL_DAYS", 30, minimum=1),
        otp_ttl_minutes=env_int("TUTORHUB_OTP_TTL_MINUTES", 10, minimum=1),
        otp_max_attempts=env_int("TUTORHUB_OTP_MAX_ATTEMPTS", 5, minimum=1),
        otp_sends_per_identifier_per_hour=env_int("TUTORHUB_OTP_SENDS_PER_IDENTIFIER_PER_HOUR", 5, minimum=1),
        otp_sends_per_ip_per_hour=env_int("TUTORHUB_OTP_SENDS_PER_IP_PER_HOUR", 200, minimum=1),
        login_ip_max_failures=env_int("TUTORHUB_LOGIN_IP_MAX_FAILURES", 30, minimum=1),
        login_max_failures=env_int("TUTORHUB_LOGIN_MAX_FAILURES", 10, minimum=1),
        login_lockout_minutes=env_int("TUTORHUB_LOGIN_LOCKOUT_MINUTES", 15, minimum=1),
        page_size=env_int("TUTORHUB_PAGE_SIZE", 12, minimum=1),
        run_jobs=env_bool("TUTORHUB_RUN_JOBS", True),
        allow_private_calendar_urls=env_bool("TUTORHUB_ALLOW_PRIVATE_CALENDAR_URLS", False),
        **_lesson_settings(defaults),
        metrics_token=_checked_secret("TUTORHUB_METRICS_TOKEN", t) if (t := env_opt("TUTORHUB_METRICS_TOKEN")) else None,
        metrics_port=env_int("TUTORHUB_METRICS_PORT", 0) or None,
        backup_dir=Path(b) if (b := env_opt("TUTORHUB_BACKUP_DIR")) else None,
        backup_keep=env_int("TUTORHUB_BACKUP_KEEP", 7, minimum=1),
        rates_url=env_base_url("TUTORHUB_RATES_URL") or None,
        **_payment_settings(env, secret, generated.get("sandbox_webhook_secret")),
        **messaging_settings(),
        **llm_settings(defaults),
        **analytics_settings(),
        **course_storage_settings(defaults),
    )


def _lesson_settings(defaults: Settings) -> dict[str, Any]:
    provider = os.environ.get("TUTORHUB_MEETING_PROVIDER", "").strip().lower() or defaults.meeting_provider
    if provider not in {"jitsi"}:
        raise SettingsError(f"TUTORHUB_MEETING_PROVIDER must be 'jitsi', got {provider!r}")
    base = env_base_url("TUTORHUB_MEETING_BASE_URL", defaults.meeting_base_url)
    full = env_int("TUTORHUB_CANCEL_FULL_REFUND_HOURS", defaults.cancel_full_refund_hours)
    partial = env_int("TUTORHUB_CANCEL_PARTIAL_REFUND_HOURS", defaults.cancel_partial_refund_hours)
    if partial > full:
        raise SettingsError("TUTORHUB_CANCEL_PARTIAL_REFUND_HOURS must not exceed TUTORHUB_CANCEL_FULL_REFUND_HOURS")
    percent = env_int("TUTORHUB_CANCEL_PARTIAL_REFUND_PERCENT", defaults.cancel_partial_refund_percent)
    trial = env_int("TUTORHUB_TRIAL_DISCOUNT_PERCENT", defaults.trial_discount_percent)
    for name, value in (("TUTORHUB_CANCEL_PARTIAL_REFUND_PERCENT", percent), ("TUTORHUB_TRIAL_DISCOUNT_PERCENT", trial)):
        if value > 100:
            raise SettingsError(f"{name} must be between 0 and 100, got {value}")
    return {
        "meeting_provider": provider,
        "meeting_base_url": base,
        "booking_hold_minutes": env_int("TUTORHUB_BOOKING_HOLD_MINUTES", defaults.booking_hold_minutes, minimum=1),
        "booking_request_hours": env_int("TUTORHUB_BOOKING_REQUEST_HOURS", defaults.booking_request_hours, minimum=1),
        "dispute_window_hours": env_int("TUTORHUB_DISPUTE_WINDOW_HOURS", defaults.dispute_window_hours, minimum=1),
        "auto_complete_hours": env_int("TUTORHUB_AUTO_COMPLETE_HOURS", defaults.auto_complete_hours, minimum=1),
        "trial_discount_percent": trial,
        "cancel_full_refund_hours": full,
        "cancel_partial_refund_hours": partial,
        "cancel_partial_refund_percent": percent,
        "reschedule_min_hours": env_int("TUTORHUB_RESCHEDULE_MIN_HOURS", defaults.reschedule_min_hours),
        "max_reschedules": env_int("TUTORHUB_MAX_RESCHEDULES", defaults.max_reschedules),
        "replacement_offer_count": env_int("TUTORHUB_REPLACEMENT_OFFER_COUNT", defaults.replacement_offer_count),
        "replacement_offer_hours": env_int("TUTORHUB_REPLACEMENT_OFFER_HOURS", defaults.replacement_offer_hours, minimum=1),
        "flag_cancellations": env_int("TUTORHUB_FLAG_CANCELLATIONS", defaults.flag_cancellations, minimum=1),
        "flag_window_days": env_int("TUTORHUB_FLAG_WINDOW_DAYS", defaults.flag_window_days, minimum=1),
    }


def _payment_settings(env: str, app_secret: str, generated_sandbox_secret: str | None) -> dict[str, Any]:
    """Gateway keys. The sandbox gateway (no real money) is the default in development; in
    production it is refused unless TUTORHUB_SANDBOX_PAYMENTS=1 is set explicitly (a demo or
    staging deployment), and then it needs its own webhook secret, not one derived from the app's.
    In development the sandbox secret is the install's generated one, or (when the app key comes
    from the environment) derived from that key; never a value anybody can read in the source."""
    sandbox = env_bool("TUTORHUB_SANDBOX_PAYMENTS", env != "production")
    sandbox_secret = env_opt("TUTORHUB_SANDBOX_WEBHOOK_SECRET")
    if sandbox_secret is not None:
        _checked_secret("TUTORHUB_SANDBOX_WEBHOOK_SECRET", sandbox_secret)
    elif env == "production" and sandbox:
        raise SettingsError("TUTORHUB_SANDBOX_WEBHOOK_SECRET must be set when TUTORHUB_SANDBOX_PAYMENTS=1 in production")
    elif generated_sandbox_secret is not None:
        sandbox_secret = generated_sandbox_secret
    else:
        sandbox_secret = "whsec_sbx_" + hmac.new(app_secret.encode(), b"sandbox-webhook", hashlib.sha256).hexdigest()
    for key_name, secret_name in (
        ("TUTORHUB_STRIPE_SECRET_KEY", "TUTORHUB_STRIPE_WEBHOOK_SECRET"),
        ("TUTORHUB_RAZORPAY_KEY_SECRET", "TUTORHUB_RAZORPAY_WEBHOOK_SECRET"),
    ):
        if env_opt(key_name) and not env_opt(secret_name):
            raise SettingsError(f"{secret_name} must be set when {key_name} is set (webhooks are verified)")
    if bool(env_opt("TUTORHUB_RAZORPAY_KEY_ID")) != bool(env_opt("TUTORHUB_RAZORPAY_KEY_SECRET")):
        raise SettingsError("TUTORHUB_RAZORPAY_KEY_ID and TUTORHUB_RAZORPAY_KEY_SECRET must be set together")
    return {
        "stripe_secret_key": env_opt("TUTORHUB_STRIPE_SECRET_KEY"),
        "stripe_webhook_secret": env_opt("TUTORHUB_STRIPE_WEBHOOK_SECRET"),
        "stripe_connect_webhook_secret": env_opt("TUTORHUB_STRIPE_CONNECT_WEBHOOK_SECRET"),
        "stripe_api_base": env_base_url("TUTORHUB_STRIPE_API_BASE"),
        "razorpay_key_id": env_opt("TUTORHUB_RAZORPAY_KEY_ID"),
        "razorpay_key_secret": env_opt("TUTORHUB_RAZORPAY_KEY_SECRET"),
        "razorpay_webhook_secret": env_opt("TUTORHUB_RAZORPAY_WEBHOOK_SECRET"),
        "razorpay_api_base": env_base_url("TUTORHUB_RAZORPAY_API_BASE"),
        "sandbox_webhook_secret": sandbox_secret,
        "sandbox_payments": sandbox,
        "webhook_tolerance_seconds": env_int("TUTORHUB_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1),
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return _read_settings()


def reset_settings() -> None:
    """Forget cached settings (tests change the environment and call this)."""
    get_settings.cache_clear()
