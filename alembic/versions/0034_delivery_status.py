"""provider delivery reports on outbox messages

outbox_messages gains the accepting provider and its message id (Twilio SID, WhatsApp Cloud wamid),
the delivery status its signed callbacks report (with error and time), the user a notification copy
is for and `fallback_of` (the failed SMS / WhatsApp row an e-mail copy replaces; unique). Every
distinct report is kept once in outbox_delivery_events.

Revision ID: 0034_delivery_status
Revises: 0033_fingerprints
Create Date: 2026-12-07 15:50:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0034_delivery_status'
down_revision = '0033_fingerprints'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages') as batch:
        batch.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('fallback_of', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=128),
                                   nullable=True))
        batch.add_column(sa.Column('delivery_status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('delivery_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                   server_default=''))
        batch.add_column(sa.Column('delivery_at', UtcDateTime(), nullable=True))
        batch.create_foreign_key('fk_outbox_messages_user_id_users', 'users', ['user_id'], ['id'])
        batch.create_unique_constraint('uq_outbox_messages_fallback_of', ['fallback_of'])
    op.create_index('ix_outbox_messages_provider_id', 'outbox_messages', ['provider', 'provider_message_id'],
                    unique=False)
    op.create_table(
        'outbox_delivery_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=False),
        sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('raw_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('reported_at', UtcDateTime(), nullable=False),
        sa.Column('received_at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox_messages.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('outbox_id', 'raw_status', name='uq_outbox_delivery_events'),
    )


def downgrade() -> None:
    op.drop_table('outbox_delivery_events')
    op.drop_index('ix_outbox_messages_provider_id', table_name='outbox_messages')
    with op.batch_alter_table('outbox_messages') as batch:
        batch.drop_constraint('uq_outbox_messages_fallback_of', type_='unique')
        batch.drop_constraint('fk_outbox_messages_user_id_users', type_='foreignkey')
        for name in ('delivery_at', 'delivery_error', 'delivery_status', 'provider_message_id', 'provider',
                     'fallback_of', 'user_id'):
            batch.drop_column(name)
