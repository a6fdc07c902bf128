"""Plausible residents, in pure Python: names, ID numbers, phones and household make-up.

Everything draws from one seeded `random.Random`, in a fixed order, so that the same seed gives
the same people. Nothing here iterates over a set (string hashing differs between processes).
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from gongzhi.org.demo.data import GIVEN_NAMES, ID_AREAS, SURNAMES, cohort

# Ages and dates are reckoned from a fixed day, not from today, so that a seed gives the same
# ID numbers whenever it runs.
ANCHOR = date(2026, 9, 1)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class Weighted:
    """Draws from (value, weight) pairs with one bisect per draw."""

    def __init__(self, pairs: Sequence[tuple[str, float]]) -> None:
        self.values = [v for v, _ in pairs]
        self.cumulative = list(itertools.accumulate(w for _, w in pairs))

    def draw(self, rng: random.Random) -> str:
        x = rng.random() * self.cumulative[-1]
        return self.values[bisect.bisect_right(self.cumulative, x)]


_SURNAMES = Weighted(SURNAMES)
_AREAS = Weighted(ID_AREAS)


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def make_id_number(area: str, birth: date, sequence: int, gender: str) -> str:
    """An 18-character ID: area, birth date, a 3-digit sequence whose parity is the gender."""
    if not 0 <= sequence < 500:
        raise ValueError("sequence must be in [0, 500)")
    order = sequence * 2 + (1 if gender == "m" else 0)  # odd for men, even for women
    first17 = f"{area}{birth:%Y%m%d}{order:03d}"
    return first17 + id_check_digit(first17)


def birth_date_for_age(rng: random.Random, age: int) -> date:
    """A birth date that makes the person `age` years old on the anchor day."""
    latest = ANCHOR.replace(year=ANCHOR.year - age)
    return latest - timedelta(days=rng.randrange(365))


def age_on_anchor(birth: date) -> int:
    before_birthday = (ANCHOR.month, ANCHOR.day) < (birth.month, birth.day)
    return ANCHOR.year - birth.year - (1 if before_birthday else 0)


@dataclass
class Identities:
    """Hands out names, unique ID numbers and unique (clearly fake) mobile numbers."""

    rng: random.Random
    used_ids: set[str] = field(default_factory=set)
    used_phones: set[str] = field(default_factory=set)

    def surname(self) -> str:
        return _SURNAMES.draw(self.rng)

    def given_name(self, birth_year: int, gender: str) -> str:
        return self.rng.choice(GIVEN_NAMES[(cohort(birth_year), gender or "m")])

    def id_number(self, birth: date, gender: str) -> str:
        area = _AREAS.draw(self.rng)
        while True:
            candidate = make_id_number(area, birth, self.rng.randrange(500), gender)
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate

    def phone(self) -> str:
        """A mobile number in 1900xxxxxxx: valid format, in a block nobody is handed out.

        Numbers below 19001000000 are kept for the demo logins.
        """
        while True:
            candidate = f"1900{self.rng.randrange(100_000, 10_000_000):07d}"
            if candidate not in self.used_phones:
                self.used_phones.add(candidate)
                return candidate

    def reserve_phone(self, phone: str) -> None:
        self.used_phones.add(phone)


@dataclass
class Sketch:
    """One member of a household before it has a name.

    `surname_from`: "own" draws a new surname, "head" copies the head's, "father" copies the
    surname of the children's father (the head or the spouse).
    """

    relation: str
    age: int
    gender: str
    surname_from: str = "own"
    tags: list[str] = field(default_factory=list)


@dataclass
class Resident:
    name: str
    gender: str
    birth: date
    id_number: str
    phone: str
    relation: str
    tags: list[str]

    @property
    def age(self) -> int:
        return age_on_anchor(self.birth)


_URBAN_HEAD_AGES = (
    (24, 29, 6),
    (30, 39, 17),
    (40, 49, 19),
    (50, 59, 21),
    (60, 69, 20),
    (70, 79, 12),
    (80, 93, 5),
)
_VILLAGE_HEAD_AGES = (
    (28, 39, 8),
    (40, 49, 14),
    (50, 59, 24),
    (60, 69, 28),
    (70, 79, 18),
    (80, 93, 8),
)
_TENANT_HEAD_AGES = ((21, 29, 45), (30, 39, 40), (40, 55, 15))


def _age_from_bins(rng: random.Random, bins: Sequence[tuple[int, int, float]]) -> int:
    low, high, _ = rng.choices(bins, weights=[b[2] for b in bins])[0]
    return rng.randint(low, high)


def _template(rng: random.Random, age: int, *, village: bool) -> str:
    if age < 30:
        options = {"single": 28, "couple": 24, "kids1": 40, "kids1+parent": 8}
    elif age < 45:
        options = {
            "single": 5,
            "couple": 6,
            "kids1": 34,
            "kids2": 30,
            "kids1+parents": 14,
            "kids2+parents": 8,
            "single_parent": 3,
        }
    elif age < 60:
        options = {
            "single": 8,
            "couple": 24,
            "kids1": 34,
            "kids2": 12,
            "kids1+parent": 8,
            "three_gen": 14,
        }
    else:
        options = {"single": 22, "couple": 44, "kids1": 14, "three_gen": 16, "single+kid": 4}
    if village and 52 <= age <= 78:
        options["left_behind"] = 28  # grandparents raising grandchildren; parents work away
    keys = list(options)
    return rng.choices(keys, weights=[options[k] for k in keys])[0]


def compose_household(rng: random.Random, *, village: bool, tenant: bool) -> list[Sketch]:
    """The members of one household: relations, ages, genders and structural tags."""
    if tenant:
        head = Sketch("head", _age_from_bins(rng, _TENANT_HEAD_AGES), rng.choice("mf"))
        members = [head]
        roll = rng.random()
        if roll < 0.45:
            members.append(_spouse(rng, head))
            if rng.random() < 0.5:
                kid = _child(rng, members)
                if kid:
                    members.append(kid)
        elif roll < 0.7:
            members.append(Sketch("other", rng.randint(20, 35), rng.choice("mf")))
        return members

    age = _age_from_bins(rng, _VILLAGE_HEAD_AGES if village else _URBAN_HEAD_AGES)
    template = _template(rng, age, village=village)
    if template == "single":
        female_share = 0.65 if age >= 70 else 0.45
        head = Sketch("head", age, "f" if rng.random() < female_share else "m")
        if age >= 60:
            head.tags.append("elderly_alone")
        return [head]

    head = Sketch("head", age, "m" if rng.random() < 0.78 else "f")
    members = [head]
    if template in {"single_parent", "single+kid"}:
        members.append(_child(rng, members) or _spouse(rng, head))
        return members
    members.append(_spouse(rng, head))
    if template == "couple":
        if all(m.age >= 60 for m in members):
            for m in members:
                m.tags.append("empty_nest")
        return members
    if template == "left_behind":
        for _ in range(rng.choices([1, 2], weights=[60, 40])[0]):
            members.append(
                Sketch(
                    "grandchild",
                    rng.randint(3, 15),
                    rng.choice("mf"),
                    "father",
                    ["left_behind_child"],
                )
            )
        return members
    n_kids = 2 if template.startswith("kids2") else 1
    for _ in range(n_kids):
        kid = _child(rng, members)
        if kid:
            members.append(kid)
    if template.endswith("+parents") or template.endswith("+parent"):
        n_parents = 2 if template.endswith("+parents") else 1
        father_age = min(head.age + rng.randint(24, 32), 95)
        members.append(Sketch("parent", father_age, "m", "head"))
        if n_parents == 2:
            members.append(Sketch("parent", max(father_age - rng.randint(0, 4), 45), "f"))
    if template == "three_gen":
        kid = _child(rng, members, min_age=24)
        if kid:
            members.append(kid)
            members.append(
                Sketch(
                    "other",
                    max(kid.age + rng.randint(-3, 3), 20),
                    "f" if kid.gender == "m" else "m",
                )
            )  # the child's spouse
            for _ in range(rng.choices([1, 2], weights=[55, 45])[0]):
                grand_age = kid.age - rng.randint(24, 32)
                if grand_age >= 0:
                    members.append(Sketch("grandchild", grand_age, rng.choice("mf"), "father"))
    return members


def _spouse(rng: random.Random, head: Sketch) -> Sketch:
    if head.gender == "m":
        return Sketch("spouse", max(head.age - rng.randint(0, 4), 20), "f")
    return Sketch("spouse", head.age + rng.randint(0, 4), "m")


def _child(rng: random.Random, members: list[Sketch], *, min_age: int = 0) -> Sketch | None:
    mother = next((m for m in members[:2] if m.gender == "f"), members[0])
    age = mother.age - rng.randint(23, 34)
    if age < min_age:
        return None
    return Sketch("child", age, rng.choice("mf"), "father")


def name_household(
    ids: Identities, sketches: list[Sketch], *, phone_for: Sketch | None = None
) -> list[Resident]:
    """Give every sketched member a name, a birth date, an ID number and maybe a phone."""
    rng = ids.rng
    head = sketches[0]
    head_surname = ids.surname()
    spouse = next((s for s in sketches if s.relation == "spouse"), None)
    spouse_surname = ids.surname() if spouse else ""
    father_surname = head_surname
    if head.gender == "f" and spouse is not None and rng.random() < 0.92:
        father_surname = spouse_surname
    out: list[Resident] = []
    for sketch in sketches:
        if sketch is head:
            surname = head_surname
        elif sketch is spouse:
            surname = spouse_surname
        elif sketch.surname_from == "head":
            surname = head_surname
        elif sketch.surname_from == "father":
            surname = father_surname
        else:
            surname = ids.surname()
        birth = birth_date_for_age(rng, sketch.age)
        name = surname + ids.given_name(birth.year, sketch.gender)
        out.append(
            Resident(
                name=name,
                gender=sketch.gender,
                birth=birth,
                id_number=ids.id_number(birth, sketch.gender),
                phone=ids.phone() if _has_phone(rng, sketch.age) else "",
                relation=sketch.relation,
                tags=list(sketch.tags),
            )
        )
    return out


def _has_phone(rng: random.Random, age: int) -> bool:
    if age < 12:
        return False
    if age < 16:
        return rng.random() < 0.4
    if age < 70:
        return rng.random() < 0.97
    if age < 80:
        return rng.random() < 0.75
    return rng.random() < 0.45


def individual_tags(rng: random.Random, resident: Resident) -> list[str]:
    """Tags that fall on individuals at plausible rates, by age and gender."""
    age = resident.age
    tags: list[str] = []
    disability = 0.005 if age < 18 else 0.02 if age < 60 else 0.06 if age < 80 else 0.12
    if rng.random() < disability:
        tags.append("disability")
    illness = 0.0 if age < 18 else 0.005 if age < 60 else 0.03
    if rng.random() < illness:
        tags.append("serious_illness")
    if resident.gender == "m" and 30 <= age <= 80 and rng.random() < 0.035:
        tags.append("veteran")
    return tags


def weighted_sample(
    rng: random.Random, items: Sequence[int], weights: Sequence[float], k: int
) -> list[int]:
    """k distinct items, each drawn with probability proportional to its weight.

    Efraimidis-Spirakis: key u^(1/w), keep the k largest. Deterministic for a seeded rng.
    """
    keyed = [
        (rng.random() ** (1.0 / w), item) for item, w in zip(items, weights, strict=True) if w > 0
    ]
    keyed.sort(reverse=True)
    return [item for _, item in keyed[:k]]


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - counts[i], -i), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts
