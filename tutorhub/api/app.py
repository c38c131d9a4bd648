"""The FastAPI application: the JSON API under /api/v1, private file downloads, /health, /ready and /metrics.

Mounted into Reflex through `api_transformer` (tutorhub/tutorhub.py). Routes only parse input,
call one service inside `session_scope()` (`read_only=True` for pure reads, so on SQLite they
never queue behind the write lock), and let `tutorhub.api.errors` turn domain errors into HTTP
answers; services hold all rules and authorization, shared with the Reflex UI.
"""

from __future__ import annotations

from fastapi import FastAPI

from tutorhub.api.device_cookie import DeviceCookieMiddleware
from tutorhub.api.errors import install_error_handlers
from tutorhub.api.limits import BodySizeLimitMiddleware
from tutorhub.api.observability import ObservabilityMiddleware
from tutorhub.api.page_paths import SlashlessPagesMiddleware
from tutorhub.api.routes import admin as routes_admin
from tutorhub.api.routes import admin_users as routes_admin_users
from tutorhub.api.routes import ads as routes_ads
from tutorhub.api.routes import auth as routes_auth
from tutorhub.api.routes import booking_admin as routes_booking_admin
from tutorhub.api.routes import bookings as routes_bookings
from tutorhub.api.routes import calendars as routes_calendars
from tutorhub.api.routes import chat as routes_chat
from tutorhub.api.routes import classes as routes_classes
from tutorhub.api.routes import course_media as routes_course_media
from tutorhub.api.routes import courses as routes_courses
from tutorhub.api.routes import files as routes_files
from tutorhub.api.routes import growth as routes_growth
from tutorhub.api.routes import guardians as routes_guardians
from tutorhub.api.routes import health as routes_health
from tutorhub.api.routes import homework as routes_homework
from tutorhub.api.routes import leads as routes_leads
from tutorhub.api.routes import learning as routes_learning
from tutorhub.api.routes import message_webhooks as routes_message_webhooks
from tutorhub.api.routes import metrics as routes_metrics
from tutorhub.api.routes import money as routes_money
from tutorhub.api.routes import notifications as routes_notifications
from tutorhub.api.routes import payout_accounts as routes_payout_accounts
from tutorhub.api.routes import plans as routes_plans
from tutorhub.api.routes import platform_settings as routes_platform_settings
from tutorhub.api.routes import razorpay as routes_razorpay
from tutorhub.api.routes import room_assets as routes_room_assets
from tutorhub.api.routes import rooms as routes_rooms
from tutorhub.api.routes import sandbox as routes_sandbox
from tutorhub.api.routes import scheduling as routes_scheduling
from tutorhub.api.routes import students as routes_students
from tutorhub.api.routes import tutors as routes_tutors
from tutorhub.api.routes import webhooks as routes_webhooks
from tutorhub.api.security_headers import SecurityHeadersMiddleware
from tutorhub.logs import configure_logging

API_DESCRIPTION = """
JSON API for mobile apps and integrations; the web UI uses the same services.

Authenticate with `Authorization: Bearer <access_token>` from `/api/v1/auth/login` (or the
one-time-code flow); access tokens live 15 minutes, refresh tokens rotate on every use.
Errors are `{"detail": ...}`, with field messages in `fields` when input is invalid.
"""

configure_logging()  # JSON lines with TUTORHUB_LOG_FORMAT=json (tutorhub/logs.py)

api = FastAPI(
    title="TutorHub API",
    version="1.0",
    description=API_DESCRIPTION,
    openapi_url="/api/v1/openapi.json",
    docs_url="/api/v1/docs",
    redoc_url=None,
    swagger_ui_oauth2_redirect_url="/api/v1/docs/oauth2-redirect",
)
install_error_handlers(api)
api.add_middleware(BodySizeLimitMiddleware)
api.add_middleware(DeviceCookieMiddleware)  # a browser's random device id, for one fraud signal
api.add_middleware(SlashlessPagesMiddleware)  # /tutors is served as /tutors/ without a 307 first
# Outermost of ours (added last): every answer gets the headers, 413s included. Reflex mounts its own
# routes and the compiled frontend inside this app, so pages and static files get them too.
api.add_middleware(SecurityHeadersMiddleware)
# Outermost: request id, request log and metrics see every answer (and every websocket).
api.add_middleware(ObservabilityMiddleware)

# Order matters for tutors: /tutors/me/... is registered before /tutors/{tutor_id}.
api.include_router(routes_auth.router)
api.include_router(routes_students.router)
api.include_router(routes_scheduling.router)  # /tutors/me/availability before /tutors/{tutor_id}
api.include_router(routes_money.router)  # /tutors/me/earnings|payouts before /tutors/{tutor_id}
api.include_router(routes_payout_accounts.router)  # /tutors/me/payout-accounts before /tutors/{tutor_id}
api.include_router(routes_calendars.router)  # /tutors/me/calendars before /tutors/{tutor_id}
api.include_router(routes_leads.router)
api.include_router(routes_tutors.router)
api.include_router(routes_admin.router)
api.include_router(routes_admin_users.router)
api.include_router(routes_platform_settings.router)
api.include_router(routes_metrics.router)
api.include_router(routes_bookings.router)
api.include_router(routes_booking_admin.router)
api.include_router(routes_files.router)
api.include_router(routes_chat.router)
api.include_router(routes_notifications.router)
api.include_router(routes_webhooks.router)
api.include_router(routes_message_webhooks.router)  # SMS / WhatsApp delivery callbacks
api.include_router(routes_razorpay.router)
api.include_router(routes_sandbox.router)  # answers 404 in production mode
api.include_router(routes_plans.router)
api.include_router(routes_plans.admin_router)
api.include_router(routes_classes.router)
api.include_router(routes_courses.router)
api.include_router(routes_course_media.router)
api.include_router(routes_learning.router)
api.include_router(routes_homework.router)
api.include_router(routes_guardians.router)
api.include_router(routes_rooms.router)
api.include_router(routes_room_assets.router)  # /vendor/janus.js, /vendor/adapter.js
api.include_router(routes_ads.router)
api.include_router(routes_growth.router)

api.include_router(routes_health.router)  # /health, /ready, /metrics
