"""The ledger: balanced postings, idempotency, normal-direction balances, database immutability."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import col, select

from tutorhub.models.money import LedgerAccount
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import InsufficientFunds, Line

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def topup(db, user_id: int, amount: int, key: str) -> int | None:
    return ledger.post(
        db,
        kind="topup",
        lines=[Line("gateway:sandbox:clearing", amount, "USD"), Line(f"student:{user_id}:wallet", -amount, "USD")],
        idempotency_key=key,
        now=NOW,
    )


def test_post_is_balanced_idempotent_and_balances_read_in_normal_direction(db):
    first = topup(db, 1, 1500, "k1")
    assert first is not None
    assert topup(db, 1, 1500, "k1") is None  # same key: no-op
    assert ledger.balance(db, "student:1:wallet", "USD") == 1500
    assert ledger.balance(db, "gateway:sandbox:clearing", "USD") == 1500
    assert ledger.balance(db, "student:1:wallet", "EUR") == 0
    assert ledger.balances(db, "student:1:wallet") == {"USD": 1500}


@pytest.mark.parametrize(
    "lines",
    [
        [Line("a:x", 100, "USD"), Line("b:y", -99, "USD")],
        [Line("a:x", 100, "USD"), Line("b:y", -100, "EUR")],
        [Line("a:x", 0, "USD")],
        [Line("a:x", 1.5, "USD"), Line("b:y", -1.5, "USD")],  # type: ignore[arg-type]
        [Line("a x", 1, "USD"), Line("b:y", -1, "USD")],
    ],
)
def test_unbalanced_or_malformed_transactions_are_refused(db, lines):
    with pytest.raises(ValueError):
        ledger.post(db, kind="t", lines=lines, idempotency_key="bad", now=NOW)
    assert db.execute(text("SELECT COUNT(*) FROM ledger_entries")).scalar_one() == 0


def test_never_negative_refuses_overdraft_and_writes_nothing(db):
    topup(db, 7, 1000, "t")
    spend = [Line("student:7:wallet", 600, "USD"), Line("escrow:booking:1", -600, "USD")]
    assert ledger.post(db, kind="wallet_spend", lines=spend, idempotency_key="s1", now=NOW,
                       never_negative=["student:7:wallet"])
    with pytest.raises(InsufficientFunds) as err:
        ledger.post(db, kind="wallet_spend", lines=spend, idempotency_key="s2", now=NOW,
                    never_negative=["student:7:wallet"])
    assert err.value.status_code == 402
    assert ledger.balance(db, "student:7:wallet", "USD") == 400
    assert not ledger.already_posted(db, "s2")


def test_reserve_checks_before_a_prechecked_post_and_refuses_like_post(db):
    topup(db, 7, 1000, "t")
    with pytest.raises(InsufficientFunds) as err:
        ledger.reserve(db, "student:7:wallet", "USD", 1001)
    assert err.value.status_code == 402 and "$0.01 short" in err.value.message  # the same message as post's
    with pytest.raises(InsufficientFunds):  # an account that does not exist yet holds nothing
        ledger.reserve(db, "student:8:wallet", "USD", 1)
    wallet_id = ledger.reserve(db, "student:7:wallet", "USD", 1000)
    assert wallet_id == ledger.ensure_accounts(db, ["student:7:wallet"])["student:7:wallet"]
    spend = [Line("student:7:wallet", 1000, "USD"), Line("escrow:seat:1", -1000, "USD")]
    assert ledger.post(db, kind="seat_payment", lines=spend, idempotency_key="seat:1:pay", now=NOW,
                       never_negative=["student:7:wallet"], funds_checked=True, fresh_key=True,
                       known_ids={"student:7:wallet": wallet_id})
    assert ledger.balance(db, "student:7:wallet", "USD") == 0
    assert ledger.balance(db, "escrow:seat:1", "USD") == 1000
    assert ledger.post(db, kind="seat_payment", lines=spend, idempotency_key="seat:1:pay", now=NOW,
                       never_negative=["student:7:wallet"]) is None  # the key is still idempotent


def test_ensure_accounts_creates_only_the_missing_and_keeps_ids(db):
    first = ledger.ensure_accounts(db, ["student:3:wallet"])
    both = ledger.ensure_accounts(db, ["student:3:wallet", "escrow:seat:9"])
    assert both["student:3:wallet"] == first["student:3:wallet"] and both["escrow:seat:9"] > 0
    assert ledger.ensure_accounts(db, ["escrow:seat:9", "student:3:wallet"]) == both
    # Expected new, but one exists: the INSERT skips it and its id is read, never a second account.
    guessed = ledger.ensure_accounts(db, ["escrow:seat:9", "escrow:seat:10"], likely_new=True)
    assert guessed["escrow:seat:9"] == both["escrow:seat:9"] and guessed["escrow:seat:10"] > both["escrow:seat:9"]
    codes = db.exec(select(LedgerAccount.code).where(col(LedgerAccount.code).like("escrow:seat:%"))).all()
    assert sorted(codes) == ["escrow:seat:10", "escrow:seat:9"]
    assert ledger.ensure_accounts(db, [], likely_new=True) == {}


@pytest.mark.parametrize("table", ["ledger_entries", "ledger_transactions"])
def test_database_refuses_update_and_delete_of_ledger_rows(db, table):
    topup(db, 1, 500, "k")
    db.commit()
    column = "amount" if table == "ledger_entries" else "memo"
    value = "1" if table == "ledger_entries" else "'x'"
    for statement in (f"UPDATE {table} SET {column} = {value}", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="immutable"):
            db.execute(text(statement))
        db.rollback()
    assert ledger.balance(db, "student:1:wallet", "USD") == 500


def test_account_kinds_and_owners():
    assert ledger.account_kind("student:5:wallet") == "wallet"
    assert ledger.account_kind("escrow:booking:9") == "escrow"
    assert ledger.account_kind("platform:revenue") == "revenue"
    assert ledger.account_kind("gateway:stripe:clearing") == "gateway"
    assert ledger.account_owner("tutor:3:earnings") == 3
    assert ledger.account_owner("platform:revenue") is None
