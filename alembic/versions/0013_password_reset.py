"""password reset codes: what a one-time code is for

otp_codes.purpose: "login" (a one-time login code, every existing row) or "reset" (a password reset
code, services/accounts/password_reset.py). A code is only ever accepted for its own purpose.

Revision ID: 0013_password_reset
Revises: 0017_classes
Create Date: 2026-12-07 05:10:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0013_password_reset'
down_revision = '0017_classes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('otp_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='login'))


def downgrade() -> None:
    with op.batch_alter_table('otp_codes', schema=None) as batch_op:
        batch_op.drop_column('purpose')
