"""The synthetic registry: the bundled corpus's curated entities and measures, plus made-up
people, places, organizations, events and works up to the size a documentation centre keeps
(about 2,000), each with aliases and other spellings the documents use.

Deterministic: the same seed gives the same registry, entity for entity.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.names import CEMETERIES, CITIES, GIVEN, MONTHS, PRISON_NAMES, SPELLINGS, SURNAMES

CORPUS_REGISTRY = Path(__file__).resolve().parent.parent / "corpus" / "registry.yaml"
ROLES = ("perpetrator", "victim", "witness")
# Bundled entities that play the same parts as synthetic ones in generated sentences.
CORE_ROLES = {
    "raisi": "perpetrator", "pourmohammadi": "perpetrator", "nayyeri": "perpetrator",
    "eshraghi": "perpetrator", "evin-prison": "prison", "gohardasht-prison": "prison",
    "khavaran": "cemetery", "tehran": "city", "tehran-death-committee": "committee",
    "ali-saremi": "victim", "jafar-kazemi": "victim", "haj-aghaie": "victim",
}  # fmt: skip


@dataclass
class Entity:
    id: str
    type: str
    label: str
    aliases: list[str] = field(default_factory=list)
    transliterations: list[str] = field(default_factory=list)
    description: str = ""
    role: str = ""

    def names(self) -> list[str]:
        """Every surface form a document may use, the label first."""
        return [self.label, *self.aliases, *self.transliterations]


@dataclass
class Registry:
    measures: list[dict[str, Any]]
    entities: list[Entity]
    by_role: dict[str, list[Entity]]

    def get(self, entity_id: str) -> Entity:
        return self._index[entity_id]

    def __post_init__(self) -> None:
        self._index = {e.id: e for e in self.entities}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def respell(name: str, rng: random.Random) -> str | None:
    """Another Latin spelling of ``name``, or None if no rule applies."""
    rules = [r for r in SPELLINGS if r[0] in name]
    if not rules:
        return None
    old, new = rng.choice(rules)
    return name.replace(old, new, 1)


def _person(rng: random.Random, given: str, surname: str, role: str) -> Entity:
    label = f"{given} {surname}"
    aliases: list[str] = []
    if role == "perpetrator":
        aliases.append(rng.choice(("Judge", "Prosecutor", "Hojatoleslam")) + f" {surname}")
    elif rng.random() < 0.3:
        aliases.append(surname)
    other = respell(label, rng)
    translits = [other] if other and other != label else []
    what = {
        "perpetrator": "official named by survivors as involved in the 1988 executions",
        "victim": "political prisoner executed in 1988, according to the documents",
        "witness": "former prisoner or relative who gave testimony",
    }[role]
    return Entity(
        f"p-{slug(label)}", "Person", label, aliases, translits, f"Synthetic {what}.", role
    )


def _people(rng: random.Random, count: int) -> list[Entity]:
    pairs = [(g, s) for g in GIVEN for s in SURNAMES]
    rng.shuffle(pairs)
    weights = (0.15, 0.55, 0.30)
    return [_person(rng, g, s, rng.choices(ROLES, weights)[0]) for g, s in pairs[:count]]


def _places(real_ids: set[str]) -> list[Entity]:
    places = [
        Entity(f"pl-{slug(c)}", "Place", c, [], [], "Synthetic city entry.", "city")
        for c in CITIES
        if slug(c) not in real_ids
    ]
    for name in PRISON_NAMES:
        label = f"{name} Prison"
        if slug(label) in real_ids:
            continue
        places.append(Entity(f"pl-{slug(label)}", "Place", label, [name], [], "Prison.", "prison"))
    for name in CEMETERIES:
        label = f"{name} cemetery"
        if slug(label) in real_ids or slug(name) in real_ids:
            continue
        places.append(
            Entity(f"pl-{slug(name)}", "Place", label, [name], [], "Burial site.", "cemetery")
        )
    return places


def _organizations(rng: random.Random, count: int) -> list[Entity]:
    forms = (
        ("{c} Revolutionary Court", ["Revolutionary Court of {c}"], "court"),
        ("{c} death committee", ["{c} death commission"], "committee"),
        ("Prosecutor's Office of {c}", ["{c} prosecutor's office"], "court"),
        ("Association of Families of {c} Prisoners", ["{c} families' association"], "families"),
        ("{s} Foundation for Human Rights", ["{s} Foundation"], "ngo"),
        ("{c} Bar Association", [], "ngo"),
        ("Committee for Justice in {c}", ["Justice Committee of {c}"], "ngo"),
        ("Justice for the {s} Family", [], "families"),
        ("{s} and Partners Law Office", ["{s} Law Office"], "ngo"),
    )
    assert count <= 7 * len(CITIES) + 3 * len(SURNAMES), "not enough distinct organizations"
    seen: set[str] = set()
    found: list[Entity] = []
    while len(found) < count:
        form, aliases, role = rng.choice(forms)
        c, s = rng.choice(CITIES), rng.choice(SURNAMES)
        label = form.format(c=c, s=s)
        if label in seen:
            continue
        seen.add(label)
        found.append(
            Entity(f"o-{slug(label)}", "Organization", label, [a.format(c=c, s=s) for a in aliases],
                   [], "Synthetic organization.", role)
        )  # fmt: skip
    return found


def _events_and_works(
    rng: random.Random, events: int, works: int, people: list[Entity], orgs: list[Entity]
) -> list[Entity]:
    found: list[Entity] = []
    seen: set[str] = set()
    while len(found) < events:
        month = rng.choice(MONTHS[6:11])
        form = rng.randrange(3)
        if form == 0:
            label = f"Executions at {rng.choice(PRISON_NAMES)} Prison ({month} 1988)"
        elif form == 1:
            label = f"Mass burial at {rng.choice(CEMETERIES)} ({month} 1988)"
        else:
            label = f"Commemoration in {rng.choice(CITIES)} ({rng.randint(1989, 2024)})"
        if label not in seen:
            seen.add(label)
            found.append(
                Entity(f"e-{slug(label)}", "Event", label, [], [], "Synthetic event.", "event")
            )
    made = 0
    while made < works:
        who = rng.choice(people + orgs)
        year = rng.randint(1990, 2024)
        label = (f"Testimony of {who.label} ({year})" if who.type == "Person"
                 else f"{who.label} report ({year})")  # fmt: skip
        if label not in seen:
            seen.add(label)
            found.append(
                Entity(f"w-{slug(label)}", "Work", label, [], [], "Synthetic work.", "work")
            )
            made += 1
    return found


def build_registry(seed: int, size: int = 2000) -> Registry:
    """The bundled registry plus synthetic entities, ``size`` entities in all."""
    real = yaml.safe_load(CORPUS_REGISTRY.read_text(encoding="utf-8"))
    core = [
        Entity(e["id"], e["type"], e["label"], list(e.get("aliases") or []),
               list(e.get("transliterations") or []), str(e.get("description", "")).strip(), "core")
        for e in real["entities"]
    ]  # fmt: skip
    for e in core:
        e.role = CORE_ROLES.get(e.id, "core")
    rng = random.Random(seed)
    real_ids = {e.id for e in core}
    places = _places(real_ids)
    rest = max(0, size - len(core) - len(places))
    people = _people(rng, int(rest * 0.62))
    orgs = _organizations(rng, int(rest * 0.2))
    events = int(rest * 0.1)
    works = rest - len(people) - len(orgs) - events
    others = _events_and_works(rng, events, works, people, orgs)
    entities = core + places + people + orgs + others
    ids = [e.id for e in entities]
    assert len(ids) == len(set(ids)), "entity ids must be unique"
    by_role: dict[str, list[Entity]] = {}
    for e in entities:
        by_role.setdefault(e.role, []).append(e)
        by_role.setdefault(e.type, []).append(e)
    return Registry(real["measures"], entities, by_role)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    import json

    return json.dumps(text, ensure_ascii=False)


def registry_yaml(registry: Registry) -> str:
    lines = ["# Synthetic registry (bench/generate.py): the bundled entities plus made-up ones.",
             "measures:"]  # fmt: skip
    for m in registry.measures:
        lines += [f"  - id: {m['id']}", f"    label: {q(m['label'])}"]
        if m.get("description"):
            lines.append(f"    description: {q(str(m['description']).strip())}")
    lines.append("entities:")
    for e in registry.entities:
        lines += [f"  - id: {e.id}", f"    type: {e.type}", f"    label: {q(e.label)}"]
        if e.aliases:
            lines.append("    aliases: [" + ", ".join(q(a) for a in e.aliases) + "]")
        if e.transliterations:
            lines.append(
                "    transliterations: [" + ", ".join(q(a) for a in e.transliterations) + "]"
            )
        if e.description:
            lines.append(f"    description: {q(e.description)}")
    return "\n".join(lines) + "\n"
