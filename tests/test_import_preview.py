"""A transfer list checked before anything is written: its columns matched by their Arabic or
English headers, its rows grouped into households and checked as the household form checks
them, every problem told by the spreadsheet's row number and the column's header."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from app.extensions import db
from app.identity import linkage
from app.imports.headers import FIELD_NAMES, match_headers
from app.imports.preview import ListChoices, preview
from app.imports.reading import read_table
from app.imports.words import name_slots, relationship_code, sex_code
from app.registry.models import Household
from tests.factories import HouseholdFactory, MemberFactory

HEADERS = ["ت", "رقم العائلة", "الاسم الرباعي", "اسم الأم", "المواليد", "الجنس", "صلة القرابة"]
ROWS = [
    ["1", "F-1", "فاطمة أحمد حسين الجبوري", "زينب علي", "1988", "أنثى", "ربة الأسرة"],
    ["2", "F-1", "عمر خالد حسين الجبوري", "فاطمة أحمد", "12/03/2015", "ذكر", "ابن"],
    ["3", "F-1", "زينب خالد حسين الجبوري", "فاطمة أحمد", "31/02/2017", "أنثى", "ابنة"],
    ["4", "F-2", "سعاد حسن كاظم الدليمي", "مريم علي", "1990", "أنثى", "رب الأسرة"],
    ["5", "F-2", "يوسف علي كاظم الدليمي", "سعاد حسن", "2010", "ذكر", "جار"],
    ["6", "F-3", "هدى ياسين محمد العبيدي", "نور حسن", "1975", "أنثى", "ابنة"],
    ["7", "F-4", "مريم صالح عمر الطائي", "هناء علي", "1992", "أنثى", "ربة الأسرة"],
]


def _csv(headers=HEADERS, rows=ROWS, encoding="utf-8") -> bytes:
    lines = [",".join(headers), *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _preview(world, data: bytes, name: str = "list.csv", actor=None):
    table = read_table(data, name)
    choices = ListChoices(camp_id=world.camp.id, origin_governorate_id=world.ninewa.id)
    return preview(table, match_headers(table.headers), choices, actor or world.supervisor_a)


def test_headers_in_arabic_and_english_are_matched_to_fields():
    assert match_headers(HEADERS) == {
        0: "serial",
        1: "household_ref",
        2: "full_name",
        3: "mother_name",
        4: "birth",
        5: "sex",
        6: "relationship",
    }
    english = ["S/N", "Family No", "Full Name", "Mother's name", "DOB", "Gender", "Relation"]
    assert sorted(match_headers(english).values()) == sorted(
        ["serial", "household_ref", "full_name", "mother_name", "birth", "sex", "relationship"]
    )


_FOLDS = str.maketrans({"ا": "أ", "ه": "ة", "ي": "ى"})


@given(
    field=st.sampled_from(sorted(FIELD_NAMES)),
    data=st.data(),
    spaces=st.sampled_from(["", " ", "  ", "\u200f"]),
)
def test_a_header_is_matched_however_its_letters_are_written(field, data, spaces):
    """For any field and any of its names, hamza, taa marbuta and alef maqsura forms, spacing
    and direction marks around it change nothing."""
    name = data.draw(st.sampled_from(FIELD_NAMES[field]))
    variant = spaces + name.translate(_FOLDS).upper() + spaces
    assert match_headers([variant]) == match_headers([name])


def test_a_full_name_is_cut_into_slots_and_words_read():
    assert name_slots("عبد الله محمد عبد الرحمن العبيدي") == {
        "given": "عبد الله",
        "father": "محمد",
        "grandfather": "عبد الرحمن",
        "family": "العبيدي",
    }
    assert name_slots("زينب حسن محمد") == {"given": "زينب", "father": "حسن", "grandfather": "محمد"}
    assert [relationship_code(w) for w in ("ربّ الأسرة", "زوجه", "Daughter", "جار")] == [
        "head",
        "spouse",
        "daughter",
        None,
    ]
    assert [sex_code(w) for w in ("انثى", "ذكر", "M", "؟")] == ["F", "M", "M", None]


def test_the_preview_counts_households_and_tells_each_problem_by_row_and_column(world):
    found = _preview(world, _csv())
    problems = {(p.row, p.column) for p in found.problems}
    # Row 4 (spreadsheet numbering, the header being row 1) has 31 February.
    assert (4, "المواليد") in problems
    # Row 6: "جار" (neighbour) is no relationship Awda knows.
    assert (6, "صلة القرابة") in problems
    # Row 7 is a household of one daughter: no head.
    assert any(p.row == 7 for p in found.problems)
    assert found.households == 1 and found.members == 1  # F-4 alone is whole
    assert found.rows_with_problems == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 0


def test_the_same_list_in_windows_1256_reads_the_same(world):
    utf8, cp1256 = _preview(world, _csv()), _preview(world, _csv(encoding="cp1256"))
    assert [(p.row, p.column, p.message) for p in cp1256.problems] == [
        (p.row, p.column, p.message) for p in utf8.problems
    ]


@pytest.mark.parametrize("team, shown", [("team_a", True), ("team_b", False)])
def test_possible_duplicates_are_counted_only_where_the_importer_may_see_them(world, team, shown):
    """Mariam (row 8) registered already: in the importer's team she is shown as a possible
    duplicate; in another agency's team she is neither shown nor counted."""
    mariam = MemberFactory(
        given_name_ar="مريم", father_name_ar="صالح", grandfather_name_ar="عمر",
        family_name_ar="الطائي", mother_name_ar="هناء علي", birth_date=date(1992, 5, 1), sex="F",
    )  # fmt: skip
    household = HouseholdFactory(team=getattr(world, team), camp=world.camp, members=[mariam])
    linkage.refresh(household.members)
    db.session.commit()
    found = _preview(world, _csv())
    assert (set(found.duplicates) == {8}) is shown
    assert bool(found.duplicates) is shown
    if shown:
        assert found.duplicates[8][0].member.id == mariam.id


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["import", *args])


