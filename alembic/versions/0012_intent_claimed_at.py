"""refund / payout intents: when a sender claimed them

refunds.claimed_at / payouts.claimed_at: set by the conditional UPDATE that claims an intent for
sending (services/money/gateway_intents.py, payouts.py). The minutely job retries a claimed intent
only when the claim itself is older than RESUME_AFTER (not the intent's creation or approval), so a
first send still in flight is never sent again beside it.

Revision ID: 0012_intent_claimed_at
Revises: 0011_money_intents_past_due
Create Date: 2026-12-07 04:00:00
"""
import sqlalchemy as sa

import tutorhub.models.base
from alembic import op

revision = '0012_intent_claimed_at'
down_revision = '0011_money_intents_past_due'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', tutorhub.models.base.UtcDateTime(), nullable=True))
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', tutorhub.models.base.UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payouts', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
