"""ingest: ingests of an exhibit's evidence and the media items they found

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ingests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exhibit_id', sa.Integer(), nullable=False),
    sa.Column('source_path', sa.Text(), nullable=False),
    sa.Column('evidence_sha256_before', sa.String(length=64), nullable=False),
    sa.Column('evidence_sha256_after', sa.String(length=64), nullable=True),
    sa.Column('started', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished', sa.DateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['exhibit_id'], ['exhibits.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('exhibit_id', 'source_path', name='uq_ingests_exhibit_source')
    )
    op.create_table('media_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('ingest_id', sa.Integer(), nullable=False),
    sa.Column('exhibit_id', sa.Integer(), nullable=False),
    sa.Column('locator_key', sa.LargeBinary(length=32), nullable=False),
    sa.Column('locator', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('md5', sa.LargeBinary(length=16), nullable=True),
    sa.Column('sha1', sa.LargeBinary(length=20), nullable=True),
    sa.Column('sha256', sa.LargeBinary(length=32), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=True),
    sa.Column('mime', sa.String(length=255), nullable=True),
    sa.Column('pdq', sa.LargeBinary(length=32), nullable=True),
    sa.Column('quality', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('bank', sa.String(length=100), nullable=True),
    sa.Column('category', sa.String(length=20), nullable=True),
    sa.Column('hash_type', sa.String(length=8), nullable=True),
    sa.Column('distance', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['exhibit_id'], ['exhibits.id'], ),
    sa.ForeignKeyConstraint(['ingest_id'], ['ingests.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('exhibit_id', 'locator_key', name='uq_media_items_locator')
    )
    op.create_index('ix_media_items_ingest_id', 'media_items', ['ingest_id'], unique=False)
    op.create_index('ix_media_items_exhibit_sha256', 'media_items', ['exhibit_id', 'sha256'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_media_items_exhibit_sha256', table_name='media_items')
    op.drop_index('ix_media_items_ingest_id', table_name='media_items')
    op.drop_table('media_items')
    op.drop_table('ingests')
