"""calendar sync: private feed tokens, imported busy calendars, outbox attachments

`calendar_feeds` holds one row per user with the SHA-256 of their feed token (never the token);
`external_calendars` the iCalendar URLs tutors subscribe to, with the HTTP validators and the last
fetch outcome; `outbox_attachments` the files mailed with an outbox message (a booking's `.ics`
invitation).

Revision ID: 0019_calendars
Revises: 0012_intent_claimed_at
Create Date: 2026-12-07 05:00:00
"""
import sqlalchemy as sa
import sqlmodel

import tutorhub.models.base
from alembic import op

revision = '0019_calendars'
down_revision = '0012_intent_claimed_at'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash', name='uq_calendar_feeds_token_hash'),
    sa.UniqueConstraint('user_id', name='uq_calendar_feeds_user')
    )
    op.create_table('external_calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tutor_id', sa.Integer(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('etag', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('last_modified', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('last_fetched_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('last_success_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('downloaded_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('next_fetch_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('busy_count', sa.Integer(), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('external_calendars', schema=None) as batch_op:
        batch_op.create_index('ix_external_calendars_next_fetch', ['next_fetch_at'], unique=False)
        batch_op.create_index('ix_external_calendars_tutor', ['tutor_id'], unique=False)
    op.create_table('outbox_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_messages.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_attachments_outbox', ['outbox_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_attachments_outbox')
    op.drop_table('outbox_attachments')
    with op.batch_alter_table('external_calendars', schema=None) as batch_op:
        batch_op.drop_index('ix_external_calendars_tutor')
        batch_op.drop_index('ix_external_calendars_next_fetch')
    op.drop_table('external_calendars')
    op.drop_table('calendar_feeds')
