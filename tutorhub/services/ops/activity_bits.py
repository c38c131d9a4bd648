"""Distinct active users over any range of UTC days, exact and fast: per role and day / ISO week /
calendar month, the active user ids as one bit set (models/metrics.py `user_activity_bits`).

A range is cut into whole months, whole weeks and loose days (daily_aggregates.span_pieces); the
users active in it are the OR of those pieces' bit sets, and the count is the number of bits set —
the same figure as counting distinct user ids in the day rows, since every bit set is written
from exactly those rows (day sets from the day rows, week / month sets as the OR of their days'
sets) in the refresh's own transaction. A year by day reads at
most 12 month sets per role; bit sets are zlib-compressed (a mostly empty set is a few bytes).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import and_, delete, insert, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from tutorhub.models.metrics import UserActivityBits

ROLES = ("student", "tutor")
SPANS = ("day", "week", "month")


def encode(user_ids: Iterable[int]) -> bytes:
    """The compressed bit set of these (positive) user ids."""
    ids = list(user_ids)
    bits = bytearray((max(ids) >> 3) + 1 if ids else 0)
    for uid in ids:
        bits[uid >> 3] |= 1 << (uid & 7)
    return zlib.compress(bytes(bits), 6)


def decode(stored: bytes) -> int:
    """The bit set as one integer: bit n set = user n active."""
    return int.from_bytes(zlib.decompress(stored), "little")


def members(stored: bytes) -> set[int]:
    """The user ids in a stored bit set (for tests and checks)."""
    value, out = decode(stored), set()
    while value:
        low = value & -value
        out.add(low.bit_length() - 1)
        value ^= low
    return out


def rewrite(session: Session, span: str, starts: list[date], rows: Iterable[tuple[date, str, int]]) -> int:
    """Replace the bit sets of every day / week / month from the first to the last of `starts` (all of
    them, no gap) by those of `rows` (start, role, user id); a start with nobody active gets no row.
    Returns how many rows were written."""
    if not starts:
        return 0
    wanted = set(starts)
    found: dict[tuple[date, str], set[int]] = defaultdict(set)
    for start, role, uid in rows:
        if start in wanted and role in ROLES:
            found[(start, role)].add(int(uid))
    session.execute(delete(UserActivityBits).where(
        col(UserActivityBits.span) == span, col(UserActivityBits.start) >= min(wanted),
        col(UserActivityBits.start) <= max(wanted)))
    values = [{"span": span, "role": role, "start": start, "users": len(ids), "bits": encode(ids)}
              for (start, role), ids in sorted(found.items())]
    for i in range(0, len(values), 1000):
        session.execute(insert(UserActivityBits), values[i:i + 1000])
    return len(values)


def _from_int(value: int) -> bytes:
    return zlib.compress(value.to_bytes((value.bit_length() + 7) // 8, "little"), 6)


def rewrite_rollups(session: Session, weeks: list[date], months: list[date]) -> None:
    """The bit sets of these ISO weeks (Mondays) and calendar months (firsts), each the OR of its days'
    sets — those the refresh has just written and the others already stored — so a week or month
    holds exactly the users of its day rows (as the rollup tables do), without reading a row per user."""
    for span, starts, end_of in (("week", weeks, lambda d: d + timedelta(days=7)), ("month", months, _next_month)):
        if not starts:
            continue
        bounds = [(start, end_of(start)) for start in sorted(starts)]
        union: dict[tuple[date, str], int] = defaultdict(int)
        for day, role, stored in session.execute(
            sa_select(col(UserActivityBits.start), col(UserActivityBits.role), col(UserActivityBits.bits))
            .where(col(UserActivityBits.span) == "day", col(UserActivityBits.start) >= bounds[0][0],
                   col(UserActivityBits.start) < bounds[-1][1])
        ):
            bucket = next(a for a, b in bounds if a <= day < b)
            union[(bucket, str(role))] |= decode(stored)
        session.execute(delete(UserActivityBits).where(
            col(UserActivityBits.span) == span, col(UserActivityBits.start) >= bounds[0][0],
            col(UserActivityBits.start) <= bounds[-1][0]))
        values = [{"span": span, "role": role, "start": start, "users": value.bit_count(), "bits": _from_int(value)}
                  for (start, role), value in sorted(union.items()) if value]
        for i in range(0, len(values), 1000):
            session.execute(insert(UserActivityBits), values[i:i + 1000])


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def count_active(session: Session, pieces: list[tuple[str, date, date]]) -> dict[str, int]:
    """Distinct students / tutors in the union of the pieces (span, first start, end start exclusive),
    which must not overlap: one read of their bit sets, OR-ed per role."""
    if not pieces:
        return {"students": 0, "tutors": 0}
    where = or_(*(and_(col(UserActivityBits.span) == span, col(UserActivityBits.start) >= a,
                       col(UserActivityBits.start) < b) for span, a, b in pieces))
    union = dict.fromkeys(ROLES, 0)
    for role, stored in session.execute(
        sa_select(col(UserActivityBits.role), col(UserActivityBits.bits))
        .where(where, col(UserActivityBits.role).in_(ROLES))
    ):
        union[str(role)] |= decode(stored)
    return {"students": union["student"].bit_count(), "tutors": union["tutor"].bit_count()}
