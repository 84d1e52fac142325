"""A labelled set for record linkage: fictitious Iraqi families, some listed twice.

    from bench.identity_data import generate
    data = generate(persons=20_000, seed=1)
    data.records  # PersonRecords: each household a group; re-listings in other groups
    data.matches  # the true duplicate pairs, as frozensets of two record keys
    data.relation(key_a, key_b)  # "same", "twin", "sibling", "parent", "cousin" or "other"

Names come from `app.demo.names` (Arabic with its Latin spellings), drawn with Zipf-like weights
(the first names of each list, محمد and فاطمة, are the most common), so that namesakes occur as
they do. Families are built as clans: a patriarch, his sons (brothers, each heading a household:
a wife, children whose father is the head's given name and grandfather the head's father), their
children (cousins, sharing grandfather and family name), and in some clans a grown son heading
his own household (father and son, one name apart along the chain). Twins share a birth date and
lineage but not a given name. Siblings share a mother.

About `relisted` (10%) of the persons are listed a second time, in another group (a transfer list
family), with the variants of real lists: hamza, alef maqsura and taa marbuta dropped, compounds
joined, the grandfather dropped, Latin letters only (spelled any of the usual ways), a year only,
a month, or an age estimated on the list's date, a typing slip, the mother's name shortened or
missing, documents carried over or not. Everything is drawn from `random.Random(seed)`: the same
seed gives the same set.

Changes of 2026-11 (made to match real lists, not to ease the task; every variant and every kind
of relative above is still drawn):
- a re-listing nearly always carries a birth year, a date or an age (a transfer list has a "year
  or date of birth" column): no date at all on 1% of re-listings, down from 5%. The registry
  records still lack a date 4% of the time, and a mother's name 12%;
- dates known to the month only (registry 5%, lists 5%), which the generator never made, so that
  the `same_month` level has a fitted weight;
- typing slips on 25% of re-listings (was 7%), of realistic kinds: a letter dropped, doubled, two
  letters swapped, or one letter replaced by one it is confused with (dotted Arabic letters,
  ح/خ/ج, س/ش, ص/ض, ه/ة; Latin vowels e/i, o/u, a/e), in any name slot, the mother's name included.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.demo.names import FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN, NameEntry
from app.identity.person import BirthDate, NamePart, PersonRecord, Precision, years_before

LIST_DAY = date(2025, 6, 1)  # the day a transfer list estimated ages
ARABIC_VARIANTS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و"})
# Letters typed for one another: Arabic letters that differ by their dots or are near on the
# keyboard, Latin vowels that transliterations swap.
CONFUSED = {
    "ب": "تن",
    "ت": "بث",
    "ث": "ت",
    "ن": "بت",
    "ح": "جخ",
    "خ": "ح",
    "ج": "ح",
    "س": "ش",
    "ش": "س",
    "ص": "ض",
    "ض": "ص",
    "ط": "ظ",
    "ظ": "ط",
    "د": "ذ",
    "ذ": "د",
    "ر": "ز",
    "ز": "ر",
    "ع": "غ",
    "غ": "ع",
    "ف": "ق",
    "ق": "ف",
    "ه": "ة",
    "ة": "ه",
    "ي": "ى",
    "ى": "ي",
    "e": "ia",
    "i": "e",
    "o": "u",
    "u": "o",
    "a": "e",
}


@dataclass(eq=False)
class Person:
    """A fictitious person as they are, before anyone types them."""

    id: int
    sex: str
    given: NameEntry
    father_name: NameEntry
    grandfather_name: NameEntry
    family: NameEntry
    mother_name: tuple[NameEntry, ...]
    born: date
    father: Person | None = None
    mother: Person | None = None
    documents: set[tuple[str, str]] = field(default_factory=set)
    known_as: NameEntry | None = None


@dataclass
class LabelledSet:
    """Records, who each record is, and the true duplicate pairs."""

    records: list[PersonRecord]
    person_of: dict[str, Person]
    matches: set[frozenset[str]]

    def relation(self, key_a: str, key_b: str) -> str:
        """How the persons of two records are related: `same`, `twin`, `sibling`, `parent`
        (father/son or mother/child, either way), `cousin` (fathers are brothers) or `other`."""
        a, b = self.person_of[key_a], self.person_of[key_b]
        if a is b:
            return "same"
        if a.father is not None and a.father is b.father:
            return "twin" if a.born == b.born else "sibling"
        if b in (a.father, a.mother) or a in (b.father, b.mother):
            return "parent"
        fathers = a.father, b.father
        if (
            all(fathers)
            and fathers[0].father is not None
            and fathers[0].father is fathers[1].father
        ):
            return "cousin"
        return "other"


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.ids = itertools.count(1)
        self.groups = itertools.count(1)
        self.weights = {
            id(names): [1 / (rank + 1) ** 0.8 for rank in range(len(names))]
            for names in (MALE_GIVEN, FEMALE_GIVEN, FAMILY_NAMES)
        }
        self.households: list[tuple[str, list[Person]]] = []

    # --- people -------------------------------------------------------------------------------

    def pick(self, names: tuple[NameEntry, ...], avoid: set[NameEntry] = frozenset()) -> NameEntry:
        while True:
            entry = self.rng.choices(names, weights=self.weights[id(names)])[0]
            if entry not in avoid:
                return entry

    def mother_name(self) -> tuple[NameEntry, ...]:
        return self.pick(FEMALE_GIVEN), self.pick(MALE_GIVEN), self.pick(FAMILY_NAMES)

    def born(self, earliest: int, latest: int) -> date:
        start = date(earliest, 1, 1)
        return start + timedelta(days=self.rng.randrange((date(latest, 12, 31) - start).days))

    def person(self, sex, given, father_name, grandfather_name, family, mother_name, born, **kw):
        person = Person(
            next(self.ids),
            sex,
            given,
            father_name,
            grandfather_name,
            family,
            mother_name,
            born,
            **kw,
        )
        if self.rng.random() < 0.35:
            person.documents.add(("civil_id", f"{self.rng.randrange(10**11, 10**12)}"))
        if self.rng.random() < 0.05:
            person.documents.add(("passport", f"a{self.rng.randrange(10**7, 10**8)}"))
        return person

    def clan(self, budget: int) -> int:
        """A patriarch's sons and their households; returns the number of persons listed."""
        family = self.pick(FAMILY_NAMES)
        patriarch = Person(
            next(self.ids),
            "M",
            self.pick(MALE_GIVEN),
            self.pick(MALE_GIVEN),
            self.pick(MALE_GIVEN),
            family,
            self.mother_name(),
            self.born(1925, 1950),
        )
        grandmother = self.mother_name()
        listed = 0
        used: set[NameEntry] = set()
        for _ in range(self.rng.choice((1, 1, 2, 2, 3, 4))):
            given = self.pick(MALE_GIVEN, used)
            used.add(given)
            head = self.person(
                "M",
                given,
                patriarch.given,
                patriarch.father_name,
                family,
                grandmother,
                self.born(patriarch.born.year + 18, min(patriarch.born.year + 45, 1990)),
                father=patriarch,
            )
            listed += self.household(head)
            if listed >= budget:
                break
        return listed

    def household(self, head: Person) -> int:
        rng = self.rng
        wife_family = head.family if rng.random() < 0.3 else self.pick(FAMILY_NAMES)
        wife = self.person(
            "F",
            self.pick(FEMALE_GIVEN),
            self.pick(MALE_GIVEN),
            self.pick(MALE_GIVEN),
            wife_family,
            self.mother_name(),
            self.born(head.born.year - 2, head.born.year + 10),
        )
        mother_name = (wife.given, wife.father_name, wife.family)
        children: list[Person] = []
        used: set[NameEntry] = set()
        year = wife.born.year + rng.randint(17, 24)
        for _ in range(min(rng.choice((0, 1, 2, 3, 3, 4, 4, 5, 6, 7)), 12)):
            if year > 2024:
                break
            born = self.born(year, year)
            twins = 2 if rng.random() < 0.04 else 1
            for _ in range(twins):
                sex = rng.choice("MF")
                given = self.pick(MALE_GIVEN if sex == "M" else FEMALE_GIVEN, used)
                used.add(given)
                children.append(
                    self.person(
                        sex,
                        given,
                        head.given,
                        head.father_name,
                        head.family,
                        mother_name,
                        born,
                        father=head,
                        mother=wife,
                    )
                )
            year += rng.randint(1, 3)
        sons = [child for child in children if child.sex == "M"]
        if sons and rng.random() < 0.2:
            head.known_as = (f"أبو {sons[0].given[0]}", tuple(f"Abu {s}" for s in sons[0].given[1]))
        members = [head, wife, *children]
        # A grown son heading his own household: father and son, one name apart.
        grown = [son for son in sons if son.born.year <= 2000]
        own = []
        if grown and rng.random() < 0.35:
            members.remove(grown[0])
            own = [grown[0]]
        camp_id = f"hol{rng.randrange(10**5, 10**6)}" if rng.random() < 0.6 else ""
        group = f"H{next(self.groups)}"
        self.households.append((group, members))
        for member in members:
            if camp_id:
                member.documents.add(("camp_id", camp_id))
        return len(members) + sum(self.household(son) for son in own)

    # --- records ------------------------------------------------------------------------------

    def part(self, entry: NameEntry, arabic: bool, latin: bool, variant: bool = False) -> NamePart:
        ar = self.arabic(entry[0], variant) if arabic else ""
        en = self.latin(entry[1]) if latin else ""
        return NamePart(ar, en)

    def arabic(self, text: str, variant: bool) -> str:
        if variant and self.rng.random() < 0.6:
            text = text.translate(ARABIC_VARIANTS)
        if variant and text.startswith("عبد ") and self.rng.random() < 0.5:
            text = text.replace("عبد ", "عبد", 1)
        return text

    def latin(self, spellings: tuple[str, ...]) -> str:
        text = self.rng.choice(spellings)
        if text.startswith("Al-") and self.rng.random() < 0.3:
            text = text[3:]
        return text

    def birth(self, born: date, listed: bool) -> BirthDate | None:
        rng = self.rng
        draw = rng.random()
        if listed:
            if draw < 0.01:
                return None
            if draw < 0.06:
                return BirthDate(date(born.year, born.month, 1), Precision.MONTH)
            if draw < 0.25:
                age = max(0, _age(born, LIST_DAY) + rng.choice((0, 0, 0, 0, 0, 1, -1)))
                return BirthDate(years_before(LIST_DAY, age), Precision.AGE, LIST_DAY)
            if draw < 0.6:
                return BirthDate(date(born.year, 1, 1), Precision.YEAR)
            if rng.random() < 0.06:
                born = self.slip(born)
            return BirthDate(born)
        if draw < 0.04:
            return None
        if draw < 0.1:
            return BirthDate(
                years_before(date(2024, 3, 1), _age(born, date(2024, 3, 1))),
                Precision.AGE,
                date(2024, 3, 1),
            )
        if draw < 0.45:
            return BirthDate(date(born.year, 1, 1), Precision.YEAR)
        if draw < 0.5:
            return BirthDate(date(born.year, born.month, 1), Precision.MONTH)
        return BirthDate(born)

    def slip(self, born: date) -> date:
        """A date typed wrongly: year one off, day changed, or day and month swapped."""
        kind = self.rng.choice(("year", "day", "swap"))
        if kind == "year":
            return years_before(born, self.rng.choice((-1, 1)))
        if kind == "swap" and born.day <= 12:
            return date(born.year, born.day, born.month)
        return born.replace(day=self.rng.randint(1, 28))

    def typo(self, text: str) -> str:
        """One slip in a word (not in its first two letters): a letter dropped, doubled, swapped
        with the next, or replaced by one it is confused with (`CONFUSED`)."""
        if len(text) < 5:
            return text
        at = self.rng.randrange(2, len(text) - 1)
        if text[at] == " " or text[at - 1] == " ":
            return text
        kind = self.rng.random()
        if kind < 0.3:
            return text[:at] + text[at + 1 :]
        if kind < 0.5:
            return text[:at] + text[at] + text[at:]
        if kind < 0.65 and text[at + 1] != " ":
            return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
        choices = CONFUSED.get(text[at].lower())
        if not choices:
            return text[:at] + text[at + 1 :]
        return text[:at] + self.rng.choice(choices) + text[at + 1 :]

    def record(self, person: Person, key: str, group: str, listed: bool) -> PersonRecord:
        rng = self.rng
        if listed:
            script = rng.random()
            arabic, latin = script >= 0.3, script < 0.3 or script > 0.85
        else:
            arabic, latin = True, rng.random() < 0.5
        variant = listed
        names = {
            "given": self.part(person.given, arabic, latin, variant),
            "father": self.part(person.father_name, arabic, latin, variant),
            "grandfather": self.part(person.grandfather_name, arabic, latin, variant),
            "family": self.part(person.family, arabic, latin, variant),
        }
        mother = [self.part(entry, arabic, latin, variant) for entry in person.mother_name]
        if listed:
            if rng.random() < 0.3:
                names["grandfather"] = NamePart()
            if rng.random() < 0.05:
                names["family"] = NamePart()
            mother = mother[:1] if rng.random() < 0.25 else mother
            if rng.random() < 0.2:
                mother = []
            if rng.random() < 0.25:
                slot = rng.choice(("given", "father", "grandfather", "family", "mother"))
                if slot == "mother" and mother:
                    at = rng.randrange(len(mother))
                    mother[at] = NamePart(self.typo(mother[at].ar), self.typo(mother[at].en))
                elif slot != "mother":
                    part = names[slot]
                    names[slot] = NamePart(self.typo(part.ar), self.typo(part.en))
        elif rng.random() < 0.12:
            mother = []
        mother_part = NamePart(
            " ".join(p.ar for p in mother if p.ar), " ".join(p.en for p in mother if p.en)
        )
        documents = set(person.documents)
        if listed:
            # Sorted: a set's order changes with PYTHONHASHSEED, and the draws must not.
            documents = {doc for doc in sorted(documents) if rng.random() < 0.5}
            if documents and rng.random() < 0.04:
                kind, number = sorted(documents)[0]
                documents = {(kind, number[:-1] + str((int(number[-1], 36) + 1) % 10))}
        known_as = ""
        if person.known_as and rng.random() < 0.6:
            known_as = person.known_as[0] if arabic else self.latin(person.known_as[1])
        return PersonRecord(
            key=key,
            **names,
            mother=mother_part,
            known_as=known_as,
            sex="" if listed and rng.random() < 0.05 else person.sex,
            birth=self.birth(person.born, listed),
            documents=frozenset(documents),
            group=group,
        )


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def generate(persons: int = 20_000, seed: int = 1, relisted: float = 0.10) -> LabelledSet:
    """About `persons` persons in households (each a group), and `relisted` of them listed again
    in other groups with realistic variants; reproducible from `seed`."""
    generator = _Generator(seed)
    listed = 0
    while listed < persons:
        listed += generator.clan(persons - listed)
    rng = generator.rng
    records: list[PersonRecord] = []
    person_of: dict[str, Person] = {}
    for group, members in generator.households:
        for person in members:
            key = f"p{person.id}"
            records.append(generator.record(person, key, group, listed=False))
            person_of[key] = person
    matches: set[frozenset[str]] = set()
    # Whole families are listed again (most of each), as a transfer list carries them.
    order = list(range(len(generator.households)))
    rng.shuffle(order)
    wanted = round(len(records) * relisted)
    again = 0
    for index in order:
        if again >= wanted:
            break
        _, members = generator.households[index]
        group = f"L{next(generator.groups)}"
        for person in members:
            if rng.random() < 0.8:
                key = f"d{person.id}"
                records.append(generator.record(person, key, group, listed=True))
                person_of[key] = person
                matches.add(frozenset((f"p{person.id}", key)))
                again += 1
    return LabelledSet(records, person_of, matches)
