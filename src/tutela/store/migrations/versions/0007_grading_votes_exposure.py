"""grading: examiners' votes on near-duplicate groups, each group's standing, exposure counts (issue 7)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grade_votes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['media_groups.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'user_id', name='uq_grade_votes_group_user')
    )
    op.create_index('ix_grade_votes_user_id', 'grade_votes', ['user_id'], unique=False)
    op.create_table('group_grades',
    sa.Column('group_id', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=False),
    sa.Column('exported', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['media_groups.id'], ),
    sa.PrimaryKeyConstraint('group_id')
    )
    op.create_index('ix_group_grades_state', 'group_grades', ['state'], unique=False)
    op.create_table('exposure_counts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('blurred', sa.Integer(), nullable=False),
    sa.Column('clear', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'day')
    )
    op.create_index('ix_exposure_counts_day', 'exposure_counts', ['day'], unique=False)
    op.create_index('ix_media_groups_queue', 'media_groups', ['exhibit_id', 'size', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_media_groups_queue', table_name='media_groups')
    op.drop_index('ix_exposure_counts_day', table_name='exposure_counts')
    op.drop_table('exposure_counts')
    op.drop_index('ix_group_grades_state', table_name='group_grades')
    op.drop_table('group_grades')
    op.drop_index('ix_grade_votes_user_id', table_name='grade_votes')
    op.drop_table('grade_votes')