@pytest.fixture
def list_file(tmp_path):
    path = tmp_path / "قائمة.csv"
    path.write_bytes(_csv())
    return path


def test_the_cli_prints_the_counts_and_every_problem(app, world, list_file):
    result = _run(
        app, str(list_file), "--camp", world.camp.code, "--governorate", world.ninewa.iso_code,
        "--as", world.supervisor_a.username, "--dry-run",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 new households, 1 persons to register" in result.output
    assert "row 4, column 'المواليد'" in result.output
    assert "column 'رقم العائلة' -> household_ref" in result.output
    from app.imports.models import ImportFile, ListImport

    kept = [
        db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in (ListImport, ImportFile)
    ]
    assert kept == [0, 0]  # a dry run keeps nothing


def test_the_cli_refuses_a_caseworker_and_exits_non_zero_when_nothing_can_be_imported(
    app, world, tmp_path
):
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv(rows=[r for r in ROWS if r[1] == "F-2"]))
    refused = _run(
        app, str(path), "--camp", world.camp.code, "--as", world.caseworker_a.username,
        "--dry-run",
    )  # fmt: skip
    assert refused.exit_code != 0 and "may not import" in refused.output
    nothing = _run(
        app, str(path), "--camp", world.camp.code, "--governorate", world.ninewa.iso_code,
        "--as", world.supervisor_a.username, "--dry-run",
    )  # fmt: skip
    assert nothing.exit_code == 1 and "0 households" in nothing.output


