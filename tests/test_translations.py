"""Every string the app can show has its Arabic translation, with the same placeholders.

The strings are extracted from the code and templates as they are now, so a string added
without a translation fails here even if nobody ran `make messages`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = sorted((ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.po"))


@pytest.fixture(scope="module")
def current_strings() -> set[str]:
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = extract_from_dir(ROOT, method_map, options_map, keywords=keywords)
    strings = {_key(message) for _file, _line, message, _comments, _context in found}
    assert len(strings) > 500, "the extraction found too few strings: is babel.cfg right?"
    return strings


def _key(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _translated(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


def test_there_is_an_arabic_catalog():
    assert [path.parts[-3] for path in CATALOGS] == ["ar"]


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_every_string_has_a_translation(path, current_strings):
    with path.open("rb") as file:
        catalog = read_po(file)
    translated = {_key(m.id) for m in catalog if m.id and _translated(m.string) and not m.fuzzy}
    missing = sorted(current_strings - translated)
    assert not missing, f"{len(missing)} strings lack a translation: {missing[:20]}"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parts[-3])
def test_translations_keep_their_placeholders(path):
    with path.open("rb") as file:
        catalog = read_po(file)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check()]
    assert not problems
