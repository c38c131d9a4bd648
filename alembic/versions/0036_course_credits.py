"""courses paid with credits

course_credit_spends: minutes one course enrolment took from one credit lot (a refund puts them back).

Revision ID: 0036_course_credits
Revises: 0035_activity_bits
Create Date: 2026-12-07 19:40:00
"""
import sqlalchemy as sa

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0036_course_credits'
down_revision = '0035_activity_bits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'course_credit_spends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrolment_id', sa.Integer(), nullable=False),
        sa.Column('lot_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('refunded_minutes', sa.Integer(), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.CheckConstraint('minutes > 0 AND refunded_minutes >= 0 AND refunded_minutes <= minutes',
                           name='ck_course_credit_spends_minutes'),
        sa.ForeignKeyConstraint(['enrolment_id'], ['course_enrolments.id']),
        sa.ForeignKeyConstraint(['lot_id'], ['credit_lots.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('enrolment_id', 'lot_id', name='uq_course_credit_spends_enrolment_lot'),
    )
    op.create_index('ix_course_credit_spends_enrolment_id', 'course_credit_spends', ['enrolment_id'])


def downgrade() -> None:
    op.drop_index('ix_course_credit_spends_enrolment_id', table_name='course_credit_spends')
    op.drop_table('course_credit_spends')
