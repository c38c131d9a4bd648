"""Resolving a dispute is one use case: the admin page (/admin/disputes) and the API
(`POST /api/v1/admin/bookings/{id}/resolve`) both leave the money settled at once — the refund
and the tutor's share out of escrow before the call returns — and book exactly the same ledger
postings. (The API used to leave the money to the minutely settlement job.)"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from tests.state.conftest import fetch, toasts
from tests.support.booking_world import day_ahead, make_world
from tutorhub.api.app import api
from tutorhub.db import session_scope
from tutorhub.models.bookings import Booking
from tutorhub.models.money import LedgerAccount, LedgerEntry, LedgerTransaction, Refund
from tutorhub.services.accounts import api_tokens
from tutorhub.services.checkout import escrow
from tutorhub.services.learning import lessons
from tutorhub.services.money import ledger
from tutorhub.state.money.admin_finance import AdminDisputesState


@pytest.fixture
def world(db, make_user, make_approved_tutor):
    return make_world(db, make_user, make_approved_tutor, instant=True)


def _disputed(world, days: int) -> Booking:
    """A wallet-paid €30 lesson, taught, then disputed by its student."""
    b = world.book(day_ahead(days))
    lessons.start_lesson(world.db, actor=world.tutor, booking_id=b.id, now=b.start)
    lessons.complete_lesson(world.db, actor=world.tutor, booking_id=b.id, now=b.start + timedelta(minutes=60))
    lessons.dispute_lesson(
        world.db,
        actor=world.student,
        booking_id=b.id,
        reason="half the lesson was lost",
        now=b.start + timedelta(hours=2),
    )
    world.db.commit()
    return b


def _postings(booking_id: int) -> list[tuple]:
    """The ledger transactions of one lesson, with the lesson's own id taken out of account codes
    and memos so two lessons' postings compare."""
    own = re.compile(rf"(?<=booking:){booking_id}\b|(?<=lesson ){booking_id}\b")
    with session_scope(read_only=True) as s:
        rows = s.execute(
            select(
                LedgerTransaction.id,
                LedgerTransaction.kind,
                LedgerTransaction.memo,
                LedgerAccount.code,
                LedgerEntry.unit,
                LedgerEntry.amount,
            )
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(col(LedgerTransaction.booking_id) == booking_id)
            .order_by(col(LedgerTransaction.id), col(LedgerAccount.code))
        ).all()
    return [
        (kind, own.sub("N", memo), own.sub("N", code), unit, amount) for _id, kind, memo, code, unit, amount in rows
    ]


def _escrow(booking_id: int) -> int:
    with session_scope(read_only=True) as s:
        return ledger.balance(s, f"escrow:booking:{booking_id}", "EUR")


def test_page_and_api_settle_a_dispute_at_once_with_the_same_ledger(browser, world):
    by_page, by_api = _disputed(world, 2), _disputed(world, 3)
    assert _escrow(by_page.id) == _escrow(by_api.id) == 3000

    page, _ = browser.open(AdminDisputesState, "/admin/disputes", world.admin.email)
    browser.run(page.set_field(by_page.id, "percent", "50"))
    browser.run(page.resolve(by_page.id, "partial"))
    assert toasts(browser.run(page.confirm_resolve()), "success")

    token = api_tokens.issue_tokens(world.db, user_id=world.admin.id).access_token
    world.db.commit()
    res = TestClient(api).post(
        f"/api/v1/admin/bookings/{by_api.id}/resolve",
        json={"refund_percent": 50},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert res.status_code == 200
    # The response shows the money already settled (it said "DUE" while the job still had to run).
    assert (res.json()["status"], res.json()["refund_minor"], res.json()["refund_status"]) == (
        "SETTLED",
        1500,
        "SETTLED",
    )

    # No settlement job has run: both lessons' escrow is already empty, the refunds are booked.
    for b in (by_page, by_api):
        done = fetch(Booking, col(Booking.id) == b.id)[0]
        assert (done.status, done.refund_percent, done.refund_status) == ("SETTLED", 50, "SETTLED")
        assert _escrow(b.id) == 0
        assert [r.amount_minor for r in fetch(Refund, col(Refund.booking_id) == b.id)] == [1500]
    with session_scope(read_only=True) as s:
        assert not {by_page.id, by_api.id} & set(escrow.bookings_needing_money(s))
    assert _postings(by_page.id) == _postings(by_api.id)
    assert [kind for kind, *_ in _postings(by_api.id)] == ["wallet_spend"] * 2 + ["refund"] * 2 + ["release"] * 3
