"""Every POST form of the app, posted with hostile Unicode: no answer is a 5xx, and a refused
post leaves nothing half-written.

The POST rules are read from the app's URL map when the tests are collected, so a new POST rule is
fuzzed without anyone adding it here. Its URL arguments are made from their names (a fresh
household, approval request, task, hand-over, disclosure or referral for every example, as
`tests/test_access.py` makes them), it is posted by the role `ROLES` names (caseworker_a unless
said otherwise), and its fields are read from the page that holds its form: the rule's own GET,
else the page `FORM_PAGES` names. A rule whose arguments or form cannot be found fails, saying
what to add here.

Each example posts the form with its text fields (inputs, text areas and hidden fields) replaced
by fuzz: control characters and NUL, direction marks and overrides, zero-width characters,
Arabic-Indic digits, Arabic presentation forms, 5,000-character strings, lone surrogates, bytes
that are not UTF-8. The body is encoded here, so a lone surrogate travels as the raw UTF-8 bytes
ED A0 80 (percent-encoded, or raw in a multipart part), as a broken client would send it.
Every answer must be below 500, and a 4xx must leave every table (but the audit trail and the
failed-login counts) with as many rows as before. The same test then posts an acceptable form
with its text fields sent as file uploads.

Then the known faults one by one: a NUL in each field of the registration form, a text field
sent as a file, more member rows than a household may hold, a 5 MB body.

A failure names the rule, the role, the fields fuzzed with the kind of value (`odd-in-valid`,
`odd-only`, `random`, `long`, `not-utf8`) and the exception the server logged, with where.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import re
import secrets
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

import pyotp
import pytest
import sqlalchemy as sa
from flask import url_for
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

import config
from app import create_app
from app.admin.kinds import KINDS as REFERENCE_KINDS
from app.auth.models import LoginFailure, User
from app.core.dates import local_today
from app.extensions import db
from app.referrals.models import AgencyService, Referral
from app.referrals.states import CHANGES, RECEIVER
from app.registry.models import Household
from app.screening.kinds import HOUSEHOLD_KINDS, MEMBER_KINDS
from app.tasks.models import Task
from app.transfers.models import Disclosure, Transfer
from app.workflow.models import ApprovalRequest
from tests.factories import (
    PASSWORD,
    AgencyFactory,
    HouseholdFactory,
    MemberFactory,
    UserFactory,
    judged_pair,
)
from tests.forms import HEAD, SON, household_payload

MAX_EXAMPLES = 15
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # Shrinking would post hundreds more forms; each failure names its fields and values.
    phases=(Phase.explicit, Phase.generate),
    database=None,  # every rule's examples are drawn by the same inner function
    # The world is made once per rule and shared by its examples, on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FORM_BODY = "application/x-www-form-urlencoded"
# Written even when a request is refused: the audit trail and the failed-login counts.
NOT_COUNTED = frozenset({"audit_entries", "login_failures"})


# --- the POST rules, from the URL map -------------------------------------------------------------


# URL arguments that are not ids: the values each rule is fuzzed with, one test each.
STRING_ARGUMENTS: dict[tuple[str, str], Callable[[], list[str]]] = {
    ("admin.reference_new", "kind"): lambda: list(REFERENCE_KINDS),
    ("admin.reference_edit", "kind"): lambda: list(REFERENCE_KINDS),
    ("screening.household_form", "kind"): lambda: [k.key for k in HOUSEHOLD_KINDS],
    ("screening.member_form", "kind"): lambda: [k.key for k in MEMBER_KINDS],
    ("referrals.change", "action"): lambda: list(dict.fromkeys(c.action for c in CHANGES)),
}


@dataclass(frozen=True)
class Target:
    """One POST rule, with its string arguments chosen."""

    endpoint: str
    rule: str
    methods: frozenset[str]
    ids: tuple[str, ...]  # integer arguments, made per example
    fixed: tuple[tuple[str, str | None], ...] = ()  # string arguments (None: no value known)

    def __str__(self) -> str:
        chosen = ",".join(f"{v}" for _, v in self.fixed)
        return f"{self.endpoint}[{self.rule}{'|' + chosen if chosen else ''}]"

    def value(self, name: str) -> str | None:
        return dict(self.fixed).get(name)


@functools.cache
def post_targets() -> tuple[Target, ...]:
    settings_ = config.TestingConfig()
    settings_.SQLALCHEMY_DATABASE_URI = "sqlite://"  # only the URL map is read
    settings_.SQLALCHEMY_ENGINE_OPTIONS = {}  # not the pool of a TEST_DATABASE_URL server
    app = create_app(settings_)
    targets = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        # The JSON API takes JSON, not forms: tests/test_api.py and its matrix cover it. The
        # OAuth2 token endpoint takes a machine client's form that no page holds:
        # tests/test_api_oauth.py posts anything to it.
        if "POST" not in rule.methods or rule.endpoint.startswith(("api.", "oauth.")):
            continue
        converters = rule._converters
        ids = tuple(n for n in rule.arguments if isinstance(converters[n], IntegerConverter))
        words = sorted(set(rule.arguments) - set(ids))
        choices = [
            [(name, v) for v in STRING_ARGUMENTS.get((rule.endpoint, name), lambda: [None])()]
            for name in words
        ]
        for fixed in itertools.product(*choices):
            targets.append(
                Target(rule.endpoint, rule.rule, frozenset(rule.methods), ids, tuple(fixed))
            )
    return tuple(targets)


# --- fuzz values --------------------------------------------------------------------------------

CONTROLS = [chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))]
DIRECTION = list("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = list("\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad")
ARABIC_INDIC_DIGITS = [chr(c) for c in (*range(0x0660, 0x066A), *range(0x06F0, 0x06FA))]
PRESENTATION_FORMS = [chr(c) for c in range(0xFE70, 0xFF00)]
LONE_SURROGATES = st.integers(0xD800, 0xDFFF).map(chr)
# Bytes no UTF-8 encoder makes: a surrogate, an overlong "/", past U+10FFFF, cut short, stray.
NOT_UTF8 = [
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\xe2\x82",
    b"\x80",
]
LONG = 5000

odd_character = st.one_of(
    st.sampled_from(CONTROLS + ["\x00"] * 8),  # NUL more often: it breaks PostgreSQL
    st.sampled_from(DIRECTION + ZERO_WIDTH),
    st.sampled_from(ARABIC_INDIC_DIGITS + PRESENTATION_FORMS),
    LONE_SURROGATES,
)
any_character = st.one_of(odd_character, st.characters(codec=None), st.sampled_from("aZ7 فاطمة-"))


@dataclass(frozen=True)
class Fuzz:
    kind: str  # what sort of value, for the report
    value: str | bytes

    def __repr__(self) -> str:
        shown = repr(self.value)
        return f"{self.kind}:{shown[:80]}{'…' if len(shown) > 80 else ''}({len(self.value)})"


def _insert(good: str, odd: str, at: int) -> str:
    at = at % (len(good) + 1)
    return good[:at] + odd + good[at:]


def fuzz_values(good: str) -> st.SearchStrategy[Fuzz]:
    """Hostile values for a field whose acceptable value is `good`."""
    return st.one_of(
        # A valid value with one odd character in it: the likeliest to reach the database.
        st.builds(_insert, st.just(good), odd_character, st.integers(0, 200)).map(
            lambda v: Fuzz("odd-in-valid", v)
        ),
        st.text(odd_character, min_size=1, max_size=12).map(lambda v: Fuzz("odd-only", v)),
        st.text(any_character, max_size=40).map(lambda v: Fuzz("random", v)),
        st.text(any_character, min_size=1, max_size=20).map(
            lambda v: Fuzz("long", (v * (LONG // len(v) + 1))[:LONG])
        ),
        st.sampled_from(NOT_UTF8).map(lambda b: Fuzz("not-utf8", good.encode() + b)),
    )


def as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")


def urlencoded(pairs: list[tuple[str, str | bytes]]) -> bytes:
    def quote(value: str | bytes) -> str:
        return urllib.parse.quote_from_bytes(as_bytes(value), safe="")

    return "&".join(f"{quote(n)}={quote(v)}" for n, v in pairs).encode("ascii")


def multipart(pairs: list[tuple[str, str | bytes]], as_file: frozenset[str]) -> tuple[bytes, str]:
    """A multipart body; the fields named in `as_file` are sent as file uploads."""
    boundary = f"fuzz{secrets.token_hex(12)}"
    body = io.BytesIO()
    for name, value in pairs:
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'.encode())
        if name in as_file:
            body.write(b'; filename="value.txt"\r\nContent-Type: text/plain')
        body.write(b"\r\n\r\n" + as_bytes(value) + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


# --- reading a page's forms, as a browser would --------------------------------------------------

TEXT_INPUTS = frozenset(
    {"text", "search", "email", "tel", "url", "password", "number", "date", "time", "month"}
    | {"datetime-local", "week", "hidden"}
)


@dataclass
class Control:
    name: str
    kind: str  # an input's type, "select" or "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    checked: bool = False
    multiple: bool = False
    id: str = ""
    required: bool = False  # its label says so

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_INPUTS or self.kind == "textarea"

    @property
    def is_csrf(self) -> bool:
        return self.name.endswith("csrf_token")


@dataclass
class Form:
    action: str
    method: str
    controls: list[Control] = field(default_factory=list)
    buttons: list[tuple[str | None, str, str | None]] = field(default_factory=list)


@dataclass
class Submission:
    """What one submit button of one form posts, and where."""

    action: str
    controls: list[Control]
    button: tuple[str, str] | None

    def __repr__(self) -> str:
        return f"Submission({self.action}, button={self.button})"


class FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Control | None = None
        self._option: dict | None = None
        self._textarea: Control | None = None
        self._in_template = 0  # a <template>'s controls are not part of the form
        self.required_ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "template":
            self._in_template += 1
        if tag == "label" and "required" in a.get("class", "").split():
            self.required_ids.add(a.get("for", ""))
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        if self._form is None or self._in_template:
            return
        name, id_ = a.get("name"), a.get("id", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._form.buttons.append((name, a.get("value", ""), a.get("formaction")))
            elif name and kind not in ("button", "reset"):
                default = "on" if kind in ("checkbox", "radio") else ""
                self._form.controls.append(
                    Control(name, kind, a.get("value", default), checked="checked" in a, id=id_)
                )
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._form.buttons.append((name, a.get("value", ""), a.get("formaction")))
        elif tag == "select" and name:
            self._select = Control(name, "select", multiple="multiple" in a, id=id_)
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag == "textarea" and name:
            self._textarea = Control(name, "textarea", id=id_)
            self._form.controls.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template -= 1
        if tag == "option" or (tag == "select" and self._option is not None):
            self._close_option()
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:  # as browsers read it: one leading line break dropped
                value = self._textarea.value.replace("\r\n", "\n")
                self._textarea.value = value[1:] if value.startswith("\n") else value
            self._textarea = None
        elif tag == "form":
            self._form = None

    def _close_option(self):
        option, self._option = self._option, None
        if option is None or self._select is None:
            return
        value = option["value"] if option["value"] is not None else option["text"].strip()
        self._select.options.append(value)
        if option["selected"]:
            self._select.selected.append(value)


def submissions(page_url: str, html: str) -> list[Submission]:
    reader = FormReader()
    reader.feed(html)
    reader.close()
    found = []
    for form in reader.forms:
        if form.method != "post":
            continue
        for control in form.controls:
            control.required = bool(control.id) and control.id in reader.required_ids
        action = urllib.parse.urljoin(page_url, form.action or page_url)
        buttons = form.buttons or [(None, "", None)]
        for name, value, formaction in buttons:
            target = urllib.parse.urljoin(page_url, formaction) if formaction else action
            found.append(Submission(target, form.controls, (name, value) if name else None))
    return found


def posting_to(url: str, found: list[Submission]) -> list[Submission]:
    path = urllib.parse.urlsplit(url).path
    return [s for s in found if urllib.parse.urlsplit(s.action).path == path]


# --- the world each rule is fuzzed in ----------------------------------------------------------

ANONYMOUS = "anonymous"
IMPORT_FORMS = ("upload", "columns", "commit", "cancel", "resume")
TWO_FACTOR = "two_factor"  # a user with TOTP, halfway through logging in
# A user of their own for each example: the password it changes, or the lockout its wrong
# current passwords bring, is that example's alone.
OWN_PASSWORD = "own_password"
NEW_PASSWORD = "a fresh and long passphrase 9"
ROLES = {
    "auth.login": ANONYMOUS,
    "auth.second_factor": TWO_FACTOR,
    "auth.change_password": OWN_PASSWORD,
    "access.break_glass": "supervisor_a",
    "caseload.assign": "supervisor_a",
    "workflow.decide": "supervisor_a",
    "workflow.route_member": "supervisor_a",
    "transfers.request_form": "supervisor_a",
    "transfers.accept": "supervisor_b",
    "transfers.decline": "supervisor_b",
    "transfers.cancel": "supervisor_a",
    "disclosures.approve": "supervisor_a",
    "disclosures.refuse": "supervisor_a",
    "referrals.override": "supervisor_a",
    "reports.case_export": "supervisor_a",
    "referrals.service_form": "admin",
    "identity.judge": "supervisor_a",
    "identity.merge": "supervisor_a",
    "identity.undo": "supervisor_a",
    **{f"imports.{name}": "supervisor_a" for name in IMPORT_FORMS},
    "watchlist.load": "screener",
    "api_tokens.revoke": "admin",
    "api_tokens.revoke_client": "admin",
    "watchlist.answer": "screener",
}
# A session that a post ends (or starts): a new browser for every example.
NEW_SESSION = frozenset({ANONYMOUS, TWO_FACTOR, OWN_PASSWORD})
NEW_SESSION_ENDPOINTS = frozenset({"auth.logout"})


def role_for(target: Target) -> str:
    if target.endpoint == "screening.member_form" and target.value("kind") == "vetting":
        return "screener"
    if target.endpoint == "referrals.change":
        change = next(c for c in CHANGES if c.action == target.value("action"))
        return "focal" if change.side == RECEIVER else "caseworker_a"
    if target.endpoint in ROLES:
        return ROLES[target.endpoint]
    return "admin" if target.endpoint.startswith("admin.") else "caseworker_a"


# Where the form of a rule without a GET of its own is drawn: endpoint -> the page's URL.
FORM_PAGES: dict[str, Callable[[Scene, dict], str]] = {
    "auth.logout": lambda s, v: url_for("auth.account"),
    "auth.switch_language": lambda s, v: url_for("auth.account"),
    "registry.search": lambda s, v: url_for("registry.case_list"),
    "workflow.decide": lambda s, v: url_for("workflow.review_queue"),
    "transfers.accept": lambda s, v: url_for("transfers.inbox"),
    "transfers.decline": lambda s, v: url_for("transfers.inbox"),
    "transfers.cancel": lambda s, v: url_for("transfers.request_form", household_id=s.household.id),
    "disclosures.approve": lambda s, v: url_for("disclosures.show", **v),
    "disclosures.refuse": lambda s, v: url_for("disclosures.show", **v),
    "disclosures.withdraw": lambda s, v: url_for("disclosures.show", **v),
    "referrals.change": lambda s, v: url_for("referrals.show", referral_id=v["referral_id"]),
    "referrals.override": lambda s, v: url_for("referrals.show", **v),
    "identity.judge": lambda s, v: url_for("identity.pair", **v),
    "watchlist.load": lambda s, v: url_for("watchlist.lists"),
    "api_tokens.revoke": lambda s, v: url_for("api_tokens.everyone"),
    "api_tokens.revoke_client": lambda s, v: url_for("api_tokens.everyone"),
    "watchlist.answer": lambda s, v: url_for("watchlist.alert", **v),
    "notifications.read": lambda s, v: url_for("notifications.index"),
    "notifications.read_all": lambda s, v: s.notified(),
    "identity.merge": lambda s, v: url_for("identity.pair", **v),
    "identity.undo": lambda s, v: url_for("identity.pair", pair_id=s.merged_pair_id),
    **{
        f"imports.{name}": lambda s, v: url_for("imports.view", **v)
        for name in ("commit", "cancel", "resume")
    },
}


def form_pages(scene: Scene, target: Target, values: dict, url: str) -> list[str]:
    if "GET" in target.methods:
        return [url]
    if target.endpoint in FORM_PAGES:
        return [FORM_PAGES[target.endpoint](scene, values)]
    pages = [url_for("auth.account")]
    if scene.household is not None:  # a household's page holds its moves, notes and tasks
        pages.insert(0, url_for("registry.view", household_id=scene.household.id))
    return pages


class Scene:
    """The world of conftest, plus what each example needs made afresh."""

    def __init__(self, app, world, make_browser):
        self.app = app
        self.world = world
        self.make_browser = make_browser
        self.serial = itertools.count(1)
        self.browsers: dict[str, object] = {}
        self.household: Household | None = None  # the one made for the current example
        self.form: tuple | None = None  # the form the last example posted, while still usable
        self.nss = AgencyFactory(code="NSS", kind="security")
        self.legal_aid = AgencyService(
            agency=world.focal.agency,
            service="legal_aid",
            allowed_groups="identity,contact,documents",
        )
        db.session.add(self.legal_aid)
        db.session.commit()

    def new_household(self, **changes) -> Household:
        world = self.world
        values = {
            "team": world.team_a,
            "assigned_to": world.caseworker_a,
            "camp": world.camp,
            "batch": world.batch,
            "origin_governorate": world.ninewa,
            "members": [
                MemberFactory(),
                MemberFactory(
                    relationship="son", sex="M", given_name_en="Omar", given_name_ar="عمر"
                ),
            ],
            **changes,
        }
        return HouseholdFactory(**values)

    # --- a browser for each role ---

    def browser(self, role: str, target: Target):
        if role in NEW_SESSION or target.endpoint in NEW_SESSION_ENDPOINTS:
            return self._new_browser(role)
        if role not in self.browsers:
            self.browsers[role] = self._new_browser(role)
        return self.browsers[role]

    def _new_browser(self, role: str):
        browser = self.make_browser()
        if role == ANONYMOUS:
            return browser
        if role == TWO_FACTOR:
            self.totp_user = UserFactory(
                username=f"totp.{next(self.serial)}",
                team=self.world.team_a,
                agency=self.world.team_a.agency,
                totp_secret=pyotp.random_base32(),
            )
            browser.get("/login")
            step = browser.post(
                "/login", {"username": self.totp_user.username, "password": PASSWORD}
            )
            assert step.status_code == 302 and "two-factor" in step.location
            return browser
        if role == OWN_PASSWORD:
            team = self.world.team_a
            user = UserFactory(username=f"own.{next(self.serial)}", team=team, agency=team.agency)
        else:
            user = self.world.user(role)
        browser.login(user)
        return browser

    # --- URL arguments, made from their names ---

    def url_values(self, target: Target) -> dict:
        self.household = None
        values = dict(target.fixed)
        unknown = [n for n, v in target.fixed if v is None]
        assert not unknown, f"{target}: no values known for {unknown}; add them to STRING_ARGUMENTS"
        for name in sorted(target.ids, key=lambda n: (n != "household_id", n)):
            make = getattr(self, f"_make_{name}", None)
            assert make is not None, (
                f"{target}: cannot make the URL argument {name!r}; add Scene._make_{name}"
            )
            values[name] = make(target, values)
        return values

    def _make_household_id(self, target: Target, values: dict) -> int:
        stage = "vetting" if values.get("kind") == "vetting" else "registered"
        self.household = self.new_household(stage=stage)
        return self.household.id

    def _make_member_id(self, target: Target, values: dict) -> int:
        return self.household.members[0].id

    def _make_request_id(self, target: Target, values: dict) -> int:
        self.household = self.new_household()
        approval = ApprovalRequest(
            household=self.household,
            from_stage="follow_up",
            to_stage="closed",
            reason="Case complete",
            requested_by=self.world.caseworker_a,
        )
        return self._saved(approval).id

    def _make_task_id(self, target: Target, values: dict) -> int:
        task = Task(household=self.household, title="Civil-status office", due_on=local_today())
        return self._saved(task).id

    def _make_transfer_id(self, target: Target, values: dict) -> int:
        self.household = self.new_household()
        transfer = Transfer(
            household=self.household,
            from_team_id=self.world.team_a.id,
            to_team=self.world.team_b,
            reason="Follow-up after return",
            requested_by=self.world.supervisor_a,
        )
        return self._saved(transfer).id

    def _make_disclosure_id(self, target: Target, values: dict) -> int:
        self.household = self.new_household()
        disclosure = Disclosure(
            household=self.household,
            agency=self.nss,
            agreement_reference="DSA-2026-04",
            purpose="Court summons",
            groups="identity",
            requested_by=self.world.caseworker_a,
        )
        return self._saved(disclosure).id

    def _make_referral_id(self, target: Target, values: dict) -> int:
        self.household = self.new_household()
        action = values.get("action")
        source = next((c.source for c in CHANGES if c.action == action), "draft")
        consent = action is not None  # an override is for a draft without consent
        referral = Referral(
            household=self.household,
            agency=self.world.focal.agency,
            service=self.legal_aid,
            reason="Papers",
            urgency="routine",
            due_on=local_today() + timedelta(days=7),
            groups="identity",
            state=source,
            created_by=self.world.caseworker_a,
            consent_by="Salma" if consent else None,
            consent_on=local_today() if consent else None,
            consent_method="verbal" if consent else None,
        )
        return self._saved(referral).id

    def _make_pair_id(self, target: Target, values: dict) -> int:
        """Two households of team A whose heads were judged the same person."""
        first, second = (self.new_household().members[0] for _ in range(2))
        return judged_pair(first, second).id

    def _make_merge_id(self, target: Target, values: dict) -> int:
        """A merge of such a pair's households, waiting to be undone."""
        from app.identity import merging
        from app.identity.models import DuplicatePair

        pair = db.session.get(DuplicatePair, self._make_pair_id(target, values))
        supervisor = db.session.get(type(self.world.supervisor_a), self.world.supervisor_a.id)
        done = merging.merge(
            pair, supervisor, kept_member_id=pair.first_member_id, reason="Same ID", households=True
        )
        db.session.commit()
        self.merged_pair_id = pair.id
        return done.id

    def _make_import_id(self, target: Target, values: dict) -> int:
        """A list of team A, checked: ready to commit, importing (to cancel) or stopped on an
        error (to resume), as the rule needs."""
        from app.core.db import utcnow
        from app.imports import services as imports
        from app.imports.models import ImportStatus
        from app.imports.preview import ListChoices

        world = self.world
        data = (
            "رقم العائلة,الاسم الرباعي,الجنس,صلة القرابة,المواليد\n"
            f"F-{next(self.serial)},هدى ياسين محمد العبيدي,أنثى,ربة الأسرة,1975"
        )
        choices = ListChoices(world.camp.id, None, world.ninewa.id)
        supervisor = db.session.get(type(world.supervisor_a), world.supervisor_a.id)
        imported, table = imports.receive(data.encode(), "list.csv", "Camp", choices, supervisor)
        imports.check(imported, table, supervisor)
        wanted = {"cancel": ImportStatus.RUNNING, "resume": ImportStatus.FAILED}
        imported.status = wanted.get(target.endpoint.split(".")[1], imported.status)
        imported.heartbeat_at = utcnow()
        db.session.commit()
        return imported.id

    def _make_attachment_id(self, target: Target, values: dict) -> int:
        """A scan on a new household's file, filed under documents."""
        from tests.factories import stored_attachment

        self.household = self.new_household()
        caseworker = db.session.get(type(self.world.caseworker_a), self.world.caseworker_a.id)
        attachment = stored_attachment(self.household, caseworker)
        db.session.commit()
        return attachment.id

    def _make_token_id(self, target: Target, values: dict) -> int:
        """A live token of a caseworker, for an administrator to revoke."""
        from app.api import tokens

        owner = db.session.get(type(self.world.caseworker_a), self.world.caseworker_a.id)
        _token, row = tokens.create_token(owner, "fuzz", ["account:read"])
        db.session.commit()
        return row.id

    def _make_client_id(self, target: Target, values: dict) -> int:
        """A live machine client acting as the focal point, for an administrator to revoke."""
        from app.api import tokens

        focal = db.session.get(type(self.world.focal), self.world.focal.id)
        _secret, row = tokens.create_client(focal, "fuzz", ["referrals:read"])
        db.session.commit()
        return row.id

    def _make_alert_id(self, target: Target, values: dict) -> int:
        """An open alert on a person of a new household, on a list of its own."""
        from tests.watchlist_data import watch_alert

        self.household = self.new_household()
        member = self.household.members[0]
        screener = db.session.get(type(self.world.screener), self.world.screener.id)
        alert = watch_alert(member, screener, f"QDi.{9000 + next(self.serial)}")
        db.session.commit()
        return alert.id

    def _make_notification_id(self, target: Target | None, values: dict) -> int:
        """An unread notification of caseworker_a's, about a new household of team A."""
        from app.notifications.models import Kind, Notification
        from app.notifications.models import Target as About

        self.household = self.new_household()
        notification = Notification(
            user_id=self.world.caseworker_a.id,
            kind=Kind.APPROVAL_GIVEN,
            target_type=About.APPROVAL,
            household_id=self.household.id,
        )
        return self._saved(notification).id

    def notified(self) -> str:
        """The notifications page, with one unread to mark read (its forms show then)."""
        self._make_notification_id(None, {})
        return url_for("notifications.index")

    def _make_user_id(self, target: Target, values: dict) -> int:
        return self.world.caseworker_b.id

    def _make_batch_id(self, target: Target, values: dict) -> int:
        self.household = self.new_household(stage="in_transit")  # one to mark as arrived
        return self.world.batch.id

    def _make_service_id(self, target: Target, values: dict) -> int:
        return self.legal_aid.id

    def _make_item_id(self, target: Target, values: dict) -> int:
        model = REFERENCE_KINDS[values["kind"]].model
        return db.session.scalar(sa.select(model.id).order_by(model.id).limit(1))

    @staticmethod
    def _saved(row):
        db.session.add(row)
        db.session.commit()
        return row

    # --- what an acceptable post holds ---

    def acceptable(self, target: Target) -> dict[str, str | list[str]]:
        """Values the form would accept where its page leaves a field blank or has none."""
        n = next(self.serial)
        world = self.world
        if target.endpoint == "registry.register":
            return household_payload(world, members=[HEAD, SON], camp_ref=f"HOL-F{n:05d}")
        given: dict[str, str | list[str]] = {
            "code": f"FZ{n}",
            "number": f"B-F{n}",
            "username": f"fuzz.user{n}",
            "email": f"fuzz{n}@example.org",
            "origin_camp_id": str(world.camp.id),
            "destination_camp_id": str(world.centre.id),
            "letter_date": "",  # only with the mukhtar's letter ticked
        }
        if target.endpoint == "auth.login":
            given.update(username=world.caseworker_a.username, password=PASSWORD)
        elif target.endpoint == "auth.second_factor":
            given["code"] = pyotp.TOTP(self.totp_user.totp_secret).now()
        elif target.endpoint == "auth.change_password":
            given.update(new_password=NEW_PASSWORD, new_password_again=NEW_PASSWORD)
        elif target.endpoint == "access.break_glass":
            # Another team's household: the one an emergency access is for.
            elsewhere = self.new_household(team=world.team_b, assigned_to=world.caseworker_b)
            given["case_number"] = elsewhere.case_number
        elif target.endpoint == "transfers.request_form":
            given["to_team_id"] = str(world.team_b.id)
        elif target.endpoint == "disclosures.request_form":
            given["agency_id"] = str(self.nss.id)
        elif target.endpoint == "caseload.assign":
            given["assigned_to_id"] = str(world.caseworker_a2.id)
        elif target.endpoint == "workflow.decide":
            given["decision"] = "return"  # needs only a comment, whatever the stage
        return given


