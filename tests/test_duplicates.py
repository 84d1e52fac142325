"""Possible duplicates as people meet them: while registering (nothing saved until they have
seen the candidates in their scope), in the queue of those who judge (supervisors within their
scope, records officers across teams and agencies), judged and remembered, merged and undone;
and what an outsider never learns of records outside their scope."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.access.roles import Role
from app.audit.models import AuditEntry
from app.core.dates import local_today
from app.extensions import db
from app.identity import linkage
from app.identity.models import DuplicatePair, Merge, PairStatus
from app.identity.person import years_before
from app.registry.models import Household, Member, MemberIdentifier
from tests.factories import HouseholdFactory, MemberFactory, UserFactory
from tests.forms import DAUGHTER, HEAD, SON, household_payload

NOTHING_SAVED = "Possible duplicates: nothing is saved yet"
REASON = "Compared the civil ID and the mother's name; asked the family at the interview"
TEAM_A_NAME_AR = "فاطمة أحمد إبراهيم الجبوري"
TEAM_A_NAME_EN = "Fatima Ahmed Ibrahim Al-Jubouri"

# HEAD written another way: hamza and taa marbuta dropped, the grandfather left out, the year
# of birth only.
HEAD_AGAIN = {
    **HEAD,
    "given_name_ar": "فاطمه",
    "father_name_ar": "احمد",
    "grandfather_name_ar": "",
    "grandfather_name_en": "",
    "given_name_en": "Fatimah",
    "father_name_en": "Ahmad",
    "birth_date": "",
    "birth_year": "1988",
}
# The same, the grandfather kept (written without its hamza).
HEAD_AGAIN_WITH_GRANDFATHER = {
    **HEAD_AGAIN,
    "grandfather_name_ar": "ابراهيم",
    "grandfather_name_en": "Ibrahim",
}
# HEAD as another team writes her: other spellings, the whole birth date.
HEAD_ELSEWHERE = {
    **HEAD,
    "given_name_ar": "فاطمه",
    "father_name_ar": "احمد",
    "grandfather_name_ar": "ابراهيم",
    "given_name_en": "Fatimah",
    "father_name_en": "Ahmad",
    "family_name_en": "Al-Juboori",
}


# --- helpers ------------------------------------------------------------------------------


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _audited(action: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    )


def _pairs() -> list[DuplicatePair]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(DuplicatePair).order_by(DuplicatePair.id)))


def _household(camp_ref: str) -> Household:
    db.session.expire_all()
    return db.session.scalar(sa.select(Household).where(Household.camp_ref == camp_ref))


def _text(response) -> str:
    return response.get_data(as_text=True)


def _page(browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return _text(response)


def _errors_beside(page: str, field_id: str) -> str:
    """The error list tied to a field (aria-describedby points at it)."""
    marker = f'id="{field_id}-errors"'
    assert marker in page, f"no error shown beside {field_id}"
    start = page.index(marker)
    return page[start : page.index("</ul>", start)]


def _seen(page: str) -> str:
    found = re.search(r'name="duplicates_seen" value="([\d,]*)"', page)
    assert found, "the page carries the candidates it showed"
    return found.group(1)


def _register(browser, world, members, camp_ref: str):
    """Register as a person who reads the possible duplicates shown and saves again."""
    payload = household_payload(world, members=members, camp_ref=camp_ref)
    return browser.save_household("/households/new", payload)


def _registered(browser, world, members, camp_ref: str) -> Household:
    response = _register(browser, world, members, camp_ref)
    assert response.status_code == 302, _text(response)[:2000]
    return _household(camp_ref)


class _FormReader(HTMLParser):
    """The values a browser would post from the household form, as it stands on the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, list[str]]] = []
        self._form: dict[str, list[str]] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self._textarea: list | None = None
        self._in_template = 0

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "template":
            self._in_template += 1
        if tag == "form":
            self._form = {}
            self.forms.append(self._form)
        if self._form is None or self._in_template:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.setdefault(name, []).append(a.get("value", "on"))
                return
            self._form.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template -= 1
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            self._form[name] = selected or options[:1]
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, value = self._textarea
            self._form[name] = [value[1:] if value.startswith("\n") else value]
            self._textarea = None
        elif tag == "form":
            self._form = None


