"""Sign-up, password login, one-time-code login and the account page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import reflex as rx

from tutorhub.services.accounts import one_time_codes, web_auth
from tutorhub.services.accounts.display_currency import set_display_currency
from tutorhub.services.currency import CURRENCIES, effective_display_currency
from tutorhub.services.errors import Conflict, DomainError, NotAuthenticated
from tutorhub.settings import get_settings
from tutorhub.state.base import DETECT_BROWSER_JS, AppState, form_failure, form_text, safe_next

SIGNUP_FIELDS = ("full_name", "email", "password", "role", "timezone")


class SignupState(AppState):
    errors: dict[str, str] = {}
    message: str = ""
    timezone: str = "UTC"
    # "Show prices in": prefilled with the currency this browser picked, else the guess from its
    # locale and zone; editable, and only a hint to the service, which validates it.
    display_currency: str = "USD"
    submitting: bool = False
    # The address already has an account: offer "Log in instead" and "Forgot password?".
    email_taken: bool = False
    reset_link: str = "/login/reset"

    next_path: str = ""  # where to go after signing up (e.g. back to a chosen lesson time)
    login_href: str = "/login"

    def load(self):
        self.errors, self.message, self.submitting, self.email_taken = {}, "", False, False
        self.timezone = self.browser_tz or "UTC"
        self.display_currency = self._currency_for(None)
        self.next_path = safe_next(self.router.url.query_parameters.get("next", ""))
        self.login_href = "/login" + (f"?{urlencode({'next': self.next_path})}" if self.next_path else "")
        return rx.call_script(DETECT_BROWSER_JS, callback=SignupState.set_detected_browser)

    def set_detected_browser(self, hints: Any):
        """Prefill the (editable) timezone and currency fields from the browser's [zone, language]."""
        self._take_browser_hints(hints)
        if self.browser_tz:
            self.timezone = self.browser_tz
        self.display_currency = self._currency_for(None)

    async def submit(self, form: dict):
        data: dict[str, Any] = {key: form_text(form, key, 300) for key in SIGNUP_FIELDS}
        # The display currency as submitted (the service refuses one it does not accept); a form
        # without the field (no script ran) falls back to this browser's pick, else the service
        # guesses from the locale and the timezone.
        picked = self.currency_pick if self.currency_pick in CURRENCIES else ""
        data["display_currency"] = form_text(form, "display_currency", 10).strip() or picked
        data["locale"] = self.browser_locale
        ip, agent, device = self._client_ip(), self._user_agent(), self._device_id()
        self.errors, self.message, self.submitting, self.email_taken = {}, "", True, False
        yield
        try:
            result = await self._db(
                lambda s, _actor: web_auth.signup(s, **data, ip=ip, user_agent=agent, device_id=device))
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            self.submitting = False
            if isinstance(exc, Conflict) and "email" in exc.fields:
                self.email_taken = True
                self.reset_link = f"/login/reset?{urlencode({'email': data['email'].strip()})}"
            return
        self.submitting = False
        yield self._signed_in(result, self.next_path)


class LoginState(AppState):
    message: str = ""
    # "error" (wrong password), "locked" (too many attempts) or "suspended".
    problem: str = ""
    next_path: str = ""
    signup_href: str = "/signup"
    submitting: bool = False

    def load(self):
        self.message, self.problem, self.submitting = "", "", False
        self.next_path = safe_next(self.router.url.query_parameters.get("next", ""))
        self.signup_href = "/signup" + (f"?{urlencode({'next': self.next_path})}" if self.next_path else "")

    async def submit(self, form: dict):
        email, password = form_text(form, "email", 300), form_text(form, "password", 200)
        ip, agent, device = self._client_ip(), self._user_agent(), self._device_id()
        self.message, self.problem, self.submitting = "", "", True
        yield
        try:
            result = await self._db(
                lambda s, _actor: web_auth.login_with_password(
                    s, email=email, password=password, ip=ip, user_agent=agent, device_id=device
                )
            )
        except DomainError as exc:
            self.submitting = False
            self.message = exc.message
            self.problem = {429: "locked", 403: "suspended"}.get(exc.status_code, "error")
            return
        self.submitting = False
        yield self._signed_in(result, self.next_path)


