"""The case list: search by name in both scripts, numbers and phone; filters; scope; pages."""

from __future__ import annotations

import re
from html import unescape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.pagination import FURTHEST_PAGE, page_number
from app.extensions import db
from app.registry.phone import InvalidPhone, normalise_phone
from app.registry.search import fold, terms
from tests.factories import HouseholdFactory, MemberFactory


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("أحمد", "احمد"),  # alef with hamza above
        ("إبراهيم", "ابراهيم"),  # alef with hamza below
        ("آمنة", "امنه"),  # alef madda, taa marbuta
        ("مصطفى", "مصطفي"),  # alef maqsura
        ("مُحَمَّد", "محمد"),  # diacritics
        ("عائشة", "عايشه"),  # yeh with hamza
        ("لؤي", "لوي"),  # waw with hamza
        ("Mohammed", "MOHAMMED"),
        ("Al-Jubouri", "al jubouri"),
        ("Sa'ad", "saad"),
        ("٠٧٧٠", "0770"),  # Arabic-Indic digits
    ],
)
def test_spelling_variants_fold_to_the_same_text(written, typed):
    assert fold(written).replace(" ", "") == fold(typed).replace(" ", "")


def test_terms_split_what_is_typed_and_join_compounds():
    typed = terms("  أحمد   AL-jubouri ")
    assert [t.literal for t in typed] == ["احمد", "aljubouri"]
    # Only a word in Latin letters is also matched by its skeleton.
    assert [t.key for t in typed] == [None, "jbr"]
    assert terms("") == []


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0770 123 4567", "+9647701234567"),
        ("+964 770 123 4567", "+9647701234567"),
        ("00964-770-123-4567", "+9647701234567"),
        ("٠٧٧٠١٢٣٤٥٦٧", "+9647701234567"),
        ("+963 944 123 456", "+963944123456"),
        ("", None),
    ],
)
def test_phone_numbers_are_stored_in_one_form(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "0770 123 45", "+964 123", "phone", "07701234567890"])
def test_malformed_phone_numbers_are_refused(typed):
    with pytest.raises(InvalidPhone):
        normalise_phone(typed)


@pytest.fixture
def caseload(world):
    """Three households in team A, one in team B whose names would also match."""

    def household(team, caseworker, ref, phone=None, **names):
        member = MemberFactory(**names)
        return HouseholdFactory(
            team=team,
            assigned_to=caseworker,
            camp=world.camp,
            camp_ref=ref,
            phone=phone,
            origin_governorate=world.ninewa,
            members=[member],
        )

    return {
        "ahmed": household(
            world.team_a,
            world.caseworker_a,
            "HOL-1",
            "+9647701112222",
            given_name_ar="أحمد",
            given_name_en="Ahmed",
            family_name_ar="الدليمي",
            family_name_en="Al-Dulaimi",
            sex="M",
        ),
        "amina": household(
            world.team_a,
            world.caseworker_a2,
            "HOL-2",
            given_name_ar="آمنة",
            given_name_en="Amna",
            father_name_ar="خالد",
            father_name_en="Khalid",
            family_name_ar="العبيدي",
            family_name_en="Al-Obaidi",
        ),
        "fatima": household(
            world.team_a, world.caseworker_a, "ROJ-3", father_name_ar="عمر", father_name_en="Omar"
        ),
        "other_team": household(
            world.team_b,
            world.caseworker_b,
            "HOL-4",
            given_name_ar="أحمد",
            given_name_en="Ahmed",
            family_name_ar="الدليمي",
            family_name_en="Al-Dulaimi",
            sex="M",
        ),
    }


def search(browser, **params):
    """Search as the page does: the text is posted, the list is read where it is sent."""
    sent = browser.post("/households/search", params)
    assert sent.status_code == 303
    return browser.get(sent.headers["Location"])


def _found(browser, **params) -> set[str]:
    page = search(browser, **params).get_data(as_text=True)
    return {number for number in re.findall(r">AWD-(\d{4}-\d{6})</a>", page)}


def _cases(caseload, *keys) -> set[str]:
    return {caseload[k].case_number.removeprefix("AWD-") for k in keys}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("احمد", {"ahmed"}),
        ("أحمد الدليمي", {"ahmed"}),
        ("ahmed", {"ahmed"}),
        ("AL-DULAIMI", {"ahmed"}),
        ("امنه", {"amina"}),
        ("amna al-obaidi", {"amina"}),
        ("HOL-", {"ahmed", "amina"}),
        ("roj-3", {"fatima"}),
        ("07701112222", {"ahmed"}),
        ("+964 770 111 2222", {"ahmed"}),
        ("nobody", set()),
    ],
)
def test_search_finds_by_name_number_and_phone_within_scope(login, caseload, query, expected):
    assert _found(login("caseworker_a"), q=query) == _cases(caseload, *expected)


