"""Booking policy: prices, trial discount, refund tiers, reschedule rule, time limits.

Every number is a platform setting: an admin's value from /admin/settings (services/platform/store.py),
else the environment variable (`tutorhub/settings.py`), with these defaults:

* **Price** of a lesson = tutor's hourly rate (online or home) × minutes / 60, in integer minor
  units, rounded half up. A **trial** (once per student–tutor pair) costs
  `price × (100 − trial_discount_percent) / 100`, rounded half up — 50% off by default.
* **Hold**: a new booking holds its slot for `booking_hold_minutes` (15) in PENDING_PAYMENT;
  the hold expires (EXPIRED) unless the student pays/confirms in time.
* **Approval**: a tutor who turned instant booking off has `booking_request_hours` (24) to
  accept or decline a paid request; then it is declined automatically (and refunded in full).
* **Student cancels** a confirmed lesson: notice = lesson start − now.
  notice ≥ `cancel_full_refund_hours` (24 h) → 100% refund;
  `cancel_partial_refund_hours` (12 h) ≤ notice < 24 h → `cancel_partial_refund_percent` (50%);
  notice < 12 h → no refund. Exactly 24 h is the full tier, exactly 12 h the partial tier.
  A request the tutor has not accepted yet is refunded in full whatever the notice; an unpaid
  hold costs nothing.
* **Tutor cancels** → 100% refund, a reliability strike, and the rescheduling workflow
  (services/booking/replacements.py); ≥ `flag_cancellations` (3) tutor-side cancellations within
  `flag_window_days` (30) flag the tutor for admin review.
* **Refund amount** = price × percent / 100 rounded half up (integer minor units).
* **Reschedule**: at most `max_reschedules` (1) per lesson, only while the lesson starts at
  least `reschedule_min_hours` (12 h) from now, into a slot the engine offers.
* **Completion**: a completed lesson settles after `dispute_window_hours` (48 h) unless
  disputed; a lesson nobody started or ended is completed automatically `auto_complete_hours`
  (48 h) after its scheduled end unless someone reported a no-show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tutorhub.models.bookings import Booking, RefundStatus
from tutorhub.services.platform.store import int_value
from tutorhub.settings import get_settings


def round_div(numerator: int, denominator: int) -> int:
    """Integer division rounded half up (non-negative inputs): money never touches floats."""
    return (2 * numerator + denominator) // (2 * denominator)


def lesson_price(hourly_rate_minor: int, duration_min: int) -> int:
    """The list price of a lesson in minor units."""
    return round_div(hourly_rate_minor * duration_min, 60)


def discounted(price_minor: int, percent_off: int) -> int:
    return round_div(price_minor * (100 - percent_off), 100)


def trial_discount_percent() -> int:
    return int_value("trial_discount_percent")


def refund_amount(price_minor: int, percent: int) -> int:
    return round_div(price_minor * percent, 100)


def set_refund(booking: Booking, percent: int) -> None:
    """Record the refund a decision grants (cancel, decline, no-show, dispute): the percent, the
    amount it comes to, and DUE when there is money to return."""
    booking.refund_percent = percent
    booking.refund_minor = refund_amount(booking.price_minor, percent)
    booking.refund_status = RefundStatus.DUE if booking.refund_minor else RefundStatus.NONE


def student_refund_percent(start_at: datetime, now: datetime) -> int:
    """Refund percent when the student cancels a confirmed lesson at `now` (tier edges inclusive
    on the generous side: exactly 24 h before is a full refund, exactly 12 h before is 50%)."""
    notice = start_at - now
    if notice >= timedelta(hours=int_value("cancel_full_refund_hours")):
        return 100
    if notice >= timedelta(hours=int_value("cancel_partial_refund_hours")):
        return int_value("cancel_partial_refund_percent")
    return 0


def cancellation_note() -> str:
    """The rules in words for the booking side of a tutor's page (read when the page loads, so an
    admin's change shows without a rebuild)."""
    return (f"Full refund when you cancel at least {int_value('cancel_full_refund_hours')} h before the lesson, "
            f"{int_value('cancel_partial_refund_percent')}% from {int_value('cancel_partial_refund_hours')} h before, "
            f"none later. If the tutor cancels, you get everything back. You can reschedule once, up to "
            f"{get_settings().reschedule_min_hours} h before.")


def hold_until(now: datetime) -> datetime:
    return now + timedelta(minutes=int_value("booking_hold_minutes"))


def decision_due(now: datetime) -> datetime:
    return now + timedelta(hours=int_value("booking_request_hours"))


def settle_after(now: datetime) -> datetime:
    return now + timedelta(hours=int_value("dispute_window_hours"))


def may_reschedule(start_at: datetime, reschedule_count: int, now: datetime) -> str | None:
    """None when a reschedule is allowed, otherwise the reason it is not."""
    settings = get_settings()
    if reschedule_count >= settings.max_reschedules:
        times = "once" if settings.max_reschedules == 1 else f"{settings.max_reschedules} times"
        return f"A lesson can be rescheduled {times} only."
    if start_at - now < timedelta(hours=settings.reschedule_min_hours):
        return f"Lessons can be rescheduled up to {settings.reschedule_min_hours} hours before they start."
    return None


@dataclass(frozen=True, slots=True)
class Quote:
    """What a booking will cost, before it is made."""

    list_price_minor: int
    price_minor: int
    discount_percent: int
    currency: str


def quote(hourly_rate_minor: int, duration_min: int, currency: str, *, trial: bool) -> Quote:
    list_price = lesson_price(hourly_rate_minor, duration_min)
    percent = trial_discount_percent() if trial else 0
    return Quote(
        list_price_minor=list_price,
        price_minor=discounted(list_price, percent),
        discount_percent=percent,
        currency=currency,
    )
