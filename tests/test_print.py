"""A household's file printed to PDF: the Arabic name is text (shaped, searchable), the reader's
field groups cut it like the page, and every print is in the audit trail."""

from __future__ import annotations

import io

import sqlalchemy as sa
from pypdf import PdfReader

from app.audit.models import AuditEntry
from app.extensions import db
from app.registry.models import Household
from tests.forms import register_at_risk

FULL_NAME_AR = "فاطمة أحمد إبراهيم الجبوري"


def _pdf_text(browser, household: Household) -> str:
    response = browser.get(f"/households/{household.id}/file.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f'filename="{household.case_number}.pdf"' in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    # Words as read, whatever the line breaks of a table cell.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_pdf_carries_the_arabic_name_as_text(world, login):
    household = register_at_risk(world, login)
    text = _pdf_text(login("caseworker_a"), household)
    assert FULL_NAME_AR in text
    assert household.case_number in text
    assert "Sexual violence risk" in text  # the assigned caseworker reads protection needs


def test_an_arabic_reader_gets_the_file_in_arabic(world, login):
    household = register_at_risk(world, login)
    world.caseworker_a.locale = "ar"
    db.session.commit()
    text = _pdf_text(login("caseworker_a"), household)
    assert FULL_NAME_AR in text
    assert "الأفراد" in text and "Members" not in text


def test_the_pdf_is_cut_to_the_readers_field_groups(world, login):
    household = register_at_risk(world, login)
    text = _pdf_text(login("caseworker_a2"), household)  # a teammate, not assigned
    assert FULL_NAME_AR in text
    assert "Sexual violence" not in text and "SV-VA" not in text
    assert "Protection needs: restricted" in text


def test_outside_the_scope_there_is_no_pdf(world, login):
    household = register_at_risk(world, login)
    for stranger in ("caseworker_b", "screener"):
        assert login(stranger).get(f"/households/{household.id}/file.pdf").status_code == 404
    for no_case_role in ("reporting", "admin"):
        assert login(no_case_role).get(f"/households/{household.id}/file.pdf").status_code == 403


def test_each_print_is_audited(world, login):
    household = register_at_risk(world, login)
    _pdf_text(login("supervisor_a"), household)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "household.print"))
    assert entry is not None and entry.household_id == household.id
    assert entry.user_id == world.supervisor_a.id
