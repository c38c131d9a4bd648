"""dashboard activity bit sets

user_activity_bits: per role and UTC day / ISO week / calendar month, the ids of the users active in
it as one zlib-compressed bit set (bit n = user n), so distinct active users over a year are the
OR of a dozen rows instead of a UNION over one row per user and month (services/ops/activity_bits.py).
The upgrade fills it from the day rows and rollups already stored (the rows a refresh would write),
so figures do not change; the encoding below is frozen here as the service's is at this revision.

Revision ID: 0035_activity_bits
Revises: 0034_delivery_status
Create Date: 2026-12-07 15:40:00
"""
import zlib
from collections import defaultdict
from datetime import date

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0035_activity_bits'
down_revision = '0034_delivery_status'
branch_labels = None
depends_on = None

_SOURCES = (("day", "SELECT day, role, user_id FROM user_activity_days"),
            ("week", "SELECT week, role, user_id FROM user_activity_weeks"),
            ("month", "SELECT month, role, user_id FROM user_activity_months"))


def upgrade() -> None:
    table = op.create_table(
        'user_activity_bits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('span', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('users', sa.Integer(), nullable=False),
        sa.Column('bits', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('span', 'role', 'start', name='uq_user_activity_bits_key'),
    )
    bind = op.get_bind()
    for span, query in _SOURCES:
        found: dict[tuple[date, str], set[int]] = defaultdict(set)
        for start, role, uid in bind.execute(sa.text(query)):
            if role in ("student", "tutor"):
                found[(start if isinstance(start, date) else date.fromisoformat(str(start)[:10]), role)].add(int(uid))
        rows = [{"span": span, "role": role, "start": start, "users": len(ids), "bits": _encode(ids)}
                for (start, role), ids in sorted(found.items())]
        for i in range(0, len(rows), 1000):
            bind.execute(table.insert(), rows[i:i + 1000])  # type: ignore[union-attr]


def _encode(ids: set[int]) -> bytes:
    bits = bytearray((max(ids) >> 3) + 1)
    for uid in ids:
        bits[uid >> 3] |= 1 << (uid & 7)
    return zlib.compress(bytes(bits), 6)


def downgrade() -> None:
    op.drop_table('user_activity_bits')