# Blank choices an acceptable post makes (besides those whose label says they are required).
CHOSEN = frozenset(
    {"committee_decision", "outcome", "deciding_body", "risk_level", "status", "service_id"}
    | {"agency_id", "consent_method", "route"}
)


def _default(name: str, control: Control) -> str:
    """An acceptable value for a blank text field, by its name."""
    base = name.rsplit("-", 1)[-1]
    if control.kind == "password" or "password" in base:
        return PASSWORD
    if control.kind == "date" or base.endswith(("_date", "_on")):
        days = 7 if base.startswith("due") else 0
        return (local_today() + timedelta(days=days)).isoformat()
    if control.kind == "number" or base.endswith(("age", "count")):
        return "7"
    if base.endswith("_ar"):
        return "فاطمة"
    if base.endswith("_en") or "name" in base:
        return "Fatima"
    if base == "phone":
        return "0770 123 4567"
    if base == "blocker":
        return ""
    return "Papers lost in the camp"


def acceptable_pairs(
    controls: list[Control], given: dict[str, str | list[str]], add_missing: bool = False
) -> list[tuple[Control, str]]:
    """(control, value) as an acceptable post would send them, in the page's order; with
    `add_missing`, what `given` names and the page has not (more member rows) goes last."""
    pairs: list[tuple[Control, str]] = []
    seen: set[str] = set()
    for control in controls:
        name = control.name
        if name in given:
            if name not in seen:
                seen.add(name)
                wanted = given[name]
                for value in wanted if isinstance(wanted, list) else [wanted]:
                    pairs.append((control, str(value)))
        elif control.kind in ("checkbox", "radio"):
            if control.checked:
                pairs.append((control, control.value))
        elif control.kind == "select":
            offered = [o for o in control.options if o not in ("", "None")]
            chosen = [v for v in control.selected if v not in ("", "None")]
            if not chosen and (control.required or name.rsplit("-", 1)[-1] in CHOSEN):
                chosen = offered[:1]
            chosen = chosen or control.selected[:1] or control.options[:1]
            pairs.extend((control, value) for value in chosen)
        elif control.kind == "file":
            continue
        elif control.value or control.kind == "hidden":
            pairs.append((control, control.value))
        else:
            pairs.append((control, _default(name, control)))
    if add_missing:
        names = {c.name for c in controls}
        for name, wanted in given.items():
            if name not in names:
                for value in wanted if isinstance(wanted, list) else [wanted]:
                    pairs.append((Control(name, "text"), str(value)))
    return pairs


