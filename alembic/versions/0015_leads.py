"""leads: enquiries, the tutors each reached (matches), claims, lesson proposals, lead settings

services/leads/ (issue #13). The claim cap is enforced by a conditional UPDATE of
enquiries.claim_count; one claim per (enquiry, tutor) by a unique constraint.
tutor_profiles.response_minutes: the median first-answer time (services/tutors/stats.py).

Revision ID: 0015_leads
Revises: 0013_password_reset
Create Date: 2026-12-07 04:57:26.878739
"""
import sqlalchemy as sa
import sqlmodel

import tutorhub.models.base
from alembic import op


revision = '0015_leads'
down_revision = '0013_password_reset'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tutor_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_minutes', sa.Integer(), nullable=True))
    op.create_table('lead_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_cap', sa.Integer(), nullable=False),
    sa.Column('updated_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.CheckConstraint('claim_cap >= 1 AND claim_cap <= 20', name='ck_lead_settings_cap'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('enquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('place_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('budget_max_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('windows', sa.JSON(), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('claim_count', sa.Integer(), nullable=False),
    sa.Column('match_count', sa.Integer(), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('updated_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('expires_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('closed_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.CheckConstraint('claim_count >= 0', name='ck_enquiries_claim_count'),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.create_index('ix_enquiries_status_expires', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_enquiries_student_created', ['student_id', 'created_at'], unique=False)

    op.create_table('enquiry_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enquiry_id', sa.Integer(), nullable=False),
    sa.Column('tutor_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('response_minutes', sa.Integer(), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiries.id'], ),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enquiry_id', 'tutor_id')
    )
    with op.batch_alter_table('enquiry_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enquiry_claims_enquiry_id'), ['enquiry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enquiry_claims_tutor_id'), ['tutor_id'], unique=False)

    op.create_table('enquiry_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enquiry_id', sa.Integer(), nullable=False),
    sa.Column('tutor_id', sa.Integer(), nullable=False),
    sa.Column('distance_km', sa.Float(), nullable=True),
    sa.Column('free_starts', sa.Integer(), nullable=True),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiries.id'], ),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('enquiry_id', 'tutor_id')
    )
    with op.batch_alter_table('enquiry_matches', schema=None) as batch_op:
        batch_op.create_index('ix_enquiry_matches_tutor', ['tutor_id', 'enquiry_id'], unique=False)

    op.create_table('enquiry_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enquiry_id', sa.Integer(), nullable=False),
    sa.Column('tutor_id', sa.Integer(), nullable=False),
    sa.Column('start_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], ),
    sa.ForeignKeyConstraint(['enquiry_id'], ['enquiries.id'], ),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('enquiry_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enquiry_proposals_enquiry_id'), ['enquiry_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tutor_profiles', schema=None) as batch_op:
        batch_op.drop_column('response_minutes')
    with op.batch_alter_table('enquiry_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enquiry_proposals_enquiry_id'))

    op.drop_table('enquiry_proposals')
    with op.batch_alter_table('enquiry_matches', schema=None) as batch_op:
        batch_op.drop_index('ix_enquiry_matches_tutor')

    op.drop_table('enquiry_matches')
    with op.batch_alter_table('enquiry_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enquiry_claims_tutor_id'))
        batch_op.drop_index(batch_op.f('ix_enquiry_claims_enquiry_id'))

    op.drop_table('enquiry_claims')
    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.drop_index('ix_enquiries_student_created')
        batch_op.drop_index('ix_enquiries_status_expires')

    op.drop_table('enquiries')
    op.drop_table('lead_settings')
