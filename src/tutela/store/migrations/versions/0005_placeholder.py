"""accounts, audit chain, grading votes and exposure (issue 7)

Reserved so that work on several issues can add its tables in parallel without forking the revision chain;
the issue that owns this revision fills in upgrade() and downgrade() and renames the file.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
