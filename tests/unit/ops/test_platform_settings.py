"""Platform settings (services/ops/platform_settings.py + services/platform/store.py): each setting
changes the behaviour of the service that uses it, without a restart; nothing saved behaves as the
environment says; bad values are refused with nothing changed; every change is audited; admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from tests.support.booking import NOW, at
from tests.support.money import fund_wallet, give_payout_account
from tutorhub.models import AuditEntry, Booking, LeadSettings, MoneySettings, PlatformSetting, Role
from tutorhub.services.billing import credits
from tutorhub.services.booking import policy, reminders
from tutorhub.services.booking import timeouts as booking_jobs
from tutorhub.services.checkout import escrow
from tutorhub.services.checkout import lesson_payments as booking_payments
from tutorhub.services.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated
from tutorhub.services.leads import lead_settings
from tutorhub.services.learning import lessons
from tutorhub.services.money import ledger, payouts
from tutorhub.services.ops import platform_settings as ps
from tutorhub.services.platform import store

START = at(3, 10)


def _save(db, admin, **values):
    out = ps.update_platform_settings(db, actor=admin, values=values, now=NOW)
    db.commit()
    return {s.key: s.value for s in out.settings}


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


def test_nothing_saved_is_the_environment_and_the_old_constants(db, admin, monkeypatch):
    shown = {s.key: s.value for s in ps.get_platform_settings(db, actor=admin).settings}
    assert shown == {
        "cancel_full_refund_hours": 24, "cancel_partial_refund_hours": 12, "cancel_partial_refund_percent": 50,
        "trial_discount_percent": 50, "booking_hold_minutes": 15, "booking_request_hours": 24,
        "dispute_window_hours": 48, "commission_percent": 20, "payout_minimum_minor": 1000, "lead_claim_cap": 3,
        "group_credit_rates": [[1, 100], [4, 60], [1_000_000, 40]], "reminder_first_hours": 24,
        "reminder_second_minutes": 60}
    assert policy.hold_until(NOW) == NOW + timedelta(minutes=15)
    assert reminders.leads() == {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
    assert reminders.lead_text("24h") == "in 24 hours" and reminders.lead_text("1h") == "in 1 hour"
    assert (credits.credit_cost(60), credits.credit_cost(60, group_size=3), credits.credit_cost(45, group_size=8)) == (
        60, 36, 18)
    monkeypatch.setenv("TUTORHUB_BOOKING_HOLD_MINUTES", "20")  # the environment is the default
    from tutorhub.settings import reset_settings
    reset_settings()
    try:
        assert policy.hold_until(NOW) == NOW + timedelta(minutes=20)
    finally:
        monkeypatch.delenv("TUTORHUB_BOOKING_HOLD_MINUTES")
        reset_settings()


def test_hold_minutes_change_how_long_a_new_hold_lasts(env, make_user):
    admin = make_user(Role.ADMIN)
    first = env.book(START)
    assert env.db.get(Booking, first.id).hold_expires_at == NOW + timedelta(minutes=15)
    _save(env.db, admin, booking_hold_minutes=5)
    second = env.book(START + timedelta(hours=2))
    assert env.db.get(Booking, second.id).hold_expires_at == NOW + timedelta(minutes=5)  # no restart


def test_commission_changes_how_a_release_splits(env, make_user):
    admin = make_user(Role.ADMIN)
    _save(env.db, admin, commission_percent=30, dispute_window_hours=2)
    held = env.book(START)
    fund_wallet(env.db, env.student.id, held.price_minor, held.currency)
    booking_payments.confirm_booking(env.db, actor=env.student, booking_id=held.id, now=NOW)
    lessons.start_lesson(env.db, actor=env.tutor, booking_id=held.id, now=START)
    lessons.complete_lesson(env.db, actor=env.tutor, booking_id=held.id, now=START + timedelta(hours=1))
    env.db.commit()
    # the 2-hour dispute window: settled 3 h after the end, not 48 h
    assert booking_jobs.settle_lessons(env.db, now=START + timedelta(hours=3, minutes=1)) == 1
    escrow.run_money_jobs(env.db, now=START + timedelta(hours=4))
    assert ledger.balance(env.db, f"tutor:{env.tutor.id}:earnings", "EUR") == 2100  # €30 minus 30%


def test_cancellation_tiers_trial_discount_and_approval_timeout(db, admin):
    _save(db, admin, cancel_full_refund_hours=48, cancel_partial_refund_hours=6, cancel_partial_refund_percent=25,
          trial_discount_percent=100, booking_request_hours=2)
    start = NOW + timedelta(hours=30)
    assert policy.student_refund_percent(start, NOW) == 25  # 30 h notice: partial now (was full at ≥24 h)
    assert policy.student_refund_percent(start, start - timedelta(hours=48)) == 100
    assert policy.student_refund_percent(start, start - timedelta(hours=5)) == 0
    assert policy.quote(3000, 60, "EUR", trial=True).price_minor == 0
    assert policy.decision_due(NOW) == NOW + timedelta(hours=2)
    assert policy.cancellation_note().startswith("Full refund when you cancel at least 48 h before the lesson, 25% from 6 h")


def test_payout_minimum_claim_cap_group_rates_and_reminders(db, admin, make_user):
    _save(db, admin, payout_minimum_minor=5000, lead_claim_cap=5, group_credit_rates=[[1, 100], [10, 50]],
          reminder_first_hours=48, reminder_second_minutes=30)
    tutor = make_user(Role.TUTOR)
    give_payout_account(db, tutor.id)
    with pytest.raises(Conflict) as low:  # below the minimum: 409 with the field
        payouts.request_payout(db, actor=tutor, amount_minor=4000, currency="EUR", now=NOW)
    assert "5000" in low.value.fields["amount_minor"]
    assert lead_settings.claim_cap(db) == 5
    assert (credits.credit_cost(60, group_size=3), credits.credit_cost(60, group_size=50)) == (30, 30)
    assert reminders.leads() == {"24h": timedelta(hours=48), "1h": timedelta(minutes=30)}
    assert reminders.lead_text("1h") == "in 30 minutes"


def test_bad_values_are_refused_and_change_nothing(db, admin):
    bad = [
        {"booking_hold_minutes": 0}, {"booking_hold_minutes": "15"}, {"booking_hold_minutes": True},
        {"commission_percent": 101}, {"cancel_partial_refund_percent": -1}, {"lead_claim_cap": 21},
        {"cancel_partial_refund_hours": 30},  # above the 24 h full tier: tiers out of order
        {"cancel_full_refund_hours": 10, "cancel_partial_refund_hours": 12},
        {"reminder_first_hours": 2, "reminder_second_minutes": 120},
        {"group_credit_rates": [[4, 60], [1, 100]]}, {"group_credit_rates": [[1, 100], [4, 120]]},
        {"group_credit_rates": [[1, 50], [4, 60]]}, {"group_credit_rates": [[2, 100]]}, {"group_credit_rates": []},
        {"group_credit_rates": "1:100"}, {"group_credit_rates": [[1, 100]] * 7}, {"unknown": 1}, {},
        {"booking_hold_minutes": 10, "commission_percent": 500},  # one bad value: the good one is not saved either
    ]
    for values in bad:
        with pytest.raises(InvalidInput):
            ps.update_platform_settings(db, actor=admin, values=values, now=NOW)
    with pytest.raises(InvalidInput):
        ps.update_platform_settings(db, actor=admin, values=["booking_hold_minutes", 10], now=NOW)
    db.commit()
    assert db.exec(select(PlatformSetting)).all() == [] and db.exec(select(AuditEntry)).all() == []
    assert db.exec(select(MoneySettings)).all() == [] and db.exec(select(LeadSettings)).all() == []
    assert policy.hold_until(NOW) == NOW + timedelta(minutes=15)


def test_each_change_is_one_audit_entry_with_before_and_after(db, admin):
    _save(db, admin, booking_hold_minutes=20, commission_percent=25, lead_claim_cap=4)
    _save(db, admin, booking_hold_minutes=20, dispute_window_hours=72)  # an unchanged value is not audited
    entries = db.exec(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.target_id, e.before, e.after, e.actor_user_id) for e in entries] == [
        ("settings.update", "booking_hold_minutes", {"booking_hold_minutes": 15}, {"booking_hold_minutes": 20}, admin.id),
        ("settings.update", "commission_percent", {"commission_percent": 20}, {"commission_percent": 25}, admin.id),
        ("settings.update", "lead_claim_cap", {"lead_claim_cap": 3}, {"lead_claim_cap": 4}, admin.id),
        ("settings.update", "dispute_window_hours", {"dispute_window_hours": 48}, {"dispute_window_hours": 72}, admin.id),
    ]
    shown = {s.key: s for s in ps.get_platform_settings(db, actor=admin).settings}
    assert shown["booking_hold_minutes"].overridden and not shown["trial_discount_percent"].overridden


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TUTOR, None])
def test_only_admins_read_or_change_settings(db, make_user, role):
    who = make_user(role) if role else None
    error = Forbidden if role else NotAuthenticated
    with pytest.raises(error):
        ps.get_platform_settings(db, actor=who)
    with pytest.raises(error):
        ps.update_platform_settings(db, actor=who, values={"booking_hold_minutes": 1})
    db.commit()
    assert db.exec(select(PlatformSetting)).all() == [] and db.exec(select(AuditEntry)).all() == []


def test_the_cache_is_dropped_on_commit_and_a_rollback_keeps_the_old_value(db, admin):
    assert store.int_value("booking_hold_minutes") == 15  # cached now
    ps.update_platform_settings(db, actor=admin, values={"booking_hold_minutes": 7}, now=NOW)
    assert store.int_value("booking_hold_minutes", db) == 7  # the writer's own session sees it at once
    db.rollback()
    assert store.int_value("booking_hold_minutes") == 15
    _save(db, admin, booking_hold_minutes=9)
    assert store.int_value("booking_hold_minutes") == 9  # no wait for CACHE_SECONDS in this process


def test_reminder_offsets_change_when_reminders_are_due(env, make_user):
    admin = make_user(Role.ADMIN)
    start = NOW + timedelta(days=3)
    env.book(start, confirm=True)
    forty_before = start - timedelta(hours=40)
    assert reminders.find_due(env.db, now=forty_before) == []  # the 24 h reminder is not due yet
    _save(env.db, admin, reminder_first_hours=48, reminder_second_minutes=30)
    due = reminders.find_due(env.db, now=forty_before)
    assert {d.kind for d in due} == {"24h"} and {d.due_at for d in due} == {start - timedelta(hours=48)}
    assert {d.kind for d in reminders.find_due(env.db, now=start - timedelta(minutes=45))} == {"24h"}
    assert {d.kind for d in reminders.find_due(env.db, now=start - timedelta(minutes=29))} == {"1h"}


def test_the_finance_and_lead_pages_changes_are_audited_the_same_way(db, admin):
    from tutorhub.services.money import money_settings

    money_settings.update_money_settings(db, actor=admin, commission_percent=15, refund_destination="wallet", now=NOW)
    lead_settings.update_lead_settings(db, actor=admin, claim_cap_value=3, now=NOW)  # unchanged: not audited
    db.commit()
    entries = db.exec(select(AuditEntry)).all()
    assert [(e.target_id, e.before, e.after) for e in entries] == [
        ("commission_percent", {"commission_percent": 20}, {"commission_percent": 15}),
        ("refund_destination", {"refund_destination": "original"}, {"refund_destination": "wallet"})]
    assert {s.key: s.value for s in ps.get_platform_settings(db, actor=admin).settings}["commission_percent"] == 15
