"""Load Iraq's 18 governorates and their districts (ISO 3166-2:IQ codes, OCHA p-codes).

Revision ID: f8dfc0c35851
Revises: 98568e80a4e2
Create Date: 2026-11-24 21:40:00

The rows come from app/reference/data/iraq_admin.csv as it stands when this migration runs.
"""

import csv
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "f8dfc0c35851"
down_revision = "98568e80a4e2"
branch_labels = None
depends_on = None

DATA = Path(__file__).resolve().parents[2] / "app" / "reference" / "data" / "iraq_admin.csv"

governorates = sa.table(
    "governorates",
    sa.column("id", sa.Integer), sa.column("iso_code", sa.String), sa.column("pcode", sa.String),
    sa.column("name_en", sa.String), sa.column("name_ar", sa.String),
)
districts = sa.table(
    "districts",
    sa.column("governorate_id", sa.Integer), sa.column("pcode", sa.String),
    sa.column("name_en", sa.String), sa.column("name_ar", sa.String),
)


def _rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def upgrade():
    rows = _rows()
    seen: dict[str, int] = {}
    for row in rows:
        if row["gov_pcode"] not in seen:
            seen[row["gov_pcode"]] = len(seen) + 1
    op.bulk_insert(governorates, [
        {"id": seen[r["gov_pcode"]], "iso_code": r["gov_iso"], "pcode": r["gov_pcode"],
         "name_en": r["gov_name_en"], "name_ar": r["gov_name_ar"]}
        for r in {r["gov_pcode"]: r for r in rows}.values()
    ])
    op.bulk_insert(districts, [
        {"governorate_id": seen[r["gov_pcode"]], "pcode": r["district_pcode"],
         "name_en": r["district_name_en"], "name_ar": r["district_name_ar"]}
        for r in rows
    ])
    if op.get_bind().dialect.name == "postgresql":
        # Explicit ids were inserted: move the sequence past them.
        op.execute("SELECT setval('governorates_id_seq', (SELECT max(id) FROM governorates))")


def downgrade():
    op.execute(districts.delete())
    op.execute(governorates.delete())
