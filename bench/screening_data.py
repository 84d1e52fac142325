"""A labelled set for watch-list screening: a register of fictitious Iraqi families and a UN-style
list that hides some of their men under the spellings lists use, beside their brothers and sons.

    from bench.screening_data import generate
    data = generate(persons=20_000, entries=1_000, wanted=130, seed=1)
    data.households  # lists of `Registered`: each person as the register holds them
    data.entries     # `Listed`: the list's people, as `tests.watchlist_data.un_list_xml` takes them
    data.relation(person, listed)  # "same", "brother", "son", "relative", "namesake", ...

The families are `bench.identity_data`'s clans (a patriarch, who is not registered, and his sons,
each heading a household: a wife, children whose father is the head's given name and grandfather
the head's father; in some clans a grown son heads his own household), with the register's
spellings: Arabic always, Latin letters for half the persons, hamza, taa marbuta and alef maqsura
left out by the registering hand for `PLAIN_REGISTERED` of them, a birth date, a year or an age,
the mother's name (mostly). In `SIBLING_SHARE` of the households an unmarried brother or sister of
the head lives with them (relationship "sibling").

The list's `wanted` men are registered adult men (born by `ADULT_BORN_BY`) with a registered
brother (same father, grandfather, family and mother, another given name) or son (whose father
name is the man's given name): those are the hard negatives. A wanted man without a brother born
within `CLOSE_BROTHER_YEARS` years of him is given one, registered in his household. Each man is
written from who he is, not from his register row, with the variants of real lists, drawn
independently:

- Latin letters only, no original script (`LATIN_ONLY`), any usual spelling (AHMED / AHMAD), the
  family name with or without its hyphen (AL-JUBOURI, AL JUBOURI);
- the grandfather dropped (`NO_GRANDFATHER`): three parts, as the UN writes them;
- a birth as an exact date, a year only, a BETWEEN range one or two years each side of the true
  year, or APPROXIMATELY a year (sometimes one year off) (`BIRTHS`);
- the original script without hamza, taa marbuta and alef maqsura (`PLAIN_LISTED`) (أحمد / احمد,
  ة / ه, ى / ي) — or with them, where the register left them out;
- a kunya, "Abu" and his eldest son's name, as a low-quality alias (`KUNYA`); a good-quality alias
  spelling his name another way (`GOOD_ALIAS`).

The other entries are not registered: `NAMESAKES` of them bear the given name, father's name and
family name of a registered man, with another grandfather and a birth 5-15 years apart (planted
namesakes); the rest are invented from the same name lists, drawn with the same Zipf-like weights
as the register, so that chance namesakes occur as they do. Everything is drawn from
`random.Random(seed)`: the same seed gives the same set.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from app.demo.names import FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN, NameEntry
from app.identity.names import fold
from app.identity.person import BirthDate, NamePart, PersonRecord, Precision
from bench.identity_data import ARABIC_VARIANTS, LIST_DAY, Person, _Generator

ADULT_BORN_BY = LIST_DAY.year - 18
SIBLING_SHARE = 0.15
PLAIN_REGISTERED = 0.15
LATIN_ONLY = 0.35
NO_GRANDFATHER = 0.35
PLAIN_LISTED = 0.5
KUNYA = 0.35
GOOD_ALIAS = 0.4
BIRTHS = {"exact date": 25, "year only": 35, "between": 20, "approximately": 20}
NAMESAKES = 100
CLOSE_BROTHER_YEARS = 3
_RELATIONSHIP = {0: "head", 1: "spouse"}


@dataclass(eq=False)
class Registered:
    """A person as the register holds them: `record` is what registration typed."""

    person: Person
    record: PersonRecord
    relationship: str


@dataclass(eq=False)
class Listed:
    """A person of the list: `xml` as `un_list_xml` takes it, `kind` "wanted" (registered),
    "namesake" (planted) or "invented", and the `variants` the entry was written with."""

    reference: str
    person: Person
    xml: dict
    kind: str
    variants: tuple[str, ...] = ()


@dataclass
class ScreeningSet:
    households: list[list[Registered]]
    entries: list[Listed]
    sons_of: dict[int, list[Person]] = field(default_factory=dict)

    @property
    def registered(self) -> list[Registered]:
        return [r for household in self.households for r in household]

    def wanted(self) -> list[Listed]:
        return [e for e in self.entries if e.kind == "wanted"]

    def relation(self, person: Person, listed: Listed) -> str:
        """How a registered `person` stands to the entry `listed`: `same`, `brother`, `son`,
        `relative` (sister, daughter, father, cousin, nephew), `unrelated` for the entry of a
        registered man; the entry's kind (`namesake`, `invented`) for the others."""
        if listed.kind != "wanted":
            return listed.kind
        wanted = listed.person
        if person is wanted:
            return "same"
        if person.father is not None and person.father is wanted.father:
            return "brother" if person.sex == "M" else "relative"
        if person.father is wanted:
            return "son" if person.sex == "M" else "relative"
        if _kin(person, wanted):
            return "relative"
        return "unrelated"


