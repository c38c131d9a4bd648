"""Bell, /notifications, /settings/notifications and /admin/jobs states, incl. strangers."""

from __future__ import annotations

from tests.state.conftest import count, fetch, redirects, toasts
from tutorhub.db import session_scope
from tutorhub.models import JobRun, Notification, NotificationPreference
from tutorhub.models.base import utcnow
from tutorhub.services.messaging.notifications import notify
from tutorhub.state.messaging.notifications import BellState, NotificationPrefsState, NotificationsPageState
from tutorhub.state.ops.jobs import AdminJobsState


def _notify(user_id: int, title: str, link: str = "/lessons/3") -> int:
    with session_scope() as session:
        nid = notify(session, user_id=user_id, kind="booking", title=title, body="b", link=link, now=utcnow())
    assert nid is not None
    return nid


def test_bell_counts_and_opens_an_item(browser, make_user):
    user = make_user(email="s@example.com")
    ids = [_notify(user.id, f"n{i}") for i in range(7)]
    browser.login("s@example.com")
    bell = browser.state(BellState)
    events = browser.run(bell.load_bell())
    assert bell.bell_unread == 7 and len(bell.bell_items) == 5 and bell.bell_items[0].title == "n6"
    assert [e.fn.__name__ for e in events if hasattr(e, "fn")] == ["watch_bell"]
    events = browser.run(bell.open_item(ids[6]))
    assert redirects(events) == ["/lessons/3"] and bell.bell_unread == 6 and bell.bell_items[0].read
    browser.run(bell.mark_all_read())
    assert bell.bell_unread == 0 and count(Notification, Notification.read_at.is_(None)) == 0


def test_anonymous_bell_is_empty_and_does_not_watch(browser):
    bell = browser.state(BellState)
    assert browser.run(bell.load_bell()) == []
    assert bell.bell_unread == 0 and bell.bell_items == []


def test_strangers_cannot_read_or_mark_someone_elses_notifications(browser, new_browser, make_user):
    owner = make_user(email="owner@example.com")
    make_user(email="stranger@example.com")
    nid = _notify(owner.id, "private")
    other = new_browser()
    other.login("stranger@example.com")
    bell = other.state(BellState)
    assert other.run(bell.open_item(nid)) == [] and other.run(bell.open_item("1; drop")) == []
    other.run(bell.load_bell())
    assert bell.bell_items == []
    page = other.state(NotificationsPageState)
    other.goto("/notifications")
    other.run(page.load())
    assert page.items == []
    assert toasts(other.run(page.mark_read(nid)), "error")
    other.run(page.mark_all_read())
    [row] = fetch(Notification, Notification.id == nid)
    assert row.read_at is None


def test_notifications_page_pages_and_marks(browser, make_user):
    user = make_user(email="p@example.com")
    ids = [_notify(user.id, f"n{i}") for i in range(25)]
    browser.login("p@example.com")
    browser.goto("/notifications")
    page = browser.state(NotificationsPageState)
    browser.run(page.load())
    assert page.status == "ready" and len(page.items) == 20 and page.has_more and page.unread == 25
    browser.run(page.load_more())
    assert len(page.items) == 25 and not page.has_more and page.items[-1].title == "n0"
    browser.run(page.mark_read(ids[0]))
    assert page.items[-1].read and page.unread == 24
    browser.run(page.mark_read(ids[0]))  # a second click on a read item changes no count
    assert page.unread == 24
    browser.run(page.mark_all_read())
    assert page.unread == 0 and all(r.read for r in page.items)


def test_pages_send_anonymous_visitors_to_login(browser):
    browser.goto("/notifications")
    assert redirects(browser.run(browser.state(NotificationsPageState).load()))[0].startswith("/login")
    browser.goto("/settings/notifications")
    assert redirects(browser.run(browser.state(NotificationPrefsState).load()))[0].startswith("/login")
    assert redirects(browser.run(browser.state(NotificationPrefsState).save({"booking:sms": "on"})))[0].startswith("/login")
    assert count(NotificationPreference) == 0


def test_preferences_form_saves_the_matrix(browser, make_user):
    make_user(email="f@example.com")
    browser.login("f@example.com")
    browser.goto("/settings/notifications")
    prefs = browser.state(NotificationPrefsState)
    browser.run(prefs.load())
    assert prefs.status == "ready" and not prefs.has_phone
    booking = next(r for r in prefs.rows if r.kind == "booking")
    assert [(c.channel, c.enabled, c.needs_phone) for c in booking.cells] == [
        ("email", True, False), ("sms", False, True), ("whatsapp", False, True)]
    browser.run(prefs.save({"reminder:sms": "on", "booking:email": "on", "evil:key": "on", "x": 1}))
    assert prefs.saved_note == "Saved."
    on = {(r.kind, r.channel) for r in fetch(NotificationPreference, NotificationPreference.enabled)}
    assert on == {("reminder", "sms"), ("booking", "email")}


def test_admin_jobs_page_and_run_now_are_admin_only(browser, new_browser, make_user):
    make_user("admin", email="admin@example.com")
    make_user(email="student@example.com")
    student = new_browser()
    student.login("student@example.com")
    student.goto("/admin/jobs")
    jobs = student.state(AdminJobsState)
    student.run(jobs.load())
    assert jobs.status == "forbidden" and jobs.rows == []
    assert toasts(student.run(jobs.run_now("send_reminders")), "error")
    assert count(JobRun) == 0
    anonymous = new_browser()
    anonymous.goto("/admin/jobs")
    events = anonymous.run(anonymous.state(AdminJobsState).run_now("send_reminders"))
    assert redirects(events) and redirects(events)[0].startswith("/login") and count(JobRun) == 0

    browser.login("admin@example.com")
    browser.goto("/admin/jobs")
    admin = browser.state(AdminJobsState)
    browser.run(admin.load())
    assert admin.status == "ready" and any(r.job_id == "send_reminders" and r.last_outcome == "" for r in admin.rows)
    reminders = next(r for r in admin.rows if r.job_id == "send_reminders")
    assert reminders.name == "Send lesson reminders" and reminders.schedule == "Every minute"
    assert reminders.description.startswith("Lesson and class-session reminders 24 h and 1 h ahead")
    assert all("=" not in r.schedule and "*" not in r.schedule for r in admin.rows)  # no cron strings
    events = browser.run(admin.run_now("send_reminders"))
    assert toasts(events, "success") and admin.running == ""
    browser.run(admin.load())
    row = next(r for r in admin.rows if r.job_id == "send_reminders")
    assert row.last_outcome == "ok" and row.last_trigger == "manual"
    assert toasts(browser.run(admin.run_now("no_such_job")), "error")
    assert count(JobRun) == 1