@pytest.mark.parametrize("spelling", [str, str.lower, lambda n: f"  {n} "])
def test_search_by_case_number_finds_that_case_alone(login, caseload, spelling):
    number = caseload["amina"].case_number
    assert _found(login("caseworker_a"), q=spelling(number)) == _cases(caseload, "amina")


def test_other_team_sees_only_its_own_matches(login, caseload):
    assert _found(login("caseworker_b"), q="ahmed") == _cases(caseload, "other_team")
    assert _found(login("caseworker_b"), q=caseload["ahmed"].case_number) == set()


def test_filters_by_caseworker_camp_and_governorate(world, login, caseload):
    browser = login("supervisor_a")
    assert _found(browser, caseworker_id=world.caseworker_a2.id) == _cases(caseload, "amina")
    assert _found(browser, governorate_id=world.anbar.id) == set()
    assert _found(browser, camp_id=world.camp.id) == _cases(caseload, "ahmed", "amina", "fatima")


def _text(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("stage=nonsense", "Stage: “nonsense”"),
        ("governorate_id=IQG15", "Governorate of origin: “IQG15”"),  # a p-code, not an id
        ("governorate_id=99999", "Governorate of origin: “99999”"),
        ("camp_id=abc", "Camp: “abc”"),
        ("sort=drop", "Sort by: “drop”"),
    ],
)
def test_a_filter_value_not_offered_is_named_and_the_list_shown_without_it(
    login, caseload, query, named
):
    response = login("caseworker_a").get(f"/households/?{query}&page=x")
    text = _text(response)
    assert response.status_code == 200
    heading = "The list is shown without these filters, whose values are not among the choices"
    assert f"{heading} offered to you:" in text
    assert f"{named} is not one of the choices offered to you." in text
    assert "3 households" in text  # team A's three: the filter left out, not applied


def test_a_filter_of_another_team_is_named_in_arabic_and_a_good_one_is_not(world, login, caseload):
    world.caseworker_a.locale = "ar"
    db.session.commit()
    browser = login("caseworker_a")
    other = _text(browser.get(f"/households/?caseworker_id={world.caseworker_b.id}"))
    assert "تُعرض القائمة دون عوامل التصفية هذه، فقيمها ليست من الخيارات المتاحة لك:" in other
    assert f"«{world.caseworker_b.id}» ليس من الخيارات المتاحة لك." in other
    good = _text(browser.get(f"/households/?governorate_id={world.ninewa.id}"))
    assert "ليست من الخيارات المتاحة لك:" not in good


def test_pages_and_sorting(app, world, login):
    app.config["PAGE_SIZE"] = 2
    for ref in ("C", "A", "B"):
        HouseholdFactory(
            team=world.team_a, camp=world.camp, camp_ref=ref, origin_governorate=world.ninewa
        )
    browser = login("caseworker_a")
    first = browser.get("/households/?sort=camp_ref").get_data(as_text=True)
    assert "3 households" in first
    assert first.index(">A</bdi>") < first.index(">B</bdi>")
    assert ">C</bdi>" not in first
    second = browser.get("/households/?sort=camp_ref&page=2").get_data(as_text=True)
    assert ">C</bdi>" in second and ">A</bdi>" not in second


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("999999", 2),
        ("99999999999999999999", 2),  # past a 64-bit integer
        ("9" * 5000, 2),  # past what Python's int() reads
        ("٩٩٩٩٩٩٩٩٩٩٩٩", 2),
        ("abc", 1),
        ("2.5", 1),
        ("1e9", 1),
        ("-3", 1),
        ("0", 1),
        ("", 1),
    ],
)
def test_a_page_past_the_end_shows_the_last_and_a_non_number_the_first(
    app, world, login, asked, shown
):
    app.config["PAGE_SIZE"] = 2
    for ref in ("C", "A", "B"):
        HouseholdFactory(team=world.team_a, camp=world.camp, camp_ref=ref)
    response = login("caseworker_a").get(f"/households/?sort=camp_ref&page={asked}")
    assert response.status_code == 200
    text = _text(response)
    assert f"Page {shown} of 2" in text
    assert ("C" if shown == 2 else "A") in re.findall(r">([ABC])</bdi>", response.get_data(True))


@given(st.text(max_size=40) | st.integers(-(10**30), 10**30).map(str))
def test_any_page_asked_is_a_page_from_one_to_the_furthest(text):
    number = page_number(text)
    assert 1 <= number <= FURTHEST_PAGE
    digits = text.strip()
    if digits.isascii() and digits.isdigit():
        assert number == min(max(int(digits), 1), FURTHEST_PAGE)