def _household_form(page: str) -> dict:
    """What posting the household form unchanged sends."""
    reader = _FormReader()
    reader.feed(page)
    [form] = [f for f in reader.forms if "members-0-given_name_ar" in f]
    return {name: values if len(values) != 1 else values[0] for name, values in form.items()}


def _save_unchanged(browser, household: Household, **changes):
    url = f"/households/{household.id}/edit"
    data = {**_household_form(_page(browser, url)), **changes}
    return browser.save_household(url, data)


def _judge(browser, pair: DuplicatePair, judgement: str, reason: str = REASON):
    return browser.post(
        f"/identity/duplicates/{pair.id}/judgement",
        {"judge-judgement": judgement, "judge-reason": reason, "judge-csrf_token": browser.token},
    )


def run(app, *args: str):
    """Invoke a command as an operator would."""
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def records(world):
    return UserFactory(username="records", role=Role.RECORDS_OFFICER.value)


@pytest.fixture
def records_officer(records, make_browser):
    browser = make_browser()
    browser.login(records)
    return browser


# --- 1. registering the same person again in one team ----------------------------------------


def test_registering_the_same_person_again_shows_the_case_and_saves_only_when_asked_again(
    world, login
):
    browser = login("caseworker_a")
    first = _registered(browser, world, [HEAD, SON, DAUGHTER], "HOL-0042")
    assert _audited("case.registered") == 1

    payload = household_payload(world, members=[HEAD_AGAIN], camp_ref="HOL-0077")
    response = browser.post("/households/new", payload)

    page = _text(response)
    assert response.status_code == 200
    assert NOTHING_SAVED in page
    assert first.case_number in page
    assert TEAM_A_NAME_AR in page  # the registered person, in the caseworker's own scope
    assert _count(Household) == 1  # nothing stored…
    assert _pairs() == []
    assert _audited("case.registered") == 1  # …nor said to be
    assert "فاطمه" in page and "Block C, tent 14" in page  # what was typed is kept

    saved = browser.post("/households/new", {**payload, "duplicates_seen": _seen(page)})
    assert saved.status_code == 302
    second = _household("HOL-0077")
    assert second is not None and _count(Household) == 2
    assert _audited("case.registered") == 2
    [pair] = _pairs()
    assert (pair.status, pair.source) == (PairStatus.OPEN, "registration")
    assert {pair.first.household_id, pair.second.household_id} == {first.id, second.id}

    supervisor = login("supervisor_a")
    queue = _page(supervisor, "/identity/duplicates")
    assert f"/identity/duplicates/{pair.id}" in queue
    assert first.case_number in queue and second.case_number in queue
    menu = re.search(
        r'href="/identity/duplicates"[^>]*>([^<]*)<span class="waiting">(.*?)</a>', queue
    )
    assert menu, "the menu shows what waits in the queue"
    assert '<span aria-hidden="true">1</span>' in menu.group(2)
    assert "1 waiting" in menu.group(2)


# --- 2. across teams and agencies ---------------------------------------------------------


@pytest.fixture
def across(world, login):
    """The head registered by team A, then by caseworker_b of team B (another agency)."""
    first = _registered(login("caseworker_a"), world, [HEAD, SON, DAUGHTER], "HOL-0042")
    caseworker_b = login("caseworker_b")
    payload = household_payload(world, members=[HEAD_ELSEWHERE], camp_ref="HOL-0900")
    response = caseworker_b.post("/households/new", payload)
    second = _household("HOL-0900")
    return {"first": first, "second": second, "response": response, "browser": caseworker_b}


def test_another_team_registering_the_same_person_learns_nothing_of_the_first(world, across):
    first, response, browser = across["first"], across["response"], across["browser"]
    assert response.status_code == 302  # saved at once: nothing in their scope to show
    assert NOTHING_SAVED not in _text(response)
    assert across["second"] is not None

    pages = [
        _text(response),
        _page(browser, response.location),
        _page(browser, "/households/"),
        _page(browser, f"/households/{across['second'].id}/edit"),
    ]
    for page in pages:
        assert first.case_number not in page
        assert TEAM_A_NAME_AR not in page and TEAM_A_NAME_EN not in page
    assert browser.get(f"/households/{first.id}").status_code == 404

    [pair] = _pairs()  # the pair is kept all the same, for those who may judge it
    assert pair.status == PairStatus.OPEN
    assert {pair.first.household_id, pair.second.household_id} == {first.id, across["second"].id}


