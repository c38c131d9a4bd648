"""The text of a free time (scheduling/views.SlotView) in the browser: its wall clock and label are
derived there from the two fields the state sends (see SlotView), the same strings as the
properties of the same names."""

from __future__ import annotations

import reflex as rx

from tutorhub.state.scheduling.views import SlotView


def slot_time(slot: SlotView) -> rx.Var:
    """The viewer's wall clock, "17:00": the ISO start's hours and minutes (SlotView.time)."""
    return slot.start[11:16]


def slot_label(slot: SlotView) -> rx.Var:
    """ "17:00 for you · 21:30 for your tutor", or "17:00" when both clocks agree (SlotView.label)."""
    return rx.cond(slot.tutor_time != "", slot_time(slot) + " for you · " + slot.tutor_time + " for your tutor",
                   slot_time(slot))
