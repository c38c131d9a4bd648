"""money gaps: promo reservations and past-due subscriptions

- promo_redemptions.status / expires_at: a gateway checkout reserves its promo code (PENDING)
  until the payment succeeds (REDEEMED) or fails / is cancelled / expires (the row is deleted).
- subscriptions.grace_until / next_retry_at / failed_charges: a card renewal that failed puts the
  subscription PAST_DUE for a grace period with retries (services/billing/past_due.py).

Refund and payout intents need no new column: a Refund in status "requested" and a Payout in
status "sending" are the intents recorded before the gateway call (services/money/gateway_intents.py).

Revision ID: 0011_money_intents_past_due
Revises: 0010_login_throttles
Create Date: 2026-12-08 04:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import tutorhub.models.base


revision = '0011_money_intents_past_due'
down_revision = '0010_login_throttles'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('promo_redemptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default='redeemed'))
        batch_op.add_column(sa.Column('expires_at', tutorhub.models.base.UtcDateTime(), nullable=True))
        batch_op.create_index('ix_promo_redemptions_status_expires', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_promo_redemptions_ref', ['ref'], unique=False)
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grace_until', tutorhub.models.base.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('next_retry_at', tutorhub.models.base.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('failed_charges', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('failed_charges')
        batch_op.drop_column('next_retry_at')
        batch_op.drop_column('grace_until')
    with op.batch_alter_table('promo_redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_promo_redemptions_ref')
        batch_op.drop_index('ix_promo_redemptions_status_expires')
        batch_op.drop_column('expires_at')
        batch_op.drop_column('status')