def test_a_pair_across_agencies_is_judged_by_a_records_officer_only(
    world, login, across, records_officer
):
    first, second = across["first"], across["second"]
    [pair] = _pairs()
    url = f"/identity/duplicates/{pair.id}"

    for supervisor in ("supervisor_a", "supervisor_b"):  # each sees one side only
        browser = login(supervisor)
        queue = _page(browser, "/identity/duplicates")
        assert url not in queue
        assert first.case_number not in queue and second.case_number not in queue
        assert browser.get(url).status_code == 404
        assert _judge(browser, pair, PairStatus.NOT_SAME).status_code == 404
    for caseworker in ("caseworker_a", "caseworker_b"):
        browser = login(caseworker)
        assert browser.get("/identity/duplicates").status_code == 403
        assert browser.get(url).status_code == 403

    queue = _page(records_officer, "/identity/duplicates")
    assert url in queue
    assert first.case_number in queue and second.case_number in queue
    page = _page(records_officer, url)
    assert TEAM_A_NAME_AR in page and "فاطمه احمد ابراهيم الجبوري" in page
    assert "Why they were found alike" in page
    for label in ("Given name", "Father, grandfather and family", "Date of birth", "Sex"):
        assert label in page
    # identity only: neither household opens for them
    assert records_officer.get(f"/households/{first.id}").status_code == 403
    assert records_officer.get(f"/households/{second.id}").status_code == 403


# --- 3. relatives -------------------------------------------------------------------------

UBAIDI = {"grandfather_name_ar": "حسن", "family_name_ar": "العبيدي", "sex": "M"}
UBAIDI_EN = {"grandfather_name_en": "Hassan", "family_name_en": "Al-Ubaidi"}


def _ubaidi(given_ar: str, given_en: str, born: str, relationship: str, **names) -> dict:
    return {
        **UBAIDI,
        **UBAIDI_EN,
        "given_name_ar": given_ar,
        "given_name_en": given_en,
        "father_name_ar": "علي",
        "father_name_en": "Ali",
        "mother_name_ar": "زهرة حسين",
        "birth_date": born,
        "relationship": relationship,
        **names,
    }


@pytest.mark.parametrize(
    ("nephew_ar", "nephew_en"),
    [("عمر", "Omar"), ("علي", "Ali")],
    ids=["nephew-omar", "nephew-named-after-his-grandfather"],
)
def test_brothers_and_a_father_and_his_son_are_not_proposed(world, login, nephew_ar, nephew_en):
    browser = login("caseworker_a")
    brothers = [
        _ubaidi("محمد", "Mohammed", "1985-03-10", "head"),
        _ubaidi("يوسف", "Yusuf", "1990-07-22", "sibling"),
    ]
    assert _register(browser, world, brothers, "HOL-0101").status_code == 302

    others = [
        _ubaidi("كريم", "Karim", "1988-01-05", "head"),  # a third brother
        # Mohammed's son: his father is Mohammed, his grandfather Ali
        _ubaidi(
            nephew_ar,
            nephew_en,
            "2008-06-01",
            "other_relative",
            father_name_ar="محمد",
            father_name_en="Mohammed",
            grandfather_name_ar="علي",
            grandfather_name_en="Ali",
            mother_name_ar="مريم خليل",
        ),
        # the brothers' father: Ali son of Hassan
        _ubaidi(
            "علي",
            "Ali",
            "1960-02-14",
            "father",
            father_name_ar="حسن",
            father_name_en="Hassan",
            grandfather_name_ar="عبد الله",
            grandfather_name_en="Abdullah",
            mother_name_ar="",
        ),
    ]
    response = browser.post(
        "/households/new", household_payload(world, others, camp_ref="HOL-0102")
    )
    assert response.status_code == 302, NOTHING_SAVED in _text(response)
    assert _pairs() == []


# --- 4. a judgement is remembered -----------------------------------------------------------


@pytest.fixture
def judged_pair(world, login):
    """Two records of one team proposed as one person, with the supervisor on the pair page."""
    caseworker = login("caseworker_a")
    first = _registered(caseworker, world, [HEAD, SON], "HOL-0042")
    second = _registered(caseworker, world, [HEAD_AGAIN_WITH_GRANDFATHER], "HOL-0077")
    [pair] = _pairs()
    supervisor = login("supervisor_a")
    _page(supervisor, f"/identity/duplicates/{pair.id}")
    return {
        "first": first,
        "second": second,
        "pair": pair,
        "caseworker": caseworker,
        "supervisor": supervisor,
    }


