"""ingest grading aids: near-duplicate groups, encrypted thumbnails, cross-case links (issue 6)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('media_groups',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('exhibit_id', sa.Integer(), nullable=False),
    sa.Column('representative_id', sa.BigInteger(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['exhibit_id'], ['exhibits.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_media_groups_exhibit_id', 'media_groups', ['exhibit_id'], unique=False)
    with op.batch_alter_table('media_items') as batch:
        batch.add_column(sa.Column('group_id', sa.BigInteger(), nullable=True))
        batch.create_foreign_key('fk_media_items_group_id_media_groups', 'media_groups', ['group_id'], ['id'])
        batch.create_index('ix_media_items_group_id', ['group_id'], unique=False)
    op.create_table('thumbnails',
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('token', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['media_items.id'], ),
    sa.PrimaryKeyConstraint('item_id')
    )
    op.create_table('cross_case_links',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('item_id', sa.BigInteger(), nullable=False),
    sa.Column('other_item_id', sa.BigInteger(), nullable=False),
    sa.Column('hash_type', sa.String(length=8), nullable=False),
    sa.Column('distance', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['media_items.id'], ),
    sa.ForeignKeyConstraint(['other_item_id'], ['media_items.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'other_item_id', name='uq_cross_case_links_pair')
    )
    op.create_index('ix_cross_case_links_item_id', 'cross_case_links', ['item_id'], unique=False)
    op.create_index('ix_cross_case_links_other_item_id', 'cross_case_links', ['other_item_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_cross_case_links_other_item_id', table_name='cross_case_links')
    op.drop_index('ix_cross_case_links_item_id', table_name='cross_case_links')
    op.drop_table('cross_case_links')
    op.drop_table('thumbnails')
    with op.batch_alter_table('media_items') as batch:
        batch.drop_index('ix_media_items_group_id')
        batch.drop_constraint('fk_media_items_group_id_media_groups', type_='foreignkey')
        batch.drop_column('group_id')
    op.drop_index('ix_media_groups_exhibit_id', table_name='media_groups')
    op.drop_table('media_groups')
