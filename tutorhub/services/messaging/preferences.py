"""Per-user channel preferences for notifications: kind × channel.

Defaults (used while a user has saved nothing for a pair):
- in-app: always on — it is not a preference (every notification is written to the bell);
- email: on for "booking" and "reminder" (things a learner must not miss), off otherwise;
- SMS / WhatsApp: off until the user opts in, and only ever used when the account has a phone
  number (a saved opt-in without a number is kept but has no effect; the form says so).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, select

from tutorhub.models.accounts import User
from tutorhub.models.base import utcnow
from tutorhub.models.notifications import NotificationPreference
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import NotFound
from tutorhub.services.validation import fail

# kind → label shown in the preferences form
KINDS: dict[str, str] = {
    "booking": "Bookings (requests, confirmations, changes, cancellations)",
    "reminder": "Lesson reminders (24 h and 1 h before)",
    "message": "Chat messages",
    "payment": "Payments, refunds and payouts",
    "classes": "Group classes (your tutor's updates, seat offers, cancellations)",
    "lead": "Enquiries: new matching leads (tutors), answers and proposals (students)",
    "learning": "Homework, lesson reports and study plans",
    "system": "Account and other news",
}
EXTERNAL_CHANNELS: tuple[str, ...] = ("email", "sms", "whatsapp")
CHANNEL_LABELS = {"email": "Email", "sms": "SMS", "whatsapp": "WhatsApp"}
EMAIL_DEFAULT_ON = frozenset({"booking", "reminder"})


def default_enabled(kind: str, channel: str) -> bool:
    return channel == "email" and kind in EMAIL_DEFAULT_ON


class PreferenceCell(BaseModel):
    kind: str
    channel: str
    enabled: bool


class PreferencesOut(BaseModel):
    has_email: bool
    has_phone: bool
    cells: list[PreferenceCell]  # every kind × external channel, in KINDS × EXTERNAL_CHANNELS order


def _saved(session: Session, user_id: int) -> dict[tuple[str, str], bool]:
    rows = session.exec(select(NotificationPreference).where(NotificationPreference.user_id == user_id)).all()
    return {(r.kind, r.channel): r.enabled for r in rows}


def is_enabled(session: Session, user_id: int, kind: str, channel: str) -> bool:
    """The user's choice for one (kind, channel), whatever contact details they have."""
    row = session.exec(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind,
        NotificationPreference.channel == channel)).first()
    return row.enabled if row is not None else default_enabled(kind, channel)


def enabled_channels(session: Session, user_id: int, kind: str) -> list[str]:
    """The external channels a notification of `kind` goes to for this user, given their
    saved choices and which contact details the account has."""
    user = session.get(User, user_id)
    if user is None:
        return []
    saved = _saved(session, user_id)
    out = []
    for channel in EXTERNAL_CHANNELS:
        if not saved.get((kind, channel), default_enabled(kind, channel)):
            continue
        if channel == "email" and not user.email:
            continue
        if channel in ("sms", "whatsapp") and not user.phone:
            continue
        out.append(channel)
    return out


def get_preferences(session: Session, *, actor: UserOut | None) -> PreferencesOut:
    user = require_role(actor)
    row = session.get(User, user.id)
    if row is None:
        raise NotFound("Account not found.")
    saved = _saved(session, user.id)
    cells = [
        PreferenceCell(kind=k, channel=c, enabled=saved.get((k, c), default_enabled(k, c)))
        for k in KINDS
        for c in EXTERNAL_CHANNELS
    ]
    return PreferencesOut(has_email=bool(row.email), has_phone=bool(row.phone), cells=cells)


def save_preferences(session: Session, *, actor: UserOut | None, enabled: Any) -> PreferencesOut:
    """Replace the signed-in user's choices with `enabled`: a collection of "kind:channel" keys
    that are on (every other pair is off). Unknown keys are refused, nothing is saved."""
    user = require_role(actor)
    if isinstance(enabled, str) or not isinstance(enabled, list | tuple | set | frozenset):
        raise fail("enabled", "must be a list of kind:channel keys")
    if len(enabled) > len(KINDS) * len(EXTERNAL_CHANNELS) * 2:  # generous (repeats), but bounded
        raise fail("enabled", "has too many entries")
    on: set[tuple[str, str]] = set()
    for key in enabled:
        if not isinstance(key, str) or key.count(":") != 1:
            raise fail("enabled", "must be a list of kind:channel keys")
        kind, channel = key.split(":")
        if kind not in KINDS or channel not in EXTERNAL_CHANNELS:
            raise fail("enabled", f"unknown choice {key[:40]!r}")
        on.add((kind, channel))
    # Two saves at once (two tabs) for a user with no rows yet would both INSERT and one would hit
    # uq_notification_prefs (a 500): lock the user's row so they run one after the other.
    session.exec(select(User.id).where(User.id == user.id).with_for_update()).first()
    existing = {(r.kind, r.channel): r for r in session.exec(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    ).all()}
    now = utcnow()
    for kind in KINDS:
        for channel in EXTERNAL_CHANNELS:
            value = (kind, channel) in on
            row = existing.get((kind, channel))
            if row is None:
                session.add(NotificationPreference(user_id=user.id, kind=kind, channel=channel, enabled=value,
                                                   updated_at=now))
            elif row.enabled != value:
                row.enabled, row.updated_at = value, now
                session.add(row)
    session.flush()
    return get_preferences(session, actor=actor)