def test_a_judgement_without_a_reason_or_an_answer_is_refused_keeping_what_was_typed(judged_pair):
    supervisor, pair = judged_pair["supervisor"], judged_pair["pair"]
    response = _judge(supervisor, pair, PairStatus.NOT_SAME, reason="  ")
    assert response.status_code == 422
    page = _text(response)
    assert "Say why" in _errors_beside(page, "judge-reason")
    chosen = re.search(r'<input[^>]*value="not_same"[^>]*>', page)
    assert chosen and " checked" in chosen.group(0), "the answer chosen is kept"

    response = _judge(supervisor, pair, "", reason="Asked the mother; she has two daughters")
    assert response.status_code == 422
    page = _text(response)
    assert "Choose one of the three answers" in _errors_beside(page, "judge-judgement")
    assert "Asked the mother; she has two daughters" in page
    assert _pairs()[0].status == PairStatus.OPEN


def test_not_the_same_is_not_raised_again_until_one_record_changes(app, world, judged_pair):
    supervisor, caseworker = judged_pair["supervisor"], judged_pair["caseworker"]
    pair, first, second = judged_pair["pair"], judged_pair["first"], judged_pair["second"]
    response = _judge(supervisor, pair, PairStatus.NOT_SAME, "Two cousins, the same name")
    assert response.status_code == 302
    assert _pairs()[0].status == PairStatus.NOT_SAME
    assert "Two cousins, the same name" in _page(supervisor, f"/identity/duplicates/{pair.id}")

    result = run(app, "identity", "scan")
    assert result.exit_code == 0, result.output
    assert _pairs()[0].status == PairStatus.NOT_SAME

    for household in (first, second):  # saved unchanged
        saved = _save_unchanged(caseworker, household)
        assert saved.status_code == 302, _text(saved)[:2000]
        assert NOTHING_SAVED not in _text(saved)
        assert [p.status for p in _pairs()] == [PairStatus.NOT_SAME]

    # the head's birth date corrected: the pair is waiting again
    changed = _save_unchanged(caseworker, first, **{"members-0-birth_date": "1988-04-03"})
    assert changed.status_code == 302
    [again] = _pairs()
    assert (again.id, again.status) == (pair.id, PairStatus.OPEN)
    assert f"/identity/duplicates/{pair.id}" in _page(supervisor, "/identity/duplicates")


# --- 5. the full scan ---------------------------------------------------------------------


def test_the_scan_raises_the_pair_of_two_households_registered_alike_once(app, world):
    for _ in range(2):
        household = HouseholdFactory(team=world.team_a, camp=world.camp, members=[MemberFactory()])
        linkage.refresh(household.members)  # as registration does
        db.session.commit()
    assert _pairs() == []

    result = run(app, "identity", "scan")
    assert result.exit_code == 0, result.output
    assert re.search(r"\b2 persons compared\b", result.output), result.output
    assert re.search(r"\b1 pairs raised\b", result.output), result.output
    [pair] = _pairs()
    assert (pair.status, pair.source, pair.raised_by_id) == (PairStatus.OPEN, "scan", None)

    again = run(app, "identity", "scan")
    assert again.exit_code == 0, again.output
    assert [p.id for p in _pairs()] == [pair.id]
    # BUG (see the report): an open pair re-scored unchanged is counted as raised again.
    assert re.search(r"\b0 pairs raised\b", again.output), (
        f"a second scan with nothing new says: {again.output!r}"
    )


# --- 6. birth dates with their precision ----------------------------------------------------


def test_an_estimated_age_is_kept_as_an_age_and_counts_from_the_day_it_was_estimated(world, login):
    browser = login("caseworker_a")
    household = _registered(browser, world, [HEAD, SON], "HOL-0042")
    son = household.members[1]
    today = local_today()
    assert son.birth_precision == "age"
    assert son.birth_estimated_on == today
    assert son.birth_date == years_before(today, 9)  # not 1 January
    assert "about 9 years (estimated)" in _page(browser, f"/households/{household.id}")

    # as if estimated a hundred days ago
    earlier = today - timedelta(days=100)
    son.birth_date, son.birth_estimated_on = years_before(earlier, 9), earlier
    linkage.refresh([son])
    db.session.commit()
    form = _household_form(_page(browser, f"/households/{household.id}/edit"))
    assert form["members-1-estimated_age"] == "9"
    assert _save_unchanged(browser, household).status_code == 302
    db.session.expire_all()
    son = db.session.get(Member, son.id)
    assert (son.birth_precision, son.birth_estimated_on) == ("age", earlier)
    assert son.birth_date == years_before(earlier, 9)


