"""Session token per user, so that logout, a password change or deactivation ends sessions.

Revision ID: e1d6b9c036fa
Revises: f8dfc0c35851
Create Date: 2026-11-24 21:50:00
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "e1d6b9c036fa"
down_revision = "f8dfc0c35851"
branch_labels = None
depends_on = None

users = sa.table("users", sa.column("id", sa.Integer), sa.column("session_token", sa.String))


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_token", sa.String(64), nullable=True))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("session_token", existing_type=sa.String(64), nullable=False)


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_token")
