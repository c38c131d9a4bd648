"""The Reflex app: pages, the mounted FastAPI app, and database preparation on start."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import reflex as rx

from tutorhub.api.app import api
from tutorhub.api.observability import SCHEDULER_HOLDER, serve_metrics_port
from tutorhub.jobs.scheduler import start_scheduler, stop_scheduler
from tutorhub.pages.accounts.auth import account_page, login_code_page, login_page, signup_page
from tutorhub.pages.accounts.onboarding import onboarding_page
from tutorhub.pages.accounts.password_reset import password_reset_page
from tutorhub.pages.billing.catalog import catalog_page
from tutorhub.pages.billing.wallet import wallet_page
from tutorhub.pages.booking.admin_bookings import bookings_page, flags_page
from tutorhub.pages.booking.lessons import lessons_page
from tutorhub.pages.checkout.pay_done import pay_done_page
from tutorhub.pages.checkout.sandbox_checkout import sandbox_checkout_page
from tutorhub.pages.classes.class_page import class_page
from tutorhub.pages.classes.find import find_page as classes_page
from tutorhub.pages.courses.builder import builder_page as course_builder_page
from tutorhub.pages.courses.course_page import course_page
from tutorhub.pages.courses.find import find_page as courses_page
from tutorhub.pages.dashboards.role_home import role_home_page
from tutorhub.pages.growth.admin_ads import admin_ads_page
from tutorhub.pages.growth.admin_campaign import admin_campaign_page
from tutorhub.pages.growth.admin_offers import admin_offers_page
from tutorhub.pages.home import home_page
from tutorhub.pages.leads.enquiries import enquiries_page
from tutorhub.pages.leads.inbox import inbox_page
from tutorhub.pages.leads.ranking import ranking_page
from tutorhub.pages.learning.child_booking import child_booking_page
from tutorhub.pages.learning.guardians import guardian_page
from tutorhub.pages.learning.homework import homework_list_page, homework_page
from tutorhub.pages.learning.lesson import lesson_page
from tutorhub.pages.learning.progress import progress_page
from tutorhub.pages.learning.study_plans import plan_page, study_plans_page
from tutorhub.pages.messaging.messages import messages_page
from tutorhub.pages.messaging.notifications import notification_settings_page, notifications_page
from tutorhub.pages.money.admin_finance import disputes_page, finance_page, payouts_page
from tutorhub.pages.money.earnings import earnings_page
from tutorhub.pages.money.rates import admin_rates_page
from tutorhub.pages.money.reconciliation import reconciliation_page
from tutorhub.pages.ops.admin_tools import logins_page, outbox_page
from tutorhub.pages.ops.audit import audit_page
from tutorhub.pages.ops.fraud import fraud_page
from tutorhub.pages.ops.jobs import admin_jobs_page
from tutorhub.pages.ops.metrics import metrics_page
from tutorhub.pages.ops.platform_settings import admin_settings_page
from tutorhub.pages.ops.users import user_page, users_page
from tutorhub.pages.rooms.room_panel import class_room_page
from tutorhub.pages.scheduling.availability import availability_page
from tutorhub.pages.scheduling.student_times import student_times_page
from tutorhub.pages.tutors.profile import tutor_profile_page
from tutorhub.pages.tutors.public_profile import tutor_public_page
from tutorhub.pages.tutors.search import search_page
from tutorhub.pages.tutors.verification import verification_queue_page, verification_review_page
from tutorhub.services.tutors import places
from tutorhub.settings import get_settings
from tutorhub.startup import prepare_database
from tutorhub.state.accounts.auth import AccountState, LoginState, OtpState, SignupState
from tutorhub.state.accounts.onboarding import StudentOnboardingState
from tutorhub.state.accounts.password_reset import PasswordResetState
from tutorhub.state.base import AppState
from tutorhub.state.billing.catalog import AdminCatalogState
from tutorhub.state.billing.wallet import WalletState
from tutorhub.state.booking.admin_bookings import AdminBookingsState, AdminFlagsState
from tutorhub.state.booking.dialog import BookingState
from tutorhub.state.booking.lessons import MyLessonsState
from tutorhub.state.checkout.pay import LessonPayState
from tutorhub.state.checkout.pay_done import PayDoneState
from tutorhub.state.checkout.sandbox_checkout import SandboxCheckoutState
from tutorhub.state.classes.class_page import ClassPageState
from tutorhub.state.classes.find import FindClassesState
from tutorhub.state.courses.builder import CourseBuilderState
from tutorhub.state.courses.course_page import CoursePageState
from tutorhub.state.courses.earnings import CourseEarningsState
from tutorhub.state.courses.find import FindCoursesState
from tutorhub.state.dashboards.role_home import RoleHomeState
from tutorhub.state.growth.ad_slots import AdSlotState
from tutorhub.state.growth.admin_ads import AdminAdsState
from tutorhub.state.growth.admin_campaign import AdminCampaignState
from tutorhub.state.growth.admin_offers import AdminOffersState
from tutorhub.state.growth.analytics_consent import AnalyticsConsentState
from tutorhub.state.leads.enquiries import StudentEnquiriesState
from tutorhub.state.leads.inbox import LeadInboxState
from tutorhub.state.leads.ranking import RankingHelpState
from tutorhub.state.learning.child_booking import ChildBookingState
from tutorhub.state.learning.guardians import GuardianState
from tutorhub.state.learning.homework import HomeworkListState, HomeworkState
from tutorhub.state.learning.lesson_changes import LessonChangeState
from tutorhub.state.learning.lesson_report import LessonReportState
from tutorhub.state.learning.progress import ProgressState
from tutorhub.state.learning.reviews import TutorReviewsState
from tutorhub.state.learning.study_plans import PlanState, StudyPlansState
from tutorhub.state.messaging.messages import ChatState
from tutorhub.state.messaging.notifications import NotificationPrefsState, NotificationsPageState
from tutorhub.state.money.admin_finance import AdminDisputesState, AdminFinanceState, AdminPayoutsState
from tutorhub.state.money.earnings import EarningsState
from tutorhub.state.money.rates import AdminRatesState
from tutorhub.state.money.reconciliation import AdminReconciliationState
from tutorhub.state.ops.admin_tools import AdminLoginsState, AdminOutboxState
from tutorhub.state.ops.audit import AdminAuditState
from tutorhub.state.ops.fraud import AdminFraudState
from tutorhub.state.ops.jobs import AdminJobsState
from tutorhub.state.ops.metrics import AdminMetricsState
from tutorhub.state.ops.platform_settings import AdminSettingsState
from tutorhub.state.ops.users import AdminUsersState, AdminUserState
from tutorhub.state.rooms.room_panel import RoomState
from tutorhub.state.scheduling.availability import AvailabilityState
from tutorhub.state.scheduling.student_times import StudentTimesState
from tutorhub.state.scheduling.tutor_times import TutorSlotsState
from tutorhub.state.tutors.profile import TutorProfileState
from tutorhub.state.tutors.search import HomeState, SearchState, TutorPageState
from tutorhub.state.tutors.verification import AdminQueueState, AdminReviewState

log = logging.getLogger("tutorhub")


@contextlib.asynccontextmanager
async def prepare_database_on_start():
    """Migrate (and seed demo data into an empty database) before the app serves requests."""
    log.warning("database: %s", await asyncio.to_thread(prepare_database))
    # The offline gazetteer takes seconds to build: built before serving, not in the first search.
    log.warning("places: %d names loaded", await asyncio.to_thread(places.warm_gazetteer))
    yield


app = rx.App(
    api_transformer=api,
    html_lang="en",
    # Sonner's rich colours put green/red titles on pale green/red (under 4.5:1, axe color-contrast);
    # the plain toast keeps its type's icon and reads dark on white.
    toaster=rx.toast.provider(rich_colors=False),
    head_components=[rx.el.meta(name="theme-color", content="#3e63dd")],
)
app.register_lifespan_task(prepare_database_on_start)


@contextlib.asynccontextmanager
async def run_jobs_in_background():
    """The periodic jobs (tutorhub/jobs), unless TUTORHUB_RUN_JOBS=0 (e.g. a dedicated job host)."""
    if not get_settings().run_jobs:
        yield
        return
    scheduler = start_scheduler()
    SCHEDULER_HOLDER[:] = [scheduler.tutorhub_gate.holder]  # /metrics: tutorhub_scheduler_leader
    try:
        yield
    finally:
        stop_scheduler(scheduler)  # also hands the leader lease over at once


app.register_lifespan_task(run_jobs_in_background)
app.register_lifespan_task(serve_metrics_port)  # TUTORHUB_METRICS_PORT (README "Deploy")

# (route, page, title, page state load handler(s))
PAGES = [
    ("/", home_page, "TutorHub — verified tutors, online and at home", [HomeState.load, AdSlotState.load_home]),
    ("/home", role_home_page, "Home · TutorHub", [RoleHomeState.load, AdSlotState.load_home]),
    ("/signup", signup_page, "Sign up · TutorHub", SignupState.load),
    ("/login", login_page, "Log in · TutorHub", LoginState.load),
    ("/login/code", login_code_page, "Log in with a code · TutorHub", OtpState.load),
    ("/login/reset", password_reset_page, "Reset your password · TutorHub", PasswordResetState.load),
    ("/account", account_page, "Your account · TutorHub", AccountState.load),
    ("/onboarding/student", onboarding_page, "Your learning profile · TutorHub", StudentOnboardingState.load),
    ("/student/times", student_times_page, "Your preferred lesson times · TutorHub", StudentTimesState.load),
    ("/tutor/profile", tutor_profile_page, "Your tutor profile · TutorHub", TutorProfileState.load),
    ("/tutor/availability", availability_page, "Your availability · TutorHub", AvailabilityState.load),
    ("/tutors", search_page, "Find a tutor · TutorHub", [SearchState.load, AdSlotState.load_search]),
    ("/classes", classes_page, "Group classes · TutorHub", FindClassesState.load),
    ("/classes/[class_id]", class_page, "Class · TutorHub", ClassPageState.load),
    ("/courses", courses_page, "Courses · TutorHub", FindCoursesState.load),
    ("/courses/[course_id]", course_page, "Course · TutorHub", CoursePageState.load),
    ("/teach/courses/[course_id]", course_builder_page, "Course builder · TutorHub", CourseBuilderState.load),
    (
        "/tutors/[tutor_id]",
        tutor_public_page,
        "Tutor · TutorHub",
        [TutorPageState.load, TutorSlotsState.load, TutorReviewsState.load, BookingState.close_done,
         BookingState.resume],
    ),
    ("/lessons", lessons_page, "My lessons · TutorHub", MyLessonsState.load),
    ("/messages", messages_page, "Messages · TutorHub", ChatState.load),
    ("/enquiries", enquiries_page, "Enquiries · TutorHub", StudentEnquiriesState.load),
    ("/leads", inbox_page, "Lead inbox · TutorHub", LeadInboxState.load),
    ("/help/ranking", ranking_page, "How we rank · TutorHub", RankingHelpState.load),
    (
        "/lessons/[booking_id]",
        lesson_page,
        "Lesson · TutorHub",
        [LessonChangeState.load, LessonChangeState.load_changes, LessonPayState.load, LessonReportState.load,
         RoomState.close_room],
    ),
    ("/classes/[class_id]/sessions/[session_id]/room", class_room_page, "Class room · TutorHub", RoomState.close_room),
    ("/homework", homework_list_page, "Homework · TutorHub", HomeworkListState.load),
    ("/homework/[homework_id]", homework_page, "Homework · TutorHub", HomeworkState.load),
    ("/guardian", guardian_page, "Guardians · TutorHub", GuardianState.load),
    ("/guardian/book", child_booking_page, "Book for a child · TutorHub", ChildBookingState.load),
    ("/progress", progress_page, "Progress · TutorHub", ProgressState.load),
    ("/plans", study_plans_page, "Study plans · TutorHub", StudyPlansState.load),
    ("/plans/[plan_id]", plan_page, "Study plan · TutorHub", PlanState.load),
    ("/wallet", wallet_page, "Wallet · TutorHub", [WalletState.load, AdSlotState.load_offers]),
    ("/pay/done", pay_done_page, "Payment · TutorHub", PayDoneState.load),
    ("/pay/sandbox/[reference]", sandbox_checkout_page, "Sandbox checkout · TutorHub", SandboxCheckoutState.load),
    ("/earnings", earnings_page, "Earnings · TutorHub", [EarningsState.load, CourseEarningsState.load]),
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
    ("/admin/users", users_page, "Users · TutorHub admin", AdminUsersState.load),
    ("/admin/users/[user_id]", user_page, "User · TutorHub admin", AdminUserState.load),
    ("/admin/fraud", fraud_page, "Fraud flags · TutorHub admin", AdminFraudState.load),
    ("/admin/audit", audit_page, "Audit log · TutorHub admin", AdminAuditState.load),
    ("/admin/ads", admin_ads_page, "Ad campaigns · TutorHub admin", AdminAdsState.load),
    ("/admin/ads/[campaign_id]", admin_campaign_page, "Campaign · TutorHub admin", AdminCampaignState.load),
    ("/admin/offers", admin_offers_page, "Special offers · TutorHub admin", AdminOffersState.load),
    ("/admin/settings", admin_settings_page, "Platform settings · TutorHub admin", AdminSettingsState.load),
    ("/admin/metrics", metrics_page, "Dashboard · TutorHub admin", AdminMetricsState.load),
    ("/admin/rates", admin_rates_page, "Exchange rates · TutorHub admin", AdminRatesState.load),
    ("/notifications", notifications_page, "Notifications · TutorHub", NotificationsPageState.load),
    (
        "/settings/notifications",
        notification_settings_page,
        "Notification preferences · TutorHub",
        [NotificationPrefsState.load, AnalyticsConsentState.load],
    ),
]

# What search engines and link previews show under the title (public pages say what is on them).
DESCRIPTION = ("Find verified tutors for online and home lessons, book in your own timezone, pay safely "
               "and learn live: one-to-one lessons, group classes and video courses.")
DESCRIPTIONS = {
    "/tutors": "Search verified tutors by subject, grade, price, rating and the times that suit you, "
               "online or at home, with prices in your currency.",
    "/tutors/[tutor_id]": "A verified tutor's profile: subjects, reviews, prices and free times in your timezone. "
                          "Book a trial or a weekly lesson.",
}

for route, component, title, load in PAGES:
    loads = load if isinstance(load, list) else [load]
    app.add_page(component, route=route, title=title, description=DESCRIPTIONS.get(route, DESCRIPTION),
                 on_load=[AppState.load_viewer, *loads])
