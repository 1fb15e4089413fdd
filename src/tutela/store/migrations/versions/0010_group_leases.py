"""grading: groups held for the examiner whose queue shows them (issue 7)

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-30 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('group_leases',
    sa.Column('group_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['media_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('group_id')
    )
    op.create_index('ix_group_leases_user_id', 'group_leases', ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_group_leases_user_id', table_name='group_leases')
    op.drop_table('group_leases')
