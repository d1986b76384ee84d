"""One synthetic document with its annotations, built sentence by sentence.

Every sentence template writes text and records, at the same moment, the spans it annotates
(mentions, quantity claims, quotes, relations), so every quote is exactly the text at its
offsets. Once the text is complete, a quote that occurs more than once gets its 1-based
``occurrence`` the way ``loaders.anchoring`` counts (overlapping matches included).

A document depends only on (seed, index), never on the documents before it, so archives of
different sizes share their first documents and generation can be split across processes.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.names import CURATORS, FILLER, MONTHS, PUBLISHERS, QUALIFIER_WORDS, SAYINGS
from bench.registry_gen import Entity, Registry

MASSACRE = "massacre-1988"
ROUND_FIGURES = (2800, 3800, 4000, 4482, 5000, 8000, 12000, 20000, 30000, 33700)
CLAIMANTS = (
    "ncri", "amnesty-international", "united-nations", "mek", "rehman", "robertson",
    "unnamed-mois-official", "montazeri", "boumedra", "justice-seeking-movement",
)  # fmt: skip


@dataclass
class Ann:
    kind: str  # mention | claim | quote | relation
    start: int
    end: int
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Document:
    doc_id: str
    text: str
    sidecar: dict[str, Any]
    annotations: list[Ann]
    curator: str
    author: str | None
    jsonld: bool  # mentions go to a W3C Web Annotation file
    by_url: bool  # that file targets the document by its stated URL


class Builder:
    """Text and the annotations on it, appended together."""

    def __init__(self, rng: random.Random, registry: Registry):
        self.rng, self.reg = rng, registry
        self.parts: list[str] = []
        self.pos = 0
        self.anns: list[Ann] = []

    def say(self, text: str) -> None:
        self.parts.append(text)
        self.pos += len(text)

    def surface(self, e: Entity) -> str:
        names = e.names()
        return (
            names[0] if len(names) == 1 or self.rng.random() < 0.6 else self.rng.choice(names[1:])
        )

    def mention(self, e: Entity, surface: str | None = None) -> None:
        start = self.pos
        self.say(surface or self.surface(e))
        self.anns.append(Ann("mention", start, self.pos, {"entity": e.id}))

    def close(self, kind: str, start: int, **data: Any) -> None:
        self.anns.append(Ann(kind, start, self.pos, data))

    def pick(self, role: str) -> Entity:
        """A frequent entity more often than a rare one (a Zipf-like tail)."""
        pool = self.reg.by_role[role]
        n = len(pool)
        return pool[min(n - 1, int(n * self.rng.random() ** 2.5))]

    def text(self) -> str:
        return "".join(self.parts)


def _figure(rng: random.Random, local: bool = False) -> int:
    if local:  # one prison, one month
        return rng.randrange(2, 120) * 10
    return rng.choice(ROUND_FIGURES) if rng.random() < 0.6 else rng.randrange(5, 400) * 100


def _rank(rng: random.Random) -> str:
    return rng.choices(("normal", "preferred", "deprecated"), (0.9, 0.05, 0.05))[0]


def _claimant(b: Builder) -> Entity | None:
    """A registry claimant, or None for the document's own voice."""
    r = b.rng.random()
    if r < 0.3:
        return None
    if r < 0.6:
        return b.reg.get(b.rng.choice(CLAIMANTS))
    return b.pick("witness") if r < 0.8 else b.pick("ngo")


def _figure_words(b: Builder, qualifier: str, local: bool = False) -> tuple[str, dict[str, Any]]:
    if qualifier == "range":
        low = _figure(b.rng, local)
        high = low + b.rng.randrange(1, 20) * (10 if local else 100)
        return f"between {low:,} and {high:,}", {"min": low, "max": high}
    n = _figure(b.rng, local)
    word = b.rng.choice(QUALIFIER_WORDS[qualifier])
    return (f"{word} {n:,}" if word else f"{n:,}"), {"value": n}