def good_post(scene: Scene, target: Target, submission: Submission) -> list[tuple[Control, str]]:
    """What an acceptable post of this submission sends, its button last."""
    given = scene.acceptable(target)
    pairs = acceptable_pairs(submission.controls, given, target.endpoint == "registry.register")
    if submission.button:
        name, value = submission.button
        pairs.append((Control(name, "submit"), str(given.get(name, value))))
    return pairs


# --- posting and what comes back ---------------------------------------------------------------


class ServerErrors(logging.Handler):
    """The exceptions the app logs while answering (its handler turns them into a 500)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)

    def describe(self) -> str:
        return "\n".join(describe_exception(r.exc_info[1]) for r in self.records if r.exc_info)


def describe_exception(error: BaseException) -> str:
    """The exception's first line, where in the app it was raised and the frame that raised it."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/app/" in f.filename and "/site-packages/" not in f.filename]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = (
        f" at {where.filename.split('/app/')[-1]}:{where.lineno} in {where.name}" if where else ""
    )
    last = frames[-1] if frames else None
    raised = f" (raised at {'/'.join(last.filename.split('/')[-2:])}:{last.lineno})" if last else ""
    exception = traceback.format_exception_only(type(error), error)[-1].strip()
    lines = [*exception.splitlines(), ""]
    return f"{lines[0][:240]}{place}{raised}"


