"""class seats paid with credits

class_seat_credit_spends: minutes one class seat took from one credit lot (refunds put them back).
class_enrolments.payment_id: the hosted checkout holding a seat paid by card / UPI.
class_reminder_logs: class-session reminders sent (24 h / 1 h), exactly once.

Revision ID: 0029_classes_more
Revises: 0027_rooms
Create Date: 2026-12-07 09:30:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0029_classes_more'
down_revision = '0027_rooms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'class_seat_credit_spends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('lot_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('refunded_minutes', sa.Integer(), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.CheckConstraint('minutes > 0 AND refunded_minutes >= 0 AND refunded_minutes <= minutes',
                           name='ck_class_seat_credit_spends_minutes'),
        sa.ForeignKeyConstraint(['enrolment_id'], ['class_enrolments.id']),
        sa.ForeignKeyConstraint(['lot_id'], ['credit_lots.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('enrolment_id', 'lot_id', name='uq_class_seat_credit_spends_seat_lot'),
    )
    op.create_index('ix_class_seat_credit_spends_enrolment_id', 'class_seat_credit_spends', ['enrolment_id'])
    op.create_table(
        'class_reminder_logs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('recipient_user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('session_start_at', UtcDateTime(), nullable=False),
        sa.Column('due_at', UtcDateTime(), nullable=False),
        sa.Column('sent_at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id']),
        sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('session_id', 'recipient_user_id', 'kind', 'session_start_at',
                            name='uq_class_reminder_logs'),
    )
    with op.batch_alter_table('class_enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_class_enrolments_payment_id', 'payments', ['payment_id'], ['id'])


def downgrade() -> None:
    op.drop_table('class_reminder_logs')
    with op.batch_alter_table('class_enrolments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_class_enrolments_payment_id', type_='foreignkey')
        batch_op.drop_column('payment_id')
    op.drop_index('ix_class_seat_credit_spends_enrolment_id', table_name='class_seat_credit_spends')
    op.drop_table('class_seat_credit_spends')
