"""fraud signals

fraud_flags: one row per suspicious pattern found by the hourly scan (deduplicated by kind + key),
reviewed and resolved by an admin; fraud_flag_users: the accounts each flag concerns.

Revision ID: 0022_ops_users
Revises: 0021_audit
Create Date: 2026-12-07 08:50:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0022_ops_users'
down_revision = '0021_audit'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'fraud_flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('last_seen_at', UtcDateTime(), nullable=False),
        sa.Column('resolved_by', sa.Integer(), nullable=True),
        sa.Column('resolved_at', UtcDateTime(), nullable=True),
        sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.ForeignKeyConstraint(['resolved_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'key', name='uq_fraud_flags_kind_key'),
    )
    op.create_index('ix_fraud_flags_status_seen', 'fraud_flags', ['status', 'last_seen_at'])
    op.create_table(
        'fraud_flag_users',
        sa.Column('flag_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['flag_id'], ['fraud_flags.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('flag_id', 'user_id'),
    )
    op.create_index(op.f('ix_fraud_flag_users_user_id'), 'fraud_flag_users', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_fraud_flag_users_user_id'), table_name='fraud_flag_users')
    op.drop_table('fraud_flag_users')
    op.drop_index('ix_fraud_flags_status_seen', table_name='fraud_flags')
    op.drop_table('fraud_flags')
