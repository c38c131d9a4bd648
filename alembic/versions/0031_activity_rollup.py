"""dashboard activity rollup

user_activity_months / user_activity_weeks: one row per user, role and calendar month / ISO week the
user was active in, derived from user_activity_days, so distinct active users over long ranges and
cohorts read a row per user-month instead of one per user-day. The upgrade fills both from the
user_activity_days already there (the same rows a refresh would write), so figures do not change.

Revision ID: 0031_activity_rollup
Revises: 0030_learning_more
Create Date: 2026-12-07 12:10:00
"""
from datetime import date, timedelta

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0031_activity_rollup'
down_revision = '0030_learning_more'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'user_activity_months',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('cohort_month', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('month', 'user_id', 'role', name='uq_user_activity_months_key'),
    )
    op.create_index('ix_user_activity_months_role_month', 'user_activity_months', ['role', 'month', 'user_id'])
    op.create_index('ix_user_activity_months_cohort', 'user_activity_months', ['month', 'cohort_month', 'role'])
    op.create_table(
        'user_activity_weeks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('week', 'user_id', 'role', name='uq_user_activity_weeks_key'),
    )
    op.create_index('ix_user_activity_weeks_role_week', 'user_activity_weeks', ['role', 'week', 'user_id'])
    _fill_from_days()


def _fill_from_days() -> None:
    """The rollup of the day rows already stored (same grouping as services/ops/daily_aggregates.py)."""
    bind = op.get_bind()
    bind.execute(sa.text(
        "INSERT INTO user_activity_months (month, user_id, role, cohort_month) "
        "SELECT month, user_id, role, MIN(cohort_month) FROM user_activity_days GROUP BY month, user_id, role"))
    days = [d if isinstance(d, date) else date.fromisoformat(str(d)[:10])
            for (d,) in bind.execute(sa.text("SELECT DISTINCT day FROM user_activity_days"))]
    for week in sorted({d - timedelta(days=d.weekday()) for d in days}):
        bind.execute(sa.text(
            "INSERT INTO user_activity_weeks (week, user_id, role) "
            "SELECT :week, user_id, role FROM user_activity_days WHERE day >= :week AND day < :end GROUP BY user_id, role"
        ).bindparams(sa.bindparam("week", type_=sa.Date()), sa.bindparam("end", type_=sa.Date())),
            {"week": week, "end": week + timedelta(days=7)})


def downgrade() -> None:
    op.drop_index('ix_user_activity_weeks_role_week', table_name='user_activity_weeks')
    op.drop_table('user_activity_weeks')
    op.drop_index('ix_user_activity_months_cohort', table_name='user_activity_months')
    op.drop_index('ix_user_activity_months_role_month', table_name='user_activity_months')
    op.drop_table('user_activity_months')
