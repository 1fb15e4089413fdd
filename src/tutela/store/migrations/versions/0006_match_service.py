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
    op.create_table('partner_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=24), nullable=False),
    sa.Column('key_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('prefix')
    )
    op.create_index('ix_partner_keys_user_id', 'partner_keys', ['user_id'], unique=False)
    op.create_table('bank_shares',
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('bank_id', 'user_id')
    )
    op.create_table('match_records',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.BigInteger(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('hash_type', sa.String(length=8), nullable=False),
    sa.Column('distance', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_match_records_user_at', 'match_records', ['user_id', 'at'], unique=False)
    op.create_table('takedown_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('match_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=64), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['match_id'], ['match_records.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('match_id', 'action', name='uq_takedown_reports_match_action')
    )
    op.create_index('ix_takedown_reports_at', 'takedown_reports', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_takedown_reports_at', table_name='takedown_reports')
    op.drop_table('takedown_reports')
    op.drop_index('ix_match_records_user_at', table_name='match_records')
    op.drop_table('match_records')
    op.drop_table('bank_shares')
    op.drop_index('ix_partner_keys_user_id', table_name='partner_keys')
    op.drop_table('partner_keys')
    op.drop_table('bank_entry_frames')
