"""The floor of the registry benchmark: what the case list and a household page show, read with
hand-written SQL in as few statements as a person writing it would use, on the same database.

The household page's reading covers everything the page draws for a caseworker: the household
with its places, team and people named and the reader's scope and protection audience checked;
its members with their documents and needs; the menu's counts; the stage panel's pending
request; hand-over, disclosures and who could approve one; referrals; documents and photos;
assessments; tasks; the history; and the audit entry the app writes for the view, chained to the
last one and committed, as the app does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import sqlalchemy as sa

SCOPE = (
    "(h.team_id = :team OR h.id IN (SELECT household_id FROM collaborations WHERE team_id = :team))"
)


def _joined(dialect: str, column: str) -> str:
    function = "string_agg" if dialect == "postgresql" else "group_concat"
    return f"{function}({column}, ',')"


def _statements(dialect: str) -> dict[str, str]:
    return {
        "household": f"""
            SELECT h.*, c.name_en AS camp, b.number AS batch, og.name_en AS origin,
                   od.name_en AS origin_district, dg.name_en AS destination,
                   dd.name_en AS destination_district, t.name AS team, a.full_name AS caseworker,
                   u.full_name AS updated_by,
                   (h.assigned_to_id = :user AND h.team_id = :team) AS protection,
                   EXISTS (SELECT 1 FROM users s WHERE s.team_id = h.team_id AND s.active
                           AND 'supervisor' IN (s.role, s.second_role) AND s.id != :user)
                       AS approvable
            FROM households h
            JOIN camps c ON c.id = h.camp_id
            LEFT JOIN return_batches b ON b.id = h.batch_id
            JOIN governorates og ON og.id = h.origin_governorate_id
            LEFT JOIN districts od ON od.id = h.origin_district_id
            LEFT JOIN governorates dg ON dg.id = h.destination_governorate_id
            LEFT JOIN districts dd ON dd.id = h.destination_district_id
            JOIN teams t ON t.id = h.team_id
            LEFT JOIN users a ON a.id = h.assigned_to_id
            LEFT JOIN users u ON u.id = h.updated_by_id
            WHERE h.id = :id AND h.merged_into_id IS NULL AND {SCOPE}""",
        "members": f"""
            SELECT m.*,
                   (SELECT {_joined(dialect, "d.kind")} FROM member_documents d
                    WHERE d.member_id = m.id) AS documents,
                   (SELECT {_joined(dialect, "n.code")} FROM member_needs n
                    WHERE n.member_id = m.id) AS needs
            FROM members m WHERE m.household_id = :id AND m.merged_into_id IS NULL
            ORDER BY m.position""",
        "menu": f"""
            SELECT (SELECT count(*) FROM tasks k JOIN households h ON h.id = k.household_id
                    WHERE k.done_at IS NULL AND k.due_on <= :today AND h.merged_into_id IS NULL
                      AND {SCOPE} AND (k.assigned_to_id = :user
                           OR (k.assigned_to_id IS NULL AND h.assigned_to_id = :user))),
                   (SELECT count(*) FROM (SELECT 1 FROM notifications
                    WHERE user_id = :user AND read_at IS NULL LIMIT 100) n)""",
        "pending": """
            SELECT r.*, u.full_name FROM approval_requests r
            JOIN users u ON u.id = r.requested_by_id
            WHERE r.household_id = :id AND r.status = 'pending'""",
        "handover": """
            SELECT 'collaborator', t.name, NULL FROM collaborations c
            JOIN teams t ON t.id = c.team_id WHERE c.household_id = :id
            UNION ALL
            SELECT 'pending', t.name, u.full_name FROM transfers x
            JOIN teams t ON t.id = x.to_team_id JOIN users u ON u.id = x.requested_by_id
            WHERE x.household_id = :id AND x.state = 'pending'""",
        "disclosures": """
            SELECT d.id, d.agreement_reference, d.state, d.requested_at, a.code
            FROM disclosures d JOIN agencies a ON a.id = d.agency_id
            WHERE d.household_id = :id ORDER BY d.id DESC""",
        "referrals": """
            SELECT r.id, r.state, r.due_on, s.service, a.code, m.given_name_ar, m.given_name_en
            FROM referrals r JOIN agency_services s ON s.id = r.service_id
            JOIN agencies a ON a.id = s.agency_id LEFT JOIN members m ON m.id = r.member_id
            WHERE r.household_id = :id ORDER BY r.id DESC""",
        "attachments": """
            SELECT f.*, u.full_name, x.full_name FROM attachments f
            JOIN users u ON u.id = f.uploaded_by_id LEFT JOIN users x ON x.id = f.removed_by_id
            WHERE f.household_id = :id ORDER BY f.id""",
        "assessments": """
            SELECT s.id, s.member_id, s.kind, s.version, s.created_at, u.full_name
            FROM assessments s LEFT JOIN users u ON u.id = s.author_id
            WHERE s.household_id = :id AND s.current""",
        "tasks": """
            SELECT k.*, a.full_name, d.full_name FROM tasks k
            LEFT JOIN users a ON a.id = k.assigned_to_id LEFT JOIN users d ON d.id = k.done_by_id
            WHERE k.household_id = :id ORDER BY k.due_on, k.id""",
        "history": """
            SELECT e.*, u.full_name, m.given_name_ar FROM case_events e
            LEFT JOIN users u ON u.id = e.actor_id LEFT JOIN members m ON m.id = e.member_id
            WHERE e.household_id = :id ORDER BY e.id DESC LIMIT 200""",
        "last_hash": "SELECT entry_hash FROM audit_entries ORDER BY id DESC LIMIT 1",
    }


def household_page(engine: sa.Engine, user: tuple[int, str, int]) -> Callable[[int], int]:
    """A function reading household `id`'s page as `user` (id, username, team id) by hand;
    it answers how many statements it sent (the commit aside)."""
    from app.audit.models import AuditEntry
    from app.audit.services import GENESIS, entry_hash

    statements = {name: sa.text(sql) for name, sql in _statements(engine.dialect.name).items()}
    user_id, username, team_id = user
    audit = AuditEntry.__table__

    def read(household_id: int) -> int:
        params = {"id": household_id, "user": user_id, "team": team_id, "today": date.today()}
        with engine.begin() as connection:
            for name, statement in statements.items():
                if name != "last_hash":
                    connection.execute(statement, params).all()
            previous = connection.execute(statements["last_hash"]).scalar() or GENESIS
            row = AuditEntry(
                at=datetime.now(UTC),
                user_id=user_id,
                username=username,
                client="127.0.0.1",
                action="household.view",
                household_id=household_id,
                detail={},
                previous_hash=previous,
            )
            kept = [c for c in audit.columns if c.name not in ("id", "entry_hash")]
            values = {c.name: getattr(row, c.key) for c in kept}
            connection.execute(audit.insert().values(**values, entry_hash=entry_hash(row)))
        return len(statements) + 1

    return read
