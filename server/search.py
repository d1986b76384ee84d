"""Search over entity names (labels, aliases, transliterations) and document text.

Kept simple on purpose: SPARQL in Oxigraph finds the matches (``CONTAINS`` over lower-cased
literals: the names, then the texts, then the titles); ranking and snippets are made in
Python, and in texts whole-word matches count first. Every match is ranked and one page of
them shown (``PAGE``), with snippets and names for that page only. Every search still reads
every text, so its time grows with the archive; a full-text index could give the queries
their candidates without changing the page. An entity found through a pejorative label is
listed under its own name, with the match marked as a pejorative some sources use.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

import pyoxigraph as ox
from flask import Blueprint, current_app, render_template, request
from markupsafe import Markup, escape

from dadkhah.store import Store

from .labels import Labels, labels
from .state import store_of

bp = Blueprint("search", __name__)

SKOS = "http://www.w3.org/2004/02/skos/core#"
DK = "https://dadkhah.example/ns#"
FIELDS = {
    SKOS + "prefLabel": ("name", 100, 80, 60),
    "http://www.w3.org/2000/01/rdf-schema#label": ("name", 100, 80, 60),
    "https://schema.org/name": ("name", 100, 80, 60),
    SKOS + "altLabel": ("alias", 90, 70, 50),
    DK + "transliteration": ("transliteration", 90, 70, 50),
    DK + "pejorativeLabel": ("pejorative", 60, 40, 30),
}
"""Property: (what it is, score if equal, if a word starts with the query, if contained)."""
MAX_QUERY = 200
PAGE = 50
"""Hits per page: every match is found and ranked, a page of them shown."""
SNIPPETS = 3
CONTEXT = 80


@dataclass
class Hit:
    iri: str
    score: int
    kind: str  # "entity" or "document"
    matched: list[tuple[str, str]] = field(default_factory=list)  # (field, text)
    snippets: list[Markup] = field(default_factory=list)
    occurrences: int = 0
    spots: list[tuple[int, int]] = field(default_factory=list, repr=False)  # spans in ``text``
    text: str = field(default="", repr=False)


def _score(text: str, needle: str, scores: tuple[int, int, int]) -> int:
    low = text.lower()
    if low == needle:
        return scores[0]
    if low.startswith(needle) or f" {needle}" in low:
        return scores[1]
    return scores[2]


def snippet(text: str, at: int, end: int) -> Markup:
    """The words around the match ``text[at:end]``, escaped, with the match in ``<mark>``."""
    lo, hi = max(0, at - CONTEXT), min(len(text), end + CONTEXT)
    before = ("…" if lo else "") + " ".join(text[lo:at].split(" ")[1 if lo else 0 :])
    after = text[end:hi]
    after = (after.rsplit(" ", 1)[0] if hi < len(text) else after) + ("…" if hi < len(text) else "")
    return Markup("{}<mark>{}</mark>{}").format(
        escape(before.replace("\n", " ")), text[at:end], escape(after.replace("\n", " "))
    )


def entities(store: Store, needle: str) -> list[Hit]:
    literal = str(ox.Literal(needle))
    preds = " ".join(f"<{p}>" for p in FIELDS)
    rows = store.select(
        f"SELECT DISTINCT ?e ?p ?l WHERE {{ VALUES ?p {{ {preds} }} ?e ?p ?l . "
        f"FILTER(isIRI(?e) && CONTAINS(LCASE(STR(?l)), {literal})) }}"
    )
    hits: dict[str, Hit] = {}
    for r in rows:
        what, *scores = FIELDS[r["p"]]
        hit = hits.setdefault(r["e"], Hit(r["e"], 0, "entity"))
        hit.score = max(hit.score, _score(str(r["l"]), needle, tuple(scores)))  # type: ignore[arg-type]
        if (what, r["l"]) not in hit.matched:
            hit.matched.append((what, str(r["l"])))
    for hit in hits.values():
        hit.matched.sort(key=lambda m: (m[0] == "pejorative", m[0] != "name", m[1]))
    return list(hits.values())


TEXTS = """SELECT ?doc ?text WHERE {{
  ?capture dk:normalizedText ?text FILTER(CONTAINS(LCASE(?text), {needle}))
  ?doc dk:capture ?capture
}}"""
"""What holds the needle in its text: only the texts that match are joined to what captured
them. (Written with ``?doc a dk:SourceDocument`` in the same group, the type is what
Oxigraph evaluates first, for every document of the archive, before a single text is read:
0.8 s at 10⁴ documents for a word found nowhere, against 0.1 s.)"""
TITLED = """SELECT DISTINCT ?doc WHERE {{
  ?doc dcterms:title ?title FILTER(CONTAINS(LCASE(STR(?title)), {needle}))
}}"""
"""What holds the needle in a title (titles are short: scanning them is cheap)."""
TYPED = "SELECT ?doc WHERE {{ VALUES ?doc {{ {iris} }} ?doc a dk:SourceDocument }}"
EVERY = "SELECT ?doc WHERE { ?doc a dk:SourceDocument }"
UNTOLD = """SELECT ?doc ?text WHERE {{
  VALUES ?doc {{ {iris} }} ?doc dk:capture/dk:normalizedText ?text
}}"""
"""The texts of documents found by their title alone."""
BATCH = 500
"""IRIs per ``VALUES`` block: Oxigraph's time per IRI grows with the block's size past a
few thousand."""
LOOK_UP = 2_000
"""Up to this many matches, each is looked up to see that it is a document; past it, the
documents are listed. A look-up cost 15–140 µs at 10⁵ documents, the list 11 µs per
document: a name found in 84,000 documents took 12 s of look-ups, the list 1.1 s."""


def _batches(iris: Iterable[str]) -> Iterator[str]:
    ordered = sorted(iris)
    for at in range(0, len(ordered), BATCH):
        yield " ".join(f"<{iri}>" for iri in ordered[at : at + BATCH])


def _documents_among(store: Store, iris: set[str]) -> set[str]:
    if len(iris) > LOOK_UP:
        return iris & {r["doc"] for r in store.select(EVERY)}
    return {r["doc"] for batch in _batches(iris) for r in store.select(TYPED.format(iris=batch))}


def documents(store: Store, needle: str) -> list[Hit]:
    """Documents whose text or title contains ``needle``; whole-word matches count more,
    and a match in the title most."""
    literal = str(ox.Literal(needle))
    texts = {(r["doc"], str(r["text"])) for r in store.select(TEXTS.format(needle=literal))}
    titled = {r["doc"] for r in store.select(TITLED.format(needle=literal))}
    kept = _documents_among(store, titled | {doc for doc, _ in texts})
    texts = {(doc, text) for doc, text in texts if doc in kept}
    untold = kept - {doc for doc, _ in texts}
    for batch in _batches(untold):
        texts |= {(r["doc"], str(r["text"])) for r in store.select(UNTOLD.format(iris=batch))}
    hits = []
    for doc, text in texts:
        low, origin = folded(text)
        words, spots = matches(low, needle)
        if words:  # whole words first: "Evin" should not show "achi-evin-g"
            spots = words
        in_title = doc in titled
        score = 5 + min(len(words), 20) + min(len(spots), 5) + (30 if in_title else 0)
        shown = [spans(at, len(needle), origin) for at in spots[:SNIPPETS]]
        hit = Hit(doc, score, "document", spots=shown, text=text)
        hit.occurrences = len(spots)
        hits.append(hit)
    return hits


def folded(text: str) -> tuple[str, list[int] | None]:
    """``text`` lower-cased as SPARQL's ``LCASE`` does, and, when that changed its length,
    the position in ``text`` of each lower-cased character (one more for the end). Only a
    few characters grow: Turkish ``İ`` becomes ``i`` and a combining dot, which would move
    every match after it one place to the right of its words."""
    low = text.lower()
    if len(low) == len(text):
        return low, None
    origin = [at for at, char in enumerate(text) for _ in char.lower()]
    return low, [*origin, len(text)]


def spans(at: int, size: int, origin: list[int] | None) -> tuple[int, int]:
    """The span of ``text`` that the match of ``size`` characters at ``at`` of ``folded``'s
    lower-cased text came from: whole characters, even where the match ends inside what one
    character became."""
    if origin is None:
        return at, at + size
    return origin[at], origin[at + size - 1] + 1


def _is_word(char: str) -> bool:
    r"""What ``\w`` matches in a str pattern, and combining marks (Persian and Arabic vowel
    signs, the dot that ``İ`` lower-cases to), which belong to the letter before them."""
    return char.isalnum() or char == "_" or unicodedata.category(char)[0] == "M"


def matches(low: str, needle: str) -> tuple[list[int], list[int]]:
    r"""Where ``needle`` stands in ``low`` as a whole word, and where at all (both without
    overlaps, leftmost first): what ``re.finditer`` gives for ``(?<!\w)needle(?!\w)`` and for
    ``needle``, found with ``str.find``, but that a combining mark goes on with a word. The
    regular expression, case-blind over the text, took 0.8 s of the 4.0 s (profiled) that a
    name found in 8,440 documents took at 10⁴."""
    size, end = len(needle), len(low)
    spots, at = [], low.find(needle)
    while at >= 0:
        spots.append(at)
        at = low.find(needle, at + size)
    words, at = [], low.find(needle)
    while at >= 0:
        after = at + size
        if (at == 0 or not _is_word(low[at - 1])) and (after == end or not _is_word(low[after])):
            words.append(at)
            at = low.find(needle, after)
        else:  # a word may start inside this match: "a-a" is whole at 3 in "xa-a-a"
            at = low.find(needle, at + 1)
    return words, spots


def normalized(query: str) -> str:
    """What is searched for: the query's words, single-spaced, lower-cased."""
    return " ".join(query.split()).lower()[:MAX_QUERY]


