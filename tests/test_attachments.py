"""Documents and photos on the file: checked by their content (a renamed executable, a PDF
with JavaScript, a truncated or 50-megapixel photo are refused beside the file field, nothing
stored), photos kept without their camera data, downloaded only as files by those who see
their field group (or an agency a referral shares it with), removed with a reason."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from app.attachments import checking
from app.attachments.models import Attachment
from app.audit.models import AuditEntry
from app.core.dates import local_today
from app.extensions import db
from app.workflow.stages import Stage
from tests.factories import HouseholdFactory
from tests.test_print import _pdf_text

MAX = 10 * 1024 * 1024


def jpeg(width: int = 640, height: int = 480, gps: bool = True) -> bytes:
    """A camera's JPEG: with its device, orientation and (if `gps`) a GPS position in EXIF."""
    image = Image.new("RGB", (width, height), (180, 40, 40))
    exif = Image.Exif()
    exif[0x0110] = "Tablet T-100"  # model
    exif[0x0112] = 6  # orientation: turned 90°
    if gps:
        exif[0x8825] = {1: "N", 2: (36.0, 20.0, 0.0), 3: "E", 4: (43.0, 8.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def pdf(javascript: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(300, 400)
    if javascript:
        action = {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def household(world):
    found = HouseholdFactory(team=world.team_a, camp=world.camp, assigned_to=world.caseworker_a)
    db.session.commit()
    return found


def add(browser, household, content: bytes, filename: str = "id.jpg", **fields):
    data = {
        "kind": "civil_id",
        "group": "documents",
        "dated": "2026-11-01",
        "member_id": str(household.members[0].id),
        "upload": (io.BytesIO(content), filename),
        **fields,
    }
    url = f"/households/{household.id}/attachments/new"
    return browser.post(url, data, content_type="multipart/form-data")


def stored() -> list[Attachment]:
    return list(db.session.scalars(sa.select(Attachment)))


def files_in(app) -> list[Path]:
    return [p for p in Path(app.config["ATTACHMENTS_DIR"]).rglob("*") if p.is_file()]


def test_a_photo_is_kept_upright_and_without_its_camera_data(app, login, household):
    caseworker = login("caseworker_a")
    assert add(caseworker, household, jpeg()).status_code == 302
    (attachment,) = stored()
    response = caseworker.get(f"/attachments/{attachment.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "image/jpeg"
    photo = Image.open(io.BytesIO(response.data))
    assert photo.size == (480, 640)  # turned upright from its orientation
    assert dict(photo.getexif()) == {}  # no device, no GPS, no orientation left
    assert b"Tablet T-100" not in response.data
    assert [p.name for p in files_in(app)] == [attachment.sha256]  # named by content only


@pytest.mark.parametrize(
    ("content", "filename", "told"),
    [
        (b"", "empty.jpg", "The file is empty"),
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "scan.jpg", "this file is another kind"),
        (b"<html><script>alert(1)</script></html>", "id.pdf", "this file is another kind"),
        (pdf(javascript=True), "form.pdf", "JavaScript"),
        (jpeg()[:1500], "cut.jpg", "damaged or incomplete"),
        (jpeg(10_000, 5_000, gps=False), "huge.jpg", "50 megapixels"),
    ],
    ids=["empty", "renamed-exe", "html", "pdf-javascript", "truncated-jpeg", "50-megapixels"],
)
def test_bad_files_are_refused_beside_the_field_and_nothing_is_stored(
    app, login, household, content, filename, told
):
    response = add(login("caseworker_a"), household, content, filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and told in page
    assert 'value="civil_id" selected' in page or 'selected value="civil_id"' in page
    assert stored() == [] and files_in(app) == []


def test_a_file_name_with_a_path_and_direction_overrides_is_shown_cleaned(login, household):
    name = "..\\..\\etc/\u202epasswd\u202c\u200f.jpg"
    assert add(login("caseworker_a"), household, jpeg(), name).status_code == 302
    (attachment,) = stored()
    assert attachment.filename == "passwd.jpg"


def test_only_readers_of_its_group_download_it(world, login, household):
    household.stage = Stage.VETTING  # so that screeners see the household (identity only)
    db.session.commit()
    add(
        login("caseworker_a"),
        household,
        pdf(),
        "court.pdf",
        kind="court_document",
        group="protection",
    )
    add(login("caseworker_a"), household, jpeg(), "id.jpg")
    by_kind = {a.kind: a for a in stored()}
    court, civil_id = by_kind["court_document"], by_kind["civil_id"]
    # The protection group: the assigned caseworker and the supervisor, not a teammate.
    assert login("caseworker_a").get(f"/attachments/{court.id}/download").status_code == 200
    assert login("supervisor_a").get(f"/attachments/{court.id}/download").status_code == 200
    teammate = login("caseworker_a2")
    assert teammate.get(f"/attachments/{court.id}/download").status_code == 404
    assert "court.pdf" not in teammate.get(f"/households/{household.id}").get_data(True)
    assert teammate.get(f"/attachments/{civil_id.id}/download").status_code == 200
    # A screener reads identity and vetting, not documents; another team nothing; a reporting
    # officer never reads a file.
    for outsider in ("screener", "caseworker_b", "supervisor_b", "focal"):
        assert login(outsider).get(f"/attachments/{civil_id.id}/download").status_code == 404
    assert login("reporting").get(f"/attachments/{civil_id.id}/download").status_code == 403


def test_every_upload_and_download_is_audited(login, household):
    caseworker = login("caseworker_a")
    add(caseworker, household, jpeg())
    (attachment,) = stored()
    caseworker.get(f"/attachments/{attachment.id}/download")
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "case.attachment_added" in actions and "attachments.downloaded" in actions


def test_removing_asks_a_reason_keeps_the_line_and_deletes_the_file(app, login, household):
    caseworker = login("caseworker_a")
    add(caseworker, household, jpeg())
    (attachment,) = stored()
    url = f"/attachments/{attachment.id}/remove"
    refused = caseworker.post(url, {"reason": "  "})
    assert refused.status_code == 422 and "Say why" in refused.get_data(True)
    assert files_in(app) != []
    assert caseworker.post(url, {"reason": "Scanned the wrong card"}).status_code == 302
    assert files_in(app) == []
    page = caseworker.get(f"/households/{household.id}").get_data(True)
    assert "Scanned the wrong card" in page
    assert caseworker.get(f"/attachments/{attachment.id}/download").status_code == 404


def test_the_same_scan_twice_is_stored_once_and_kept_while_one_holds_it(app, login, household):
    caseworker = login("caseworker_a")
    content = pdf()
    add(caseworker, household, content, "a.pdf")
    add(caseworker, household, content, "b.pdf")
    first, _second = stored()
    assert len(files_in(app)) == 1
    caseworker.post(f"/attachments/{first.id}/remove", {"reason": "Twice"})
    assert len(files_in(app)) == 1  # the other attachment still holds it


def test_a_group_the_uploader_does_not_see_is_refused(login, household):
    response = add(login("caseworker_a2"), household, jpeg(), group="protection")
    assert response.status_code == 422 and stored() == []


@pytest.mark.parametrize("dated", ["2999-01-01", "0001-01-01", "1899-12-31"])
def test_a_date_outside_1900_to_today_is_refused_beside_its_field(login, household, dated):
    response = add(login("caseworker_a"), household, jpeg(), dated=dated)
    assert response.status_code == 422 and "from 1900 to today" in response.get_data(True)
    assert stored() == []


def test_a_jpeg_comment_and_xmp_do_not_survive(login, household):
    """Not only EXIF: a JPEG's comment and XMP packet may name a person or a place."""
    image, out = Image.new("RGB", (64, 48), (1, 2, 3)), io.BytesIO()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Heba Al-Samarraie, 36.5N</x:xmpmeta>'
    image.save(out, "JPEG", comment=b"GPS 36.5N 40.75E Heba Al-Samarraie", xmp=xmp)
    caseworker = login("caseworker_a")
    assert add(caseworker, household, out.getvalue()).status_code == 302
    (attachment,) = stored()
    kept = caseworker.get(f"/attachments/{attachment.id}/download").data
    assert b"Samarraie" not in kept and b"GPS" not in kept and b"xmpmeta" not in kept
    assert Image.open(io.BytesIO(kept)).size == (64, 48)


def test_a_pdf_with_an_owner_password_only_opens_and_is_accepted(login, household):
    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(300, 400)
    writer.encrypt(user_password="", owner_password="registry-office")
    writer.write(out)
    assert add(login("caseworker_a"), household, out.getvalue(), "bank.pdf").status_code == 302


def test_a_pdf_that_needs_a_password_to_open_is_refused(login, household):
    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(300, 400)
    writer.encrypt(user_password="secret", owner_password="secret")
    writer.write(out)
    response = add(login("caseworker_a"), household, out.getvalue(), "locked.pdf")
    assert response.status_code == 422 and "protected by a password" in response.get_data(True)


def test_a_refused_photo_is_told_beside_the_camera_input(login, household):
    data = {
        "kind": "photo",
        "group": "identity",
        "dated": "2026-11-01",
        "photo": (io.BytesIO(b"GIF89a" + b"\x00" * 64), "IMG_0001.gif"),
    }
    url = f"/households/{household.id}/attachments/new"
    page = login("caseworker_a").post(url, data, content_type="multipart/form-data")
    html = page.get_data(True)
    assert page.status_code == 422 and 'id="photo-errors"' in html and "Most Compatible" in html


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_any_bytes_are_stored_as_a_checked_type_or_refused(content):
    """For any input the checker answers one of the three types or refuses it with a message:
    nothing else gets through, and it never fails otherwise."""
    try:
        fit = checking.checked(content, MAX, 40)
    except checking.Refused as refused:
        assert str(refused.message)
        return
    assert fit.content_type in checking.ALLOWED


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 60), st.integers(1, 60), st.sampled_from(["JPEG", "PNG"]))
def test_any_photo_comes_back_as_a_photo_of_the_same_size(width, height, kind):
    image = Image.new("RGB", (width, height), (10, 200, 10))
    out = io.BytesIO()
    image.save(out, kind)
    fit = checking.checked(out.getvalue(), MAX, 40)
    assert Image.open(io.BytesIO(fit.content)).size == (width, height)
    assert fit.content_type == f"image/{kind.lower()}"


def test_the_date_defaults_to_nothing_and_the_member_is_chosen_from_the_link(login, household):
    member = household.members[0]
    url = f"/households/{household.id}/attachments/new?member_id={member.id}&kind=photo"
    page = login("caseworker_a").get(url).get_data(True)
    assert (
        f'<option selected value="{member.id}"' in page or f'value="{member.id}" selected' in page
    )
    assert 'capture="environment"' in page  # the tablet's camera
    assert local_today().isoformat() in page  # the latest date allowed (the centre's day)


def _referral(world, household, groups: str, state: str = "sent"):
    from app.referrals.models import AgencyService, Referral

    service = db.session.scalar(sa.select(AgencyService)) or AgencyService(
        agency=world.focal.agency, service="legal_aid", allowed_groups="identity,documents"
    )
    referral = Referral(
        household=household,
        agency=world.focal.agency,
        service=service,
        reason="Civil documentation",
        urgency="routine",
        due_on=local_today(),
        groups=groups,
        state=state,
        created_by=world.caseworker_a,
    )
    db.session.add_all([service, referral])
    db.session.commit()
    return referral


def test_a_referral_shares_the_attachments_of_the_groups_it_shares_while_open(
    world, login, household
):
    caseworker = login("caseworker_a")
    add(caseworker, household, jpeg(), "id.jpg")
    add(caseworker, household, pdf(), "court.pdf", kind="court_document", group="protection")
    add(caseworker, household, jpeg(), "face.jpg", kind="photo", group="identity")
    by_kind = {a.kind: a for a in stored()}
    referral = _referral(world, household, "identity,documents")
    focal = login("focal")
    page = focal.get(f"/referrals/{referral.id}").get_data(True)
    assert "id.jpg" in page and "court.pdf" not in page
    # Every referral carries the identity; its photos of people stay with the team.
    assert "face.jpg" not in page
    assert focal.get(f"/attachments/{by_kind['photo'].id}/download").status_code == 404
    assert focal.get(f"/attachments/{by_kind['civil_id'].id}/download").status_code == 200
    assert focal.get(f"/attachments/{by_kind['court_document'].id}/download").status_code == 404
    referral.state = "revoked"
    db.session.commit()
    assert focal.get(f"/attachments/{by_kind['civil_id'].id}/download").status_code == 404
    identity_only = _referral(world, household, "identity")
    assert "id.jpg" not in focal.get(f"/referrals/{identity_only.id}").get_data(True)


def test_the_printed_file_lists_the_attachments_its_reader_sees_not_their_content(login, household):
    caseworker = login("caseworker_a")
    add(caseworker, household, jpeg(), "id.jpg")
    add(caseworker, household, pdf(), "court.pdf", kind="court_document", group="protection")
    text = _pdf_text(caseworker, household)
    assert "id.jpg" in text and "court.pdf" in text
    assert "%PDF" not in text.replace("file.pdf", "")
    teammate = _pdf_text(login("caseworker_a2"), household)
    assert "id.jpg" in teammate and "court.pdf" not in teammate


def test_an_approved_disclosure_hands_over_the_documents_of_its_groups_as_they_stood(
    world, login, household
):
    from app.core.db import utcnow
    from app.transfers.models import APPROVED, Disclosure

    caseworker = login("caseworker_a")
    add(caseworker, household, jpeg(), "id.jpg")
    disclosure = Disclosure(
        household=household,
        agency=world.focal.agency,
        agreement_reference="DSA-2026-04",
        purpose="Court summons",
        groups="identity,documents",
        requested_by=world.caseworker_a2,
        state=APPROVED,
        decided_by=world.supervisor_a,
        decided_at=utcnow(),
    )
    db.session.add(disclosure)
    db.session.commit()
    add(caseworker, household, pdf(), "later.pdf", kind="birth_certificate")
    by_kind = {a.kind: a for a in stored()}
    focal = login("focal")
    page = focal.get(f"/disclosures/{disclosure.id}").get_data(True)
    assert "id.jpg" in page and "later.pdf" not in page
    assert focal.get(f"/attachments/{by_kind['civil_id'].id}/download").status_code == 200
    later = by_kind["birth_certificate"].id
    assert focal.get(f"/attachments/{later}/download").status_code == 404


def test_a_truncated_photo_is_refused_even_after_a_pdf_was_printed(login, household, monkeypatch):
    """WeasyPrint, imported to print the file, turns Pillow's truncated-image switch on for the
    whole process: the check must not depend on it."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    response = add(login("caseworker_a"), household, jpeg()[:1500], "cut.jpg")
    assert response.status_code == 422 and "damaged or incomplete" in response.get_data(True)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as it was found
