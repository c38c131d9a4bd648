"""Every public method of every State is an event any client can send with any arguments: the list
of public handlers is audited, so a new one (or Reflex's auto setters being switched on) fails here
until it is reviewed and listed. The stranger tests beside each state's tests check the mutating ones."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import tutorhub.state
from tutorhub.state.accounts.auth import AccountState, LoginState, OtpState, SignupState
from tutorhub.state.accounts.onboarding import StudentOnboardingState
from tutorhub.state.accounts.password_reset import PasswordResetState
from tutorhub.state.base import AppState
from tutorhub.state.billing.catalog import AdminCatalogState
from tutorhub.state.billing.wallet import WalletState
from tutorhub.state.booking.admin_bookings import AdminBookingsState, AdminFlagsState
from tutorhub.state.booking.dialog import BookingState
from tutorhub.state.booking.lessons import MyLessonsState
from tutorhub.state.calendars.feed import CalendarFeedState
from tutorhub.state.checkout.pay import LessonPayState
from tutorhub.state.checkout.pay_done import PayDoneState
from tutorhub.state.checkout.sandbox_checkout import SandboxCheckoutState
from tutorhub.state.classes.class_page import ClassPageState
from tutorhub.state.classes.find import FindClassesState
from tutorhub.state.classes.room_chat import ClassRoomChatState
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
from tutorhub.state.learning.lesson import LessonState
from tutorhub.state.learning.lesson_changes import LessonChangeState
from tutorhub.state.learning.lesson_report import LessonReportState
from tutorhub.state.learning.progress import ProgressState
from tutorhub.state.learning.reviews import TutorReviewsState
from tutorhub.state.learning.study_plans import PlanState, StudyPlansState
from tutorhub.state.messaging.chat_badge import ChatBadgeState, TutorChatLinkState
from tutorhub.state.messaging.lesson_chat import LessonChatState
from tutorhub.state.messaging.messages import ChatState
from tutorhub.state.messaging.notifications import BellState, NotificationPrefsState, NotificationsPageState
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
from tutorhub.state.scheduling.busy_calendars import BusyCalendarsState
from tutorhub.state.scheduling.student_times import StudentTimesState
from tutorhub.state.scheduling.tutor_times import TutorSlotsState
from tutorhub.state.tutors.profile import TutorProfileState
from tutorhub.state.tutors.search import HomeState, SearchState, TutorPageState
from tutorhub.state.tutors.verification import AdminQueueState, AdminReviewState

# Every public method of a State is an event any client can send with any arguments. The handlers
# of these states were audited: each mutating one passes the cookie's actor to a service that
# authorizes it (see the "stranger" tests); the rest only read, navigate or edit form-only state
# with checked arguments. A new public method (or Reflex's auto setters being switched on) must be
# a conscious decision, so it fails here until it is audited and listed.
AUDITED_HANDLERS = {
    AppState: {"load_viewer", "set_browser_tz", "set_browser_hints", "logout"},
    SignupState: {"load", "set_detected_browser", "submit"},
    LoginState: {"load", "submit"},
    OtpState: {"load", "set_channel", "start_over", "request_code", "resend_code", "verify_code"},
    AccountState: {"load", "logout_everywhere", "set_currency"},
    # Public: the emailed code is the authorization, checked by services/accounts/password_reset.py.
    PasswordResetState: {"load", "start_over", "request_code", "resend_code", "set_new_password"},
    StudentOnboardingState: {"load", "save"},
    TutorProfileState: {
        "load",
        "refresh",
        "add_subject_row",
        "remove_subject_row",
        "set_row_subject",
        "toggle_row_grade",
        "save",
        "submit_for_review",
        "upload_credential",
        "reject_files",
        "delete_credential",
        # The photo: set_own_photo / remove_own_photo act only on the cookie's own tutor profile.
        "upload_photo",
        "reject_photo",
        "remove_photo",
    },
    HomeState: {"load", "find", "use_browser_hints"},
    # watch_free (live): takes no arguments and only re-runs the search the URL already describes.
    SearchState: {"load", "apply", "set_free", "clear", "toggle_filters", "watch_free", "pick_currency",
                  "use_browser_hints"},
    TutorPageState: {"load"},
    AdminQueueState: {"load"},
    AdminReviewState: {"load", "open_dialog", "set_dialog_open", "approve", "reject"},
    AdminOutboxState: {"load"},
    AdminLoginsState: {"load"},
    # Money: every mutating handler passes the cookie's actor to a money service that
    # authorizes it (student-only wallet/credits/plans, the booking's own student for pay, tutor-only
    # payouts/statements/leads, admin-only finance/payouts/disputes/catalog) — see the stranger tests
    # in test_money_*_state.py. pick_pack / set_*_method / set_currency / set_bucket / set_show only
    # accept values from fixed lists; set_note / set_field only keep capped text for the next decision;
    # check_promo / check_pay_promo / go_page / download_* / refresh / watch only read the actor's own.
    WalletState: {
        "load", "go_page", "topup", "pick_pack", "set_pack_method", "check_promo", "buy_pack",
        "subscribe", "change_plan", "cancel_plan", "pay_now", "claim_trial", "download_receipt",
    },
    PayDoneState: {"load", "refresh", "watch"},
    LessonPayState: {"load", "set_pay_method", "check_pay_promo", "pay"},
    # connect_payout / connect_razorpay / refresh_payout: the tutor's own payout account only
    # (services/money/payout_accounts.py; stranger tests in test_payout_account_state.py).
    # AdminSettingsState.save: services/ops/platform_settings.py refuses non-admins and validates all.
    AdminSettingsState: {"load", "save"},
    EarningsState: {"load", "set_currency", "set_lead_method", "request_payout", "download_statement", "buy_leads",
                    "connect_payout", "connect_razorpay", "refresh_payout"},
    AdminFinanceState: {"load", "set_bucket", "set_currency", "save_settings"},
    AdminPayoutsState: {"load", "set_show", "set_note", "decide", "cancel_confirm", "confirm_decision"},
    AdminDisputesState: {"load", "set_field", "resolve", "cancel_confirm", "confirm_resolve"},
    AdminCatalogState: {"load", "create_promo", "create_plan", "create_pack", "set_active"},
    AdminRatesState: {"load", "save"},
    # Chat: every handler that touches a conversation passes the cookie's actor and the id to
    # services/messaging/conversations.py (`access`), which answers NotFound to non-participants
    # (tests/state/test_chat_state.py forces another conversation's id into the vars and calls each
    # one); set_draft only edits the composer's own text; the watchers only re-read through the same
    # services.
    ChatState: {"load", "open_conversation", "back_to_list", "after_send", "open_support", "load_earlier",
                "set_draft", "send_message", "upload_attachment", "reject_files", "watch_chat"},
    LessonChatState: {"load", "after_send", "load_earlier", "set_draft", "send_message", "upload_attachment",
                      "reject_files", "watch_chat"},
    ClassRoomChatState: {"load", "after_send", "load_earlier", "set_draft", "send_message", "upload_attachment",
                         "reject_files", "watch_chat"},
    ChatBadgeState: {"load_badge", "watch_badge"},
    # Gateways: the sandbox checkout takes no arguments but a test card number (validated by the service;
    # the reference is the page URL's) and the
    # service only completes a pending sandbox charge (tests/state/test_sandbox_checkout_state.py);
    # `show` parses its id and lists a report's differences only for an admin (services/money/reconciliation.py).
    SandboxCheckoutState: {"load", "pay", "fail", "cancel", "set_card_number"},
    AdminReconciliationState: {"load", "show"},
    TutorChatLinkState: {"load"},
    # Jobs and notifications: run_now passes the cookie's actor to job_runs.run_now (admins only);
    # mark_read / open_item / mark_all_read / save only touch the actor's own notifications and
    # preferences (services/messaging/notifications.py, notification_prefs.py; tests/state/test_notifications_state.py).
    AdminJobsState: {"load", "run_now"},
    # Users, fraud flags, audit log: suspend / unsuspend / resolve pass the cookie's actor to
    # services/ops (admins only; tests/state/ops/test_admin_users_state.py); search / filter only
    # build a URL from capped text and fixed lists.
    AdminUsersState: {"load", "search"},
    AdminUserState: {"load", "suspend", "unsuspend"},
    AdminFraudState: {"load", "filter", "resolve"},
    AdminAuditState: {"load", "search"},
    # Public: serving and clicks are for anyone; the click token never leaves the server.
    AdSlotState: {"load_home", "load_search", "load_offers", "click"},
    AdminAdsState: {"load", "create_campaign", "create_advertiser", "record_prepayment", "choose_image", "drop_image",
                    "reject_image"},
    AdminCampaignState: {"load", "pause", "resume", "save", "upload_image", "reject_files"},
    AdminOffersState: {"load", "create", "set_active"},
    AnalyticsConsentState: {"load", "set_granted"},  # the signed-in user's own consent only
    BellState: {"load_bell", "watch_bell", "open_item", "mark_all_read"},
    NotificationsPageState: {"load", "load_more", "mark_read", "mark_all_read"},
    StudentEnquiriesState: {"load", "watch", "post", "close", "accept", "add_time", "remove_time", "set_time",
                            "use_saved_times"},
    LeadInboxState: {"load", "watch", "load_more", "claim", "show_times", "propose"},
    RankingHelpState: {"load"},
    NotificationPrefsState: {"load", "save"},
    # Scheduling and bookings: every mutating handler passes the cookie's actor and the id to a
    # service that checks the party (booking services' load_for_change, the tutor's own
    # availability, the student's own windows, admin-only flags); the rest read, page or edit
    # form-only state (paint_* / toggle_* / choose_day / set_book_* / pick) with checked arguments.
    AdminFlagsState: {"load", "resolve", "toggle_resolved"},
    AdminBookingsState: {"load", "go_page", "set_filter"},
    AvailabilityState: {
        "load", "add_override", "choose_day", "clear_all", "clear_day", "copy_day_to", "copy_day_to_weekdays",
        "discard_weekly",
        "paint_cells", "remove_override", "save_settings", "save_weekly",
        "set_override_kind", "toggle_all_hours", "toggle_cell",
    },
    StudentTimesState: {
        "load", "choose_day", "clear_all", "clear_day", "copy_day_to", "copy_day_to_weekdays", "paint_cells",
        "save", "toggle_all_hours", "toggle_cell",
    },
    TutorSlotsState: {"load", "go_to_week", "next_week", "prev_week", "set_duration", "use_browser_zone", "watch_slots"},
    BookingState: {
        "book_trial", "check_pay_promo", "check_series", "close_done", "hold", "pay", "pick", "release", "resume",
        "set_book_kind", "set_book_length", "set_book_weeks", "set_pay_method",
    },
    LessonState: {
        "load", "refresh", "watch_lesson", "start_lesson", "end_lesson", "keep_teaching", "report_no_show",
        "dispute", "save_notes", "submit_review", "submit_reply",
    },
    LessonChangeState: {
        "load_changes", "open_cancel", "close_cancel", "confirm_cancel", "open_reschedule", "close_reschedule",
        "resched_go", "reschedule_to", "take_offer", "decline_offers",
    },
    MyLessonsState: {"load", "go_page", "set_tab", "watch_lessons", "accept", "decline"},
    TutorReviewsState: {"load", "more_reviews"},
    # Calendar sync: show_feed / regenerate_feed take no arguments and act on the cookie's own user
    # (services/calendars/feeds.py); hide_feed only clears the shown link. The busy-calendar handlers
    # pass the cookie's actor and the id to services/scheduling/calendar_imports.py (own tutor only;
    # tests/state/calendars/test_feed_state.py, tests/state/scheduling/test_busy_calendars_state.py).
    CalendarFeedState: {"show_feed", "regenerate_feed", "hide_feed"},
    BusyCalendarsState: {"load_calendars", "add_calendar", "refresh_calendar", "remove_calendar"},
    # Classes: enrol / leave / publish / cancel / create pass the cookie's actor and the page's class id
    # to services/classes (students only for seats, the class's own tutor for publish and cancel,
    # approved tutors for create; tests/state/classes/test_classes_state.py); search / paging / refresh
    # only read published classes and the viewer's own.
    FindClassesState: {"load", "search", "next_page", "prev_page", "create"},
    # watch_class (live): takes no arguments and only re-reads the class the page URL names.
    # send_broadcast / open_roster / mark pass the page's class id to class_chat.broadcast and
    # attendance (the class's own tutor only).
    ClassPageState: {"load", "refresh", "watch_class", "enrol", "leave", "publish", "cancel", "send_broadcast",
                     "open_roster", "mark", "cancel_session", "submit_review", "set_pay_method"},
    # Courses: create / add_chapter / move / publish / enrol / refund / review / play pass the cookie's actor and
    # the page's course id to services/courses (approved tutors for create, the course's own tutor for the
    # builder, students for enrol / refund / review, may_watch for play; tests/state/courses); upload only
    # hands two ints to assets/courses.js (the upload routes authorize); set_pay_method takes a fixed list;
    # unpublish passes the actor to building.unpublish_course (admins only, audited); set_child only picks
    # one of the guardian's own linked children (enrol re-checks the link in the service).
    FindCoursesState: {"load", "search", "next_page", "prev_page", "create"},
    CourseEarningsState: {"load"},  # reads the acting tutor's own course money only
    CoursePageState: {"load", "refresh", "play", "set_pay_method", "set_child", "enrol", "refund", "review",
                      "unpublish"},
    # upload_cover passes the cookie's actor to covers.set_cover (the course's own tutor; content-checked);
    # reject_cover only sets a message; save_details passes the actor and the page's course id to
    # building.update_course (the course's own tutor).
    CourseBuilderState: {"load", "refresh", "add_chapter", "edit_chapter", "move", "publish", "upload", "upload_cover",
                         "reject_cover", "save_details"},
    RoleHomeState: {"load"},
    # Learning: each mutating handler passes the cookie's actor to a learning service that checks
    # the plan's student / linked guardian / tutor (NotFound for strangers); finish_draft takes no
    # argument and drafts only the plan this tab's own `ask` stored (a backend-only id).
    StudyPlansState: {"load", "ask", "finish_draft"},
    PlanState: {"load", "toggle_task", "remove_task", "move_task", "add_task", "comment", "retry"},
    # finish_homework, like finish_draft, drafts only the homework this tab's own report created;
    # reject_files only sets a message.
    LessonReportState: {"load", "write_report", "finish_homework"},
    HomeworkListState: {"load"},
    GuardianState: {"load", "invite", "confirm", "unlink", "answer", "ask_child", "buy_minutes"},
    # a guardian books and pays for a linked child: the services check the link (tests/state/learning/test_child_booking_state.py)
    ChildBookingState: {"load", "search", "choose_tutor", "hold", "pay"},
    ProgressState: {"load", "print_page"},  # reads only (print_page opens the browser's print dialog)
    HomeworkState: {"load", "send", "submit", "review", "upload", "reject_files"},
    # open_room reads the room for the ids in the route (the service decides who may join and when);
    # close_room only clears this tab's panel.
    RoomState: {"open_room", "close_room"},
    # Dashboard: reads through admin-only services; refresh_now recomputes aggregates (admin-only service).
    AdminMetricsState: {"load", "set_interval", "set_currency", "apply_range", "refresh_now"},
}


def _all_states() -> set[type]:
    """Every page state the app defines: all of tutorhub.state imported, then AppState's subclasses."""
    for module in pkgutil.walk_packages(tutorhub.state.__path__, "tutorhub.state."):
        importlib.import_module(module.name)
    found: set[type] = set()
    todo = [AppState]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo += [sub for sub in cls.__subclasses__() if sub not in found]
    return found


def test_every_state_is_audited():
    # A new State class is a new set of public handlers: it must be listed above to be checked.
    missing = sorted(cls.__name__ for cls in _all_states() - set(AUDITED_HANDLERS))
    assert missing == []


@pytest.mark.parametrize("cls", list(AUDITED_HANDLERS), ids=lambda cls: cls.__name__)
def test_public_handlers_are_the_audited_ones(cls):
    # `setvar` is Reflex's own; it only calls an explicitly defined `set_<name>` handler.
    assert set(cls.event_handlers) - {"setvar"} == AUDITED_HANDLERS[cls]