def executed_claim(b: Builder) -> None:
    qualifier = b.rng.choice((*QUALIFIER_WORDS, "range"))
    words, numbers = _figure_words(b, qualifier)
    claimant = _claimant(b)
    massacre = b.reg.get(MASSACRE)
    if claimant is None:
        start = b.pos
        b.say(f"{words[0].upper()}{words[1:]} political prisoners were executed")
        b.close("claim", start, claimant="author", about=MASSACRE, measure="executed-count",
                qualifier=qualifier, rank=_rank(b.rng), **numbers)  # fmt: skip
        b.say(" in the ")
        b.mention(massacre)
    else:
        b.mention(claimant)
        b.say(" said that ")
        start = b.pos
        b.say(f"{words} political prisoners were executed")
        b.close("claim", start, claimant=claimant.id, about=MASSACRE, measure="executed-count",
                qualifier=qualifier, rank=_rank(b.rng), **numbers)  # fmt: skip
        b.say(" during the ")
        b.mention(massacre)
    b.say(".")


def local_claim(b: Builder) -> None:
    prison, month = b.pick("prison"), b.rng.choice(MONTHS[6:10])
    claimant = b.pick("witness")
    b.say("At ")
    b.mention(prison)
    b.say(", ")
    start = b.pos
    qualifier = b.rng.choice(("approximately", "at-least", "more-than"))
    words, numbers = _figure_words(b, qualifier, local=True)
    b.say(f"{words} prisoners were hanged in {month} 1988")
    b.close("claim", start, claimant=claimant.id, about=MASSACRE, measure="executed-count",
            qualifier=qualifier, rank="normal", **numbers)  # fmt: skip
    b.say(", according to ")
    b.mention(claimant)
    b.say(".")


def cities_claim(b: Builder) -> None:
    famous = b.rng.choice(("ncri", "amnesty-international", "mek"))
    org = b.reg.get(famous) if b.rng.random() < 0.5 else b.pick("ngo")
    b.mention(org)
    b.say(" documented ")
    start = b.pos
    n = b.rng.randrange(20, 120)
    b.say(f"executions in {n} cities")
    b.close("claim", start, claimant=org.id, about=MASSACRE, measure="cities-affected",
            qualifier="exactly", value=n, rank="normal")  # fmt: skip
    b.say(".")


def testimony(b: Builder) -> None:
    speaker, org = b.pick("witness"), b.pick("ngo")
    saying = b.rng.choice(SAYINGS).format(
        place=b.surface(b.pick("prison")), month=b.rng.choice(MONTHS[6:10]),
        name=b.pick("victim").label,
    )  # fmt: skip
    b.mention(speaker)
    b.say(" told ")
    b.mention(org)
    b.say(": “")
    start = b.pos
    b.say(saying)
    b.close("quote", start, speaker=speaker.id)
    b.say(".”")


def member_relation(b: Builder) -> None:
    person, committee = b.pick("perpetrator"), b.pick("committee")
    start = b.pos
    b.mention(person)
    b.say(", a member of the ")
    b.mention(committee)
    b.close("relation", start, subject=person.id, relation="member-of", object=committee.id)
    b.say(", signed the death sentences.")


def victim_relation(b: Builder) -> None:
    victim, prison = b.pick("victim"), b.pick("prison")
    start = b.pos
    b.mention(victim)
    b.say(" was executed at ")
    b.mention(prison)
    b.say(f" in {b.rng.choice(MONTHS[6:10])} 1988")
    b.close("relation", start, subject=victim.id, relation="victim-of", object=MASSACRE)
    b.say(".")


def perpetrator_relation(b: Builder) -> None:
    person = b.pick("perpetrator")
    b.say("Survivors ")
    start = b.pos
    b.say("accuse ")
    b.mention(person)
    b.say(" of taking part in the ")
    b.mention(b.reg.get(MASSACRE))
    b.close("relation", start, subject=person.id, relation="perpetrator-of", object=MASSACRE,
            claimant="author")  # fmt: skip
    b.say(".")


def located_relation(b: Builder) -> None:
    prison, city = b.pick("prison"), b.pick("city")
    start = b.pos
    b.mention(prison)
    b.say(", in ")
    b.mention(city)
    b.close("relation", start, subject=prison.id, relation="located-in", object=city.id)
    b.say(", held hundreds of political prisoners that summer.")


