"""The job functions the scheduler runs (tutorhub/jobs/scheduler.py holds the registry and the
leader gate). Each takes `now` (None: the clock) and opens its own short transactions through the
services, so it can be run by the scheduler, by "run now" on /admin/jobs, by
`python -m tutorhub run-job NAME` and by tests with a controlled clock."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.ops import job_runs

log = logging.getLogger("tutorhub.jobs")


def rebuild_free_slot_index(now: datetime | None = None) -> int:
    """Roll the precomputed next-free-slots table forward (it covers the next 16 days)."""
    from tutorhub.services.scheduling.free_index import rebuild_free_slots

    with session_scope() as session:
        rows = rebuild_free_slots(session, now=now or utcnow(), commit_each_chunk=True)
    log.warning("job rebuild_free_slot_index: %d rows", rows)
    return rows


def booking_minutely(now: datetime | None = None) -> dict[str, int]:
    """Expire 15-minute holds and auto-decline requests unanswered for 24 h; then enquiries whose
    held lesson was confirmed close and those whose hold lapsed are answerable again (leads reads
    the bookings itself: booking may not import leads)."""
    from tutorhub.services.booking.timeouts import run_minutely
    from tutorhub.services.leads.settlement import settle_held_lessons

    now = now or utcnow()
    with session_scope() as session:
        counts = run_minutely(session, now=now)
        counts["enquiries_settled"] = settle_held_lessons(session, now=now)
    if any(counts.values()):
        log.warning("job booking_minutely: %s", counts)
    return counts


def booking_quarter_hourly(now: datetime | None = None) -> dict[str, int]:
    """Auto-complete forgotten lessons, settle after the dispute window, credit back students
    whose replacement offers expired."""
    from tutorhub.services.booking.timeouts import run_quarter_hourly
    from tutorhub.services.learning.lessons import auto_complete_lessons

    now = now or utcnow()
    with session_scope() as session:
        # Completing first: a lesson completed now opens its dispute window, it is not settled.
        counts = {"auto_completed": auto_complete_lessons(session, now=now), **run_quarter_hourly(session, now=now)}
    if any(counts.values()):
        log.warning("job booking_quarter_hourly: %s", counts)
    return counts


def recover_study_plans(now: datetime | None = None) -> int:
    """Finish study plans whose drafting process died (stuck in "generating") with the offline planner."""
    from tutorhub.services.learning.plan_recovery import recover_stuck_plans

    with session_scope() as session:
        count = recover_stuck_plans(session, now=now or utcnow())
    if count:
        log.warning("job recover_study_plans: %d plans", count)
    return count


def refresh_tutor_stats(now: datetime | None = None) -> int:
    """Trust scores look back 90 days, so they change with the calendar alone: recompute nightly."""
    from tutorhub.services.tutors.stats import refresh_tutors_stats

    with session_scope() as session:
        count = refresh_tutors_stats(session, None, now=now or utcnow(), recount_reviews=False)
    log.warning("job refresh_tutor_stats: %d tutors", count)
    return count


def send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Lesson and class-session reminders 24 h and 1 h ahead (exactly once; catches up after an outage)."""
    from tutorhub.services.booking.reminders import run_reminders
    from tutorhub.services.classes.class_reminders import run_class_reminders

    now = now or utcnow()
    return {**run_reminders(now=now), **run_class_reminders(now=now)}


def deliver_outbox(now: datetime | None = None) -> dict[str, int]:
    """Retry (or first-send) queued email/SMS/WhatsApp the after-commit thread did not deliver."""
    from tutorhub.services.outbox import deliver_due

    return deliver_due(now=now or utcnow()).as_dict()


def prune_job_runs(now: datetime | None = None) -> int:
    """Keep /admin/jobs small: drop runs older than two weeks (the newest 50 per job stay)."""
    with session_scope() as session:
        return job_runs.prune_job_runs(session, now=now or utcnow())


def prune_login_throttles(now: datetime | None = None) -> int:
    """Forget login failure counters nobody needs any more: a spray of unknown emails leaves one
    row each, so without this the table grows under attack."""
    from tutorhub.services.accounts import login_throttle

    with session_scope() as session:
        return login_throttle.prune(session, now=now or utcnow())


