"""learning: lessons a guardian booked and pays for a linked child; links a guardian asked for.

Revision ID: 0030_learning_more
Revises: 0029_classes_more
Create Date: 2026-12-07 09:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import tutorhub.models.base


revision = '0030_learning_more'
down_revision = '0029_classes_more'
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
    op.create_table('guardian_link_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guardian_id', sa.Integer(), nullable=False),
    sa.Column('student_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['guardian_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_guardian_link_requests_guardian_created', 'guardian_link_requests', ['guardian_id', 'created_at'],
                    unique=False)
    with op.batch_alter_table('guardian_links') as batch:
        batch.add_column(sa.Column('initiated_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                   server_default='student'))


def downgrade() -> None:
    op.drop_index('ix_guardian_link_requests_guardian_created', table_name='guardian_link_requests')
    op.drop_table('guardian_link_requests')
    with op.batch_alter_table('guardian_links') as batch:
        batch.drop_column('initiated_by')
    op.drop_index(op.f('ix_guardian_bookings_guardian_id'), table_name='guardian_bookings')
    op.drop_table('guardian_bookings')