def row_counts() -> dict[str, int]:
    tables = [t for t in db.metadata.sorted_tables if t.name not in NOT_COUNTED]
    query = sa.select(
        *(sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables)
    )
    counts = dict(db.session.execute(query).one()._mapping)
    db.session.commit()
    return counts


@dataclass
class Answer:
    status: int
    server_error: str
    body: str = field(repr=False)


def send(browser, url: str, body: bytes, content_type: str, **kwargs) -> Answer:
    with ServerErrors() as errors:
        try:
            response = browser._send(
                browser.client.post, url, data=body, content_type=content_type, **kwargs
            )
        except Exception as error:  # the error handler itself failed
            return Answer(599, describe_exception(error), "")
    return Answer(response.status_code, errors.describe(), response.get_data(as_text=True))


def check(answer: Answer, before: dict[str, int], what: str) -> None:
    """No server error; and a refused post leaves no row behind (nor takes one away)."""
    if answer.status >= 500:
        raise AssertionError(f"{what}\n  answered {answer.status}: {answer.server_error}")
    if 400 <= answer.status < 500:
        after = row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        if changed:
            raise AssertionError(f"{what}\n  answered {answer.status}, rows changed: {changed}")


# --- every POST rule, fuzzed ----------------------------------------------------------------------


@pytest.fixture
def scene(app, world, make_browser) -> Scene:
    return Scene(app, world, make_browser)


