"""Services tell open pages what changed: slot and booking hints go out after the commit only."""

from __future__ import annotations

import asyncio

from tests.support.booking import Env, at
from tests.support.money import fund_wallet
from tutorhub.integrations import broker as broker_mod
from tutorhub.integrations.broker import InProcessBroker
from tutorhub.services.booking import bookings
from tutorhub.services.booking import changes as booking_changes
from tutorhub.services.booking.guard import SlotTaken
from tutorhub.services.checkout import lesson_payments


def _collect(env: Env, channels: list[str], action) -> list[tuple[str, dict]]:
    """Run `action` (sync, commits through the services) and return the hints received."""
    local = InProcessBroker()
    broker_mod.reset_broker(local)

    async def run() -> list[tuple[str, dict]]:
        sub = local.subscribe(channels)
        await asyncio.to_thread(action)
        await asyncio.sleep(0.05)
        return sub.drain()

    try:
        return asyncio.run(run())
    finally:
        broker_mod.reset_broker(None)


def _tutor_user(env: Env) -> int:
    return env.tutor.id


def test_a_hold_tells_the_tutor_slot_viewers_and_both_users(env: Env) -> None:
    held: list[int] = []
    channels = [f"tutor:{env.tutor_id}:slots", f"user:{env.student.id}", f"user:{_tutor_user(env)}"]

    got = _collect(env, channels, lambda: held.append(env.book(at(2, 10)).id))
    assert (f"tutor:{env.tutor_id}:slots", {"type": "slots"}) in got
    assert (f"user:{env.student.id}", {"type": "booking", "id": held[0]}) in got
    assert (f"user:{env.tutor.id}", {"type": "booking", "id": held[0]}) in got
    assert len(got) == len(set((c, tuple(sorted(p.items()))) for c, p in got))  # one hint per channel


def test_confirm_and_cancel_publish_the_booking_channel(env: Env) -> None:
    booking = env.book(at(2, 10))
    channel = f"booking:{booking.id}"

    def confirm_then_cancel() -> None:
        fund_wallet(env.db, env.student.id)  # confirming pays from the wallet
        lesson_payments.confirm_booking(env.db, actor=env.student, booking_id=booking.id, now=at(0, 8))
        env.db.commit()
        booking_changes.cancel_booking(env.db, actor=env.student, booking_id=booking.id, reason="plans changed",
                                       now=at(0, 9))
        env.db.commit()

    got = _collect(env, [channel, f"tutor:{env.tutor_id}:slots"], confirm_then_cancel)
    assert [c for c, _ in got].count(channel) == 2  # one per committed transaction
    assert (f"tutor:{env.tutor_id}:slots", {"type": "slots"}) in got


def test_a_refused_booking_sends_nothing(env: Env) -> None:
    env.book(at(2, 10))
    other = env.another_student()

    def clash() -> None:
        try:
            bookings.create_booking(env.db, actor=other, tutor_id=env.tutor_id, start=at(2, 10), duration_min=60,
                                    kind="single", now=at(0, 8))
        except SlotTaken:
            env.db.rollback()
        else:  # pragma: no cover - the test below fails
            raise AssertionError("the slot was not taken")

    got = _collect(env, [f"tutor:{env.tutor_id}:slots", f"user:{other.id}"], clash)
    assert got == []
