"""ingest: media items found by SHA-256 across exhibits, for cross-case links (issue 6)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_media_items_sha256', 'media_items', ['sha256'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_media_items_sha256', table_name='media_items')