def find_form(scene: Scene, target: Target) -> tuple[object, str, list[Submission]]:
    """A browser of the right role, the URL to post to and the submissions that post there."""
    role = role_for(target)
    with scene.app.test_request_context():
        values = scene.url_values(target)
        url = _url_of_rule(scene.app, target, values)
        pages = form_pages(scene, target, values, url)
    browser = scene.browser(role, target)
    tried = []
    for page in pages:
        response = browser.get(page)
        tried.append(f"{page} ({response.status_code})")
        found = posting_to(url, submissions(page, response.get_data(as_text=True)))
        if found:
            return browser, url, found
    raise AssertionError(
        f"{target}: as {role}, no form posting to {url} on {', '.join(tried)}; "
        "name its page in FORM_PAGES or its role in ROLES"
    )


def _url_of_rule(app, target: Target, values: dict) -> str:
    """The URL of this very rule, where an endpoint has several (url_for picks one)."""
    rule = next(r for r in app.url_map.iter_rules(target.endpoint) if r.rule == target.rule)
    _, path = rule.build(values, append_unknown=False)
    return path


def forgive_guesses() -> None:
    """A wrong password, even one asked again before an action, counts toward the lockout
    (`app.auth.reauth`); the examples are not one person guessing, so each starts with none
    counted: no account locked, no address throttled, no session ended by a lockout."""
    db.session.execute(sa.update(User).values(failed_logins=0, locked_until=None))
    db.session.execute(sa.delete(LoginFailure))
    db.session.commit()


