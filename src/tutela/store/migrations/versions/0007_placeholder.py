"""grading: examiner votes, trusted grades, exposure counts (issue 7, grading queue)

Reserved so that work on several issues can add its tables in parallel without forking the revision chain;
the issue that owns this revision fills in upgrade() and downgrade() and renames the file.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
