"""video-room presence

room_presence: one row per stay of a participant in a lesson's or class session's SFU room.

Revision ID: 0027_rooms
Revises: 0026_courses
Create Date: 2026-12-07 08:50:00
"""
import sqlalchemy as sa
import sqlmodel

from alembic import op
from tutorhub.models.base import UtcDateTime

revision = '0027_rooms'
down_revision = '0026_courses'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'room_presence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('ref_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('joined_at', UtcDateTime(), nullable=False),
        sa.Column('left_at', UtcDateTime(), nullable=True),
        sa.Column('left_how', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_room_presence_room', 'room_presence', ['kind', 'ref_id', 'joined_at'])
    op.create_index('ix_room_presence_open', 'room_presence', ['left_at', 'kind', 'ref_id'])


def downgrade() -> None:
    op.drop_index('ix_room_presence_open', table_name='room_presence')
    op.drop_index('ix_room_presence_room', table_name='room_presence')
    op.drop_table('room_presence')
