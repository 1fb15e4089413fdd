"""library: banks and entries

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:45:05.022629
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('banks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('trust', sa.String(length=20), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('precedence', sa.Integer(), nullable=False),
    sa.Column('pdq_threshold', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('store_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('bank_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('entry_key', sa.LargeBinary(length=16), nullable=False),
    sa.Column('md5', sa.LargeBinary(length=16), nullable=True),
    sa.Column('sha1', sa.LargeBinary(length=20), nullable=True),
    sa.Column('sha256', sa.LargeBinary(length=32), nullable=True),
    sa.Column('pdq', sa.LargeBinary(length=32), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('series', sa.Text(), nullable=True),
    sa.Column('victim_identified', sa.Boolean(), nullable=True),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bank_id', 'entry_key', name='uq_bank_entries_key')
    )
    op.create_table('library_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=False),
    sa.Column('rows_read', sa.BigInteger(), nullable=False),
    sa.Column('rows_added', sa.BigInteger(), nullable=False),
    sa.Column('rows_skipped', sa.BigInteger(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], ),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('library_imports')
    op.drop_table('bank_entries')
    op.drop_table('store_meta')
    op.drop_table('banks')
