"""Demo data for the admin users and fraud pages: one suspended student (suspended through the real
use case, so the audit log has its entry) and login-log patterns the fraud scan turns into flags
(four accounts from one address and one browser, a burst of failed logins; demo/money.py pays two
students' top-ups with one test card), so /admin/users, /admin/fraud and
/admin/audit show something to a newcomer; and two SMS reminders with the provider's delivery reports
(one delivered, one undelivered with its e-mail fallback) for /admin/outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from tutorhub.integrations.message_callbacks import TWILIO_PROVIDER, StatusReport
from tutorhub.models.accounts import LoginEvent, User
from tutorhub.models.notifications import DeliveryStatus, OutboxMessage, OutboxStatus
from tutorhub.services.accounts.passwords import register
from tutorhub.services.actor import to_user_out
from tutorhub.services.messaging.delivery_reports import record_reports
from tutorhub.services.ops.fraud_signals import scan_fraud_signals
from tutorhub.services.ops.suspension import suspend_user

SHARED_IP = "203.0.113.50"  # TEST-NET-3: documentation addresses only
SHARED_DEVICE = "demo_browser_0000000000000001"  # one browser's th_device id, behind the same address
GUESSING_IP = "198.51.100.23"


def seed_ops_demo(session: Session, *, now: datetime, admin_email: str, password: str) -> dict[str, int]:
    admin = session.exec(select(User).where(col(User.email) == admin_email)).one()
    blocked = register(session, email="blocked@tutorhub.test", password=password, full_name="Bo Blocked",
                       role="student", timezone="Europe/London")
    students = session.exec(select(User).where(col(User.email).in_(
        ["student1@tutorhub.test", "student2@tutorhub.test", "student3@tutorhub.test"]))).all()
    # Four sign-ins a minute apart, about 50 minutes ago, all on one UTC day (the address detector counts
    # per UTC day): seeded between 00:47 and 00:50 UTC they would straddle midnight and flag nothing.
    first = now - timedelta(minutes=50)
    if (first + timedelta(minutes=3)).date() != first.date():
        first = (first + timedelta(minutes=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    for i, user in enumerate([*students, session.get(User, blocked.id)]):
        assert user is not None
        session.add(LoginEvent(user_id=user.id, identifier=user.email or "", method="password", success=True,
                               ip=SHARED_IP, user_agent="Mozilla/5.0 (demo)", device_id=SHARED_DEVICE,
                               created_at=first + timedelta(minutes=i)))
    # The burst sits inside one clock hour (the detector counts per hour): the previous hour's first minutes,
    # whatever the minute of `now`.
    burst_start = now.replace(minute=5, second=0, microsecond=0) - timedelta(hours=1)
    for i in range(12):
        session.add(LoginEvent(user_id=students[-1].id, identifier=students[-1].email or "", method="password",
                               success=False, reason="bad_credentials", ip=GUESSING_IP, user_agent="curl/8.5 (demo)",
                               created_at=burst_start + timedelta(minutes=i)))
    session.flush()
    suspend_user(session, actor=to_user_out(admin), user_id=blocked.id, now=now,
                 reason="Demo: several accounts from one address and card-testing top-ups.")
    flags = scan_fraud_signals(session, now=now)
    return {"suspended": 1, "flags": sum(flags.values())}


def seed_delivery_demo(session: Session, *, now: datetime) -> int:
    """Two SMS copies of a reminder to student1 as Twilio reported them, through the real report path."""
    student = session.exec(select(User).where(col(User.email) == "student1@tutorhub.test")).one()
    reports = [("SM" + "d" * 32, "delivered", ""), ("SM" + "e" * 32, "undelivered", "error 30003")]
    for i, (sid, _, _) in enumerate(reports):
        session.add(OutboxMessage(channel="sms", recipient="+15005550101", subject="Lesson reminder",
                                  body=f"Demo: your lesson starts in {24 - 23 * i} h.", user_id=student.id,
                                  status=OutboxStatus.SENT, attempts=1, sent_at=now - timedelta(hours=2 - i),
                                  created_at=now - timedelta(hours=2 - i), provider=TWILIO_PROVIDER,
                                  provider_message_id=sid))
    session.flush()
    return record_reports(session, [StatusReport(TWILIO_PROVIDER, sid, "sent", DeliveryStatus.SENT) for sid, _, _ in reports]
                          + [StatusReport(TWILIO_PROVIDER, sid, status, status, error) for sid, status, error in reports],
                          now=now)
