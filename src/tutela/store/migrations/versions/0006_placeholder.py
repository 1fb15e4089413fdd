"""platform partners, API keys, bank shares, match records and takedown feedback (issue 8)

Reserved so that work on several issues can add its tables in parallel without forking the revision chain;
the issue that owns this revision fills in upgrade() and downgrade() and renames the file.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
