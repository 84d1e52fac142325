"""Documents on the file and the notifications of a referral, in the browser. A caseworker
working in Arabic on a 360-pixel screen photographs a son's civil ID from the member's link on
the household page (the camera input; the photo carries a GPS position and the device in EXIF),
finds it listed and downloads it as a JPEG with no camera data left; a renamed executable is
refused beside the file field and nothing is stored. A court document filed under protection is
neither listed to his teammate (English) nor downloadable by her (404), and a screener (Arabic)
gets 404 for the civil ID of the household at vetting. The focal point of the agency ticks
"E-mail me when work is waiting for me" on her account page; the caseworker refers the
household; she sees 1 beside "Notifications", the notification names the case, and the SMTP
server got one message for her, with the link and no case number or name; she follows the
link, then reads the same in Arabic. No page scrolls sideways, axe-core finds nothing serious,
and the Arabic pages show no English beyond their data."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

import config
from app import create_app
from app.attachments.models import Attachment
from app.core.dates import local_today
from app.extensions import db
from app.registry.models import Household
from app.workflow.stages import Stage
from tests.browser.conftest import ARTIFACTS
from tests.browser.support import Actor, Journey
from tests.factories import HouseholdFactory, MemberFactory
from tests.test_attachments import jpeg, pdf
from tests.test_notification_mail import inbox, subject_of, text_of  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

PHONE = 360
PAGE_SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth - innerWidth"
FOCAL_ADDRESS = "focal@ngo.example.org"
REASON = "استخراج البطاقة الموحدة للابن"
COURT_FILE = "محضر المحكمة.pdf"
# Data on a page (marked as such, or the test world's users "User Number 1", teams "Team A" and
# the agency's code "NGO" in a service's name) is left out of the check for English.
DATA = "bdi, [dir=ltr], [lang=en], .id"
NOT_ENGLISH = {"User", "Number", "Team", "NGO", "MOMD", "PDF", "JPEG", "PNG", "HEIC"}
WORDS = f"""(selector) => {{
    const copy = document.querySelector(selector).cloneNode(true);
    copy.querySelectorAll("{DATA}").forEach((element) => element.remove());
    return copy.textContent;
}}"""


@pytest.fixture
def app(database_url, tmp_path, inbox):  # noqa: F811
    """The live server's app, writing e-mail to the test's SMTP server."""
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = database_url
    settings.SQLALCHEMY_ENGINE_OPTIONS = {}
    settings.ATTACHMENTS_DIR = str(tmp_path / "attachments")
    settings.MAIL_SERVER, settings.MAIL_PORT = "127.0.0.1", inbox[1]
    settings.MAIL_SUPPRESS_SEND = False
    app = create_app(settings)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def household(world) -> Household:
    """A mother and her son in team A, assigned to caseworker.a; the focal point has an address."""
    son = MemberFactory(given_name_ar="يوسف", given_name_en="Yusuf", relationship="son", sex="M")
    found = HouseholdFactory(
        team=world.team_a,
        camp=world.camp,
        assigned_to=world.caseworker_a,
        members=[MemberFactory(), son],
    )
    world.focal.email = FOCAL_ADDRESS
    db.session.commit()
    return found


@pytest.fixture
def person(chromium, live_server):
    """A new person at a phone of their own: `person()`."""
    opened = []

    def actor() -> Actor:
        context = chromium.new_context(
            viewport={"width": PHONE, "height": 800}, accept_downloads=True
        )
        opened.append(context)
        return Actor(live_server, context, context.new_page())

    yield actor
    for context in opened:
        context.close()


def _look(journey: Journey, page, name: str, arabic: bool = True) -> None:
    """The page fits the phone, reads in Arabic when it should, and is kept with axe's verdict."""
    overflow = page.evaluate(PAGE_SCROLLS_SIDEWAYS)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {PHONE}px"
    if arabic:
        assert page.get_attribute("html", "lang") == "ar", name
        text = re.sub(r"\S*\d\S*", " ", page.evaluate(WORDS, "body"))  # digits: data
        words = set(re.findall(r"[A-Za-z]{2,}", text)) - NOT_ENGLISH
        assert not words, f"{name} shows English: {sorted(words)}"
    journey.shoot(page, name)


