"""Fraud signals: the hourly scan (`fraud_scan` job) turns patterns in the login log, payments and
payouts into flags an admin reviews on /admin/fraud (fraud_review.py).

Signals and their thresholds (constants below; each flag says in words what was seen):
- SHARED_IP: ≥ SHARED_IP_ACCOUNTS different accounts signed in from one IP address on one UTC day
  (loopback addresses are left out: that is the operator's own machine or a local proxy — behind a
  reverse proxy the app must be given the client address).
- SHARED_DEVICE: ≥ SHARED_DEVICE_ACCOUNTS different accounts signed in (or signed up) from one
  browser within 24 hours. The device is the random id of the browser's long-lived `th_device`
  cookie (services/accounts/devices.py), recorded on each login; anyone can clear or copy a cookie,
  so it is a hint for an admin, never a security check. The flag shows only its first characters.
- FAILED_LOGINS: ≥ FAILED_PER_IDENTIFIER failed logins for one identifier, or ≥ FAILED_PER_IP from
  one address, within one UTC hour.
- SHARED_PAYOUT: one payout destination used by ≥ 2 tutors (the "tutor:{id}" placeholder the
  payout code sends when a tutor has no connected account is not a destination and is ignored).
- SHARED_CARD: one card fingerprint on successful payments (last 90 days) of ≥ 2 accounts, once per
  fingerprint. The fingerprint is kept in `Payment.extra["_card_fingerprint"]` when the provider's
  event carries one (checkout/events.py): Stripe's card fingerprint (`charge.succeeded`), a hash of
  what Razorpay's payment entity says of the card (razorpay_gateway.card_fingerprint: "probably" the
  same card), or the sandbox's, derived from the test card number typed on its checkout page.
- REFUND_RATE: in the last 90 days, ≥ REFUND_MIN_PAYMENTS successful payments and refunds the user
  asked for (their own cancellations, provider-side refunds) plus chargebacks ≥ REFUND_RATE_PERCENT
  of them. Refunds of lessons the tutor or TutorHub cancelled are not the user's doing and do not count.
- NEW_ACCOUNT_TOPUP: a wallet top-up ≥ LARGE_TOPUP (per currency) by an account younger than 7 days.

Deduplication: a flag is identified by (kind, key) — the key names the evidence (IP and day,
identifier and hour, destination, fingerprint, user and month, payment) — under a unique
constraint, so a rescan (or two schedulers at once) refreshes an OPEN flag's reason and accounts
instead of adding one, and a RESOLVED flag stays resolved: new evidence gets a new key (another
day, hour, month or payment).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tutorhub.models.accounts import LoginEvent, User
from tutorhub.models.bookings import ActorRole, Booking
from tutorhub.models.fraud import FraudFlag, FraudFlagUser, FraudKind, FraudStatus
from tutorhub.models.money import Payment, PaymentPurpose, Payout, Refund
from tutorhub.services.money.payments import CARD_KEY

LOOKBACK = timedelta(hours=48)
SHARED_IP_ACCOUNTS = 4
SHARED_DEVICE_ACCOUNTS = 3
DEVICE_WINDOW = timedelta(hours=24)
FAILED_PER_IDENTIFIER = 10
FAILED_PER_IP = 25
REFUND_WINDOW = timedelta(days=90)
REFUND_MIN_PAYMENTS = 3
REFUND_RATE_PERCENT = 50
NEW_ACCOUNT_AGE = timedelta(days=7)
LARGE_TOPUP = {"INR": 4_000_000, "JPY": 75_000}
LARGE_TOPUP_DEFAULT = 50_000  # 500.00 in two-decimal currencies
LOOPBACK = ("127.", "::1", "localhost", "testclient")


@dataclass
class Signal:
    kind: str
    key: str
    reason: str
    score: int
    user_ids: set[int] = field(default_factory=set)


def _names(session: Session, ids: set[int], limit: int = 6) -> str:
    rows = session.exec(select(User.email, User.full_name).where(col(User.id).in_(sorted(ids)[:limit]))).all()
    shown = ", ".join(email or name for email, name in rows)
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def shared_ip(session: Session, now: datetime) -> list[Signal]:
    since = now - LOOKBACK
    busy = select(LoginEvent.ip).where(col(LoginEvent.success), col(LoginEvent.user_id).is_not(None),
                                       col(LoginEvent.created_at) >= since, col(LoginEvent.ip) != "") \
        .group_by(col(LoginEvent.ip)).having(func.count(func.distinct(LoginEvent.user_id)) >= SHARED_IP_ACCOUNTS)
    rows = session.exec(select(LoginEvent.ip, LoginEvent.user_id, LoginEvent.created_at).where(
        col(LoginEvent.success), col(LoginEvent.created_at) >= since, col(LoginEvent.ip).in_(busy))).all()
    days: dict[tuple[str, str], set[int]] = defaultdict(set)
    for ip, user_id, at in rows:
        if user_id is not None and not ip.startswith(LOOPBACK):
            days[(ip, at.date().isoformat())].add(int(user_id))
    return [Signal(FraudKind.SHARED_IP, f"{ip}@{day}", f"{len(ids)} accounts signed in from {ip} on {day} (UTC): "
                   f"{_names(session, ids)}.", len(ids), ids)
            for (ip, day), ids in days.items() if len(ids) >= SHARED_IP_ACCOUNTS]


def shared_device(session: Session, now: datetime) -> list[Signal]:
    """Devices where SHARED_DEVICE_ACCOUNTS accounts signed in within any 24 hours; one flag per
    device and UTC day the first such window starts (a rescan finds the same window again)."""
    since = now - LOOKBACK
    busy = select(LoginEvent.device_id).where(
        col(LoginEvent.success), col(LoginEvent.user_id).is_not(None), col(LoginEvent.created_at) >= since,
        col(LoginEvent.device_id) != "").group_by(col(LoginEvent.device_id)) \
        .having(func.count(func.distinct(LoginEvent.user_id)) >= SHARED_DEVICE_ACCOUNTS)
    rows = session.exec(select(LoginEvent.device_id, LoginEvent.user_id, LoginEvent.created_at).where(
        col(LoginEvent.success), col(LoginEvent.user_id).is_not(None), col(LoginEvent.created_at) >= since,
        col(LoginEvent.device_id).in_(busy)).order_by(col(LoginEvent.device_id), col(LoginEvent.created_at))).all()
    by_device: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for device, user_id, at in rows:
        by_device[device].append((at, int(user_id or 0)))
    out = []
    for device, logins in by_device.items():
        for i, (start, _user) in enumerate(logins):
            ids = {u for at, u in logins[i:] if at - start <= DEVICE_WINDOW}
            if len(ids) >= SHARED_DEVICE_ACCOUNTS:
                out.append(Signal(FraudKind.SHARED_DEVICE, f"device:{device}@{start.date().isoformat()}",
                                  f"{len(ids)} accounts signed in from one browser (device {device[:8]}…) within "
                                  f"24 h from {start:%Y-%m-%d %H:%M} UTC: {_names(session, ids)}.", len(ids), ids))
                break
    return out


def failed_logins(session: Session, now: datetime) -> list[Signal]:
    since = now - LOOKBACK
    out: list[Signal] = []
    for column, threshold, what in ((LoginEvent.identifier, FAILED_PER_IDENTIFIER, "for"),
                                    (LoginEvent.ip, FAILED_PER_IP, "from")):
        suspects = select(column).where(~col(LoginEvent.success), col(LoginEvent.created_at) >= since, column != "") \
            .group_by(column).having(func.count() >= threshold)
        rows = session.exec(select(column, LoginEvent.user_id, LoginEvent.created_at).where(
            ~col(LoginEvent.success), col(LoginEvent.created_at) >= since, col(column).in_(suspects))).all()
        hours: dict[tuple[str, str], list[int | None]] = defaultdict(list)
        for value, user_id, at in rows:
            hours[(str(value), at.strftime("%Y-%m-%dT%H:00"))].append(user_id)
        for (value, hour), users in hours.items():
            if len(users) >= threshold:
                ids = {int(u) for u in users if u is not None}
                out.append(Signal(FraudKind.FAILED_LOGINS, f"{'id' if what == 'for' else 'ip'}:{value}@{hour}"[:200],
                                  f"{len(users)} failed logins {what} {value} in the hour from {hour} UTC.",
                                  len(users), ids))
    return out


def shared_payout(session: Session, now: datetime) -> list[Signal]:
    rows = session.exec(select(Payout.destination, Payout.tutor_user_id).where(
        col(Payout.destination) != "", ~col(Payout.destination).startswith("tutor:")).distinct()).all()
    groups: dict[str, set[int]] = defaultdict(set)
    for destination, tutor in rows:
        groups[destination].add(int(tutor))
    return [Signal(FraudKind.SHARED_PAYOUT, dest[:200], f"{len(ids)} tutors are paid out to the same destination "
                   f"{dest}: {_names(session, ids)}.", len(ids), ids) for dest, ids in groups.items() if len(ids) >= 2]


def shared_card(session: Session, now: datetime) -> list[Signal]:
    rows = session.exec(select(Payment.user_id, Payment.extra).where(
        col(Payment.succeeded_at).is_not(None), col(Payment.created_at) >= now - REFUND_WINDOW)).all()
    groups: dict[str, set[int]] = defaultdict(set)
    for user_id, extra in rows:
        fingerprint = str((extra or {}).get(CARD_KEY) or "")
        if fingerprint:
            groups[fingerprint[:120]].add(int(user_id))
    return [Signal(FraudKind.SHARED_CARD, f"card:{fp}", f"{len(ids)} accounts paid with the same card "
                   f"(fingerprint {fp}): {_names(session, ids)}.", len(ids), ids)
            for fp, ids in groups.items() if len(ids) >= 2]


def refund_rate(session: Session, now: datetime) -> list[Signal]:
    since = now - REFUND_WINDOW
    paid: dict[int, int] = defaultdict(int)
    charged_back: dict[int, int] = defaultdict(int)
    for user_id, extra in session.exec(select(Payment.user_id, Payment.extra).where(
            col(Payment.succeeded_at).is_not(None), col(Payment.succeeded_at) >= since)).all():
        paid[int(user_id)] += 1
        charged_back[int(user_id)] += 1 if (extra or {}).get("_disputes") else 0
    refunds: dict[int, int] = defaultdict(int)
    for user_id, destination, cancelled_by in session.exec(
            select(Refund.user_id, Refund.destination, Booking.cancelled_by)
            .outerjoin(Booking, col(Booking.id) == col(Refund.booking_id))
            .where(col(Refund.created_at) >= since, col(Refund.status) != "failed")).all():
        if destination == "gateway" or cancelled_by in (ActorRole.STUDENT, None, ""):
            refunds[int(user_id)] += 1
    month = now.strftime("%Y-%m")
    out = []
    for user_id, count in paid.items():
        bad = refunds.get(user_id, 0) + charged_back.get(user_id, 0)
        percent = bad * 100 // count
        if count >= REFUND_MIN_PAYMENTS and percent >= REFUND_RATE_PERCENT:
            out.append(Signal(FraudKind.REFUND_RATE, f"user:{user_id}@{month}",
                              f"{_names(session, {user_id})}: {refunds.get(user_id, 0)} refunds and "
                              f"{charged_back.get(user_id, 0)} chargebacks on {count} payments in 90 days ({percent}%).",
                              percent, {user_id}))
    return out


def new_account_topup(session: Session, now: datetime) -> list[Signal]:
    rows = session.exec(select(Payment, User.created_at).join(User, col(User.id) == col(Payment.user_id)).where(
        col(Payment.purpose) == PaymentPurpose.TOPUP, col(Payment.succeeded_at) >= now - LOOKBACK)).all()
    out = []
    for payment, created in rows:
        assert payment.succeeded_at is not None
        age = payment.succeeded_at - created
        if age < NEW_ACCOUNT_AGE and payment.amount_minor >= LARGE_TOPUP.get(payment.currency, LARGE_TOPUP_DEFAULT):
            hours = max(0, int(age.total_seconds() // 3600))
            out.append(Signal(FraudKind.NEW_ACCOUNT_TOPUP, f"payment:{payment.reference}",
                              f"{_names(session, {payment.user_id})} topped up {payment.amount_minor / 100:.2f} "
                              f"{payment.currency} {hours} h after signing up.", payment.amount_minor,
                              {payment.user_id}))
    return out


DETECTORS = (shared_ip, shared_device, failed_logins, shared_payout, shared_card, refund_rate, new_account_topup)


def _store(session: Session, signal: Signal, now: datetime) -> bool:
    """Insert or refresh one flag; True when a new flag was raised."""
    flag = session.exec(select(FraudFlag).where(col(FraudFlag.kind) == signal.kind,
                                                col(FraudFlag.key) == signal.key[:200])).first()
    created = flag is None
    if flag is None:
        try:
            with session.begin_nested():  # a concurrent scan may insert the same (kind, key) first
                flag = FraudFlag(kind=signal.kind, key=signal.key[:200], reason=signal.reason[:1000],
                                 score=signal.score, created_at=now, last_seen_at=now)
                session.add(flag)
                session.flush()
        except IntegrityError:
            return False
    elif flag.status == FraudStatus.OPEN:
        flag.reason, flag.score, flag.last_seen_at = signal.reason[:1000], signal.score, now
        session.add(flag)
    else:
        return False
    known = set(session.exec(select(FraudFlagUser.user_id).where(col(FraudFlagUser.flag_id) == flag.id)).all())
    for user_id in sorted(signal.user_ids - known):
        session.add(FraudFlagUser(flag_id=flag.id or 0, user_id=user_id))
    session.flush()
    return created


def scan_fraud_signals(session: Session, *, now: datetime) -> dict[str, int]:
    """Run every detector; returns the number of new flags per kind (refreshed ones are not counted)."""
    counts: dict[str, int] = {}
    for detector in DETECTORS:
        for signal in detector(session, now):
            if _store(session, signal, now):
                counts[signal.kind] = counts.get(signal.kind, 0) + 1
    return counts
