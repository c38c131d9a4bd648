"""Accounts: register, password and one-time-code login, refresh rotation, logout, and /me."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from tutorhub.api.deps import CurrentUser, client_ip, user_agent
from tutorhub.api.schemas import (
    DisplayCurrencyIn,
    ForgotPasswordIn,
    LoginIn,
    MeOut,
    OtpRequestIn,
    OtpSentOut,
    OtpVerifyIn,
    RefreshIn,
    RegisterIn,
    RegisterOut,
    ResetPasswordIn,
    error_responses,
)
from tutorhub.db import session_scope
from tutorhub.models.accounts import Role
from tutorhub.services.accounts import api_tokens, one_time_codes, password_reset, passwords, students, web_auth
from tutorhub.services.accounts.api_tokens import TokenPair
from tutorhub.services.accounts.devices import DEVICE_PATH, device_cookie, device_from_cookies, new_device_id
from tutorhub.services.accounts.display_currency import set_display_currency
from tutorhub.services.accounts.students import StudentProfileOut
from tutorhub.services.actor import UserOut
from tutorhub.services.tutors import profiles as tutor_profiles
from tutorhub.services.tutors.views import TutorPrivate
from tutorhub.settings import get_settings

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post(
    "/auth/register",
    status_code=201,
    response_model=RegisterOut,
    responses=error_responses(409, 422, e409="Email already registered"),
)
def register(body: RegisterIn) -> RegisterOut:
    """Create a student or tutor account and sign it in."""
    with session_scope() as session:
        user = passwords.register(
            session,
            email=body.email,
            password=body.password,
            full_name=body.full_name,
            role=body.role,
            timezone=body.timezone,
            display_currency=body.display_currency,
            locale=body.locale or "",
        )
        tokens = api_tokens.issue_tokens(session, user_id=user.id)
    return RegisterOut(
        user=user,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_type=tokens.token_type,
        expires_in=tokens.expires_in,
    )


@router.post(
    "/auth/login", response_model=TokenPair, responses=error_responses(401, 403, 422, 429, e403="Account suspended")
)
def login(body: LoginIn, request: Request) -> TokenPair:
    """Email + password. Answers the same whether or not an account has the email.

    Repeated wrong passwords for one email from one address lock it for that address, with a
    doubling backoff; guesses from many addresses lock it for everyone; one address with too many
    failures is throttled whatever emails it tries. Both answer 429 with Retry-After; a one-time
    code still logs the owner in. (services/accounts/login_throttle.py)"""
    with session_scope() as session:
        user = passwords.authenticate_password(
            session, email=body.email, password=body.password, ip=client_ip(request), user_agent=user_agent(request),
            device_id=device_from_cookies(request.headers.get("cookie")),
        )
        return api_tokens.issue_tokens(session, user_id=user.id)


@router.post("/auth/refresh", response_model=TokenPair, responses=error_responses(401, 422))
def refresh(body: RefreshIn) -> TokenPair:
    """Spend a refresh token for a new pair. Each refresh token works once; replaying a spent
    one revokes every token descended from the same login."""
    with session_scope() as session:
        return api_tokens.rotate_refresh_token(session, refresh_token=body.refresh_token)


@router.post("/auth/otp/request", status_code=202, response_model=OtpSentOut, responses=error_responses(422, 429))
def request_otp(body: OtpRequestIn, request: Request) -> OtpSentOut:
    """Send a 6-digit login code to an email address or phone number (E.164).

    The answer is the same whether or not an account exists."""
    with session_scope() as session:
        channel = one_time_codes.request_otp(session, email=body.email, phone=body.phone, ip=client_ip(request))
    return OtpSentOut(detail="If the address can receive messages, a code is on its way.", channel=channel)


@router.post(
    "/auth/otp/verify",
    response_model=TokenPair,
    responses=error_responses(401, 403, 422, 429, e403="Account suspended"),
)
def verify_otp(body: OtpVerifyIn, request: Request) -> TokenPair:
    """Exchange a one-time code for tokens (first login with an unknown address creates a student)."""
    with session_scope() as session:
        user = one_time_codes.verify_otp(
            session,
            code=body.code,
            email=body.email,
            phone=body.phone,
            ip=client_ip(request),
            user_agent=user_agent(request),
            device_id=device_from_cookies(request.headers.get("cookie")),
        )
        return api_tokens.issue_tokens(session, user_id=user.id)


@router.post(
    "/auth/password/forgot",
    status_code=202,
    response_model=OtpSentOut,
    responses=error_responses(422, 429, e429="Too many codes for this address or from this network (Retry-After)"),
)
def forgot_password(body: ForgotPasswordIn, request: Request) -> OtpSentOut:
    """Email a 6-digit password reset code (valid 15 minutes, single use) to the account with this
    address. 202 with the same answer whether or not an account has it; limited like login codes."""
    with session_scope() as session:
        password_reset.request_password_reset(session, email=body.email, ip=client_ip(request))
    return OtpSentOut(detail="If an account uses this address, a reset code is on its way.", channel="email")


@router.post(
    "/auth/password/reset",
    status_code=204,
    response_class=Response,
    responses=error_responses(
        401, 422, 429,
        e401="The code is wrong, expired or already used (`fields.code` says which); request a new one",
        e422="Not a valid email, a code that is not 6 digits, or a password under 8 or over 128 characters",
        e429="Five wrong codes: this code is spent; request a new one",
    ),
)
def reset_password(body: ResetPasswordIn) -> Response:
    """Set a new password with the emailed code → 204. Every session, refresh token and access
    token of the account is revoked: log in again with the new password."""
    with session_scope() as session:
        password_reset.reset_password(session, email=body.email, code=body.code, new_password=body.new_password)
    return Response(status_code=204)


@router.post("/auth/logout", status_code=204, response_class=Response, responses=error_responses(422))
def logout(body: RefreshIn) -> Response:
    """Revoke this refresh token and every token rotated from the same login.

    Idempotent: an unknown or already revoked token also answers 204. Access tokens already
    issued stay valid until they expire (minutes); use /auth/logout-all to cut those too."""
    with session_scope() as session:
        api_tokens.revoke_refresh_family(session, refresh_token=body.refresh_token)
    return Response(status_code=204)


@router.post("/auth/logout-all", status_code=204, response_class=Response, responses=error_responses(401))
def logout_all(user: CurrentUser) -> Response:
    """Log out everywhere: every browser session, refresh token and access token of the caller."""
    with session_scope() as session:
        web_auth.logout_everywhere(session, actor=user)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut, tags=["account"], responses=error_responses(401))
def me(user: CurrentUser) -> MeOut:
    """The signed-in user with their student or tutor profile (null for admins)."""
    with session_scope() as session:
        profile: StudentProfileOut | TutorPrivate | None = None
        if user.role == Role.STUDENT:
            profile = students.get_student_profile(session, actor=user)
        elif user.role == Role.TUTOR:
            profile = tutor_profiles.get_own_profile(session, actor=user)
    return MeOut(**user.model_dump(), profile=profile)


@router.put("/me/display-currency", response_model=UserOut, tags=["account"], responses=error_responses(401, 422))
def put_display_currency(body: DisplayCurrencyIn, user: CurrentUser) -> UserOut:
    """Set the signed-in user's display currency: prices are then shown converted into it (≈), beside
    each listing's own price. Changes only the caller's own account."""
    with session_scope() as session:
        return set_display_currency(session, actor=user, currency=body.display_currency)


@router.get(DEVICE_PATH.removeprefix("/api/v1"), status_code=204, response_class=Response, include_in_schema=False)
def device(request: Request) -> Response:
    """Give this browser its HttpOnly device id cookie (services/accounts/devices.py) when it has none.
    Page loads already do (api/device_cookie.py); this is for pages the app's backend did not serve —
    the development server's — whose script calls it once (state/base.py `load_viewer`)."""
    answer = Response(status_code=204, headers={"cache-control": "private, no-store"})
    if not device_from_cookies(request.headers.get("cookie")):
        answer.headers.append("set-cookie", device_cookie(new_device_id(), secure=get_settings().is_https))
    return answer
