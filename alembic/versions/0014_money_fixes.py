"""money fixes: a checkout's end, and provider subscriptions we end ourselves

payments.expires_at: when a hosted checkout can no longer be paid (Stripe's session `expires_at`,
equal to the promo reservation's lapse); a pending payment past it shows "Expired".
subscriptions.provider_end_due_at / provider_ended_at: a provider-billed subscription paid twice
or ended unpaid is cancelled at the provider at once (open invoice voided); retried until done.

Revision ID: 0014_money_fixes
Revises: 0019_calendars
Create Date: 2026-12-07 05:20:00
"""
import sqlalchemy as sa

import tutorhub.models.base
from alembic import op

revision = '0014_money_fixes'
down_revision = '0019_calendars'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', tutorhub.models.base.UtcDateTime(), nullable=True))
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_end_due_at', tutorhub.models.base.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('provider_ended_at', tutorhub.models.base.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('provider_ended_at')
        batch_op.drop_column('provider_end_due_at')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
