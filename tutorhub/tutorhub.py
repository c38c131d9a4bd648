"""The Reflex app: pages, the mounted FastAPI app, and database preparation on start."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import reflex as rx

from tutorhub.api.app import api
from tutorhub.pages.admin import (
    logins_page,
    outbox_page,
    verification_queue_page,
    verification_review_page,
)
from tutorhub.pages.admin_bookings import bookings_page, flags_page
from tutorhub.pages.admin_catalog import catalog_page
from tutorhub.pages.admin_finance import disputes_page, finance_page, payouts_page
from tutorhub.pages.admin_jobs import admin_jobs_page
from tutorhub.pages.admin_reconciliation import reconciliation_page
from tutorhub.pages.auth import account_page, login_code_page, login_page, signup_page
from tutorhub.pages.availability import availability_page
from tutorhub.pages.earnings import earnings_page
from tutorhub.pages.home import home_page
from tutorhub.pages.lesson import lesson_page
from tutorhub.pages.lessons import lessons_page
from tutorhub.pages.messages import messages_page
from tutorhub.pages.notifications import notification_settings_page, notifications_page
from tutorhub.pages.onboarding import onboarding_page
from tutorhub.pages.pay_done import pay_done_page
from tutorhub.pages.sandbox_checkout import sandbox_checkout_page
from tutorhub.pages.search import search_page
from tutorhub.pages.student_times import student_times_page
from tutorhub.pages.tutor_profile import tutor_profile_page
from tutorhub.pages.tutor_public import tutor_public_page
from tutorhub.pages.wallet import wallet_page
from tutorhub.state.admin import AdminQueueState, AdminReviewState
from tutorhub.state.admin_bookings import AdminBookingsState, AdminFlagsState
from tutorhub.state.admin_jobs import AdminJobsState
from tutorhub.state.admin_reconciliation import AdminReconciliationState
from tutorhub.state.admin_tools import AdminLoginsState, AdminOutboxState
from tutorhub.state.auth import AccountState, LoginState, OtpState, SignupState
from tutorhub.state.availability import AvailabilityState
from tutorhub.state.base import AppState
from tutorhub.state.booking import BookingState
from tutorhub.state.chat import ChatState
from tutorhub.state.lesson_changes import LessonChangeState
from tutorhub.state.lessons import MyLessonsState
from tutorhub.state.money_admin import AdminDisputesState, AdminFinanceState, AdminPayoutsState
from tutorhub.state.money_catalog import AdminCatalogState
from tutorhub.state.money_done import PayDoneState
from tutorhub.state.money_earnings import EarningsState
from tutorhub.state.money_pay import LessonPayState
from tutorhub.state.money_wallet import WalletState
from tutorhub.state.notifications import NotificationPrefsState, NotificationsPageState
from tutorhub.state.reviews import TutorReviewsState
from tutorhub.state.sandbox_checkout import SandboxCheckoutState
from tutorhub.state.search import HomeState, SearchState, TutorPageState
from tutorhub.state.slots import TutorSlotsState
from tutorhub.state.student import StudentOnboardingState
from tutorhub.state.student_times import StudentTimesState
from tutorhub.state.tutor_profile import TutorProfileState

log = logging.getLogger("tutorhub")


@contextlib.asynccontextmanager
async def prepare_database_on_start():
    """Migrate (and seed demo data into an empty database) before the app serves requests."""
    from tutorhub.__main__ import prepare_database

    log.warning("database: %s", await asyncio.to_thread(prepare_database))
    yield


app = rx.App(
    api_transformer=api,
    html_lang="en",
    head_components=[rx.el.meta(name="theme-color", content="#3e63dd")],
)
app.register_lifespan_task(prepare_database_on_start)


@contextlib.asynccontextmanager
async def run_jobs_in_background():
    """The periodic jobs (tutorhub/jobs), unless TUTORHUB_RUN_JOBS=0 (e.g. a dedicated job host)."""
    from tutorhub.settings import get_settings

    if not get_settings().run_jobs:
        yield
        return
    from tutorhub.jobs.scheduler import start_scheduler, stop_scheduler

    scheduler = start_scheduler()
    try:
        yield
    finally:
        stop_scheduler(scheduler)  # also hands the leader lease over at once


app.register_lifespan_task(run_jobs_in_background)

# (route, page, title, page state load handler(s))
PAGES = [
    ("/", home_page, "TutorHub — verified tutors, online and at home", HomeState.load),
    ("/signup", signup_page, "Sign up · TutorHub", SignupState.load),
    ("/login", login_page, "Log in · TutorHub", LoginState.load),
    ("/login/code", login_code_page, "Log in with a code · TutorHub", OtpState.load),
    ("/account", account_page, "Your account · TutorHub", AccountState.load),
    ("/onboarding/student", onboarding_page, "Your learning profile · TutorHub", StudentOnboardingState.load),
    ("/student/times", student_times_page, "Your preferred lesson times · TutorHub", StudentTimesState.load),
    ("/tutor/profile", tutor_profile_page, "Your tutor profile · TutorHub", TutorProfileState.load),
    ("/tutor/availability", availability_page, "Your availability · TutorHub", AvailabilityState.load),
    ("/tutors", search_page, "Find a tutor · TutorHub", SearchState.load),
    (
        "/tutors/[tutor_id]",
        tutor_public_page,
        "Tutor · TutorHub",
        [TutorPageState.load, TutorSlotsState.load, TutorReviewsState.load, BookingState.close_done],
    ),
    ("/lessons", lessons_page, "My lessons · TutorHub", MyLessonsState.load),
    ("/messages", messages_page, "Messages · TutorHub", ChatState.load),
    (
        "/lessons/[booking_id]",
        lesson_page,
        "Lesson · TutorHub",
        [LessonChangeState.load, LessonChangeState.load_changes, LessonPayState.load],
    ),
    ("/wallet", wallet_page, "Wallet · TutorHub", WalletState.load),
    ("/pay/done", pay_done_page, "Payment · TutorHub", PayDoneState.load),
    ("/pay/sandbox/[reference]", sandbox_checkout_page, "Sandbox checkout · TutorHub", SandboxCheckoutState.load),
    ("/earnings", earnings_page, "Earnings · TutorHub", EarningsState.load),
    ("/admin/finance", finance_page, "Finance · TutorHub admin", AdminFinanceState.load),
    ("/admin/payouts", payouts_page, "Payouts · TutorHub admin", AdminPayoutsState.load),
    ("/admin/disputes", disputes_page, "Disputes · TutorHub admin", AdminDisputesState.load),
    ("/admin/catalog", catalog_page, "Promo codes, plans and packs · TutorHub admin", AdminCatalogState.load),
    ("/admin/verification", verification_queue_page, "Verification · TutorHub admin", AdminQueueState.load),
    (
        "/admin/verification/[tutor_id]",
        verification_review_page,
        "Review tutor · TutorHub admin",
        AdminReviewState.load,
    ),
    ("/admin/flags", flags_page, "Flagged tutors · TutorHub admin", AdminFlagsState.load),
    ("/admin/bookings", bookings_page, "Bookings · TutorHub admin", AdminBookingsState.load),
    ("/admin/outbox", outbox_page, "Outbox · TutorHub admin", AdminOutboxState.load),
    ("/admin/logins", logins_page, "Login log · TutorHub admin", AdminLoginsState.load),
    ("/admin/reconciliation", reconciliation_page, "Reconciliation · TutorHub admin", AdminReconciliationState.load),
    ("/admin/jobs", admin_jobs_page, "Jobs · TutorHub admin", AdminJobsState.load),
    ("/notifications", notifications_page, "Notifications · TutorHub", NotificationsPageState.load),
    (
        "/settings/notifications",
        notification_settings_page,
        "Notification preferences · TutorHub",
        NotificationPrefsState.load,
    ),
]

for route, component, title, load in PAGES:
    loads = load if isinstance(load, list) else [load]
    app.add_page(component, route=route, title=title, on_load=[AppState.load_viewer, *loads])
