"""Fraud signals: each detector on real rows (login log, payments, refunds, payouts), thresholds,
deduplication across rescans, resolved flags staying resolved, and the hourly job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from tests.conftest import PASSWORD
from tutorhub.demo.ops import SHARED_IP, seed_ops_demo
from tutorhub.jobs.scheduler import fraud_scan
from tutorhub.models import AuditEntry, FraudFlag, FraudFlagUser, LoginEvent, Payment, Payout, Refund, Role, User
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated
from tutorhub.services.ops import fraud_review
from tutorhub.services.ops.fraud_signals import scan_fraud_signals

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
_n = {"payment": 0}


def login(db, user, ip, *, at=NOW - timedelta(hours=1), success=True, identifier=None):
    db.add(LoginEvent(user_id=user.id if user else None, identifier=identifier or (user.email if user else "x@x.io"),
                      method="password", success=success, reason="" if success else "bad_credentials", ip=ip,
                      user_agent="test", created_at=at))


def payment(db, user, *, amount=3000, purpose="booking", at=NOW - timedelta(hours=2), extra=None, currency="EUR"):
    _n["payment"] += 1
    row = Payment(reference=f"pay_{_n['payment']}", user_id=user.id, purpose=purpose, amount_minor=amount,
                  currency=currency, gateway="sandbox", status="succeeded", extra=extra or {}, created_at=at,
                  succeeded_at=at)
    db.add(row)
    db.flush()
    return row


def flags(db, kind=None):
    rows = db.exec(select(FraudFlag).order_by(FraudFlag.id)).all()
    return [f for f in rows if kind is None or f.kind == kind]


def users_of(db, flag):
    return {u for u in db.exec(select(FraudFlagUser.user_id).where(FraudFlagUser.flag_id == flag.id))}


def test_many_accounts_from_one_ip_in_a_day(db, make_user):
    people = [make_user(Role.STUDENT) for _ in range(5)]
    for p in people[:3]:
        login(db, p, "198.51.100.7")
    login(db, people[0], "198.51.100.7")  # the same account twice counts once
    login(db, people[3], "198.51.100.7", at=NOW - timedelta(days=1, hours=2))  # another day
    for p in people:
        login(db, p, "127.0.0.1")  # loopback: the operator's own machine
    db.commit()
    assert scan_fraud_signals(db, now=NOW) == {}
    login(db, people[4], "198.51.100.7")
    db.commit()
    assert scan_fraud_signals(db, now=NOW) == {"shared_ip": 1}
    [flag] = flags(db)
    assert flag.key == "198.51.100.7@2027-03-01" and flag.score == 4
    assert "4 accounts signed in from 198.51.100.7" in flag.reason
    assert users_of(db, flag) == {people[i].id for i in (0, 1, 2, 4)}


def test_bursts_of_failed_logins_per_identifier_and_per_ip(db, make_user):
    victim = make_user(Role.STUDENT, email="victim@example.com")
    for i in range(10):
        login(db, None, f"203.0.113.{i}", success=False, identifier="victim@example.com",
              at=NOW.replace(hour=10, minute=i))
    for i in range(25):
        login(db, None, "192.0.2.50", success=False, identifier=f"guess{i}@example.com",
              at=NOW.replace(hour=9, minute=i))
    for i in range(9):  # below the threshold: nine failures in one hour
        login(db, None, "192.0.2.99", success=False, identifier="careless@example.com",
              at=NOW.replace(hour=8, minute=i))
    db.commit()
    db.add(LoginEvent(user_id=victim.id, identifier="victim@example.com", method="password", success=False,
                      ip="203.0.113.77", created_at=NOW.replace(hour=10, minute=30)))
    db.commit()
    assert scan_fraud_signals(db, now=NOW) == {"failed_logins": 2}
    keys = sorted(f.key for f in flags(db))
    assert keys == ["id:victim@example.com@2027-03-01T10:00", "ip:192.0.2.50@2027-03-01T09:00"]
    assert users_of(db, flags(db)[0]) | users_of(db, flags(db)[1]) == {victim.id}


def test_shared_payout_destination_and_shared_card(db, make_user):
    a, b, c = (make_user(Role.TUTOR) for _ in range(3))
    for tutor, dest in ((a, "acct_1SHARED"), (b, "acct_1SHARED"), (c, "acct_1OWN"), (c, f"tutor:{c.id}")):
        db.add(Payout(reference=f"po_{tutor.id}_{dest}", tutor_user_id=tutor.id, amount_minor=5000, currency="EUR",
                      destination=dest))
    s1, s2 = make_user(Role.STUDENT), make_user(Role.STUDENT)
    payment(db, s1, extra={"_card_fingerprint": "fp_abc"})
    payment(db, s2, extra={"_card_fingerprint": "fp_abc"})
    payment(db, s2, extra={"_card_fingerprint": "fp_other"})
    db.commit()
    assert scan_fraud_signals(db, now=NOW) == {"shared_payout": 1, "shared_card": 1}
    payout_flag, card_flag = flags(db, "shared_payout")[0], flags(db, "shared_card")[0]
    assert payout_flag.key == "acct_1SHARED" and users_of(db, payout_flag) == {a.id, b.id}
    assert card_flag.key == "card:fp_abc" and users_of(db, card_flag) == {s1.id, s2.id}


def test_refund_and_chargeback_rate_counts_only_what_the_user_caused(db, make_user):
    heavy, fine = make_user(Role.STUDENT), make_user(Role.STUDENT)
    paid = [payment(db, heavy) for _ in range(4)]
    paid[0].extra = {"_disputes": {"dp_1": ["opened"]}}
    db.add(Refund(reference="rf_1", user_id=heavy.id, payment_id=paid[1].id, amount_minor=3000, currency="EUR",
                  destination="gateway", status="succeeded", created_at=NOW - timedelta(days=2)))
    for p in (payment(db, fine) for _ in range(3)):
        p.extra = {}
    db.commit()
    assert scan_fraud_signals(db, now=NOW) == {"refund_rate": 1}
    [flag] = flags(db)
    assert flag.key == f"user:{heavy.id}@2027-03" and flag.score == 50 and "1 refunds and 1 chargebacks on 4" in flag.reason


def test_new_account_with_a_large_top_up(db, make_user):
    fresh_user, old_user = make_user(Role.STUDENT), make_user(Role.STUDENT)
    for user, age in ((fresh_user, timedelta(hours=5)), (old_user, timedelta(days=30))):
        row = db.get(User, user.id)
        row.created_at = NOW - age
        db.add(row)
    payment(db, fresh_user, amount=60_000, purpose="topup")
    payment(db, fresh_user, amount=10_000, purpose="topup")  # small: fine
    payment(db, old_user, amount=90_000, purpose="topup")  # old account: fine
    payment(db, fresh_user, amount=100_000, purpose="topup", currency="INR")  # ₹1,000: below the INR line
    db.commit()
    assert scan_fraud_signals(db, now=NOW) == {"new_account_topup": 1}
    assert "topped up 600.00 EUR 3 h after signing up" in flags(db)[0].reason


def test_rescans_refresh_open_flags_and_never_reopen_resolved_ones(db, make_user):
    admin = make_user(Role.ADMIN)
    people = [make_user(Role.STUDENT) for _ in range(5)]
    for p in people[:4]:
        login(db, p, "198.51.100.7")
    db.commit()
    assert fraud_scan(now=NOW) == {"shared_ip": 1}
    db.rollback()
    login(db, people[4], "198.51.100.7", at=NOW - timedelta(minutes=5))
    db.commit()
    assert fraud_scan(now=NOW + timedelta(minutes=10)) == {}  # same IP and day: the same flag, refreshed
    db.rollback()
    [flag] = flags(db)
    assert flag.score == 5 and len(users_of(db, flag)) == 5
    fraud_review.resolve_flag(db, actor=admin, flag_id=flag.id, resolution="A school's network", now=NOW)
    db.commit()
    assert fraud_scan(now=NOW + timedelta(hours=1)) == {}
    db.rollback()
    [flag] = flags(db)
    assert flag.status == "RESOLVED" and flag.resolution == "A school's network" and flag.resolved_by == admin.id
    [entry] = db.exec(select(AuditEntry)).all()
    assert (entry.action, entry.target_id, entry.actor_user_id) == ("fraud_flag.resolve", str(flag.id), admin.id)
    with pytest.raises(Conflict):
        fraud_review.resolve_flag(db, actor=admin, flag_id=flag.id, resolution="again", now=NOW)


def test_only_admins_review_flags(db, make_user):
    db.add(FraudFlag(kind="shared_ip", key="k", reason="r"))
    db.commit()
    flag = flags(db)[0]
    for who in (None, make_user(Role.STUDENT), make_user(Role.TUTOR), make_user(Role.GUARDIAN)):
        with pytest.raises((NotAuthenticated, Forbidden)):
            fraud_review.list_flags(db, actor=who)
        with pytest.raises((NotAuthenticated, Forbidden)):
            fraud_review.resolve_flag(db, actor=who, flag_id=flag.id, resolution="mine")
    admin = make_user(Role.ADMIN)
    for bad in ("", None, 7, "x" * 1001):
        with pytest.raises(InvalidInput):
            fraud_review.resolve_flag(db, actor=admin, flag_id=flag.id, resolution=bad)
    db.rollback()
    assert flags(db)[0].status == "OPEN"


def test_demo_data_has_a_suspended_user_and_fraud_flags(db):
    from tutorhub.demo.seed import seed_demo

    seed_demo(db)
    db.commit()
    assert [u.email for u in db.exec(select(User).where(User.is_suspended))] == ["blocked@tutorhub.test"]
    assert {f.kind for f in flags(db)} == {"shared_ip", "shared_device", "failed_logins", "shared_card"}
    assert all(f.status == "OPEN" for f in flags(db))


@pytest.mark.parametrize("clock", ["00:48", "00:50", "12:00", "23:59"])
def test_the_demo_flags_its_shared_address_whatever_the_time_it_is_seeded(db, make_user, clock):
    """The demo's four sign-ins from one address fall on one UTC day, so the address is flagged even when
    the demo is seeded just after midnight (the detector counts per UTC day)."""
    admin = make_user(Role.ADMIN, email="ops-admin@example.com")
    for n in (1, 2, 3):
        make_user(Role.STUDENT, email=f"student{n}@tutorhub.test")
    hour, minute = map(int, clock.split(":"))
    now = datetime(2026, 12, 8, hour, minute, 30, tzinfo=UTC)
    seed_ops_demo(db, now=now, admin_email=admin.email, password=PASSWORD)
    db.commit()
    shared = [f for f in flags(db) if f.kind == "shared_ip"]
    assert [f.key.split("@")[0] for f in shared] == [SHARED_IP] and shared[0].score == 4
    assert {f.kind for f in flags(db)} >= {"shared_ip", "shared_device", "failed_logins"}
