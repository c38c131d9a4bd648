"""lesson length as ended; chat client message ids

bookings.actual_minutes: the minutes a lesson ran when its tutor ended it (evidence in a dispute;
NULL when the job completed it). chat_messages.client_id: the id the sender's client gives a
composed message, unique per (conversation, sender), so a double send stores one message.

Revision ID: 0020_newcomer
Revises: 0015_leads
Create Date: 2026-12-07 05:10:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = '0020_newcomer'
down_revision = '0015_leads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actual_minutes', sa.Integer(), nullable=True))
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_chat_messages_client_id', ['conversation_id', 'sender_id', 'client_id'])


def downgrade() -> None:
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_chat_messages_client_id', type_='unique')
        batch_op.drop_column('client_id')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('actual_minutes')
