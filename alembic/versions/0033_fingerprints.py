"""device ids on the login log, and webhook events by provider payment id

login_events.device_id: the browser's random `th_device` cookie id at each login (the SHARED_DEVICE
fraud signal); existing rows get "". webhook_events.gateway_ref gets an index: a capture looks up
the card details (Stripe `charge.succeeded`) stored for its provider payment id.

Revision ID: 0033_fingerprints
Revises: 0032_profile_photo
Create Date: 2026-12-07 12:40:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0033_fingerprints'
down_revision = '0032_profile_photo'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('login_events') as batch:
        batch.add_column(sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                   server_default=''))
    op.create_index(op.f('ix_login_events_device_id'), 'login_events', ['device_id'], unique=False)
    op.create_index(op.f('ix_webhook_events_gateway_ref'), 'webhook_events', ['gateway_ref'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_webhook_events_gateway_ref'), table_name='webhook_events')
    op.drop_index(op.f('ix_login_events_device_id'), table_name='login_events')
    with op.batch_alter_table('login_events') as batch:
        batch.drop_column('device_id')