def expire_credits(now: datetime | None = None) -> int:
    """Write off credit minutes whose lot expired (idempotent: a re-run finds nothing left)."""
    from tutorhub.services.billing.credits import expire_lots

    with session_scope() as session:
        minutes = expire_lots(session, now=now or utcnow())
    if minutes:
        log.warning("job expire_credits: %d minutes", minutes)
    return minutes


def expire_enquiries(now: datetime | None = None) -> int:
    """OPEN or MATCHED enquiries older than 7 days become EXPIRED; claimers and the student are told."""
    from tutorhub.services.leads.enquiries import expire_enquiries as expire

    with session_scope() as session:
        return expire(session, now=now or utcnow())


def rematch_enquiries(now: datetime | None = None) -> int:
    """Tutors who became eligible for a live enquiry after it was posted (approved, new subject, lower
    rate, wider radius, more free time) get it in their lead inbox and are told once."""
    from tutorhub.services.leads.rematching import rematch_enquiries as rematch

    with session_scope() as session:
        added = rematch(session, now=now or utcnow())
    if added:
        log.warning("job rematch_enquiries: %d new matches", added)
    return added


def renew_subscriptions(now: datetime | None = None) -> dict[str, int]:
    """End cancelled subscriptions at period end; renew due sandbox subscriptions (providers renew by webhook)."""
    from tutorhub.services.checkout.renewals import renew_due_subscriptions

    with session_scope() as session:
        counts = renew_due_subscriptions(session, now=now or utcnow())
    if any(counts.values()):
        log.warning("job renew_subscriptions: %s", counts)
    return counts


def reconcile_payments(now: datetime | None = None) -> int:
    """Compare yesterday's gateway-side records with our payments and ledger; admins hear of differences."""
    from tutorhub.services.money.reconciliation import run_daily_reconciliation

    with session_scope() as session:
        reports = run_daily_reconciliation(session, now=now or utcnow())
    log.warning("job reconcile_payments: %s", {r.gateway: r.status for r in reports})
    return sum(r.differences for r in reports)


def apply_pending_webhooks(now: datetime | None = None) -> int:
    """Apply webhook events acknowledged but left pending (process died before applying them)."""
    from tutorhub.services.checkout.webhooks import apply_stored_event, pending_event_ids

    now = now or utcnow()
    with session_scope(read_only=True) as session:
        ids = pending_event_ids(session, older_than=now - timedelta(seconds=30))
    for row_id in ids:
        try:
            with session_scope() as session:
                apply_stored_event(session, row_id, now=now)
        except Exception:  # noqa: BLE001  (one bad event must not block the others; next run retries)
            log.exception("job apply_pending_webhooks: event row %s failed", row_id)
    if ids:
        log.warning("job apply_pending_webhooks: %d events", len(ids))
    return len(ids)


def refresh_exchange_rates(now: datetime | None = None) -> dict[str, str]:
    """Refresh the display exchange rates from TUTORHUB_RATES_URL; nothing when it is not set."""
    from tutorhub.services.money.exchange_rates import refresh_rates_from_feed
    from tutorhub.settings import get_settings

    url = get_settings().rates_url
    if not url:
        return {}
    with session_scope() as session:
        applied = refresh_rates_from_feed(session, url=url, now=now or utcnow())
    log.warning("job refresh_exchange_rates: %d rates", len(applied))
    return applied


def settle_money(now: datetime | None = None) -> int:
    """Refunds, transfers and escrow releases of every booking whose outcome is final."""
    from tutorhub.services.checkout.escrow import run_money_jobs

    return run_money_jobs(now=now or utcnow())


def money_intents(now: datetime | None = None) -> dict[str, int]:
    """Release promo reservations whose checkout lapsed; send / resume refund and payout intents to
    outside providers (a crash between recording and confirming one is finished here, never repeated)."""
    from tutorhub.services.checkout.events import release_lapsed_promo_reservations
    from tutorhub.services.money.gateway_intents import resume_refund_intents
    from tutorhub.services.money.payouts import resume_payout_intents

    now = now or utcnow()
    with session_scope() as session:
        released = release_lapsed_promo_reservations(session, now=now)
    counts = {"promo_released": released, "refunds_resumed": resume_refund_intents(now=now),
              "payouts_resumed": resume_payout_intents(now=now)}
    if any(counts.values()):
        log.warning("job money_intents: %s", counts)
    return counts


