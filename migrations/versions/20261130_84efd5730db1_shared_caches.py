"""shared caches: one version number per cache that processes keep in step with (app.core.cache)

The reference lists start at version 1. The downgrade drops the table: caches are then read as
at version 0 by code that still knows them, none by code that does not.

Revision ID: 84efd5730db1
Revises: 1917f0c7c71f
Create Date: 2026-11-30 20:11:16.520437

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '84efd5730db1'
down_revision = '1917f0c7c71f'
branch_labels = None
depends_on = None


def upgrade():
    versions = op.create_table('cache_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions'))
    )
    op.bulk_insert(versions, [{'name': 'reference', 'version': 1}])


def downgrade():
    op.drop_table('cache_versions')
