"""dashboard metrics

metric_daily: precomputed per-day figures (day × currency × metric) for the admin dashboard;
user_activity_days: who was active on which UTC day (active users and cohort retention);
an index on ledger_transactions.created_at for the hourly refresh's one-day scans.

Revision ID: 0024_metrics
Revises: 0023_growth
Create Date: 2026-12-07 08:40:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0024_metrics'
down_revision = '0023_growth'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'metric_daily',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column('metric', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.Column('refreshed_at', UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day', 'currency', 'metric', name='uq_metric_daily_key'),
    )
    op.create_table(
        'user_activity_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('cohort_month', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('day', 'user_id', name='uq_user_activity_days_key'),
    )
    op.create_index('ix_user_activity_days_role_day', 'user_activity_days', ['role', 'day', 'user_id'])
    op.create_index('ix_user_activity_days_month', 'user_activity_days', ['month', 'cohort_month', 'role', 'user_id'])
    op.create_index('ix_ledger_transactions_created', 'ledger_transactions', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_ledger_transactions_created', table_name='ledger_transactions')
    op.drop_index('ix_user_activity_days_month', table_name='user_activity_days')
    op.drop_index('ix_user_activity_days_role_day', table_name='user_activity_days')
    op.drop_table('user_activity_days')
    op.drop_table('metric_daily')
