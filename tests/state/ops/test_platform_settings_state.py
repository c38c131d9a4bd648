"""/admin/settings page state: the admin sees every setting with its default, saves only what the
form changed (numbers typed as text, group rates as "size:percent"), gets inline errors with nothing
saved, and the change applies to the next hold; students, tutors and anonymous tabs see nothing and
save nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.state.conftest import count, redirects, toasts
from tutorhub.models import AuditEntry, PlatformSetting, Role
from tutorhub.services.booking import policy
from tutorhub.state.ops.platform_settings import AdminSettingsState


def _form(page, **changes):
    return {**page.values, **changes}


def test_admin_changes_a_few_settings_and_they_apply(browser, make_user):
    admin = make_user(Role.ADMIN)
    page, _ = browser.open(AdminSettingsState, "/admin/settings", admin.email)
    assert page.status == "ready" and page.values["booking_hold_minutes"] == "15"
    assert page.values["group_credit_rates"] == "1:100, 4:60, 1000000:40" and not any(page.changed.values())
    assert "Default 15 minutes" in page.hints["booking_hold_minutes"]
    events = browser.run(page.save(_form(page, booking_hold_minutes="10", group_credit_rates="1:100, 8:50",
                                         reason="shorter holds")))
    assert toasts(events, "success") and page.values["booking_hold_minutes"] == "10"
    assert page.changed["booking_hold_minutes"] and page.changed["group_credit_rates"]
    assert count(AuditEntry) == 2
    now = datetime.now(UTC)
    assert policy.hold_until(now) == now + timedelta(minutes=10)


def test_errors_are_inline_and_nothing_is_saved(browser, make_user):
    admin = make_user(Role.ADMIN)
    page, _ = browser.open(AdminSettingsState, "/admin/settings", admin.email)
    browser.run(page.save(_form(page, booking_hold_minutes="ten")))
    assert page.errors == {"booking_hold_minutes": "must be a whole number"}
    browser.run(page.save(_form(page, group_credit_rates="lots")))
    assert "group_credit_rates" in page.errors
    browser.run(page.save(_form(page, cancel_partial_refund_hours="30", booking_hold_minutes="10")))
    assert "cancel_partial_refund_hours" in page.errors  # above the full-refund tier
    browser.run(page.save(_form(page)))
    assert page.message == "Nothing changed."
    assert count(PlatformSetting) == 0 and count(AuditEntry) == 0


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TUTOR, None])
def test_non_admins_see_and_save_nothing(new_browser, make_user, role):
    b = new_browser()
    who = make_user(role) if role else None
    page, events = b.open(AdminSettingsState, "/admin/settings", who.email if who else None)
    assert page.values == {} and (page.status == "forbidden" or redirects(events))
    page._values = {"booking_hold_minutes": "15"}  # a tampered tab
    b.run(page.save({"booking_hold_minutes": "1"}))
    assert count(PlatformSetting) == 0 and count(AuditEntry) == 0
