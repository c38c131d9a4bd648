"""display currency and exchange rates

users.display_currency ('' = guess from the timezone); exchange_rates (units per USD in millionths,
who set it and when), seeded with the shipped default table.

Revision ID: 0028_display_currency
Revises: 0027_rooms
Create Date: 2026-12-07 09:30:00
"""
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlmodel

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0028_display_currency'
down_revision = '0027_rooms'
branch_labels = None
depends_on = None

# The shipped table as of this migration (services/currency.py DEFAULT_RATES), frozen here.
_SEED = {"USD": "1", "EUR": "0.92", "GBP": "0.79", "INR": "83.2", "AUD": "1.52", "CAD": "1.36", "SGD": "1.34",
         "AED": "3.6725", "JPY": "151.5", "KWD": "0.307"}


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('display_currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False,
                                   server_default=''))
    table = op.create_table(
        'exchange_rates',
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('per_usd_millionths', sa.BigInteger(), nullable=False),
        sa.Column('set_at', UtcDateTime(), nullable=False),
        sa.Column('set_by_user_id', sa.Integer(), nullable=True),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(['set_by_user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('code'),
    )
    now = datetime(2026, 12, 7, tzinfo=UTC)
    op.bulk_insert(table, [
        {"code": code, "per_usd_millionths": int(Decimal(rate) * 1_000_000), "set_at": now,
         "set_by_user_id": None, "source": "default"}
        for code, rate in _SEED.items()
    ])


def downgrade() -> None:
    op.drop_table('exchange_rates')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('display_currency')
