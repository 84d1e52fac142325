"""Watch lists loaded as versions: a new version adds, changes and removes entries by the
list's own reference, so that only what changed is screened again; national lists read from
spreadsheets by their headings; only screeners may load."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.core.validation import ValidationFailed
from app.extensions import db
from app.identity.person import BirthDate, Precision
from app.imports.reading import read_table
from app.watchlist import loading
from app.watchlist.models import ListKind, WatchEntry, WatchListVersion
from app.watchlist.national import NationalPerson, read_national

HEADINGS = ["رقم المذكرة", "الاسم الرباعي", "اسم الأم", "المواليد", "رقم الهوية"]


def person(reference: str, name: str = "احمد محمد حسين الجبوري", born: int = 1980, **changes):
    values = {
        "reference": reference,
        "names": tuple(name.split()),
        "original_script": name,
        "births": (BirthDate(date(born, 1, 1), Precision.YEAR),),
        **changes,
    }
    return NationalPerson(**values)


def load(world, persons, content: bytes, name="Wanted persons, Ninewa court"):
    loaded = loading.load(name, ListKind.NATIONAL, persons, "list.csv", content, world.screener)
    db.session.commit()
    return loaded


def entries() -> dict[str, WatchEntry]:
    return {e.reference: e for e in db.session.scalars(sa.select(WatchEntry))}


def test_a_new_version_screens_again_only_what_it_added_or_changed(world):
    first = load(world, [person("W-1"), person("W-2", "علي حسن كاظم"), person("W-3")], b"v1")
    assert (first.version.number, first.version.added, len(first.to_screen)) == (1, 3, 3)
    second = load(
        world,
        [person("W-1"), person("W-2", "علي حسن كاظم", born=1981), person("W-4")],
        b"v2",
    )
    version = second.version
    assert (version.number, version.added, version.changed, version.removed) == (2, 1, 1, 1)
    now = entries()
    assert sorted(second.to_screen) == sorted([now["W-2"].id, now["W-4"].id])
    assert now["W-3"].removed_in_id == version.id  # kept, marked removed
    assert now["W-1"].changed_in_id == first.version.id  # unchanged since version 1
    third = load(world, [person("W-1"), person("W-3")], b"v3")
    assert third.version.changed == 1 and entries()["W-3"].removed_in_id is None  # back again


def test_the_same_file_twice_is_refused_and_a_list_keeps_its_kind(world):
    load(world, [person("W-1")], b"same")
    with pytest.raises(ValidationFailed):
        load(world, [person("W-1")], b"same")
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        loading.load(
            "Wanted persons, Ninewa court", ListKind.UN, [person("W-9")], "x.xml", b"other",
            world.screener,
        )  # fmt: skip
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WatchListVersion)) == 1


def test_the_order_of_a_persons_documents_does_not_make_a_change(world):
    documents = (("passport", "A123"), ("civil_id", "00991"))
    load(world, [person("W-1", documents=documents)], b"v1")
    again = load(world, [person("W-1", documents=documents[::-1])], b"v2")
    assert again.version.changed == 0 and again.to_screen == []


def test_a_national_list_is_read_by_its_headings(world):
    rows = [
        ["K-17", "احمد محمد حسين الجبوري", "فاطمة علي", "1980", "00123"],
        ["", "علي حسن كاظم العبيدي", "", "٠٥/٠٣/١٩٩٠", ""],
        ["K-19", "عمر خالد حسين", "", "31/02/1985", ""],
    ]
    text = "\r\n".join(",".join(r) for r in [HEADINGS, *rows])
    national = read_national(read_table(text.encode(), "wanted.csv"))
    first, second, third = national.persons
    assert first.reference == "K-17" and first.mother == "فاطمة علي"
    assert first.names == ("احمد", "محمد", "حسين", "الجبوري")
    assert first.documents == (("civil_id", "00123"),)
    assert first.births == (BirthDate(date(1980, 1, 1), Precision.YEAR),)
    assert second.reference.startswith("#") and second.births[0].value == date(1990, 3, 5)
    assert third.births == () and national.unread_dates == [(4, "31/02/1985")]
    again = read_national(read_table(text.encode(), "wanted.csv"))
    assert again.persons[1].reference == second.reference  # found again in the next version


def test_only_a_screener_may_load_a_list_from_the_terminal(app, world, tmp_path):
    path = tmp_path / "wanted.csv"
    rows = [HEADINGS, ["K-17", "احمد محمد حسين الجبوري", "فاطمة علي", "1980", "00123"]]
    path.write_bytes("\r\n".join(",".join(r) for r in rows).encode())
    runner = app.test_cli_runner()
    arguments = ["watchlist", "load", str(path), "--source", "Wanted, Ninewa"]
    refused = runner.invoke(args=[*arguments, "--as", world.supervisor_a.username])
    assert refused.exit_code != 0 and "may not load watch lists" in refused.output
    loaded = runner.invoke(args=[*arguments, "--as", world.screener.username])
    assert loaded.exit_code == 0, loaded.output
    assert "version 1: 1 persons listed; 1 added, 0 changed, 0 removed" in loaded.output
    again = runner.invoke(args=[*arguments, "--as", world.screener.username])
    assert again.exit_code != 0 and "already the list's latest version" in again.output


def test_the_un_list_is_loaded_from_its_xml_and_a_new_version_changes_only_what_changed(
    app, world, tmp_path
):
    from tests.watchlist_data import invent_people, un_list_xml

    people = invent_people(6, 3)
    path = tmp_path / "consolidated.xml"
    path.write_bytes(un_list_xml(people))
    arguments = ["watchlist", "load", str(path), "--source", "UN consolidated list"]
    arguments += ["--as", world.screener.username]
    first = app.test_cli_runner().invoke(args=arguments)
    assert first.exit_code == 0, first.output
    assert "version 1: 6 persons listed; 6 added" in first.output
    people[0] = {**people[0], "comments": "Listed again with a new passport."}
    path.write_bytes(un_list_xml(people[:5]))
    second = app.test_cli_runner().invoke(args=arguments)
    assert second.exit_code == 0, second.output
    assert "version 2: 5 persons listed; 0 added, 1 changed, 1 removed" in second.output
    kinds = {e.watch_list.kind for e in entries().values()}
    assert kinds == {ListKind.UN}