def _submit(page) -> None:
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _attach(page, field: str, file: dict, kind: str, group: str) -> None:
    page.set_input_files(f"#{field}", file)
    page.select_option("#kind", kind)
    page.select_option("#group", group)
    page.fill("#dated", local_today().isoformat())
    _submit(page)


def _stored() -> dict[str, Attachment]:
    db.session.expire_all()
    return {a.kind: a for a in db.session.scalars(sa.select(Attachment))}


def _waiting(page) -> str:
    """The count beside "Notifications" in the menu ("" when none)."""
    count = page.locator("nav a[href='/notifications/'] .waiting [aria-hidden=true]")
    return count.inner_text().strip() if count.count() else ""


def _refer(caseworker: Actor, household: Household) -> None:
    page = caseworker.page
    with page.expect_navigation():
        page.click(f"main a[href='/households/{household.id}/refer']")
    page.select_option("#service_id", index=1)
    page.fill("#reason", REASON)
    page.fill("#due_on", (local_today() + timedelta(days=7)).isoformat())
    page.fill("#consent_by", household.members[0].name_ar)
    page.fill("#consent_on", local_today().isoformat())
    page.select_option("#consent_method", index=1)
    _submit(page)
    assert re.search(r"/referrals/\d+$", page.url), caseworker.flash() or page.url


