"""tutor payout accounts and platform settings

payout_accounts: a tutor's connected account per gateway (Stripe Express, Razorpay Route, sandbox),
the destination of their payouts. platform_settings: admin-set values that override the defaults
from the environment, one row per changed setting.

Revision ID: 0025_payout_accounts
Revises: 0024_metrics
Create Date: 2026-12-07 08:45:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0025_payout_accounts'
down_revision = '0024_metrics'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'payout_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('gateway', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('account_ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('product_ref', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('raw', sa.JSON(), nullable=False),
        sa.Column('status_at', UtcDateTime(), nullable=True),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'gateway', name='uq_payout_accounts_user_gateway'),
        sa.UniqueConstraint('gateway', 'account_ref', name='uq_payout_accounts_gateway_ref'),
    )
    op.create_index('ix_payout_accounts_user_id', 'payout_accounts', ['user_id'])
    op.create_table(
        'platform_settings',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id']),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('platform_settings')
    op.drop_index('ix_payout_accounts_user_id', table_name='payout_accounts')
    op.drop_table('payout_accounts')
