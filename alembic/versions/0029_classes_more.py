"""class seats paid with credits

class_seat_credit_spends: minutes one class seat took from one credit lot (refunds put them back).
class_enrolments.payment_id: the hosted checkout holding a seat paid by card / UPI.
class_reminder_logs: class-session reminders sent (24 h / 1 h), exactly once.
class_reviews: a student's rating of a class they attended.
reliability_strikes: booking_id nullable, class_session_id (a strike for a tutor-cancelled class session).

Revision ID: 0029_classes_more
Revises: 0028_display_currency
Create Date: 2026-12-07 09:30:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0029_classes_more'
down_revision = '0028_display_currency'
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
    op.create_table(
        'class_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('tutor_id', sa.Integer(), nullable=False),
        sa.Column('student_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.CheckConstraint('rating >= 1 AND rating <= 5', name='ck_class_reviews_rating'),
        sa.ForeignKeyConstraint(['class_id'], ['classes.id']),
        sa.ForeignKeyConstraint(['student_id'], ['users.id']),
        sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('class_id', 'student_id', name='uq_class_reviews_class_student'),
    )
    op.create_index('ix_class_reviews_class_created', 'class_reviews', ['class_id', 'created_at'])
    with op.batch_alter_table('reliability_strikes', schema=None) as batch_op:
        batch_op.alter_column('booking_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('class_session_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_reliability_strikes_class_session_id', 'class_sessions',
                                    ['class_session_id'], ['id'])
        batch_op.create_unique_constraint('uq_reliability_strikes_class_session_kind', ['class_session_id', 'kind'])
    with op.batch_alter_table('class_enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_class_enrolments_payment_id', 'payments', ['payment_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('reliability_strikes', schema=None) as batch_op:
        batch_op.drop_constraint('uq_reliability_strikes_class_session_kind', type_='unique')
        batch_op.drop_constraint('fk_reliability_strikes_class_session_id', type_='foreignkey')
        batch_op.drop_column('class_session_id')
        batch_op.alter_column('booking_id', existing_type=sa.Integer(), nullable=False)
    op.drop_index('ix_class_reviews_class_created', table_name='class_reviews')
    op.drop_table('class_reviews')
    op.drop_table('class_reminder_logs')
    with op.batch_alter_table('class_enrolments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_class_enrolments_payment_id', type_='foreignkey')
        batch_op.drop_column('payment_id')
    op.drop_index('ix_class_seat_credit_spends_enrolment_id', table_name='class_seat_credit_spends')
    op.drop_table('class_seat_credit_spends')
