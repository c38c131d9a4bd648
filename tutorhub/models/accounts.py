"""Users, sessions, refresh tokens, one-time codes, login log and throttles, and student profiles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from tutorhub.models.base import UtcDateTime, utcnow


class Role:
    STUDENT = "student"
    TUTOR = "tutor"
    ADMIN = "admin"
    GUARDIAN = "guardian"  # a parent: linked to students (models/learning.py GuardianLink)
    ALL = (STUDENT, TUTOR, ADMIN, GUARDIAN)
    SELF_SERVICE = (STUDENT, TUTOR, GUARDIAN)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    email: str | None = Field(default=None, max_length=254, unique=True, index=True)
    phone: str | None = Field(default=None, max_length=20, unique=True, index=True)
    full_name: str = Field(max_length=120)
    role: str = Field(max_length=16, index=True)
    password_hash: str | None = Field(default=None, max_length=255)
    timezone: str = Field(default="UTC", max_length=64)
    # Prices are shown converted into this currency ("" = never chosen: guessed from the timezone).
    display_currency: str = Field(default="", max_length=3)
    is_suspended: bool = Field(default=False)
    # Legacy: failures are counted in login_throttles (per email whether or not an account has it);
    # locked_until only records the end of the last lock for admins to see, it decides nothing.
    failed_login_count: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # Bumped by "log out everywhere": access tokens carrying an older version are refused.
    token_version: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class AuthSession(SQLModel, table=True):
    """A browser session: the browser keeps a random token, we keep only its hash."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)


class RefreshToken(SQLModel, table=True):
    """API refresh tokens, rotated on every use; reuse of a spent token revokes its family."""

    __tablename__ = "refresh_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    family: str = Field(max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class OtpCode(SQLModel, table=True):
    """A one-time code (to log in, or to reset a password: `purpose`); only an HMAC of it is stored."""

    __tablename__ = "otp_codes"
    __table_args__ = (Index("ix_otp_codes_identifier_created", "identifier", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    identifier: str = Field(max_length=254)
    channel: str = Field(max_length=8)  # "email" | "sms"
    purpose: str = Field(default="login", max_length=16, sa_column_kwargs={"server_default": "login"})  # | "reset"
    code_hash: str = Field(max_length=64)
    ip: str = Field(default="", max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    attempts: int = Field(default=0)
    consumed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class LoginEvent(SQLModel, table=True):
    """The login log admins read: who tried, how, from where, and whether it worked."""

    __tablename__ = "login_events"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    identifier: str = Field(max_length=254)
    method: str = Field(max_length=16)  # password | otp | refresh | signup (the web sign-up signs in)
    success: bool
    reason: str = Field(default="", max_length=64)
    ip: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=300)
    # The browser's random id from its long-lived `th_device` cookie (services/accounts/devices.py):
    # a fraud signal only (many accounts from one device), never trusted for security, never shown.
    device_id: str = Field(default="", max_length=64, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime, index=True)


class LoginThrottle(SQLModel, table=True):
    """Failed password logins, counted so the answer cannot tell which accounts exist.

    One row per scope: "pair" (an identifier tried from one IP), "account" (an identifier's lock
    from every IP together) and "ip" (one address, whatever identifiers it tries). Identifiers are
    normalized emails whether or not an account has them. See services/accounts/login_throttle.py.
    """

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("scope", "identifier", "ip", name="uq_login_throttles_key"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=8)  # pair | account | ip
    identifier: str = Field(default="", max_length=254)
    ip: str = Field(default="", max_length=64)
    failures: int = Field(default=0)
    strikes: int = Field(default=0)  # locks so far in this window: the backoff's exponent
    window_started_at: datetime = Field(sa_type=UtcDateTime)
    last_failure_at: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)


class StudentProfile(SQLModel, table=True):
    __tablename__ = "student_profiles"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    grade_level: str = Field(default="", max_length=32)
    subjects: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    goals: str = Field(default="", max_length=2000)
    budget_min: int = Field(default=0)  # minor units per hour
    budget_max: int = Field(default=0)
    currency: str = Field(default="USD", max_length=3)
    mode: str = Field(default="online", max_length=8)  # online | home | both
    city: str = Field(default="", max_length=80)
    locality: str = Field(default="", max_length=120)
    timezone: str = Field(default="UTC", max_length=64)
    guardian_name: str = Field(default="", max_length=120)
    guardian_email: str = Field(default="", max_length=254)
    guardian_phone: str = Field(default="", max_length=20)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
