"""Forgot password: ask for a code by email, then set a new password with it (issue 12, item 9).

Public handlers: the emailed code is the authorization, checked by the service (single use,
15 minutes, 5 tries, send limits per address and per network). The page never says whether an
account has the address."""

from __future__ import annotations

from typing import Any

from tutorhub.services.accounts import password_reset
from tutorhub.services.accounts.one_time_codes import RESET_TTL_MINUTES
from tutorhub.services.errors import DomainError
from tutorhub.settings import get_settings
from tutorhub.state.base import AppState, form_failure, form_text


class PasswordResetState(AppState):
    # "email" (ask for a code), "code" (code + new password), "done" (password changed).
    step: str = "email"
    email: str = ""
    errors: dict[str, str] = {}
    message: str = ""
    notice: str = ""
    busy: bool = False
    dev_mode: bool = False

    def load(self):
        self.step, self.errors, self.message, self.notice, self.busy = "email", {}, "", "", False
        self.email = form_text(self.router.url.query_parameters, "email", 254).strip()
        self.dev_mode = not get_settings().is_production

    def start_over(self):
        self.step, self.errors, self.message, self.notice = "email", {}, "", ""

    async def _send(self) -> bool:
        email, ip = self.email, self._client_ip()
        try:
            await self._db(lambda s, _actor: password_reset.request_password_reset(s, email=email, ip=ip))
        except DomainError as exc:
            self.errors, self.message = form_failure(exc)
            return False
        self.notice = (f"If an account uses {email}, we've emailed it a 6-digit code. "
                       f"It expires in {RESET_TTL_MINUTES} minutes.")
        return True

    async def request_code(self, form: Any):
        self.email = form_text(form, "email", 300).strip()
        self.errors, self.message, self.busy = {}, "", True
        yield
        if await self._send():
            self.step = "code"
        self.busy = False

    async def resend_code(self):
        if not self.email:
            self.step = "email"
            return
        self.errors, self.message, self.busy = {}, "", True
        yield
        await self._send()
        self.busy = False

    async def set_new_password(self, form: Any):
        code = form_text(form, "code", 20).strip()
        new_password = form_text(form, "new_password", 200)
        confirm = form_text(form, "confirm_password", 200)
        self.errors, self.message = {}, ""
        if confirm != new_password:
            self.errors = {"confirm_password": "does not match the new password"}
            return
        email = self.email
        self.busy = True
        yield
        try:
            await self._db(lambda s, _actor: password_reset.reset_password(
                s, email=email, code=code, new_password=new_password))
        except DomainError as exc:
            self.busy = False
            self.errors, self.message = form_failure(exc)
            if exc.status_code == 429:  # the code's tries are used up: a new code is the way on
                self.errors, self.message = {"code": "has had too many wrong tries; send a new code"}, exc.message
            return
        self.busy, self.step = False, "done"
        self.notice = "Your password was changed, and every device signed in to your account was signed out."
        # If this browser was signed in to that account, its session was revoked too: show it.
        self._show_viewer(await self._db(lambda _s, actor: actor, read_only=True))
