"""What a Dadkhah IRI dereferences to, for machines and for the generic part of every page.

A resource's description is a concise bounded description that a loader can use alone:

1. every statement whose subject is the resource, plus the nodes it owns: fragment IRIs
   (``#target``, ``#quote``, ``#position``, a capture's ``#sha256``, a graph's load activity)
   and a claim's evidence annotation, followed a few levels deep;
2. statements that point at it (at most ``INCOMING_LIMIT``; the page paginates the rest);
3. the names of everything it links to, so a reader of the Turtle sees who ``raisi`` is.

A named graph with no statements about it (a provenance graph) is described by its content.
Every statement keeps its named graph, so TriG and N-Quads answers say where each comes from;
Turtle, N-Triples, RDF/XML and JSON-LD get the distinct triples. Serialization is Oxigraph's,
in the order of ``dadkhah.export`` so a description diffs as cleanly as a dump.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

from dadkhah.export import (
    closure,
    prefix_header,
    quads_matching,
    sort_key,
    sorted_graph,
    to_bytes,
    turtle_like,
    value,
)
from dadkhah.namespaces import PREFIXES
from dadkhah.store import Store

from .labels import LABEL_PREDICATES, Value, labels, value_of

INCOMING_LIMIT = 1000
GRAPH_CONTENT_LIMIT = 20_000
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

OX_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
}


def description(store: Store, iri: str) -> list[ox.Quad]:
    """The quads that describe ``iri`` (see the module docstring), in canonical order."""
    quads = closure(store, [iri])
    if not any(q.subject == ox.NamedNode(iri) for q in quads) and store.graph_exists(iri):
        name = ox.NamedNode(iri)
        content = store.graph_triples(iri)[:GRAPH_CONTENT_LIMIT]
        quads = [ox.Quad(t.subject, t.predicate, t.object, name) for t in content]
    described = {value(q.subject) for q in quads}
    quads += quads_matching(store, f"VALUES ?o {{ <{iri}> }} ?s ?p ?o", limit=INCOMING_LIMIT)
    linked = {
        t.value
        for q in quads
        for t in (q.subject, q.object)
        if isinstance(t, ox.NamedNode) and t.value not in described
    }
    if linked:
        values = " ".join(f"<{i}>" for i in sorted(linked))
        preds = " ".join(f"<{p}>" for p in LABEL_PREDICATES)
        quads += quads_matching(store, f"VALUES ?s {{ {values} }} VALUES ?p {{ {preds} }} ?s ?p ?o")
    by_graph: dict[str, list[ox.Quad]] = {}
    for q in quads:
        by_graph.setdefault(str(q.graph_name), []).append(q)
    ordered: list[ox.Quad] = []
    for key in sorted(by_graph):
        ordered += sorted_graph(by_graph[key])
    return ordered


def serialize(quads: list[ox.Quad], fmt: str) -> bytes:
    """Quads as one of the formats of ``server.conneg.GRAPH_FORMATS`` (triples deduplicated
    for the formats without named graphs)."""
    if fmt in ("trig", "nquads"):
        if fmt == "trig":
            return prefix_header() + turtle_like(quads, ox.RdfFormat.TRIG)
        return to_bytes(quads, ox.RdfFormat.N_QUADS)
    triples = sorted({q.triple for q in quads}, key=sort_key)
    if fmt == "turtle":
        return prefix_header() + turtle_like(triples, ox.RdfFormat.TURTLE)
    if fmt == "jsonld":
        parsed = json.loads(to_bytes(triples, ox.RdfFormat.JSON_LD) or b"[]")
        return json.dumps(parsed, ensure_ascii=False, indent=1, sort_keys=True).encode()
    return to_bytes(triples, OX_FORMATS[fmt], dict(PREFIXES))


# ---------------------------------------------------------------------- rows for pages


@dataclass(frozen=True)
class Statement:
    """One statement as a page lists it: the property, the other end, and its graph."""

    predicate: str
    value: Value
    graph: str | None


def outgoing(store: Store, iri: str) -> list[Statement]:
    """Statements with ``iri`` as subject, sorted by property name, then value."""
    return statements_of(quads_matching(store, f"VALUES ?s {{ <{iri}> }} ?s ?p ?o"))


def statements_of(quads: list[ox.Quad]) -> list[Statement]:
    """Outgoing statements of a subject as page rows, sorted by property name, then value."""
    return _statements(quads, other="object")


def incoming(
    store: Store, iri: str, *, offset: int, limit: int, exclude: tuple[str, ...] = ()
) -> tuple[list[Statement], int]:
    """One page of statements that point at ``iri`` (but not by the ``exclude`` properties,
    which the page shows in sections of their own), and how many there are in all."""
    where = f"GRAPH ?g {{ ?s ?p <{iri}> }}"
    if exclude:
        where += " FILTER(?p NOT IN (" + ", ".join(f"<{p}>" for p in exclude) + "))"
    count = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", union_default_graph=False)
    assert isinstance(count, ox.QuerySolutions)
    total = int(next(iter(count))["n"].value)
    result = store.query(
        f"SELECT ?s ?p ?g WHERE {{ {where} }} "
        f"ORDER BY ?p ?s ?g OFFSET {int(offset)} LIMIT {int(limit)}",
        union_default_graph=False,
    )
    assert isinstance(result, ox.QuerySolutions)
    page = [
        Statement(r["p"].value, value_of(r["s"]), r["g"].value if r["g"] else None) for r in result
    ]
    _prefetch(page)
    return page, total


SORTED_UP_TO = 2_000
"""Up to this many items, a paged list follows their IRIs; beyond, the engine's order."""


def page_of(store: Store, var: str, where: str, *, page: int, size: int) -> tuple[list[str], int]:
    """One page of the distinct IRIs ``?var`` takes in ``where``, and how many there are in
    all. Up to ``SORTED_UP_TO`` the page follows the IRIs; beyond, the engine's order (stable
    while the store does not change), since sorting would fetch every IRI before the first
    page could be shown."""
    count = store.select(f"SELECT (COUNT(DISTINCT ?{var}) AS ?n) WHERE {{ {where} }}")
    total = int(count[0]["n"]) if count else 0
    order = f"ORDER BY ?{var} " if total <= SORTED_UP_TO else ""
    found = store.select(
        f"SELECT DISTINCT ?{var} WHERE {{ {where} }} {order}"
        f"OFFSET {(max(page, 1) - 1) * size} LIMIT {size}"
    )
    return [r[var] for r in found], total


def _statements(quads: list[ox.Quad], *, other: str) -> list[Statement]:
    found = [
        Statement(
            q.predicate.value,
            value_of(q.object if other == "object" else q.subject),
            q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None,
        )
        for q in quads
    ]
    _prefetch(found)
    names = labels()
    found.sort(key=lambda s: (s.predicate != RDF_TYPE, names(s.predicate), s.value.value))
    return found


def _prefetch(statements: list[Statement]) -> None:
    iris = {s.predicate for s in statements} | {s.graph or "" for s in statements}
    iris |= {s.value.value for s in statements if s.value.kind == "iri"}
    labels().prefetch(iris)
