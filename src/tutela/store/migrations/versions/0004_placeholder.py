"""ingest grading aids: encrypted thumbnails, near-duplicate groups, cross-case links (issue 6)

Reserved so that work on several issues can add its tables in parallel without forking the revision chain;
the issue that owns this revision fills in upgrade() and downgrade() and renames the file.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