def _kin(a: Person, b: Person) -> bool:
    """Father, uncle, nephew or cousin: one lineage two generations deep."""
    if b.father is a or a.father is b:
        return True
    elders = {id(p) for p in (a.father, a.father.father if a.father else None) if p}
    return any(id(p) in elders for p in (b.father, b.father.father if b.father else None) if p)


class _Register:
    """Households from `bench.identity_data`'s clans, with siblings added, as registered."""

    def __init__(self, seed: int) -> None:
        self.generator = _Generator(seed)
        self.rng = self.generator.rng
        self.children: dict[int, list[Person]] = defaultdict(list)  # id(father) -> children

    def households(self, persons: int) -> list[list[Registered]]:
        made: list[list[Registered]] = []
        count = 0
        while count < persons:
            start = len(self.generator.households)
            self.generator.clan(persons - count)
            clan = [self.people(members) for _, members in self.generator.households[start:]]
            for people in clan:  # once the whole clan is known: a sibling's name is his own
                head = people[0][0]
                if head.father is not None and self.rng.random() < SIBLING_SHARE:
                    people.append((self.sibling(head), "sibling"))
                    self.children[id(head.father)].append(people[-1][0])
            for (group, _), people in zip(self.generator.households[start:], clan, strict=True):
                made.append([Registered(p, self.record(p, group), rel) for p, rel in people])
                count += len(people)
        return made

    def people(self, members: list[Person]) -> list[tuple[Person, str]]:
        for person in members:
            if person.father is not None:
                self.children[id(person.father)].append(person)
        return [
            (m, _RELATIONSHIP.get(i, "son" if m.sex == "M" else "daughter"))
            for i, m in enumerate(members)
        ]

    def sibling(self, head: Person) -> Person:
        """An unmarried brother or sister of the head, younger, living with them."""
        sex = self.rng.choice("MMF")
        pool = MALE_GIVEN if sex == "M" else FEMALE_GIVEN
        taken = {p.given for p in self.children[id(head.father)]} | {head.given}
        born = head.born.replace(year=min(head.born.year + self.rng.randint(1, 9), 2005), day=1)
        return self.generator.person(
            sex,
            self.generator.pick(pool, taken),
            head.father_name,
            head.grandfather_name,
            head.family,
            head.mother_name,
            born,
            father=head.father,
        )

    def record(self, person: Person, group: str) -> PersonRecord:
        record = self.generator.record(person, f"p{person.id}", group, listed=False)
        record = replace(record, documents=frozenset())
        if record.birth is None:  # the register always holds a date, a year or an age
            record = replace(record, birth=BirthDate(date(person.born.year, 1, 1), Precision.YEAR))
        if self.rng.random() < PLAIN_REGISTERED:
            record = replace(record, **{s: _plain(getattr(record, s)) for s in _NAME_SLOTS})
        return record


_NAME_SLOTS = ("given", "father", "grandfather", "family", "mother")


def _plain(part: NamePart) -> NamePart:
    return NamePart(part.ar.translate(ARABIC_VARIANTS), part.en)