def test_filter_by_stage_and_the_stage_is_shown(world, login, caseload):
    caseload["amina"].stage = "vetting"
    from app.extensions import db

    db.session.commit()
    browser = login("caseworker_a")
    assert _found(browser, stage="vetting") == _cases(caseload, "amina")
    assert "Security vetting" in browser.get("/households/").get_data(as_text=True)
    assert browser.get("/households/?stage=nonsense").status_code == 200


# --- the search text never in a URL -----------------------------------------------------------


def test_a_searched_name_appears_in_no_url(login, caseload):
    browser = login("caseworker_a")
    sent = browser.post("/households/search", {"q": "فاطمة الجبوري", "stage": "registered"})
    location = sent.headers["Location"]
    assert "stage=registered" in location and "search=" in location
    assert "%D9" not in location and "q=" not in location  # no Arabic, no text at all
    page = browser.get(location).get_data(as_text=True)
    assert 'value="فاطمة الجبوري"' in page  # the box keeps what was typed
    links = re.findall(r'(?:href|action)="([^"]*)"', page)
    assert links and not any("%D9" in link or "q=" in link for link in links)


def test_a_name_in_the_query_string_is_neither_searched_nor_shown(login, caseload):
    page = login("caseworker_a").get("/households/?q=Fatima").get_data(as_text=True)
    assert "Fatima" not in page.split("<table")[0]  # not in the search box
    everything = login("caseworker_a").get("/households/").get_data(as_text=True)
    assert page.count("AWD-") == everything.count("AWD-")


def test_an_unknown_search_token_says_the_search_has_expired(login, caseload):
    page = login("caseworker_a").get("/households/?search=forged")
    assert page.status_code == 200
    assert "That search is no longer kept" in page.get_data(as_text=True)


def test_the_search_token_of_one_user_is_nothing_to_another(login, caseload):
    sent = login("caseworker_a").post("/households/search", {"q": "Fatima"})
    other = login("caseworker_a2").get(sent.headers["Location"]).get_data(as_text=True)
    assert "That search is no longer kept" in other and 'value="Fatima"' not in other


@pytest.mark.parametrize(
    ("locale", "message"),
    [
        ("en", "Search with at most 200 characters; nothing was searched."),
        ("ar", "ابحث بما لا يزيد على 200 حرف؛ لم يُجرَ أي بحث."),
    ],
)
def test_a_search_too_long_is_refused_beside_the_box_which_keeps_it(
    world, login, caseload, locale, message
):
    world.caseworker_a.locale = locale
    db.session.commit()
    typed = "أحمد " + "ب" * 200  # 205 characters: no search is cut without a word
    browser = login("caseworker_a")
    response = browser.post(
        "/households/search", {"q": typed, "caseworker_id": world.caseworker_a.id}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    start = page.index('id="q-errors"')
    assert re.findall(r"<li>(.*?)</li>", page[start : page.index("</ul>", start)]) == [message]
    assert f'value="{typed}"' in page  # what was typed, whole, in the box
    # The list as filtered, unsearched: the caseworker's two households, not only Ahmed's.
    assert set(re.findall(r">AWD-(\d{4}-\d{6})</a>", page)) == _cases(caseload, "ahmed", "fatima")
    links = re.findall(r'(?:href|action)="([^"]*)"', page)
    assert f"caseworker_id={world.caseworker_a.id}" in " ".join(links)
    assert not any("%D8" in link or "search=" in link for link in links)


def test_a_search_of_two_hundred_characters_is_searched_whole(login, caseload):
    typed = "Ahmed " + "x" * 194
    sent = login("caseworker_a").post("/households/search", {"q": typed})
    assert sent.status_code == 303 and "search=" in sent.headers["Location"]


def test_a_search_without_its_token_is_refused(login, caseload):
    assert (
        login("caseworker_a").post("/households/search", {"q": "x"}, csrf=False).status_code == 400
    )


def _stage_options(page: str) -> list[str]:
    select = re.search(r'<select[^>]*name="stage"[^>]*>(.*?)</select>', page, re.S)
    assert select, "the list has a stage filter"
    return [v for v in re.findall(r'<option[^>]*value="([^"]*)"', select.group(1)) if v]


def test_a_screeners_stage_filter_offers_only_the_stages_their_list_can_hold(world, login):
    from app.workflow.stages import SCREENING_STAGES, Stage

    screener = login("screener")
    offered = _stage_options(screener.get("/households/").get_data(as_text=True))
    assert sorted(offered) == sorted(s.value for s in SCREENING_STAGES)
    outside = next(s for s in Stage if s not in SCREENING_STAGES)
    page = _text(screener.get(f"/households/?stage={outside.value}"))
    assert f"“{outside.value}” is not one of the choices offered to you." in page
    caseworker = login("caseworker_a").get("/households/").get_data(as_text=True)
    assert len(_stage_options(caseworker)) == len(Stage)