def post_fuzz(scene: Scene, target: Target, data) -> None:
    """One example: the form posted with some of its fields replaced by fuzz."""
    forgive_guesses()
    # A refused post changes nothing, so the next example may post the same form again.
    reuse = scene.form is not None and role_for(target) not in NEW_SESSION
    browser, url, found = scene.form if reuse else find_form(scene, target)
    scene.form = None if target.endpoint in NEW_SESSION_ENDPOINTS else (browser, url, found)
    # The form's main button at least half the time: a row or language button saves nothing.
    main = next((s for s in found if s.button is None), found[0])
    submission = data.draw(st.one_of(st.just(main), st.sampled_from(found)), label="submission")
    pairs = good_post(scene, target, submission)
    text = [i for i, (control, _) in enumerate(pairs) if control.is_text and not control.is_csrf]
    if not text:  # a form of buttons only: a field it does not expect is what may be typed
        pairs.append((Control("comment", "textarea"), ""))
        text = [len(pairs) - 1]
    # One field (the others acceptable, so that it may reach the database), every text field,
    # or everything: choices, check boxes, buttons and the CSRF token too.
    mode = data.draw(st.sampled_from(["one", "text", "everything"]), label="mode")
    if mode == "one" and text:
        chosen = [data.draw(st.sampled_from(text), label="field")]
    elif mode == "text":
        chosen = text
    else:
        chosen = list(range(len(pairs)))
    sent: list[tuple[str, str | bytes]] = [(c.name, v) for c, v in pairs]
    fuzzed = []
    for i in chosen:
        name, good = sent[i]
        fuzz = data.draw(fuzz_values(good), label=name)
        sent[i] = (name, fuzz.value)
        fuzzed.append(f"{name}={fuzz!r}")
    transport = data.draw(st.sampled_from(["urlencoded", "multipart"]), label="as")
    if transport == "urlencoded":
        body, content_type = urlencoded(sent), FORM_BODY
    else:
        body, content_type = multipart(sent, frozenset())
    before = row_counts()
    answer = send(browser, url, body, content_type)
    if answer.status < 400 and target.ids:
        scene.form = None  # the record it posted to may be used up: make another
    what = f"POST {url} ({target}) as {role_for(target)}, {transport}, fuzzed {', '.join(fuzzed)}"
    check(answer, before, what)


