"""Demo agencies, camps, teams, batches and users, created once (get or create)."""

from __future__ import annotations

import base64
import hashlib
from datetime import date

import sqlalchemy as sa

from app.access.roles import Role
from app.auth import two_factor
from app.auth.models import User
from app.auth.services import UserInput, create_user, find_user
from app.extensions import db
from app.reference.models import Agency, Camp, ReturnBatch, Team
from app.referrals.models import AgencyService

DEMO_PASSWORD = "awda-demo-2026"  # noqa: S105 - printed for demo logins, by design

AGENCIES = (
    ("MOMD", "government", "Ministry of Migration and Displacement", "وزارة الهجرة والمهجرين"),
    ("NSS", "security", "National Security Service", "جهاز الأمن الوطني"),
    ("NINCOURT", "judiciary", "Nineveh Investigation Court", "محكمة تحقيق نينوى"),
    (
        "IHCHR",
        "commission",
        "Iraqi High Commission for Human Rights",
        "المفوضية العليا لحقوق الإنسان",
    ),
    ("IOM", "un", "International Organization for Migration", "المنظمة الدولية للهجرة"),
    ("UNHCR", "un", "UN Refugee Agency", "المفوضية السامية للأمم المتحدة لشؤون اللاجئين"),
    ("UNICEF", "un", "UN Children's Fund", "منظمة الأمم المتحدة للطفولة"),
    ("NAKHLA", "ngo", "Nakhla Legal Aid (demo NGO)", "نخلة للمساعدة القانونية (منظمة تجريبية)"),
)

CAMPS = (
    ("ALHOL", "SY", False, "al-Hol", "الهول"),
    ("ROJ", "SY", False, "Roj", "روج"),
    ("JEDDAH1", "IQ", True, "Jeddah-1 (al-Amal)", "الجدعة ١ (الأمل)"),
)

TEAMS = (("Jeddah-1 Team A", "MOMD"), ("Jeddah-1 Team B", "NAKHLA"))

# agency, service, field groups it may receive besides the identity
SERVICES = (
    ("MOMD", "civil_documentation", "documents"),
    ("NAKHLA", "legal_aid", "contact,documents"),
    ("IOM", "psychosocial", "contact,vulnerabilities,protection"),
    ("IOM", "livelihoods", "contact"),
    ("UNICEF", "child_protection", "contact,vulnerabilities,protection"),
    ("UNICEF", "education", "documents"),
    ("UNHCR", "shelter", "contact,vulnerabilities"),
)

BATCHES = (
    ("B-2026-01", date(2026, 1, 14), "ALHOL"),
    ("B-2026-02", date(2026, 3, 3), "ALHOL"),
    ("B-2026-03", date(2026, 5, 19), "ROJ"),
    ("B-2026-04", date(2026, 8, 6), "ALHOL"),
)

# username, full name, role, agency, team
USERS = (
    ("admin", "Samir Admin", Role.ADMIN, "MOMD", None),
    ("supervisor.a", "Layla Al-Obaidi", Role.SUPERVISOR, "MOMD", "Jeddah-1 Team A"),
    ("caseworker.a1", "Huda Al-Jubouri", Role.CASEWORKER, "MOMD", "Jeddah-1 Team A"),
    ("caseworker.a2", "Omar Al-Dulaimi", Role.CASEWORKER, "MOMD", "Jeddah-1 Team A"),
    # A second supervisor in team A: four eyes, so that supervisor.a's own requests (closure,
    # departure clearance, a disclosure) have someone to decide them (app.workflow.approvals).
    ("supervisor.a2", "Sara Al-Khafaji", Role.SUPERVISOR, "MOMD", "Jeddah-1 Team A"),
    ("supervisor.b", "Karim Al-Azzawi", Role.SUPERVISOR, "NAKHLA", "Jeddah-1 Team B"),
    ("caseworker.b1", "Noor Al-Shammari", Role.CASEWORKER, "NAKHLA", "Jeddah-1 Team B"),
    ("screener", "Ahmed Al-Kubaisi", Role.SCREENER, "NSS", None),
    # A second screener: a watch-list match is confirmed by two (app.watchlist.decisions).
    ("screener.b", "Mustafa Al-Rawi", Role.SCREENER, "NSS", None),
    ("focal.iom", "Maryam Al-Hadidi", Role.AGENCY_FOCAL, "IOM", None),
    ("focal.nakhla", "Zaid Al-Rubaie", Role.AGENCY_FOCAL, "NAKHLA", None),
    ("focal.nss", "Hassan Al-Tamimi", Role.AGENCY_FOCAL, "NSS", None),
    ("reporting", "Yasir Al-Jumaili", Role.REPORTING_OFFICER, "UNHCR", None),
    ("auditor", "Rana Al-Hashimi", Role.AUDITOR, "IHCHR", None),
    ("records", "Dina Al-Saadi", Role.RECORDS_OFFICER, "MOMD", None),
)


def _get_or_create(model, where: dict, **values):
    row = db.session.scalar(sa.select(model).filter_by(**where))
    if row is None:
        row = model(**where, **values)
        db.session.add(row)
        db.session.flush()
    return row


def ensure_reference() -> None:
    agencies = {
        code: _get_or_create(Agency, {"code": code}, kind=kind, name_en=en, name_ar=ar)
        for code, kind, en, ar in AGENCIES
    }
    camps = {
        code: _get_or_create(
            Camp, {"code": code}, country=country, is_centre=centre, name_en=en, name_ar=ar
        )
        for code, country, centre, en, ar in CAMPS
    }
    for name, agency in TEAMS:
        _get_or_create(Team, {"name": name}, agency=agencies[agency])
    for code, service, groups in SERVICES:
        _get_or_create(
            AgencyService,
            {"agency_id": agencies[code].id, "service": service},
            allowed_groups=f"identity,{groups}",
        )
    for number, departure, origin in BATCHES:
        _get_or_create(
            ReturnBatch,
            {"number": number},
            departure_date=departure,
            origin_camp=camps[origin],
            destination_camp=camps["JEDDAH1"],
        )


def ensure_users() -> list[User]:
    users = []
    for username, full_name, role, agency, team in USERS:
        user = find_user(username) or create_user(
            UserInput(
                username=username,
                full_name=full_name,
                role=role.value,
                agency_code=agency,
                team_name=team,
            ),
            DEMO_PASSWORD,
        )
        if two_factor.required(user) and not user.totp_secret:
            two_factor.provision(user, demo_totp_key(username))
        users.append(user)
    return users


def demo_totp_key(username: str) -> str:
    """A fixed two-step key per demo user, printed with the logins, so that a trial can add it
    to an authenticator app. Demo data only: real accounts enrol with a random key."""
    digest = hashlib.sha256(f"awda-demo:{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def demo_already_loaded() -> bool:
    return find_user(USERS[0][0]) is not None