def mentions_only(b: Builder) -> None:
    form = b.rng.randrange(3)
    if form == 0:
        b.say("Families gathered at ")
        b.mention(b.pick("cemetery"))
        b.say(" on the anniversary, as they do every year.")
    elif form == 1:
        b.mention(b.pick("victim"))
        b.say(" had been held in ")
        b.mention(b.pick("prison"))
        b.say(f" since {b.rng.randint(1981, 1987)}.")
    else:
        b.say("The case was raised by ")
        b.mention(b.pick("ngo"))
        b.say(" in ")
        b.mention(b.pick("city"))
        b.say(".")


def filler(b: Builder) -> None:
    b.say(b.rng.choice(FILLER))


TEMPLATES: tuple[tuple[Callable[[Builder], None], float], ...] = (
    (executed_claim, 1.2), (local_claim, 0.6), (cities_claim, 0.3), (testimony, 0.8),
    (member_relation, 0.5), (victim_relation, 0.8), (perpetrator_relation, 0.4),
    (located_relation, 0.3), (mentions_only, 2.5), (filler, 1.5),
)  # fmt: skip


def occurrence(text: str, exact: str, start: int) -> int | None:
    """The 1-based occurrence of ``exact`` at ``start``, or None when it occurs once."""
    found, at = [], text.find(exact)
    while at != -1:
        found.append(at)
        at = text.find(exact, at + 1)
    assert start in found
    return None if len(found) == 1 else found.index(start) + 1


def compose(seed: int, index: int, registry: Registry) -> Document:
    rng = random.Random(seed * 1_000_003 + index)
    doc_id = f"d{index:06d}_{rng.getrandbits(32):08x}"
    b = Builder(rng, registry)
    target = rng.randint(20, 50)
    city = b.pick("city")
    b.say(rng.choice((
        f"Families of 1988 victims in {city.label} still wait for answers",
        "New testimony on the summer of 1988",
        f"Report: the executions of 1988 in {city.label}",
        "Remembering the prisoners of 1988",
    )) + "\n\n")  # fmt: skip
    if rng.random() < 0.3:
        b.say("728 x 90\n\n")
    if rng.random() < 0.03:
        b.say("𝗝𝘂𝘀𝘁𝗶𝗰𝗲 𝗳𝗼𝗿 𝘁𝗵𝗲 𝘃𝗶𝗰𝘁𝗶𝗺𝘀 𝗼𝗳 𝟭𝟵𝟴𝟴\n\n")
    if rng.random() < 0.1:
        b.say("#قتل_عام_۶۷\n\n")
    year = rng.randint(1995, 2025)
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if rng.random() < 0.5:
        month = MONTHS[int(date[5:7]) - 1]
        b.say(f"{city.label}, {month} {int(date[8:])}, {year} – ")
    templates, weights = zip(*TEMPLATES, strict=True)
    sentences = 0
    while len(b.anns) < target:
        rng.choices(templates, weights)[0](b)
        sentences += 1
        b.say("\n\n" if rng.random() < 0.3 else " ")
    b.say(rng.choice(FILLER) + "\n")
    if rng.random() < 0.3:
        b.say("\nBack to top button\n")
    text = b.text()
    assert unicodedata.is_normalized("NFC", text)
    anns = _trim(b.anns, target)
    for ann in anns:
        exact = text[ann.start : ann.end]
        ann.data["quote"] = exact
        ann.data["occurrence"] = occurrence(text, exact, ann.start)
    jsonld = index % 5 == 4
    sidecar: dict[str, Any] = {"id": doc_id, "language": "en", "media_type": "text/plain",
                               "date": date}  # fmt: skip
    if rng.random() < 0.5:
        sidecar["publisher"] = rng.choice(PUBLISHERS)
    by_url = jsonld and rng.random() < 0.5
    if by_url or rng.random() < 0.2:
        sidecar["url"] = f"https://news{index % 7}.example.org/{year}/{doc_id}"
    author = b.pick("ngo").id if rng.random() < 0.2 else None
    return Document(doc_id, text, sidecar, anns, rng.choice(CURATORS), author, jsonld, by_url)


def _trim(anns: list[Ann], target: int) -> list[Ann]:
    """Drop trailing mentions so that exactly ``target`` annotations remain."""
    extra = len(anns) - target
    kept: list[Ann] = []
    for ann in reversed(anns):
        if extra > 0 and ann.kind == "mention":
            extra -= 1
            continue
        kept.append(ann)
    return kept[::-1]
