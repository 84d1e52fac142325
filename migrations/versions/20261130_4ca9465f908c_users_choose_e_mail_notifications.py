"""users choose e-mail notifications: a yes/no on each account, no for everyone at first

Nobody is written to without asking on their account page. The downgrade drops the column.

Revision ID: 4ca9465f908c
Revises: b459e4dacd9d
Create Date: 2026-11-30 17:16:08.718805

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4ca9465f908c'
down_revision = 'b459e4dacd9d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_notifications', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_notifications')

