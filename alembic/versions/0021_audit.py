"""admin audit log

audit_entries: one row per admin action (who, what, when, before/after), written in the same
transaction as the change it describes.

Revision ID: 0021_audit
Revises: 0016_learning
Create Date: 2026-12-07 08:40:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0021_audit'
down_revision = '0016_learning'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor_user_id', sa.Integer(), nullable=True),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('target_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column('before', sa.JSON(), nullable=False),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_entries_created', 'audit_entries', ['created_at'])
    op.create_index('ix_audit_entries_target', 'audit_entries', ['target_kind', 'target_id'])
    op.create_index('ix_audit_entries_actor', 'audit_entries', ['actor_user_id', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_audit_entries_actor', table_name='audit_entries')
    op.drop_index('ix_audit_entries_target', table_name='audit_entries')
    op.drop_index('ix_audit_entries_created', table_name='audit_entries')
    op.drop_table('audit_entries')
