"""What a captured payment means, by its purpose: the registry that gateway-event handling
(events.py) dispatches through.

Why a registry: the purposes belong to other modules — lesson payments (escrow + the booking), wallet
top-ups, minute packs, subscriptions and lead credits (billing) — and more will come (course seats,
classes). events.py only knows "find the payment, book the facts, hand the capture to its purpose";
the checkout package wires the handlers once at import (wiring.py, which sits above all of them), so
the purpose modules never import checkout and checkout's event code never imports them.

Each handler is called with keyword `now`:
- `capture(session, payment, now=...) -> bool` — the payment's money was captured (amount and
  currency as started). True: the purpose took the money; False: it could not (e.g. the held lesson
  expired meanwhile) and the money goes to the payer's wallet instead.
- `take_back(session, payment, now=..., charged_back=...)` — optional: after a refund or a lost
  chargeback, take back the unspent share of what the payment bought (cumulative, idempotent).
- `provider_event(session, event, now=...)` — optional: the provider's own events about this
  purpose that name no payment of ours (subscription renewals and cancellations).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PurposeHandler:
    capture: Callable[..., bool]
    take_back: Callable[..., Any] | None = None
    provider_event: Callable[..., Any] | None = None


_handlers: dict[str, PurposeHandler] = {}


def register_purpose(purpose: str, handler: PurposeHandler) -> None:
    """Register (or replace: wiring twice is harmless) the handler of one payment purpose."""
    _handlers[purpose] = handler


def handler_for(purpose: str) -> PurposeHandler | None:
    return _handlers.get(purpose)


def registered_purposes() -> list[str]:
    return sorted(_handlers)