def test_matching_a_whole_list_at_once_finds_what_one_by_one_finds(world):
    """The list's rows matched together give, row by row, the candidates each would get alone."""
    from app.core.dates import local_today
    from app.registry.services import MemberInput

    people = [
        ("مريم", "صالح", "عمر", "الطائي", "هناء علي", date(1992, 5, 1)),
        ("سعاد", "حسن", "كاظم", "الدليمي", "مريم علي", date(1990, 7, 1)),
        ("سعاد", "حسن", "كاظم", "الدليمي", "زينب محمد", date(1985, 2, 1)),  # a namesake
    ]
    for first, father, grandfather, family, mother, born in people:
        member = MemberFactory(
            given_name_ar=first, father_name_ar=father, grandfather_name_ar=grandfather,
            family_name_ar=family, mother_name_ar=mother, birth_date=born, sex="F",
        )  # fmt: skip
        linkage.refresh(HouseholdFactory(team=world.team_a, members=[member]).members)
    db.session.commit()
    stranger = MemberInput(given_name_ar="هدى", father_name_ar="ياسين", sex="F", relationship="")
    rows = [
        MemberInput(given_name_ar=g, father_name_ar=f, family_name_ar=fam, mother_name_ar=m,
                    sex="F", relationship="head", birth_year=b.year)
        for g, f, _gf, fam, m, b in people
    ] + [stranger]  # fmt: skip
    records = [
        linkage.record_of_input(m, f"row{i}", "list", local_today()) for i, m in enumerate(rows)
    ]
    together = linkage.candidates_for_many(records)
    alone = [linkage.candidates(r) for r in records]
    assert [[c.member.id for c in found] for found in together] == [
        [c.member.id for c in found] for found in alone
    ]
    assert together[0] and together[1] and not together[3]


@pytest.mark.parametrize(
    ("word", "code"),
    [("زوجة ثانية", "spouse"), ("الزوجة الثالثة", "spouse"), ("عم", "other_relative"),
     ("خالة", "other_relative"), ("ابن أخ", "other_relative"), ("ربة أسرة", "head"),
     ("Head of HH", "head"), ("جدة", "other_relative")],
)  # fmt: skip
def test_the_words_lists_use_for_relatives_are_read(word, code):
    assert relationship_code(word) == code


def test_a_place_is_read_as_a_governorate_or_one_of_its_districts(world):
    rows = [
        ["1", "F-1", "فاطمة أحمد حسين الجبوري", "زينب علي", "1988", "بنت", "ربة الأسرة", "mosul"],
        ["2", "F-2", "سعاد حسن كاظم الدليمي", "مريم علي", "1990", "أنثى", "ربة الأسرة", "انبار"],
        ["3", "F-3", "هدى ياسين محمد العبيدي", "نور حسن", "1975", "أنثى", "ربة الأسرة", "Nineveh"],
        ["4", "F-4", "مريم صالح عمر الطائي", "هناء علي", "1992", "أنثى", "ربة الأسرة", "Al-Anbar"],
        ["5", "F-5", "رقية صالح عمر الطائي", "هناء علي", "1993", "أنثى", "ربة الأسرة", "بعيد"],
    ]
    found = _preview(world, _csv([*HEADERS, "المحافظة"], rows))
    places = {f.reference: (f.data.origin_governorate_id, f.data.origin_district_id)
              for f in found.families if f.data}  # fmt: skip
    assert places == {
        "F-1": (world.ninewa.id, world.mosul.id),
        "F-2": (world.anbar.id, None),
        "F-3": (world.ninewa.id, None),
        "F-4": (world.anbar.id, None),
    }
    assert [(p.row, p.column) for p in found.problems] == [(6, "المحافظة")]
    assert "does not know the place بعيد" in found.problems[0].message


def test_a_problem_is_told_once_per_row_and_column(world):
    rows = [["1", "F-1", "", "زينب علي", "1988", "أنثى", "ربة الأسرة"]]
    found = _preview(world, _csv(HEADERS, rows))
    told = [(p.row, p.column, p.message) for p in found.problems]
    assert len(told) == len(set(told)) >= 1