def sync_external_calendars(now: datetime | None = None) -> dict[str, int]:
    """Fetch tutors' outside busy calendars that are due (each every 15 minutes; a new one within
    a minute). Failures are recorded on the calendar for its tutor, never raised."""
    from tutorhub.services.scheduling.calendar_imports import sync_due_calendars

    counts = sync_due_calendars(now=now or utcnow())
    if any(counts.values()):
        log.warning("job sync_external_calendars: %s", counts)
    return counts


def sweep_room_presence(now: datetime | None = None) -> int:
    """Video rooms: close the stays of participants Janus no longer lists (tabs that died without
    saying goodbye), so join/leave evidence stays true."""
    from tutorhub.services.rooms.presence import sweep_open_stays

    return sweep_open_stays(now=now or utcnow())


def classes_every_five_minutes(now: datetime | None = None) -> int:
    """Group classes: cancel undersized classes 24 h ahead (refunds), pass on expired seat offers,
    start and complete classes as their sessions pass."""
    from tutorhub.services.classes.class_jobs import run_class_jobs

    with session_scope() as session:
        changed = run_class_jobs(session, now=now or utcnow())
    if changed:
        log.warning("job classes: %d changes", changed)
    return changed


def fraud_scan(now: datetime | None = None) -> dict[str, int]:
    """Look for fraud signals (shared IPs, failed-login bursts, shared payout destinations or cards,
    high refund rates, large top-ups by new accounts) and raise a flag for admins on each new one."""
    from tutorhub.services.ops.fraud_signals import scan_fraud_signals

    with session_scope() as session:
        counts = scan_fraud_signals(session, now=now or utcnow())
    if counts:
        log.warning("job fraud_scan: %s", counts)
    return counts


def release_course_sales(now: datetime | None = None) -> int:
    """Course enrolments past their 7-day refund window: the escrow goes to the tutor (minus commission);
    gateway enrolments unpaid for a day expire."""
    from tutorhub.services.courses.enrolment import expire_pending, release_due

    with session_scope() as session:
        when = now or utcnow()
        return release_due(session, now=when) + expire_pending(session, now=when)


def nightly_backup(now: datetime | None = None) -> dict[str, object]:
    """A backup under TUTORHUB_BACKUP_DIR, keeping the newest TUTORHUB_BACKUP_KEEP (skipped when unset)."""
    from tutorhub.services.ops.backup import run_scheduled_backup
    from tutorhub.settings import get_settings

    return run_scheduled_backup(settings=get_settings(), now=now or utcnow())


def reconcile_ads(now: datetime | None = None) -> dict[str, object]:
    """Record each finished day's ad figures (catching up missed nights) and complete campaigns
    over budget or past their end (services/growth/reconcile.py; safe to run twice at once)."""
    from tutorhub.services.growth.reconcile import reconcile_ads as reconcile

    with session_scope() as session:
        result = reconcile(session, now=now or utcnow())
    log.warning("job reconcile_ads: %d days recorded, %d campaigns completed", len(result.days_recorded),
                result.completed)
    return {"days_recorded": [d.isoformat() for d in result.days_recorded], "completed": result.completed}


def send_analytics(now: datetime | None = None) -> dict[str, int]:
    """Opt-in product analytics (off by default): queue the new facts of consenting users, send the
    queue through the mixpanel library (services/growth/analytics.py)."""
    from tutorhub.integrations.analytics import get_analytics
    from tutorhub.services.growth import analytics

    transport = get_analytics()
    if transport is None:
        return {"queued": 0, "sent": 0}
    now = now or utcnow()
    with session_scope() as session:
        queued = analytics.collect_events(session, now=now)
    with session_scope() as session:
        counts = analytics.send_pending(session, transport=transport, now=now)
    return {"queued": queued, **counts}


def refresh_metrics(now: datetime | None = None) -> dict[str, object]:
    """Recompute the admin dashboard's figures for yesterday and today (so they are at most an hour old)."""
    from tutorhub.services.ops.daily_aggregates import refresh_recent

    with session_scope() as session:
        return refresh_recent(session, now=now or utcnow()).model_dump(mode="json")
