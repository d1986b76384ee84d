"""The entity page: who or what this is (names, aliases, spellings), how it is linked to other
entities, where every document mentions it (with the sentence and a link to that place), the
claims about it and the claims it makes; each statement with the named graph it comes from.

Pejorative labels are data the archive keeps so searches find them; the page lists them only
under their own heading, marked as such, and never uses one as a name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dadkhah.export import ENTITY_LINKS
from dadkhah.store import Store

from .claims import claim_page
from .description import Statement, incoming, outgoing, page_count, page_of
from .labels import in_text, labels

PAGE = 50
CLAIM_PAGE = 50
"""Claims (or quotes) per page of each claims section."""
CLAIMS = ("about", "made", "quotes")
"""The entity page's sections of claims, each paged on its own (``about_page`` and so on)."""
MENTION_DOCS = 20
"""Documents per page of an entity's mentions."""
SKOS = "http://www.w3.org/2004/02/skos/core#"
MENTIONS = "https://schema.org/mentions"
DK = "https://dadkhah.example/ns#"
NAME_PROPERTIES = {
    SKOS + "prefLabel": "names",
    "http://www.w3.org/2000/01/rdf-schema#label": "names",
    SKOS + "altLabel": "aliases",
    DK + "transliteration": "transliterations",
    DK + "pejorativeLabel": "pejoratives",
    "https://schema.org/description": "descriptions",
}
NOT_LINKS = {"http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
_END = re.compile(r"[.!?…](?=\s)|\n")


@dataclass(frozen=True)
class Mention:
    annotation: str
    document: str
    graph: str
    before: str
    exact: str
    after: str

    @property
    def anchor(self) -> str | None:
        return in_text(self.document, self.annotation)


def sentence(text: str, start: int, end: int, limit: int = 220) -> tuple[str, str, str]:
    """The sentence around ``text[start:end]``: (before, the words, after), each trimmed."""
    lo = max(0, start - limit)
    left = lo
    for m in _END.finditer(text, lo, start):
        left = m.end()
    hi = min(len(text), end + limit)
    stop = _END.search(text, end, hi)
    right = stop.end() if stop else hi
    before = text[left:start].lstrip()
    after = text[end:right].rstrip()
    if left == lo and lo > 0:
        before = "…" + before
    if right == hi and hi < len(text):
        after += "…"
    return before, text[start:end], after


def mentions(store: Store, iri: str, page: int) -> tuple[list[Mention], int]:
    """One page of the documents that mention ``iri`` (``MENTION_DOCS`` of them), each with
    every identifying annotation that quotes the words naming it there; and how many
    documents mention it in all. The documents come from the ``schema:mentions`` links the
    loader writes beside those annotations, so a page costs the same whether the entity is
    named in ten documents or in ten thousand."""
    docs, total = page_of(
        store, "doc", f"?doc schema:mentions <{iri}>", page=page, size=MENTION_DOCS
    )
    if not docs:
        return [], total
    values = " ".join(f"<{d}>" for d in docs)
    rows = store.select(
        f"SELECT DISTINCT ?ann ?doc ?start ?end ?g WHERE {{ VALUES ?doc {{ {values} }} "
        "GRAPH ?g { ?t oa:hasSource ?doc . "
        f"?ann oa:hasTarget ?t ; oa:hasBody <{iri}> ; oa:motivatedBy oa:identifying . "
        "?t oa:hasSelector ?ps . ?ps oa:start ?start ; oa:end ?end } }"
    )
    texts: dict[str, str] = {}
    for r in store.select(
        f"SELECT ?doc ?text WHERE {{ VALUES ?doc {{ {values} }} "
        "?doc dk:capture/dk:normalizedText ?text }"
    ):
        texts[r["doc"]] = r["text"]
    labels().prefetch(docs)
    rows.sort(key=lambda r: (r["doc"], int(r["start"]), r["ann"]))  # as the page groups them
    found = []
    for r in rows:
        text = texts.get(r["doc"], "")
        before, exact, after = sentence(text, int(r["start"]), int(r["end"]))
        found.append(Mention(r["ann"], r["doc"], r["g"], before, exact, after))
    return found, total


def _unique(statements: list[Statement]) -> list[Statement]:
    """One line per distinct name (``skos:prefLabel`` and ``rdfs:label`` often repeat it)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for s in statements:
        key = (s.value.value, s.value.lang)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def context(
    store: Store,
    iri: str,
    *,
    in_page: int,
    mention_page: int,
    claim_pages: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Everything the entity page shows. Each list that grows with the archive comes one page
    at a time: ``claim_pages`` maps ``about``, ``made`` and ``quotes`` to the page wanted."""
    statements = outgoing(store, iri)
    names: dict[str, list[Statement]] = {k: [] for k in set(NAME_PROPERTIES.values())}
    links: list[Statement] = []
    types: list[Statement] = []
    other: list[Statement] = []
    for s in statements:
        if s.predicate in NAME_PROPERTIES:
            names[NAME_PROPERTIES[s.predicate]].append(s)
        elif s.predicate in NOT_LINKS:
            types.append(s)
        elif s.value.kind == "iri":
            links.append(s)
        else:
            other.append(s)
    names = {key: _unique(found) for key, found in names.items()}
    links_in, total_in = incoming(
        store, iri, page=in_page, size=PAGE, exclude=(*ENTITY_LINKS, MENTIONS)
    )  # the mentions have a section of their own
    found, total_mentions = mentions(store, iri, mention_page)
    wanted = {name: 1 for name in CLAIMS} | dict(claim_pages or {})
    sections = {
        "about": (
            [f"?c dk:about <{iri}>", f"?c rdf:subject <{iri}>", f"?c rdf:object <{iri}>"],
            "dk:Claim",
        ),
        "made": ([f"?c dk:claimant <{iri}>"], "dk:Claim"),
        "quotes": ([f"?c dk:speaker <{iri}>"], "dk:Quote"),
    }
    claims: dict[str, Any] = {}
    for name, (patterns, kind) in sections.items():
        rows, total = claim_page(store, patterns, kind=kind, page=wanted[name], size=CLAIM_PAGE)
        rows.sort(key=lambda r: (labels()(r.document), r.start or 0, r.iri))
        claims[name] = {
            "rows": rows, "total": total, "page": wanted[name],
            "pages": page_count(total, CLAIM_PAGE, wanted[name], len(rows)),
        }  # fmt: skip
    return {
        "names": names,
        "type_statements": types,
        "links": links,
        "other": other,
        "links_in": links_in,
        "in_page": in_page,
        "in_pages": page_count(total_in, PAGE, in_page, len(links_in)),
        "total_in": total_in,
        "mentions": found,
        "mention_page": mention_page,
        "mention_pages": page_count(
            total_mentions, MENTION_DOCS, mention_page, len({m.document for m in found})
        ),
        "total_mentions": total_mentions,
        "claims": claims,
        "has_figures": bool(
            store.select(
                f"SELECT ?c WHERE {{ ?c dk:about <{iri}> ; a dk:Claim . "
                "FILTER NOT EXISTS { ?c rdf:predicate ?p } } LIMIT 1"
            )
        ),
    }
