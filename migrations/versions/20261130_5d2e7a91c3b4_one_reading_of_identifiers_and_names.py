"""one reading of identifiers and names: camp ID keys, clean names, search index

Camp IDs get a key (app.identity.identifiers.identifier_key) that is unique within the camp in
place of the ID as typed. Where stored IDs already collide on their key, the oldest household
keeps it and the others are left without one, to be listed by `flask registry
camp-id-collisions` and resolved by a person: nothing is merged or dropped.

Stored names, camp IDs and phones are cleaned (app.core.text.clean: presentation forms, hidden
direction marks and the like) and every household's search text is rebuilt with the joined
compounds and name skeletons. On SQLite the FTS5 trigram index of the case search is made.

Revision ID: 5d2e7a91c3b4
Revises: 3ce415453f39
Create Date: 2026-11-30 08:10:00

"""
from alembic import op
import sqlalchemy as sa

from app.core.text import clean
from app.identity.identifiers import identifier_key
from app.registry import search_index
from app.registry.services import compose_search_text

# revision identifiers, used by Alembic.
revision = '5d2e7a91c3b4'
down_revision = '3ce415453f39'
branch_labels = None
depends_on = None

NAMES = (
    'given_name_ar', 'father_name_ar', 'grandfather_name_ar', 'family_name_ar',
    'given_name_en', 'father_name_en', 'grandfather_name_en', 'family_name_en',
)
BATCH = 2000

households = sa.table(
    'households',
    sa.column('id', sa.Integer), sa.column('camp_id', sa.Integer),
    sa.column('camp_ref', sa.String), sa.column('camp_ref_key', sa.String),
    sa.column('case_number', sa.String), sa.column('phone', sa.String),
    sa.column('search_text', sa.Text),
)
members = sa.table(
    'members', sa.column('id', sa.Integer), sa.column('household_id', sa.Integer),
    *(sa.column(name, sa.String) for name in NAMES),
)


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('camp_ref_key', sa.String(length=40), nullable=True))
    connection = op.get_bind()
    _clean_names(connection)
    _key_camp_ids_and_rebuild_search(connection)
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_constraint('uq_households_camp_id_camp_ref', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_households_camp_id_camp_ref_key'), ['camp_id', 'camp_ref_key']
        )
    # After the batch operations, which copy the table on SQLite and would drop the triggers.
    search_index.create(connection)


def downgrade():
    connection = op.get_bind()
    search_index.drop(connection)
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_constraint('uq_households_camp_id_camp_ref_key', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_households_camp_id_camp_ref'), ['camp_id', 'camp_ref']
        )
        batch_op.drop_column('camp_ref_key')


def _batches(connection, table):
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _clean_names(connection) -> None:
    for rows in _batches(connection, members):
        for row in rows:
            changed = {
                name: clean(getattr(row, name)) or None
                for name in NAMES
                if getattr(row, name) and clean(getattr(row, name)) != getattr(row, name)
            }
            if changed:
                connection.execute(
                    members.update().where(members.c.id == row.id).values(**changed)
                )


def _key_camp_ids_and_rebuild_search(connection) -> None:
    taken: set[tuple[int, str]] = set()
    collisions = 0
    for rows in _batches(connection, households):
        names = _names_of(connection, [row.id for row in rows])
        for row in rows:
            camp_ref = clean(row.camp_ref)
            key = identifier_key(camp_ref) or None
            if key is not None and (row.camp_id, key) in taken:
                key, collisions = None, collisions + 1
            elif key is not None:
                taken.add((row.camp_id, key))
            # Composed as the registry composes it for every save.
            text = compose_search_text(row.case_number, camp_ref, row.phone, names.get(row.id, []))
            connection.execute(
                households.update().where(households.c.id == row.id).values(
                    camp_ref=camp_ref, camp_ref_key=key, search_text=text
                )
            )
    if collisions:
        print(  # noqa: T201 - the operator running the upgrade must see this
            f"{collisions} household(s) have a camp ID that another household of the same camp "
            "already has, written differently. Run `flask registry camp-id-collisions` to list "
            "them and correct each one."
        )


def _names_of(connection, household_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    rows = connection.execute(
        sa.select(members).where(members.c.household_id.in_(household_ids)).order_by(members.c.id)
    )
    for row in rows:
        names.setdefault(row.household_id, []).extend(getattr(row, name) for name in NAMES)
    return names
