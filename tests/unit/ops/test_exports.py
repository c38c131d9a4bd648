"""CSV export service: keyset pages in id order (each row once, whatever the chunk size), filters,
formula defusing, and the campaigns kind both without and with a campaigns table."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text

from tutorhub.services.errors import Forbidden, NotAuthenticated, NotFound
from tutorhub.services.money import ledger
from tutorhub.services.money.ledger import Line
from tutorhub.services.ops import export_kinds, exports
from tutorhub.services.ops.exports import iter_csv, prepare_export, safe_cell


def parse(chunks: list[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(chunks))))


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def post_sales(db, count: int) -> None:
    for n in range(count):
        when = datetime(2027, 1, 1 + n % 28, 12, tzinfo=UTC)
        ledger.post(db, kind="purchase", idempotency_key=f"sale:{n}", now=when, memo="=cmd|' /C calc'!A0",
                    lines=[Line("gateway:sandbox:clearing", 100 + n, "EUR"), Line("platform:revenue", -(100 + n), "EUR")])
    db.commit()


@pytest.mark.parametrize("chunk", [1, 3, 7, 100])
def test_every_entry_once_in_order_whatever_the_chunk(db, admin, chunk):
    post_sales(db, 10)
    plan = prepare_export(db, actor=admin, kind="ledger")
    chunks = list(iter_csv(db, plan, chunk_rows=chunk))
    rows = parse(chunks)
    assert rows[0][:4] == ["entry_id", "transaction_id", "created_at", "kind"]
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == 20
    assert len(chunks) == 1 + -(-20 // chunk)  # the header, then one chunk per page (no empty one)
    assert sum(int(r[6]) for r in rows[1:]) == 0  # balanced, amounts stay numbers (negative credits included)
    assert {r[10] for r in rows[1:]} == {"'=cmd|' /C calc'!A0"}


def test_the_date_range_is_inclusive_utc_days(db, admin):
    post_sales(db, 10)  # 1..10 January
    plan = prepare_export(db, actor=admin, kind="ledger", date_from=date(2027, 1, 3), date_to="2027-01-05")
    rows = parse(list(iter_csv(db, plan)))[1:]
    assert sorted({r[2][:10] for r in rows}) == ["2027-01-03", "2027-01-04", "2027-01-05"]


def test_only_admins_and_known_kinds(db, admin, make_user):
    with pytest.raises(NotAuthenticated):
        prepare_export(db, actor=None, kind="users")
    with pytest.raises(Forbidden):
        prepare_export(db, actor=make_user("tutor"), kind="users")
    with pytest.raises(NotFound):
        prepare_export(db, actor=admin, kind="secrets")


def test_cells_are_defused_but_numbers_stay_numbers():
    assert [safe_cell(v) for v in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "plain", -500, True, None)] == [
        "'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\tx", "plain", -500, "true", ""]
    assert safe_cell(datetime(2027, 1, 1, tzinfo=UTC)) == "2027-01-01T00:00:00+00:00"


def test_campaigns_header_only_without_the_table_then_rows_with_it(db, admin):
    export_kinds._campaigns_table.clear()
    plan = prepare_export(db, actor=admin, kind="campaigns")
    assert parse(list(iter_csv(db, plan))) == [list(export_kinds.CAMPAIGN_COLUMNS)]
    db.rollback()
    with db.get_bind().begin() as conn:
        conn.execute(text("CREATE TABLE campaigns (id INTEGER PRIMARY KEY, title VARCHAR(80), status VARCHAR(16), "
                          "budget_minor BIGINT, currency VARCHAR(3), extra_secret TEXT)"))
        conn.execute(text("INSERT INTO campaigns VALUES (1, '@Maths camp', 'ACTIVE', 5000, 'EUR', 'x'), "
                          "(2, 'Old', 'COMPLETED', 100, 'EUR', 'y')"))
    try:
        export_kinds._campaigns_table.clear()
        rows = parse(list(iter_csv(db, prepare_export(db, actor=admin, kind="campaigns", status="ACTIVE"))))
        assert rows == [["id", "title", "status", "budget_minor", "currency"], ["1", "'@Maths camp", "ACTIVE", "5000", "EUR"]]
    finally:
        db.rollback()
        with db.get_bind().begin() as conn:
            conn.execute(text("DROP TABLE campaigns"))
        export_kinds._campaigns_table.clear()
    assert exports.EXPORTS["campaigns"].statuses
