"""login throttles: failed password logins per (identifier, IP), per identifier and per IP

services/accounts/login_throttle.py counts failures here whether or not an account has the
identifier, so a lockout answers the same for a real and an unknown address, and one network
address cannot lock other people's accounts.

Revision ID: 0010_login_throttles
Revises: 0009
Create Date: 2026-12-07 04:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import tutorhub.models.base


revision = '0010_login_throttles'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('identifier', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('strikes', sa.Integer(), nullable=False),
    sa.Column('window_started_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('last_failure_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('locked_until', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'identifier', 'ip', name='uq_login_throttles_key')
    )
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttles_last_failure_at'), ['last_failure_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttles_last_failure_at'))
    op.drop_table('login_throttles')
