"""watch-list alerts: a registered person found alike to a listed entry, and the screeners'
decisions on it

One alert per (person, entry), with the digests of both as last scored or decided, so that a
decision stands until either changes; decisions are kept one row each (four eyes). Nothing is
computed from existing rows: persons are screened by the job when a list is loaded. The
downgrade drops both tables and what they hold.

Revision ID: 1c8470095862
Revises: 7730d3539be7
Create Date: 2026-11-30 16:06:48.965192

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1c8470095862'
down_revision = '7730d3539be7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('watch_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('probability', sa.Float(), nullable=False),
    sa.Column('model_version', sa.String(length=40), nullable=False),
    sa.Column('matched_name', sa.String(length=12), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('member_digest', sa.String(length=40), nullable=False),
    sa.Column('entry_digest', sa.String(length=64), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['watch_entries.id'], name=op.f('fk_watch_alerts_entry_id_watch_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_watch_alerts_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_alerts')),
    sa.UniqueConstraint('member_id', 'entry_id', name=op.f('uq_watch_alerts_member_id_entry_id'))
    )
    with op.batch_alter_table('watch_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_alerts_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_watch_alerts_status'), ['status'], unique=False)

    op.create_table('watch_alert_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['watch_alerts.id'], name=op.f('fk_watch_alert_decisions_alert_id_watch_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_watch_alert_decisions_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_alert_decisions'))
    )
    with op.batch_alter_table('watch_alert_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_alert_decisions_alert_id'), ['alert_id'], unique=False)



def downgrade():
    with op.batch_alter_table('watch_alert_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_alert_decisions_alert_id'))

    op.drop_table('watch_alert_decisions')
    with op.batch_alter_table('watch_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_alerts_status'))
        batch_op.drop_index(batch_op.f('ix_watch_alerts_entry_id'))

    op.drop_table('watch_alerts')
