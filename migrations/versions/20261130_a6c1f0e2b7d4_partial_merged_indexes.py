"""partial indexes of merged households and members: only the rows merged into another

An index of every row's merged_into_id (nearly all NULL) led SQLite, which keeps no statistics,
to read a page's members through it rather than by household: 500-600 ms a case list page at
250,000 households. The partial index serves what it is for (the rows merged into X) and nothing
else. The downgrade puts back the full indexes.

Revision ID: a6c1f0e2b7d4
Revises: 84efd5730db1
Create Date: 2026-11-30 20:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c1f0e2b7d4'
down_revision = '84efd5730db1'
branch_labels = None
depends_on = None

TABLES = ('households', 'members')


def upgrade():
    merged = sa.text('merged_into_id IS NOT NULL')
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_merged_into_id')
            batch_op.create_index(
                f'ix_{table}_merged_into_id', ['merged_into_id'], unique=False,
                sqlite_where=merged, postgresql_where=merged,
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_merged_into_id')
            batch_op.create_index(f'ix_{table}_merged_into_id', ['merged_into_id'], unique=False)