def test_a_year_or_a_month_of_birth_is_kept_at_its_precision(world, login):
    browser = login("caseworker_a")
    year_only = {**HEAD, "birth_date": "", "birth_year": "1987"}
    month = {**DAUGHTER, "birth_date": "", "birth_year": "2019", "birth_month": "7"}
    household = _registered(browser, world, [year_only, month], "HOL-0042")
    head, daughter = household.members
    assert (head.birth_precision, head.birth_date.year) == ("year", 1987)
    assert (daughter.birth_precision, daughter.birth_date.year) == ("month", 2019)
    assert daughter.birth_date.month == 7
    page = _page(browser, f"/households/{household.id}")
    assert "July 2019" in page
    assert "1987" in page and "Jan 1, 1987" not in page and "1 January 1987" not in page

    form = _household_form(_page(browser, f"/households/{household.id}/edit"))
    assert (form["members-0-birth_year"], form["members-0-birth_date"]) == ("1987", "")
    assert _save_unchanged(browser, household).status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, head.id).birth_precision == "year"


@pytest.mark.parametrize(
    ("change", "field_id", "message"),
    [
        (
            {"members-0-estimated_age": "36"},
            "members-0-estimated_age",
            "Give only one of the date of birth, the year of birth or the estimated age",
        ),
        (
            {"members-0-birth_date": "", "members-0-birth_month": "5"},
            "members-0-birth_year",
            "Enter the year of that month of birth",
        ),
    ],
    ids=["date-and-age", "month-without-year"],
)
def test_contradictory_or_incomplete_birth_dates_are_refused_beside_the_field(
    world, login, change, field_id, message
):
    browser = login("caseworker_a")
    response = browser.post("/households/new", household_payload(world, members=[HEAD], **change))
    assert response.status_code == 422
    assert message in _errors_beside(_text(response), field_id)
    assert _count(Household) == 0


# --- 7. document numbers and other names ----------------------------------------------------


def test_a_civil_id_typed_in_arabic_digits_is_kept_with_an_ascii_key(world, login):
    browser = login("caseworker_a")
    head = {**HEAD, "number_civil_id": "١٢٣ ٤٥٦ ٧٨٩"}
    household = _registered(browser, world, [head], "HOL-0042")
    [number] = household.members[0].identifiers
    assert number.kind == "civil_id"
    assert number.key == "123456789"
    # as typed, spaces kept; the form reads every code's digits in ASCII (AwdaForm)
    assert number.value == "123 456 789"


FATIMA_FAR = {  # far enough that the names and date alone are not proposed
    **HEAD,
    "given_name_ar": "فطيمة",
    "father_name_ar": "حمد",
    "grandfather_name_ar": "",
    "family_name_ar": "",
    "given_name_en": "Fteima",
    "father_name_en": "Hamad",
    "grandfather_name_en": "",
    "family_name_en": "",
    "birth_date": "1989-04-02",
}


def test_without_a_shared_number_two_distant_spellings_are_not_proposed(world, login):
    browser = login("caseworker_a")
    _registered(browser, world, [HEAD], "HOL-0042")
    _registered(browser, world, [FATIMA_FAR], "HOL-0043")
    assert _pairs() == []


