"""learning: lessons a guardian booked and pays for a linked child.

Revision ID: 0030_learning_more
Revises: 0027_rooms
Create Date: 2026-12-07 09:30:00
"""
from alembic import op
import sqlalchemy as sa
import tutorhub.models.base


revision = '0030_learning_more'
down_revision = '0027_rooms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('guardian_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ),
    sa.ForeignKeyConstraint(['guardian_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('booking_id', name='uq_guardian_bookings_booking')
    )
    op.create_index(op.f('ix_guardian_bookings_guardian_id'), 'guardian_bookings', ['guardian_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_guardian_bookings_guardian_id'), table_name='guardian_bookings')
    op.drop_table('guardian_bookings')