def _tier(hit: Hit) -> tuple[int, str]:
    return -hit.score, hit.kind


def search(store: Store, query: str) -> list[Hit]:
    """Entities and documents matching ``query``, best score first, then by kind;
    ``window`` orders the hits of each such tie by name."""
    needle = normalized(query)
    if len(needle) < 2:
        return []
    return sorted(entities(store, needle) + documents(store, needle), key=_tier)


def window(hits: list[Hit], start: int, stop: int, names: Labels) -> list[Hit]:
    """``hits[start:stop]`` of ``search``'s hits once the hits of each tie are ordered by
    name, then IRI. Only the ties that reach into the window are named: a name found in
    8,440 documents of a 10⁴-document archive took a second to name them all."""
    shown: list[Hit] = []
    end = 0
    for _, tied in groupby(hits, key=_tier):
        group = list(tied)
        begin, end = end, end + len(group)
        if end <= start:
            continue
        if begin >= stop:
            break
        names.prefetch(h.iri for h in group)
        group.sort(key=lambda h: (names(h.iri).lower(), h.iri))
        shown += group[max(0, start - begin) : stop - begin]
    return shown


def types(store: Store, hits: list[Hit]) -> dict[str, list[str]]:
    if not hits:
        return {}
    values = " ".join(f"<{h.iri}>" for h in hits)
    found: dict[str, list[str]] = {}
    for r in store.select(
        f"SELECT ?x ?t WHERE {{ VALUES ?x {{ {values} }} ?x a ?t FILTER(STRSTARTS(STR(?t), "
        f'"{DK}")) }} ORDER BY ?t'
    ):
        found.setdefault(r["x"], []).append(r["t"])
    labels().prefetch(t for ts in found.values() for t in ts)
    return found


@bp.route("/search")
def search_page() -> str:
    """One page of the hits (``PAGE``), snippets made for that page only."""
    query = request.args.get("q", "")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    store = store_of(current_app)
    hits = search(store, query)
    shown = window(hits, (page - 1) * PAGE, page * PAGE, labels())
    for hit in shown:
        hit.snippets = [snippet(hit.text, at, end) for at, end in hit.spots]
    return render_template(
        "search.html", query=query, hits=shown, total=len(hits), page=page,
        pages=max(1, -(-len(hits) // PAGE)), types=types(store, shown),
        descriptions=descriptions(store, [h.iri for h in shown if h.kind == "entity"]),
    )  # fmt: skip


def descriptions(store: Store, iris: list[str]) -> dict[str, str]:
    if not iris:
        return {}
    values = " ".join(f"<{i}>" for i in iris)
    rows = store.select(
        f"SELECT ?x (SAMPLE(?d) AS ?desc) WHERE {{ VALUES ?x {{ {values} }} "
        "?x schema:description ?d } GROUP BY ?x"
    )
    return {r["x"]: str(r["desc"]) for r in rows}