class OtpState(AppState):
    channel: str = "email"
    identifier: str = ""
    code_sent: bool = False
    message: str = ""
    error: str = ""
    dev_mode: bool = False
    busy: bool = False

    def load(self):
        self.channel, self.identifier, self.code_sent = "email", "", False
        self.message, self.error, self.busy = "", "", False
        self.dev_mode = not get_settings().is_production

    def set_channel(self, value: Any):
        if value in ("email", "phone"):
            self.channel, self.error = value, ""

    def start_over(self):
        self.code_sent, self.message, self.error = False, "", ""

    def _address(self) -> dict[str, str]:
        key = "phone" if self.channel == "phone" else "email"
        return {key: self.identifier}

    async def _send(self) -> None:
        """Ask the service for a code to `self.identifier` (it rate-limits per address and per IP)."""
        address, ip = self._address(), self._client_ip()
        try:
            await self._db(lambda s, _actor: one_time_codes.request_otp(s, **address, ip=ip))
        except DomainError as exc:
            self.busy = False
            if exc.fields:
                self.error = f"That {self.channel} " + next(iter(exc.fields.values()))
            else:
                self.error = exc.message
            return
        self.busy, self.code_sent = False, True
        minutes = get_settings().otp_ttl_minutes
        self.message = f"We sent a 6-digit code to {self.identifier}. It expires in {minutes} minutes."

    async def request_code(self, form: dict):
        self.identifier = form_text(form, "identifier", 300).strip()
        self.error, self.message, self.busy = "", "", True
        yield
        await self._send()

    async def resend_code(self):
        if not self.identifier:
            self.code_sent = False
            return
        self.error = ""
        await self._send()

    async def verify_code(self, form: dict):
        code = form_text(form, "code", 20).strip()
        address, ip, agent, device = self._address(), self._client_ip(), self._user_agent(), self._device_id()
        self.error, self.busy = "", True
        yield
        try:
            result = await self._db(
                lambda s, _actor: web_auth.login_with_code(s, code=code, **address, ip=ip, user_agent=agent,
                                                           device_id=device)
            )
        except DomainError as exc:
            self.busy = False
            self.error = exc.message
            return
        self.busy = False
        yield self._signed_in(result)


class AccountState(AppState):
    status: str = "loading"
    name: str = ""
    email: str = ""
    phone: str = ""
    role: str = ""
    timezone: str = ""
    display_currency: str = "USD"
    active_sessions: int = 0

    @rx.var
    def profile_link(self) -> str:
        return {"student": "/onboarding/student", "tutor": "/tutor/profile", "admin": "/admin/verification"}.get(
            self.role, "/"
        )

    async def load(self):
        self.status = "loading"
        try:
            summary = await self._db(lambda s, actor: web_auth.account_summary(s, actor=actor), read_only=True)
        except NotAuthenticated:
            return self._login_redirect()
        user = summary.user
        self.name, self.email, self.phone = user.full_name, user.email or "", user.phone or ""
        self.role, self.timezone, self.active_sessions = user.role, user.timezone, summary.active_sessions
        self.display_currency = effective_display_currency(user.display_currency, user.timezone)
        self.status = "ready"
        return None

    async def set_currency(self, code: Any):
        """Save the display currency (the service validates it and changes only the caller's own)."""
        wanted = str(code or "")[:3]
        try:
            user = await self._db(lambda s, actor: set_display_currency(s, actor=actor, currency=wanted))
        except DomainError as exc:
            return rx.toast.error(exc.fields.get("display_currency") or exc.message)
        self.display_currency = self.viewer_currency = user.display_currency
        return rx.toast.success(f"Prices will be shown in {user.display_currency}.")

    async def logout_everywhere(self):
        try:
            await self._db(lambda s, actor: web_auth.logout_everywhere(s, actor=actor))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return await self.logout()