def post_text_as_files(scene: Scene, target: Target) -> None:
    """A broken or hostile client may send any field as a file upload: the text fields of an
    acceptable post, sent as file parts, are refused or ignored, never a server error."""
    forgive_guesses()
    browser, url, found = find_form(scene, target)
    main = next((s for s in found if s.button is None), found[0])
    pairs = good_post(scene, target, main)
    files = frozenset(c.name for c, _ in pairs if c.is_text and not c.is_csrf)
    body, content_type = multipart([(c.name, v) for c, v in pairs], files)
    before = row_counts()
    answer = send(browser, url, body, content_type)
    check(answer, before, f"POST {url} ({target}) with {', '.join(sorted(files))} as files")


def _explained(failure: Exception) -> str:
    """The failure with what Hypothesis adds to it (the falsifying draws)."""
    notes = "\n".join(getattr(failure, "__notes__", []))
    kind = "" if isinstance(failure, AssertionError) else f"{type(failure).__name__}: "
    return f"{kind}{failure}\n{notes}".strip()


@pytest.mark.parametrize("target", post_targets(), ids=str)
def test_no_post_form_answers_a_server_error(scene, target):
    """Fuzzed text, then text sent as files: both are tried and reported, so that a failure of
    one does not hide the other (one rule's world is made once for both, which saves time)."""

    @FUZZ_SETTINGS
    @given(data=st.data())
    def fuzzed_text(data):
        post_fuzz(scene, target, data)

    failures = []
    for attempt in (fuzzed_text, lambda: post_text_as_files(scene, target)):
        scene.form = None
        try:
            attempt()
        except Exception as failure:
            failures.append(_explained(failure))
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def test_every_post_rule_is_fuzzed():
    """Each POST rule of the URL map is a case of the test above, with a value for each of its
    URL arguments that is not an id."""
    unknown = [str(t) for t in post_targets() if any(v is None for _, v in t.fixed)]
    assert not unknown, f"add the values of their URL arguments to STRING_ARGUMENTS: {unknown}"
    assert {t.endpoint for t in post_targets()} >= {
        "registry.register",
        "registry.edit",
        "admin.user_new",
        "screening.member_form",
        "referrals.change",
        "workflow.decide",
    }


