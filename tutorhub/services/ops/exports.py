"""Admin CSV exports (GET /api/v1/admin/exports/{kind}.csv): users, bookings, payments, refunds,
payouts, ledger entries, campaigns.

Why this shape:
- A registry of `ExportSpec`s (services/ops/export_kinds.py fills it; another domain can add a
  kind with `register_export`) so the route and the page never know the tables.
- `prepare_export` authorizes (admins only) and validates the filters BEFORE the first byte is
  sent, so refusals are proper 401/403/422 answers; `iter_csv` then reads the rows in id order
  by keyset pages of `CHUNK_ROWS` (`WHERE id > last ORDER BY id LIMIT n`, one transaction, so a
  consistent snapshot) and yields one CSV text chunk per page: memory stays flat whatever the size.
- Filters are those of the admin list pages: a created-at date range (inclusive UTC days), a
  status where the list page has one, and role / search text for users.
- Formula injection: a text cell starting with = + - @ (or a tab / carriage return) is prefixed
  with ' so a spreadsheet shows it instead of evaluating it. Integers (amounts, ids) are written
  as plain numbers: they cannot hold a formula, and a negative ledger amount must stay a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from tutorhub.models.accounts import Role
from tutorhub.services.actor import UserOut, require_role
from tutorhub.services.errors import InvalidInput, NotFound

CHUNK_ROWS = 2000
MAX_QUERY = 100
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportFilters:
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive (the day after `to`)
    status: str = ""
    role: str = ""
    q: str = ""


# A page of rows: (session, filters, after this key, at most n) → [(key, cells)], in key order.
ChunkReader = Callable[[Session, ExportFilters, int, int], list[tuple[int, list[Any]]]]
HeaderReader = Callable[[Session], tuple[str, ...]]


@dataclass(frozen=True)
class ExportSpec:
    header: tuple[str, ...] | HeaderReader
    read_chunk: ChunkReader
    statuses: tuple[str, ...] = ()  # accepted `status` filter values (none: no status filter)
    roles: tuple[str, ...] = ()
    searchable: bool = False


@dataclass(frozen=True)
class ExportPlan:
    kind: str
    spec: ExportSpec
    filters: ExportFilters = field(default_factory=ExportFilters)

    @property
    def filename(self) -> str:
        return f"tutorhub-{self.kind}.csv"


EXPORTS: dict[str, ExportSpec] = {}


def register_export(kind: str, spec: ExportSpec) -> None:
    """Add (or replace) an export kind; called at import time by the module that owns the table."""
    EXPORTS[kind] = spec


def safe_cell(value: Any) -> str | int:
    """One CSV cell: dates in ISO 8601 UTC, booleans as true/false, text defused (see module doc)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _day(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput("Dates are YYYY-MM-DD.", fields={name: "must be a date (YYYY-MM-DD)"})


def prepare_export(
    session: Session, *, actor: UserOut | None, kind: Any, date_from: Any = None, date_to: Any = None,
    status: Any = None, role: Any = None, q: Any = None,
) -> ExportPlan:
    """Admins only; unknown kinds are 404, bad filters 422 — all before anything is streamed."""
    require_role(actor, Role.ADMIN)
    spec = EXPORTS.get(kind) if isinstance(kind, str) else None
    if spec is None:
        raise NotFound("No such export.")
    first, last = _day(date_from, "from"), _day(date_to, "to")
    if first and last and first > last:
        raise InvalidInput("The range ends before it starts.", fields={"from": "must not be after 'to'"})
    for day in (first, last):
        if day and not 2000 <= day.year <= 2100:
            raise InvalidInput("The range is out of bounds.", fields={"from": "years 2000 to 2100 only"})
    status = status or ""
    if status and status not in spec.statuses:
        raise InvalidInput("Unknown status for this export.", fields={"status": "not a status of " + kind})
    role = role or ""
    if role and role not in spec.roles:
        raise InvalidInput("Unknown role.", fields={"role": "must be one of " + ", ".join(spec.roles)})
    q = q or ""
    if q and (not spec.searchable or not isinstance(q, str) or len(q) > MAX_QUERY):
        raise InvalidInput("Bad search text.", fields={"q": f"at most {MAX_QUERY} characters, users only"})
    filters = ExportFilters(
        since=datetime.combine(first, time(0), tzinfo=UTC) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC) if last else None,
        status=str(status), role=str(role), q=str(q).strip(),
    )
    return ExportPlan(kind=kind, spec=spec, filters=filters)


def _csv_text(rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def header_of(session: Session, spec: ExportSpec) -> tuple[str, ...]:
    return spec.header if isinstance(spec.header, tuple) else spec.header(session)


def iter_csv(session: Session, plan: ExportPlan, *, chunk_rows: int | None = None) -> Iterator[str]:
    """The header row, then one CSV chunk per keyset page (never more than `chunk_rows` rows held)."""
    chunk_rows = chunk_rows or CHUNK_ROWS
    yield _csv_text([list(header_of(session, plan.spec))])
    after = 0
    while True:
        page = plan.spec.read_chunk(session, plan.filters, after, chunk_rows)
        if not page:
            return
        yield _csv_text([cells for _key, cells in page])
        after = page[-1][0]
        if len(page) < chunk_rows:
            return
