"""hold attempts (the per-student hold rate limit) and the per-sender chat flood index

`hold_attempts` logs every attempt a student makes to hold lessons, so services/booking/hold_limits.py
can allow at most 20 an hour across app replicas; `ix_chat_messages_sender_created` serves the chat
flood limit, which counts a sender's messages across all their conversations.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 03:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import tutorhub.models.base


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hold_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('hold_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_hold_attempts_student_created', ['student_id', 'created_at'], unique=False)
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.create_index('ix_chat_messages_sender_created', ['sender_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('chat_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_messages_sender_created')
    with op.batch_alter_table('hold_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_hold_attempts_student_created')
    op.drop_table('hold_attempts')