class _Writer:
    """Writes a person as a UN list entry, with drawn variants."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def entry(self, person: Person, index: int, kind: str, sons: list[Person],
              registered: PersonRecord | None = None) -> Listed:  # fmt: skip
        rng, variants = self.rng, []
        parts = [person.given, person.father_name, person.grandfather_name, person.family]
        if rng.random() < NO_GRANDFATHER:
            del parts[2]
            variants.append("grandfather dropped")
        names = [self.latin(entry) for entry in parts]
        arabic = ""
        if rng.random() < LATIN_ONLY:
            variants.append("Latin only")
        else:
            arabic = " ".join(entry[0] for entry in parts)
            if rng.random() < PLAIN_LISTED:
                arabic = arabic.translate(ARABIC_VARIANTS)
        births, birth_variant = self.births(person.born)
        variants.append(birth_variant)
        aliases = []
        if rng.random() < GOOD_ALIAS:
            spelled = [self.latin(entry).title().replace("Al-", "al-") for entry in parts]
            aliases.append({"quality": "Good", "name": " ".join(spelled)})
        if sons and person.sex == "M" and rng.random() < KUNYA:
            aliases.append({"quality": "Low", "name": f"Abu {rng.choice(sons[0].given[1])}"})
            variants.append("kunya")
        if registered is not None:
            variants += _against_register(registered, names, arabic, parts)
        xml = {
            "dataid": str(6909001 + index),
            "reference": f"QDi.{9001 + index}",
            "names": names,
            "original_script": arabic,
            "gender": "Male" if person.sex == "M" else "Female",
            "list_type": "Al-Qaida",
            "listed_on": f"{rng.randint(2014, 2024)}-{rng.randint(1, 12):02d}-01",
            "nationalities": ["Iraq"],
            "aliases": aliases,
            "births": births,
        }
        return Listed(xml["reference"], person, xml, kind, tuple(variants))

    def latin(self, entry: NameEntry) -> str:
        text = self.rng.choice(entry[1]).upper()
        if text.startswith("AL-") and self.rng.random() < 0.25:
            text = "AL " + text[3:]
        return text

    def births(self, born: date) -> tuple[list[dict], str]:
        rng = self.rng
        kind = rng.choices(list(BIRTHS), weights=list(BIRTHS.values()))[0]
        if kind == "exact date":
            return [{"type": "EXACT", "date": born.isoformat()}], kind
        if kind == "year only":
            return [{"type": "EXACT", "year": str(born.year)}], kind
        if kind == "between":
            low, high = born.year - rng.randint(1, 2), born.year + rng.randint(1, 2)
            return [{"type": "BETWEEN", "from_year": str(low), "to_year": str(high)}], kind
        off = rng.choice((0, 0, 0, -1, 1))
        kind = "approximately" + (", a year off" if off else "")
        return [{"type": "APPROXIMATELY", "year": str(born.year + off)}], kind


def _against_register(
    record: PersonRecord, names: list[str], arabic: str, parts: list[NameEntry]
) -> list[str]:
    """The variants that set the entry apart from the register's row, beyond those drawn."""
    slots = [record.given, record.father, record.grandfather, record.family]
    if len(parts) == 3:
        del slots[2]
    found = []
    registered_ar = " ".join(p.ar for p in slots if p.ar)
    plain = arabic.translate(ARABIC_VARIANTS)
    if arabic and arabic != registered_ar and plain == registered_ar.translate(ARABIC_VARIANTS):
        found.append("hamza/taa/alef forms")
    if not record.given.en:
        if not arabic:
            found.append("Latin only, register Arabic only")
    elif [fold(n) for n in names] != [fold(p.en) for p in slots]:
        found.append("other Latin spelling")
    return found


