"""tutor profile photo

tutor_profiles.photo_version: 0 while a tutor has no photo (initials are shown), bumped by each upload
so the public photo URL changes with it (services/tutors/photos.py). The images themselves live in file
storage under tutor-photos/<profile id>/.

Revision ID: 0032_profile_photo
Revises: 0031_activity_rollup
Create Date: 2026-12-07 12:40:00
"""
import sqlalchemy as sa

from alembic import op

revision = '0032_profile_photo'
down_revision = '0031_activity_rollup'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tutor_profiles') as batch:
        batch.add_column(sa.Column('photo_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('tutor_profiles') as batch:
        batch.drop_column('photo_version')
