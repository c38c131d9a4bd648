"""credits and plans: credit lots, minute packs, subscription plans and subscriptions, promo codes, lead credits

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import tutorhub.models.base


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('minute_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('price_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.CheckConstraint('minutes > 0 AND price_minor > 0 AND validity_days > 0', name='ck_minute_packs_values'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', name='uq_minute_packs_code')
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('minutes_per_cycle', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.CheckConstraint('minutes_per_cycle > 0', name='ck_plans_minutes'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', name='uq_plans_code')
    )
    op.create_table('promo_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('min_amount_minor', sa.Integer(), nullable=False),
    sa.Column('valid_from', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('valid_until', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('max_redemptions', sa.Integer(), nullable=True),
    sa.Column('redemption_count', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.CheckConstraint('amount_minor >= 0 AND min_amount_minor >= 0 AND redemption_count >= 0', name='ck_promo_codes_amounts'),
    sa.CheckConstraint('max_redemptions IS NULL OR redemption_count <= max_redemptions', name='ck_promo_codes_cap'),
    sa.CheckConstraint('percent >= 0 AND percent <= 100', name='ck_promo_codes_percent'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code', name='uq_promo_codes_code')
    )
    op.create_table('credit_lots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('expired_minutes', sa.Integer(), nullable=False),
    sa.Column('revoked_minutes', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('source_ref', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('granted_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('expires_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.CheckConstraint('expired_minutes >= 0 AND revoked_minutes >= 0', name='ck_credit_lots_expired'),
    sa.CheckConstraint('minutes > 0', name='ck_credit_lots_minutes'),
    sa.CheckConstraint('remaining >= 0 AND remaining <= minutes', name='ck_credit_lots_remaining'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_ref', name='uq_credit_lots_source_ref')
    )
    with op.batch_alter_table('credit_lots', schema=None) as batch_op:
        batch_op.create_index('ix_credit_lots_expiry_sweep', ['expires_at', 'remaining'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_lots_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index('ix_credit_lots_user_expires', ['user_id', 'expires_at'], unique=False)

    op.create_table('plan_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_minor > 0', name='ck_plan_prices_amount'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'currency', name='uq_plan_prices_plan_currency')
    )
    op.create_table('promo_redemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('promo_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('amount_minor', sa.Integer(), nullable=False),
    sa.Column('discount_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['promo_id'], ['promo_codes.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('promo_id', 'user_id', name='uq_promo_redemptions_promo_user')
    )
    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('next_plan_id', sa.Integer(), nullable=True),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('price_minor', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('gateway', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('gateway_ref', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('anchor_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('last_renewal_key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('cycle_minutes_high', sa.Integer(), nullable=False),
    sa.Column('current_period_start', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('current_period_end', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
    sa.Column('cancelled_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('start_payment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('updated_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['next_plan_id'], ['plans.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_subscriptions_gateway_ref', ['gateway', 'gateway_ref'], unique=False)
        batch_op.create_index('ix_subscriptions_status_period_end', ['status', 'current_period_end'], unique=False)
        batch_op.create_index('uq_subscriptions_user_active', ['user_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('subscription_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('from_plan_id', sa.Integer(), nullable=False),
    sa.Column('to_plan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('charge_minor', sa.Integer(), nullable=False),
    sa.Column('grant_minutes', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['from_plan_id'], ['plans.id'], ),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'], ),
    sa.ForeignKeyConstraint(['to_plan_id'], ['plans.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('subscription_changes', schema=None) as batch_op:
        batch_op.create_index('ix_subscription_changes_sub', ['subscription_id', 'id'], unique=False)

    op.create_table('credit_spends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('refunded_minutes', sa.Integer(), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.CheckConstraint('minutes > 0 AND refunded_minutes >= 0 AND refunded_minutes <= minutes', name='ck_credit_spends_minutes'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ),
    sa.ForeignKeyConstraint(['lot_id'], ['credit_lots.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('booking_id', 'lot_id', name='uq_credit_spends_booking_lot')
    )
    with op.batch_alter_table('credit_spends', schema=None) as batch_op:
        batch_op.create_index('ix_credit_spends_lot', ['lot_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('credit_spends', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_spends_lot')

    op.drop_table('credit_spends')
    with op.batch_alter_table('subscription_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_subscription_changes_sub')

    op.drop_table('subscription_changes')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index('uq_subscriptions_user_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index('ix_subscriptions_status_period_end')
        batch_op.drop_index('ix_subscriptions_gateway_ref')

    op.drop_table('subscriptions')
    op.drop_table('promo_redemptions')
    op.drop_table('plan_prices')
    with op.batch_alter_table('credit_lots', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_lots_user_expires')
        batch_op.drop_index(batch_op.f('ix_credit_lots_payment_id'))
        batch_op.drop_index('ix_credit_lots_expiry_sweep')

    op.drop_table('credit_lots')
    op.drop_table('promo_codes')
    op.drop_table('plans')
    op.drop_table('minute_packs')
