"""Every value that reaches a reader, on a page, in a PDF or in a download, is written for the
reader's language: stage names translated, dates and lists formatted by Babel (never ISO, never
the American 11/30/26), and marks such as "<5" kept left to right inside Arabic text."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from app.core.dates import local_today, start_of_local_day
from app.extensions import db
from app.history.models import CaseEvent
from app.referrals.models import AgencyService, Referral
from app.registry.models import MemberDocument
from app.workflow.stages import STAGE_LABELS, Stage
from tests.factories import HouseholdFactory, MemberFactory

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
US_SHORT_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2}\b")
ENGLISH_STAGES = [str(label) for label in STAGE_LABELS.values()]


def _visible(page: str) -> str:
    """What a reader sees of an HTML page: its body's text, without tags or attributes (where
    a `<time datetime>` rightly keeps its ISO date for machines)."""
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def _pdf_text(response) -> str:
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _no_english_stage(text: str) -> None:
    found = [name for name in ENGLISH_STAGES if name in text]
    assert not found, found


def _arabic(label) -> str:
    with force_locale("ar"):
        return str(label)


@pytest.fixture
def last_month_caseload(world):
    """Households registered in the last month that has ended: 6 in vetting, 2 registered."""
    first = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    for i in range(8):
        household = HouseholdFactory(
            team=world.team_a, camp=world.camp, origin_governorate=world.ninewa
        )
        household.stage = "vetting" if i < 6 else "registered"
        household.created_at = start_of_local_day(first) + timedelta(hours=10)
    db.session.commit()
    return first.strftime("%Y-%m")


def _arabic_reader(world, role_key: str):
    world.user(role_key).locale = "ar"
    db.session.commit()


def test_figures_speak_arabic_on_the_page_and_in_every_download(world, login, last_month_caseload):
    """The issue's instances: stage names in English on the figures page and in CSV, XLSX and
    HXL; "<5" shown as "5>"; numbers apart from their headers."""
    _arabic_reader(world, "reporting")
    browser = login("reporting")
    query = f"unit=households&rows=stage&period={last_month_caseload}"
    vetting, registered = (
        _arabic(STAGE_LABELS[Stage.VETTING]),
        _arabic(STAGE_LABELS[Stage.REGISTERED]),
    )

    page = browser.get(f"/reports/?{query}").get_data(as_text=True)
    shown = _visible(page)
    assert vetting in shown and registered in shown
    _no_english_stage(shown)
    assert '<bdi dir="ltr">&lt;5</bdi>' in page  # kept "<5", not "5>"
    assert '<th scope="col" class="number">' in page  # the count's header sits above it

    text = browser.get(f"/reports/download/csv?{query}").get_data(as_text=True)
    assert vetting in text and "\u2066<5\u2069" in text
    _no_english_stage(text)
    assert not ISO_DATE.search(text), ISO_DATE.search(text)

    book = openpyxl.load_workbook(io.BytesIO(browser.get(f"/reports/download/xlsx?{query}").data))
    cells = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
    assert vetting in cells and "\u2066<5\u2069" in cells
    _no_english_stage(" ".join(cells))
    assert not any(ISO_DATE.search(cell) for cell in cells)

    hxl_text = browser.get(f"/reports/download/hxl?{query}").get_data(as_text=True)
    _no_english_stage(hxl_text)
    lines = list(csv.reader(io.StringIO(hxl_text.lstrip("\ufeff"))))
    tags = next(line for line in lines if line and line[0].startswith("#"))
    dated = tags.index("#date+reported")
    # Dates for machines are ISO in the #date column, and nowhere else.
    assert not any(
        ISO_DATE.search(cell) for line in lines for i, cell in enumerate(line) if i != dated
    )

    pdf = _pdf_text(browser.get(f"/reports/download/pdf?{query}"))
    _no_english_stage(pdf)
    assert not ISO_DATE.search(pdf) and not US_SHORT_DATE.search(pdf)


def test_the_period_is_named_in_the_readers_language(world, login, last_month_caseload):
    _arabic_reader(world, "reporting")
    browser = login("reporting")
    page = browser.get(f"/reports/?unit=households&rows=stage&period={last_month_caseload}")
    year = last_month_caseload[:4]
    with force_locale("ar"):
        from babel.dates import format_skeleton

        month = date.fromisoformat(f"{last_month_caseload}-01")
        named = format_skeleton("yMMMM", month, locale="ar")
    assert named in _visible(page.get_data(as_text=True)) and year in named


def test_the_household_history_dates_a_task_in_the_readers_language(world, login):
    """The issue's instance: "Task added: … (due 2026-11-30)" in the household's history."""
    household = HouseholdFactory(team=world.team_a, assigned_to=world.caseworker_a)
    db.session.add(
        CaseEvent(
            household_id=household.id,
            kind="task_created",
            detail={"title": "Home visit", "due_on": "2026-11-30"},
        )
    )
    _arabic_reader(world, "caseworker_a")
    page = login("caseworker_a").get(f"/households/{household.id}").get_data(as_text=True)
    shown = _visible(page)
    assert "Home visit" in shown and "30\u200f/11\u200f/2026" in shown
    assert not ISO_DATE.search(shown), ISO_DATE.search(shown)


def test_the_focal_points_referral_view_dates_and_lists_in_the_readers_language(world, login):
    """The issue's instances: the birth date of a shared member as ISO; a list joined by a
    Latin comma inside Arabic."""
    service = AgencyService(
        agency=world.focal.agency, service="legal_aid", allowed_groups="identity,contact,documents"
    )
    db.session.add(service)
    head = MemberFactory(birth_date=date(1990, 5, 17))
    head.documents.append(MemberDocument(kind="civil_id"))
    household = HouseholdFactory(
        team=world.team_a, assigned_to=world.caseworker_a, camp=world.camp, members=[head]
    )
    sent = login("caseworker_a").post(
        f"/households/{household.id}/refer",
        {
            "service_id": service.id,
            "member_id": "",
            "reason": "Marriage certificate lost in the camp",
            "urgency": "priority",
            "due_on": (local_today() + timedelta(days=1)).isoformat(),
            "groups": ["contact", "documents"],
            "consent_by": "Salma",
            "consent_on": local_today().isoformat(),
            "consent_method": "verbal",
        },
    )
    assert sent.status_code == 302
    _arabic_reader(world, "focal")
    inbox = login("focal")
    db.session.expire_all()
    referral_id = db.session.scalars(sa.select(Referral.id)).one()
    page = inbox.get(f"/referrals/{referral_id}").get_data(as_text=True)
    shown = _visible(page)
    assert "17\u200f/05\u200f/1990" in shown
    assert not ISO_DATE.search(shown), ISO_DATE.search(shown)
    with force_locale("ar"):
        identity = gettext("Identity")
    listed = re.search(re.escape(identity) + r"[^<]*", page).group(0)
    assert ", " not in listed and " و" in listed, listed


def test_printed_files_never_use_a_two_digit_year(world, login):
    """The issue's instance: "11/30/26" in PDFs, read the other way round in Iraq."""
    household = HouseholdFactory(team=world.team_a, assigned_to=world.caseworker_a)
    db.session.add(CaseEvent(household_id=household.id, kind="note", detail={}))
    db.session.commit()
    text = _pdf_text(login("caseworker_a").get(f"/households/{household.id}/file.pdf"))
    assert "Printed by" in text
    assert not US_SHORT_DATE.search(text), US_SHORT_DATE.search(text)