def test_a_civil_id_photographed_on_a_phone_and_a_referral_notified_in_two_languages(
    app,
    household,
    person,
    live_server,
    inbox,  # noqa: F811
    axe_source,
    tmp_path,
):
    journey = Journey(ARTIFACTS / "documents-and-notifications", axe_source)
    app.config["BASE_URL"] = live_server  # the e-mail's link leads to this server
    received, _port = inbox
    son = household.members[1]
    view = f"/households/{household.id}"

    # The focal point asks for e-mail on her account page (English).
    focal = person()
    focal.log_in("focal", "en", journey)
    focal.open("/account")
    assert FOCAL_ADDRESS in focal.page.inner_text("main")
    focal.page.check("#mail-email_notifications")
    with focal.page.expect_navigation():
        focal.page.click("button[name=mail-save]")
    assert focal.page.locator(".flash-success").count() == 1, focal.flash()
    assert focal.page.is_checked("#mail-email_notifications")
    assert _waiting(focal.page) == ""
    _look(journey, focal.page, "focal-account-en", arabic=False)

    # The caseworker (Arabic) photographs the son's civil ID from the household page.
    caseworker = person()
    caseworker.log_in("caseworker.a", "ar", journey)
    page = caseworker.page
    caseworker.open(view)
    assert page.locator("#attachments").is_visible()
    _look(journey, page, "household-ar")
    with page.expect_navigation():
        page.click(f"#attachments a[href$='/attachments/new?member_id={son.id}']")
    assert page.input_value("#member_id") == str(son.id)
    assert page.get_attribute("#photo", "capture") == "environment"
    assert page.get_attribute("#photo", "accept") == "image/*"
    _look(journey, page, "attach-form-ar")
    photo = {"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}
    _attach(page, "photo", photo, "civil_id", "documents")
    assert page.url.endswith(f"{view}#attachments"), caseworker.flash() or page.url
    assert page.locator(".flash-success").count() == 1, caseworker.flash()
    listed = page.locator("#attachments li:has(a[href$='/download'])")
    assert listed.count() == 1 and son.name_ar in listed.inner_text()
    _look(journey, page, "civil-id-listed-ar")
    with page.expect_download() as download:
        listed.locator("a[href$='/download']").click()
    assert download.value.suggested_filename.endswith(".jpg")
    content = Path(download.value.path()).read_bytes()
    kept = Image.open(io.BytesIO(content))
    assert kept.format == "JPEG" and kept.size == (480, 640)  # turned upright
    assert dict(kept.getexif()) == {} and b"Tablet T-100" not in content

    # A renamed executable: refused beside the file field, in Arabic, nothing stored.
    with page.expect_navigation():
        page.click("#attachments a.button[href$='/attachments/new']")
    exe = {"name": "scan.jpg", "mimeType": "image/jpeg", "buffer": b"MZ\x90\x00" + b"\0" * 300}
    _attach(page, "upload", exe, "civil_id", "documents")
    errors = page.locator("#upload-errors")
    assert errors.is_visible() and page.get_attribute("#upload", "aria-invalid") == "true"
    assert re.search(r"[\u0600-\u06FF]", errors.inner_text()), errors.inner_text()
    assert page.input_value("#kind") == "civil_id"
    assert list(_stored()) == ["civil_id"]
    assert len([p for p in (tmp_path / "attachments").rglob("*") if p.is_file()]) == 1
    _look(journey, page, "renamed-exe-refused-ar")

    # A court document under protection: only the assigned caseworker and the supervisor read it.
    court = {"name": COURT_FILE, "mimeType": "application/pdf", "buffer": pdf()}
    _attach(page, "upload", court, "court_document", "protection")
    assert page.url.endswith("#attachments"), caseworker.flash() or page.url
    assert COURT_FILE in page.inner_text("#attachments")
    stored = _stored()
    assert stored["court_document"].group == "protection"

    teammate = person()
    teammate.log_in("caseworker.a2", "en", journey)
    teammate.open(view)
    section = teammate.page.inner_text("#attachments")
    assert COURT_FILE not in section and "Court" not in section
    assert teammate.page.locator("#attachments a[href$='/download']").count() == 1  # the ID
    _look(journey, teammate.page, "household-teammate-en", arabic=False)
    refused = teammate.page.goto(
        f"{live_server}/attachments/{stored['court_document'].id}/download"
    )
    assert refused.status == 404
    _look(journey, teammate.page, "protection-download-404-en", arabic=False)

    # The caseworker refers the household to the focal point's agency.
    caseworker.open(view)
    _refer(caseworker, household)
    _look(journey, page, "referral-sent-ar")

    # The focal point: 1 beside "Notifications", the notification naming the case.
    focal.open("/referrals/inbox")
    assert household.case_number in focal.page.inner_text("main table")
    _look(journey, focal.page, "focal-inbox-en", arabic=False)
    entry = focal.page.locator("nav a[href='/notifications/']")
    assert "Notifications" in entry.inner_text() and _waiting(focal.page) == "1"
    with focal.page.expect_navigation():
        entry.click()
    unread = focal.page.locator("ol.notifications li.unread")
    assert unread.count() == 1
    said = f"New referral to your agency: case {household.case_number}."
    assert said in unread.inner_text(), unread.inner_text()
    _look(journey, focal.page, "focal-notifications-en", arabic=False)

    # One e-mail, to her: the link, and nothing of the household.
    assert len(received.messages) == 1
    (message,) = received.to(FOCAL_ADDRESS)
    subject, body = subject_of(message), text_of(message)
    assert subject == "Awda: work is waiting for you"
    link = f"{live_server}/notifications/"
    assert link in body and "1" in body
    names = [n for m in household.members for n in (m.name_ar, m.given_name_ar, m.given_name_en)]
    for private in (household.case_number, REASON, *names):
        assert private not in body and private not in subject, private
    focal.page.goto(link)
    assert focal.page.locator("ol.notifications li.unread").count() == 1

    # The same in Arabic.
    focal_ar = person()
    focal_ar.log_in("focal", "ar", journey)
    focal_ar.open("/notifications/")
    assert _waiting(focal_ar.page) == "1"
    unread = focal_ar.page.locator("ol.notifications li.unread")
    assert unread.count() == 1 and household.case_number in unread.inner_text()
    assert re.search(r"[\u0600-\u06FF]", unread.inner_text())
    _look(journey, focal_ar.page, "focal-notifications-ar")
    focal_ar.open("/referrals/inbox")
    assert household.case_number in focal_ar.page.inner_text("main table")
    _look(journey, focal_ar.page, "focal-inbox-ar")

    # A screener (Arabic) reads identity and vetting only: no civil ID of a household at vetting.
    db.session.get(Household, household.id).stage = Stage.VETTING
    db.session.commit()
    screener = person()
    screener.log_in("screener", "ar", journey)
    screener.open(view)
    assert household.case_number in screener.page.inner_text("h1")
    assert screener.page.locator("a[href$='/download']").count() == 0
    _look(journey, screener.page, "household-screener-ar")
    refused = screener.page.goto(f"{live_server}/attachments/{stored['civil_id'].id}/download")
    assert refused.status == 404
    _look(journey, screener.page, "documents-download-404-ar")

    assert not journey.violations, "\n".join(journey.violations)
