"""E-mail notifications against a real SMTP server (aiosmtpd, started here on a free port):
sent only to those who asked, in their language, with a count and a link and nothing about a
returnee; a morning digest of unread and overdue work; nothing when no server is configured
or the server is down."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

import config
from app import create_app, jobs
from app.core.dates import local_today
from app.extensions import db
from app.notifications import mailing
from app.notifications.models import Kind, Notification, Target
from app.referrals.models import AgencyService
from app.referrals.services import ReferralInput, refer
from app.tasks.models import Task
from tests.factories import HouseholdFactory


class Inbox:
    """What the SMTP server received: one `email.message.Message` per recipient."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        for _recipient in envelope.rcpt_tos:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox():
    received = Inbox()
    server = Controller(received, hostname="127.0.0.1", port=free_port())
    server.start()
    yield received, server.port
    server.stop()


@pytest.fixture
def app(database_url, tmp_path, inbox):
    """The app, writing to the test's SMTP server."""
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = database_url
    settings.SQLALCHEMY_ENGINE_OPTIONS = {}
    settings.ATTACHMENTS_DIR = str(tmp_path / "attachments")
    settings.MAIL_SERVER, settings.MAIL_PORT = "127.0.0.1", inbox[1]
    settings.MAIL_SUPPRESS_SEND = False  # Flask-Mail keeps test mail to itself otherwise
    settings.BASE_URL = "https://awda.example.org"
    app = create_app(settings)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def text_of(message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def send_referral(world, household):
    """Team A refers the household to the focal point's agency, committed as a request is."""
    service = AgencyService(
        agency=world.focal.agency, service="legal_aid", allowed_groups="identity"
    )
    db.session.add(service)
    db.session.flush()
    data = ReferralInput(
        service_id=service.id,
        member_id=None,
        reason="Papers for the children",
        urgency="routine",
        due_on=local_today() + timedelta(days=3),
        groups=[],
        consent_by="Suad Hassan",
        consent_on=local_today(),
        consent_method="verbal",
    )
    referral = refer(household, data, world.caseworker_a)
    db.session.commit()
    jobs.launch_committed()
    return referral


@pytest.fixture
def household(world):
    found = HouseholdFactory(team=world.team_a, camp=world.camp, assigned_to=world.caseworker_a)
    db.session.commit()
    return found


def asks_for_mail(user, locale: str = "en", address: str = "focal@ngo.example.org"):
    user.email, user.email_notifications, user.locale = address, True, locale
    db.session.commit()


def test_a_focal_point_who_asked_is_written_to_in_arabic_with_a_count_and_a_link_only(
    world, household, inbox
):
    asks_for_mail(world.focal, "ar")
    send_referral(world, household)
    (message,) = inbox[0].to("focal@ngo.example.org")
    assert subject_of(message) == "عودة: عمل بانتظارك"
    body = text_of(message)
    assert "https://awda.example.org/notifications/" in body and "1" in body
    member = household.members[0]
    for private in (household.case_number, member.given_name_ar, "Papers", "Suad"):
        assert private not in body and private not in subject_of(message)


def test_nobody_is_written_to_who_did_not_ask(world, household, inbox):
    world.focal.email = "focal@ngo.example.org"  # an address, but no choice made
    db.session.commit()
    send_referral(world, household)
    assert inbox[0].messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


def test_without_a_server_no_mail_is_asked_for(app, world, household, inbox):
    app.config["MAIL_SERVER"] = ""
    asks_for_mail(world.focal)
    send_referral(world, household)
    assert inbox[0].messages == []


def test_a_server_that_is_down_loses_the_mail_not_the_work(app, world, household, inbox):
    asks_for_mail(world.focal)
    app.extensions["mail"].server = "127.0.0.1"
    app.extensions["mail"].port = free_port()  # nobody listens there
    referral = send_referral(world, household)
    assert inbox[0].messages == [] and referral.state == "sent"


def test_the_morning_digest_counts_unread_and_overdue_work(world, household, inbox):
    asks_for_mail(world.caseworker_a, "en", "cw@momd.example.org")
    for kind in (Kind.TASK_OVERDUE, Kind.TASK_DUE_TOMORROW):
        task = Task(household=household, title="Civil-status office", due_on=local_today())
        task.assigned_to = world.caseworker_a
        db.session.add(task)
        db.session.flush()
        db.session.add(
            Notification(
                user_id=world.caseworker_a.id,
                kind=kind,
                household_id=household.id,
                target_type=Target.TASK,
                target_id=task.id,
            )
        )
    db.session.commit()
    assert mailing.daily_digest() == 1
    (message,) = inbox[0].to("cw@momd.example.org")
    assert subject_of(message) == "Awda: your day's work"
    assert "Notifications waiting for you in Awda: 2, of them about overdue work: 1" in text_of(
        message
    )


def test_a_user_turns_e_mail_on_and_off_on_the_account_page(world, login):
    caseworker = login("caseworker_a")
    page = caseworker.get("/account").get_data(True)
    assert "never a name or a case number" in page
    caseworker.post("/account", {"mail-email_notifications": "y", "mail-save": "1"})
    assert db.session.get(type(world.caseworker_a), world.caseworker_a.id).email_notifications
    caseworker.post("/account", {"mail-save": "1"})
    db.session.expire_all()
    assert not db.session.get(type(world.caseworker_a), world.caseworker_a.id).email_notifications