@pytest.mark.parametrize("kind", ["civil_id", "unified_id"])
def test_one_document_number_written_two_ways_is_evidence_of_one_person(
    world, login, records_officer, kind
):
    browser = login("caseworker_a")
    first_head = {
        **HEAD,
        f"number_{kind}": "١٢٣ ٤٥٦ ٧٨٩",
        "mother_name_ar": "خديجة محمود",
        "known_as": "أم عمر",
    }
    _registered(browser, world, [first_head], "HOL-0042")
    response = browser.post(
        "/households/new",
        household_payload(world, [{**FATIMA_FAR, f"number_{kind}": "123-456-789"}], camp_ref="H-2"),
    )
    assert response.status_code == 200, f"the shared {kind} number was no evidence: saved at once"
    assert NOTHING_SAVED in _text(response)
    assert "Document numbers" in _text(response)
    assert (
        browser.post(
            "/households/new",
            household_payload(
                world,
                [{**FATIMA_FAR, f"number_{kind}": "123-456-789"}],
                camp_ref="H-2",
                duplicates_seen=_seen(_text(response)),
            ),
        ).status_code
        == 302
    )
    [pair] = _pairs()
    documents = [i for i in pair.explanation if i["feature"] == "documents"]
    assert [i["level"] for i in documents] == ["shared"] and documents[0]["weight"] > 0

    page = _page(records_officer, f"/identity/duplicates/{pair.id}")
    assert "خديجة محمود" in page
    assert "أم عمر" in page
    assert "a number in common" in page
    saved = db.session.scalars(sa.select(MemberIdentifier).where(MemberIdentifier.kind == kind))
    assert {i.key for i in saved} == {"123456789"}


# --- 8. merging through the pages -----------------------------------------------------------


YUSUF = {
    "given_name_ar": "يوسف",
    "father_name_ar": "خالد",
    "given_name_en": "Yusuf",
    "father_name_en": "Khalid",
    "sex": "M",
    "birth_date": "2016-02-11",
    "relationship": "son",
}


def _merge(browser, pair, kept_member_id, reason=REASON, households=True):
    data = {
        "merge-kept_member_id": str(kept_member_id),
        "merge-reason": reason,
        "merge-csrf_token": browser.token,
    }
    if households:
        data["merge-households"] = "y"
    return browser.post(f"/identity/duplicates/{pair.id}/merge", data)


def test_a_supervisor_merges_two_households_and_undoes_it_through_the_pages(world, login):
    caseworker = login("caseworker_a")
    kept = _registered(caseworker, world, [HEAD, SON], "HOL-0042")
    retired = _registered(caseworker, world, [HEAD_AGAIN_WITH_GRANDFATHER, YUSUF], "HOL-0077")
    [pair] = _pairs()
    kept_member = next(m for m in pair.members if m.household_id == kept.id)

    supervisor = login("supervisor_a")
    url = f"/identity/duplicates/{pair.id}"
    _page(supervisor, url)
    assert _judge(supervisor, pair, PairStatus.SAME).status_code == 302
    page = _page(supervisor, url)
    assert "Merge the two records" in page

    refused = _merge(supervisor, pair, kept_member.id, reason="")
    assert refused.status_code == 422
    assert "Say why" in _errors_beside(_text(refused), "merge-reason")
    assert _count(Merge) == 0

    assert (
        login("caseworker_a")
        .post(
            f"/identity/duplicates/{pair.id}/merge",
            {
                "merge-kept_member_id": str(kept_member.id),
                "merge-reason": REASON,
                "merge-households": "y",
            },
        )
        .status_code
        == 403
    )
    assert _count(Merge) == 0

    assert _merge(supervisor, pair, kept_member.id).status_code == 302
    household_page = _page(supervisor, f"/households/{kept.id}")
    assert "يوسف" in household_page and "Yusuf" in household_page
    cases = _page(supervisor, "/households/")
    assert kept.case_number in cases
    assert retired.case_number not in cases
    assert _pairs()[0].status == PairStatus.MERGED

    [done] = db.session.scalars(sa.select(Merge)).all()
    page = _page(supervisor, url)
    undone = supervisor.post(
        f"/identity/merges/{done.id}/undo",
        {"undo-reason": "Two women after all", "undo-csrf_token": supervisor.token},
    )
    assert undone.status_code == 302, page[:200]
    cases = _page(supervisor, "/households/")
    assert kept.case_number in cases and retired.case_number in cases
    assert "يوسف" not in _page(supervisor, f"/households/{kept.id}")
    assert "يوسف" in _page(supervisor, f"/households/{retired.id}")


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(probability=st.floats(min_value=0.0, max_value=1.0))
def test_a_likelihood_is_never_shown_as_a_certainty(app, probability):
    """For any probability, the page never says 100 % or 0 %: a match is always a question."""
    from app.core.formatting import likelihood

    with app.test_request_context():
        shown = likelihood(probability)
    assert shown.endswith(" %")
    assert "100" not in shown and shown not in ("0.0 %", "0 %")
