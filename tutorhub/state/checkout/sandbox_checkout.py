"""The sandbox gateway's hosted checkout page (/pay/sandbox/[reference]).

Anyone holding the link may use it (like a provider's hosted page): the reference comes from the
URL, never from the client's arguments, and the service validates it, only completes a pending
charge and answers a second click the same way (no second event).
"""

from __future__ import annotations

import asyncio

import reflex as rx

from tutorhub.db import session_scope
from tutorhub.models.base import utcnow
from tutorhub.services.checkout import sandbox as sandbox_checkout
from tutorhub.services.currency import format_money
from tutorhub.services.errors import DomainError, NotFound
from tutorhub.state.base import AppState

STATUS_TEXT = {
    "pending": "",
    "succeeded": "This checkout is already paid.",
    "failed": "This checkout was declined.",
    "abandoned": "This checkout was cancelled.",
    "expired": "This checkout has expired: start the payment again from TutorHub.",
}


DEFAULT_TEST_CARD = "4242 4242 4242 4242"


class SandboxCheckoutState(AppState):
    status: str = "loading"  # loading | ready | notfound
    amount_text: str = ""
    description: str = ""
    charge_status: str = ""
    note: str = ""
    busy: str = ""
    error: str = ""
    # A test card number (never stored): the sandbox sends a fingerprint derived from it, as a
    # provider sends its card fingerprint, so fraud signals about shared cards can be shown.
    card_number: str = DEFAULT_TEST_CARD

    def _reference(self) -> str:
        return self._route_tail(64)

    async def load(self):
        self.busy, self.error = "", ""
        reference = self._reference()
        try:
            view = await asyncio.to_thread(self._view, reference)
        except NotFound:
            self.status = "notfound"
            return
        self.amount_text = format_money(view.amount_minor, view.currency)
        self.description = view.description or "Payment"
        self.charge_status = view.status
        self.note = STATUS_TEXT.get(view.status, "")
        self.status = "ready"

    @staticmethod
    def _view(reference: str) -> sandbox_checkout.SandboxCheckoutView:
        with session_scope(read_only=True) as session:
            return sandbox_checkout.view_checkout(session, reference=reference)

    def set_card_number(self, value: str):
        """The test card number field (validated by the service when Pay is pressed)."""
        self.card_number = value[:40] if isinstance(value, str) else ""

    @staticmethod
    def _finish(reference: str, action: str, card_number: str) -> sandbox_checkout.SandboxCheckoutResult:
        with session_scope() as session:
            if action == "cancel":
                return sandbox_checkout.abandon_checkout(session, reference=reference, now=utcnow())
            return sandbox_checkout.complete_checkout(session, reference=reference, outcome=action, now=utcnow(),
                                                      card_number=card_number if action == "succeed" else None)

    async def _act(self, action: str):
        if self.busy:
            return
        self.busy, self.error = action, ""
        yield
        try:
            result = await asyncio.to_thread(self._finish, self._reference(), action, self.card_number)
        except DomainError as exc:
            self.busy, self.error = "", exc.message
            return
        self.charge_status = result.status
        yield rx.redirect(result.redirect_url)

    async def pay(self):
        async for update in self._act("succeed"):
            yield update

    async def fail(self):
        async for update in self._act("fail"):
            yield update

    async def cancel(self):
        async for update in self._act("cancel"):
            yield update