def generate(
    persons: int = 20_000, entries: int = 1_000, wanted: int = 130, seed: int = 1
) -> ScreeningSet:
    """About `persons` registered persons in households, and `entries` list entries of which
    `wanted` are registered men (see the module docstring); reproducible from `seed`."""
    register = _Register(seed)
    households = register.households(persons)
    rng = register.rng
    regs = [r for household in households for r in household]
    sons = {id(p): [c for c in register.children[id(p)] if c.sex == "M"] for p in _people(regs)}
    eligible = [
        r
        for r in regs
        if r.person.sex == "M"
        and r.person.born.year <= ADULT_BORN_BY
        and (_brothers(r.person, register.children) or sons[id(r.person)])
    ]
    chosen = rng.sample(eligible, min(wanted, len(eligible)))
    for man in chosen:
        _close_brother(register, households, man)
    writer = _Writer(rng)
    listed = [writer.entry(r.person, 0, "wanted", sons[id(r.person)], r.record) for r in chosen]
    listed += _namesakes(register, writer, regs, {id(r.person) for r in chosen}, entries, wanted)
    while len(listed) < entries:
        listed.append(writer.entry(_invented(register), 0, "invented", []))
    rng.shuffle(listed)
    for index, entry in enumerate(listed):
        entry.xml["dataid"], entry.xml["reference"] = str(6909001 + index), f"QDi.{9001 + index}"
        entry.reference = entry.xml["reference"]
    return ScreeningSet(households, listed, {k: v for k, v in sons.items() if v})


def _close_brother(register: _Register, households: list[list[Registered]], man: Registered):
    """A brother born one to `CLOSE_BROTHER_YEARS` years apart, registered in the man's household
    unless he has one: the hardest negative (lineage, mother and nearly the birth year shared)."""
    person, rng = man.person, register.rng
    brothers = _brothers(person, register.children)
    if any(abs(b.born.year - person.born.year) <= CLOSE_BROTHER_YEARS for b in brothers):
        return
    taken = {p.given for p in register.children[id(person.father)]}
    gap = rng.randint(1, CLOSE_BROTHER_YEARS) * rng.choice((-1, 1))
    born = date(person.born.year + gap, rng.randint(1, 12), rng.randint(1, 28))
    brother = register.generator.person(
        "M",
        register.generator.pick(MALE_GIVEN, taken),
        person.father_name,
        person.grandfather_name,
        person.family,
        person.mother_name,
        born,
        father=person.father,
        mother=person.mother,
    )
    register.children[id(person.father)].append(brother)
    household = next(h for h in households if any(r is man for r in h))
    relationship = "son" if man.relationship == "son" else "sibling"
    household.append(Registered(brother, register.record(brother, man.record.group), relationship))


def _people(regs: list[Registered]) -> list[Person]:
    return [r.person for r in regs]


def _brothers(person: Person, children: dict[int, list[Person]]) -> list[Person]:
    if person.father is None:
        return []
    return [p for p in children[id(person.father)] if p is not person and p.sex == "M"]


def _namesakes(register, writer, regs, chosen: set[int], entries: int, wanted: int):
    """Unregistered men bearing a registered man's given, father's and family name, with another
    grandfather and a birth 5-15 years apart."""
    rng = register.rng
    men = [r.person for r in regs if r.person.sex == "M" and r.person.born.year <= ADULT_BORN_BY]
    made = []
    for man in rng.sample(men, min(NAMESAKES, max(0, entries - wanted), len(men))):
        gap = rng.randint(5, 15) * rng.choice((-1, 1))
        born = man.born.replace(year=man.born.year + gap, day=1)
        namesake = register.generator.person(
            "M",
            man.given,
            man.father_name,
            register.generator.pick(MALE_GIVEN, {man.grandfather_name}),
            man.family,
            register.generator.mother_name(),
            born,
        )
        made.append(writer.entry(namesake, 0, "namesake", []))
    return made


def _invented(register: _Register) -> Person:
    generator = register.generator
    sex = "F" if generator.rng.random() < 0.15 else "M"
    return generator.person(
        sex,
        generator.pick(MALE_GIVEN if sex == "M" else FEMALE_GIVEN),
        generator.pick(MALE_GIVEN),
        generator.pick(MALE_GIVEN),
        generator.pick(FAMILY_NAMES),
        generator.mother_name(),
        generator.born(1955, 2002),
    )
