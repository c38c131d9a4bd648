"""A "mm:ss left" countdown to an instant, ticking in the browser (no server round trips)."""

from __future__ import annotations

from typing import Any

import reflex as rx

# react-moment's durationFromNow renders now − date, negative before the date: show it without
# the sign, and 00:00 once the date has passed. Static code; the date itself is only a prop.
_UNTIL = rx.Var("[(text) => { const s = String(text); return s.startsWith('-') ? s.slice(1) : '00:00'; }]")


def countdown(until: rx.Var | str, **props: Any) -> rx.Component:
    return rx.moment(
        date=until, duration_from_now=True, format="mm:ss", trim=False, interval=1000, filters=_UNTIL, **props
    )
