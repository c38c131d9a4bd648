"""courses: recorded video courses (courses, chapters, uploads, enrolments, progress, reviews)

Revision ID: 0026_courses
Revises: 0025_payout_accounts
Create Date: 2026-12-07 08:26:40.583989
"""
import sqlalchemy as sa
import sqlmodel

import tutorhub.models.base
from alembic import op

revision = '0026_courses'
down_revision = '0025_payout_accounts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tutor_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('grade', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('price_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('cover_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('cover_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('published_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('updated_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.CheckConstraint('price_minor >= 0', name='ck_courses_price'),
    sa.ForeignKeyConstraint(['tutor_id'], ['tutor_profiles.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.create_index('ix_courses_status_subject', ['status', 'subject'], unique=False)
        batch_op.create_index('ix_courses_tutor', ['tutor_id', 'status'], unique=False)

    op.create_table('course_chapters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('notes_md', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('preview', sa.Boolean(), nullable=False),
    sa.Column('video_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('video_type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('video_size', sa.Integer(), nullable=False),
    sa.Column('video_status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('course_chapters', schema=None) as batch_op:
        batch_op.create_index('ix_course_chapters_course', ['course_id', 'position'], unique=False)

    op.create_table('course_enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('price_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('payment_reference', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('enrolled_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('release_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('released_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('refunded_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ),
    sa.ForeignKeyConstraint(['payer_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('course_enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_course_enrolments_release', ['status', 'release_at'], unique=False)
        batch_op.create_index('ix_course_enrolments_student', ['student_id', 'status'], unique=False)
        batch_op.create_index('uq_course_enrolments_live', ['course_id', 'student_id'], unique=True, sqlite_where=sa.text("status IN ('PENDING', 'ACTIVE')"), postgresql_where=sa.text("status IN ('PENDING', 'ACTIVE')"))

    op.create_table('course_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.CheckConstraint('rating >= 1 AND rating <= 5', name='ck_course_reviews_rating'),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('course_id', 'student_id', name='uq_course_reviews_course_student')
    )
    op.create_table('chapter_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('position_s', sa.Float(), nullable=False),
    sa.Column('watched_s', sa.Float(), nullable=False),
    sa.Column('duration_s', sa.Float(), nullable=False),
    sa.Column('completed_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.Column('updated_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['chapter_id'], ['course_chapters.id'], ),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ),
    sa.ForeignKeyConstraint(['student_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('student_id', 'chapter_id', name='uq_chapter_progress_student_chapter')
    )
    with op.batch_alter_table('chapter_progress', schema=None) as batch_op:
        batch_op.create_index('ix_chapter_progress_course', ['course_id', 'chapter_id'], unique=False)

    op.create_table('course_uploads',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('chapter_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('backend', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('s3_upload_id', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('part_size', sa.Integer(), nullable=False),
    sa.Column('part_count', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', tutorhub.models.base.UtcDateTime(), nullable=False),
    sa.Column('completed_at', tutorhub.models.base.UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['chapter_id'], ['course_chapters.id'], ),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('course_uploads', schema=None) as batch_op:
        batch_op.create_index('ix_course_uploads_chapter', ['chapter_id', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('course_uploads', schema=None) as batch_op:
        batch_op.drop_index('ix_course_uploads_chapter')

    op.drop_table('course_uploads')
    with op.batch_alter_table('chapter_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_chapter_progress_course')

    op.drop_table('chapter_progress')
    op.drop_table('course_reviews')
    with op.batch_alter_table('course_enrolments', schema=None) as batch_op:
        batch_op.drop_index('uq_course_enrolments_live', sqlite_where=sa.text("status IN ('PENDING', 'ACTIVE')"), postgresql_where=sa.text("status IN ('PENDING', 'ACTIVE')"))
        batch_op.drop_index('ix_course_enrolments_student')
        batch_op.drop_index('ix_course_enrolments_release')

    op.drop_table('course_enrolments')
    with op.batch_alter_table('course_chapters', schema=None) as batch_op:
        batch_op.drop_index('ix_course_chapters_course')

    op.drop_table('course_chapters')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_index('ix_courses_tutor')
        batch_op.drop_index('ix_courses_status_subject')

    op.drop_table('courses')