# --- known faults, one by one ---------------------------------------------------------------


def _household_count() -> int:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Household))
    db.session.commit()
    return count


@pytest.fixture
def registration(scene):
    """caseworker_a on the registration form, with its fields as the page draws them."""
    target = next(t for t in post_targets() if t.endpoint == "registry.register")
    browser, url, found = find_form(scene, target)
    return browser, url, found[0].controls


def test_a_nul_in_any_text_field_of_the_registration_form_is_no_server_error(scene, registration):
    """Each text field in turn, the rest of the household acceptable: a NUL is refused or
    dropped, never a server error (PostgreSQL refuses it in a text column)."""
    browser, url, controls = registration
    target = next(t for t in post_targets() if t.endpoint == "registry.register")
    text = [c.name for c in controls if c.is_text and not c.is_csrf]
    assert "camp_ref" in text and "members-0-given_name_ar" in text
    failures = []
    for name in text:
        given = scene.acceptable(target)
        pairs = [(c.name, v) for c, v in acceptable_pairs(controls, given, add_missing=True)]
        pairs = [(n, _insert(v, "\x00", 1) if n == name else v) for n, v in pairs]
        before = row_counts()
        answer = send(browser, url, urlencoded(pairs), FORM_BODY)
        try:
            check(answer, before, f"NUL in {name}")
        except AssertionError as failure:
            failures.append(str(failure))
    assert not failures, "\n".join(failures)


def test_a_text_field_sent_as_a_file_is_refused_with_the_form_shown_again(scene, registration):
    browser, url, _controls = registration
    data: dict = household_payload(scene.world, members=[HEAD])
    data["camp_ref"] = (io.BytesIO(b"HOL-0042"), "camp_ref.txt")
    data["csrf_token"] = browser.token
    before = _household_count()
    with ServerErrors() as errors:
        response = browser._send(
            browser.client.post, url, data=data, content_type="multipart/form-data"
        )
    assert response.status_code < 500, errors.describe()
    assert 400 <= response.status_code < 500, f"answered {response.status_code}"
    page = response.get_data(as_text=True)
    assert 'name="camp_ref"' in page and "data-household-form" in page, "the form is not shown"
    assert _household_count() == before


@pytest.mark.parametrize("rows", [41, 60])
def test_more_member_rows_than_a_household_may_hold_are_refused_whole(world, login, rows):
    """Not the first 40 registered and the rest dropped without a word: the whole household is
    refused, saying why, and nothing is stored."""
    members = [HEAD] + [
        {**SON, "given_name_en": f"Son {i}", "given_name_ar": f"ابن {i}"} for i in range(rows - 1)
    ]
    payload = household_payload(world, members=members, camp_ref="HOL-ROWS")
    browser = login("caseworker_a")
    before = _household_count()
    with ServerErrors() as errors:
        response = browser.post("/households/new", payload)
    assert response.status_code < 500, errors.describe()
    assert _household_count() == before, (
        f"{rows} rows: registered (answered {response.status_code})"
    )
    assert 400 <= response.status_code < 500, f"answered {response.status_code}"
    alerts = re.findall(r'class="flash flash-error" role="alert">(.*?)</div>', response.text, re.S)
    assert any("40" in alert for alert in alerts), f"no message about the limit: {alerts}"


class CountingStream(io.BytesIO):
    """A request body that counts how much of it the app reads."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_bytes = 0

    def _counted(self, data: bytes) -> bytes:
        self.read_bytes += len(data)
        return data

    def read(self, size: int | None = -1) -> bytes:
        return self._counted(super().read(size))

    def read1(self, size: int = -1) -> bytes:
        return self._counted(super().read1(size))

    def readline(self, size: int | None = -1) -> bytes:
        return self._counted(super().readline(size))

    def readinto(self, buffer) -> int:
        n = super().readinto(buffer)
        self.read_bytes += n
        return n


FIVE_MB = 5 * 1024 * 1024


def _five_mb(kind: str, token: str) -> tuple[bytes, str]:
    if kind == "urlencoded":
        return urlencoded([("csrf_token", token), ("notes", "a" * FIVE_MB)]), FORM_BODY
    # An upload the form does not ask for, so that only its size is in question.
    big = [("csrf_token", token), ("attachment", "a" * FIVE_MB)]
    return multipart(big, frozenset({"attachment"}))


@pytest.mark.parametrize("kind", ["urlencoded", "multipart"])
def test_a_five_megabyte_body_is_refused_unread(world, login, kind):
    """Refused from its Content-Length (413), before any of it is read or parsed."""
    browser = login("caseworker_a")
    body, content_type = _five_mb(kind, browser.token)
    stream = CountingStream(body)
    before = _household_count()
    with ServerErrors() as errors:
        response = browser._send(
            browser.client.post,
            "/households/new",
            input_stream=stream,
            content_length=len(body),
            content_type=content_type,
        )
    assert response.status_code == 413, f"answered {response.status_code} {errors.describe()}"
    assert stream.read_bytes < 64 * 1024, f"{stream.read_bytes} bytes read before refusing"
    assert _household_count() == before
