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
import re
from dataclasses import dataclass

import pyoxigraph as ox

from dadkhah.export import (
    closure,
    prefix_header,
    quads_matching,
    solutions,
    sort_key,
    sorted_graph,
    to_bytes,
    turtle_like,
    value,
)
from dadkhah.namespaces import PREFIXES
from dadkhah.store import Store

from .labels import Value, labels, names_of, value_of

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
        quads += quads_matching(store, names_of("?s", sorted(linked), "?p", "?o"))
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


Node = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
"""An RDF term in a statement."""


@dataclass(frozen=True)
class Statement:
    """One statement as a page lists it: the property, the other end, and where it is stated:
    ``graph`` is one of the ``graphs`` named graphs that state it (any one: the lowest IRI
    would cost a string per graph, 1.1 s for Evin Prison's 20,000 at 10⁵ documents), and
    ``listing`` a SPARQL query for all of them when there are several."""

    predicate: str
    value: Value
    graph: str | None
    graphs: int = 1
    listing: str = ""


def _listing(subject: Node, predicate: Node, obj: Node) -> str:
    return (
        f"SELECT ?graph WHERE {{ GRAPH ?graph {{ {subject} {predicate} {obj} }} }} ORDER BY ?graph"
    )


def outgoing(store: Store, iri: str) -> list[Statement]:
    """Statements with ``iri`` as subject, each once however many named graphs state it,
    sorted by property name, then value. (A relation stated by every document that names it
    is one row with its number of graphs, not one row per graph.)"""
    found = solutions(
        store,
        "SELECT ?p ?o (COUNT(DISTINCT ?g) AS ?n) (SAMPLE(?g) AS ?one) WHERE { "
        f"{{ GRAPH ?g {{ <{iri}> ?p ?o }} }} UNION {{ <{iri}> ?p ?o }} }} GROUP BY ?p ?o",
    )
    subject = ox.NamedNode(iri)
    return _sorted([_stated(r, subject, r["p"], r["o"], r["o"]) for r in found])


def _stated(row: ox.QuerySolution, s: Node, p: ox.NamedNode, o: Node, shown: Node) -> Statement:
    """A page row for the statement ``s p o``, from a row with its number of graphs (``?n``)
    and one of them (``?one``)."""
    count = int(row["n"].value) if row["n"] else 0
    first = row["one"].value if row["one"] else None
    listing = _listing(s, p, o) if count > 1 else ""
    return Statement(p.value, value_of(shown), first, max(count, 1), listing)


def statements_of(quads: list[ox.Quad]) -> list[Statement]:
    """Outgoing statements of a subject as page rows, sorted by property name, then value."""
    return _sorted(
        [
            Statement(
                q.predicate.value,
                value_of(q.object),
                q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None,
            )
            for q in quads
        ]
    )


SORTED_UP_TO = 2_000
"""Up to this many items, a paged list follows their IRIs; beyond, the engine's order."""
COUNTED_UP_TO = 10_000
"""A paged list counts its items up to this many; beyond, it says "more than" and pages on
while its pages are full. Counting is a look-up per item: every claim about the most-named
event of a 10⁴-document archive took 1.2 s to count, one type test each."""


MAX_OFFSET = 1 << 53
"""The largest offset a page query asks for. A page number from a URL may be any size, and
past 2⁶³ or so the engine refuses the query's ``OFFSET``; a list in any store is far
shorter than this, so every page past it is the same empty page. (An empty page, not 404:
an entity page holds several lists paged on their own, and one list's page past its end
should not hide the others; nor can a list counted only up to ``COUNTED_UP_TO`` tell where
it ends before the query that finds the page empty.)"""


def with_iri(template: str, variable: str, iri: str) -> str:
    """``template`` with ``variable`` (such as ``?doc``) written as ``<iri>`` wherever it
    occurs. A query about one resource is fastest with its IRI in every pattern: each
    pattern is then a look-up, where a ``VALUES`` row left Oxigraph matching some of them
    against the whole store first."""
    return re.sub(re.escape(variable) + r"\b", f"<{iri}>", template)


def count_query(variables: str, where: str, *, into: str = "?n") -> str:
    """A query for ``into``, the number of distinct rows of ``variables`` in ``where``,
    counted up to ``COUNTED_UP_TO + 1`` (a ``DISTINCT`` with a ``LIMIT`` stops there)."""
    return (
        f"SELECT (COUNT(*) AS {into}) WHERE {{ SELECT DISTINCT {variables} WHERE {{ {where} }} "
        f"LIMIT {COUNTED_UP_TO + 1} }}"
    )


def page_count(total: int, size: int, page: int, shown: int) -> int:
    """The pages a pager offers: all of an exact total; past ``COUNTED_UP_TO``, one more
    than the current page while it is full."""
    if total > COUNTED_UP_TO:
        return page + 1 if shown >= size else page
    return max(1, -(-total // size))


def counted(total: int) -> str:
    """A total as a page shows it."""
    return f"more than {COUNTED_UP_TO:,}" if total > COUNTED_UP_TO else str(total)


def incoming(
    store: Store, iri: str, *, page: int, size: int, exclude: tuple[str, ...] = ()
) -> tuple[list[Statement], int]:
    """One page of the statements that point at ``iri`` (but not by the ``exclude``
    properties, which the page shows in sections of their own), each subject and property
    once with the number of named graphs that state it, and how many such pairs there are;
    or, past ``COUNTED_UP_TO`` statements, more than that many (uncounted pairs).
    Like ``page_of``: by property and subject up to ``SORTED_UP_TO`` pairs, beyond that in
    the engine's order, so the truthy links of a relation stated thousands of times (every
    victim of an event) cost a page, not a sort of every statement."""
    where = f"GRAPH ?g {{ ?s ?p <{iri}> }}"
    if exclude:
        where += " FILTER(?p NOT IN (" + ", ".join(f"<{p}>" for p in exclude) + "))"
    # the statements first, which stops at the limit: the pairs would be counted from all of
    # them (0.9 s at 10⁵ documents for the 236,000 truthy triples naming the 1988 massacre)
    total = int(next(iter(solutions(store, count_query("?s ?p ?g", where))))["n"].value)
    if total <= COUNTED_UP_TO:
        total = int(next(iter(solutions(store, count_query("?p ?s", where))))["n"].value)
    pairs = list(solutions(store, _page_query("?p ?s", where, total, page, size)))
    target = ox.NamedNode(iri)
    stated = {}
    named = [(r["s"], r["p"]) for r in pairs if isinstance(r["s"], ox.NamedNode)]
    if named:  # a blank node cannot be written into VALUES: its row shows no graph
        rows = " ".join(f"({s} {p})" for s, p in named)
        for r in solutions(
            store,
            "SELECT ?s ?p (COUNT(DISTINCT ?g) AS ?n) (SAMPLE(?g) AS ?one) WHERE { "
            f"VALUES (?s ?p) {{ {rows} }} GRAPH ?g {{ ?s ?p {target} }} }} GROUP BY ?s ?p",
        ):
            stated[(r["s"], r["p"])] = r
    found = []
    for r in pairs:
        row = stated.get((r["s"], r["p"]))
        if row is None:
            found.append(Statement(r["p"].value, value_of(r["s"]), None, 1))
        else:
            found.append(_stated(row, r["s"], r["p"], target, r["s"]))
    _prefetch(found)
    return found, total


def page_of(store: Store, var: str, where: str, *, page: int, size: int) -> tuple[list[str], int]:
    """One page of the distinct IRIs ``?var`` takes in ``where``, and how many there are in
    all (counted up to ``COUNTED_UP_TO``). Up to ``SORTED_UP_TO`` the page follows the IRIs;
    beyond, the engine's order (stable while the store does not change), since sorting
    would fetch every IRI before the first page could be shown."""
    count = store.select(count_query(f"?{var}", where))
    total = int(count[0]["n"]) if count else 0
    found = store.select(_page_query(f"?{var}", where, total, page, size))
    return [r[var] for r in found], total


def _page_query(variables: str, where: str, total: int, page: int, size: int) -> str:
    """A page of the distinct rows of ``variables``: sorted by them when there are at most
    ``SORTED_UP_TO``, in a subquery so that only the distinct rows are sorted (``SELECT
    DISTINCT … ORDER BY`` sorts every solution first: 3.2 s against 0.19 s for the links to
    an event named by 23,000 statements)."""
    window = f"OFFSET {min((max(page, 1) - 1) * size, MAX_OFFSET)} LIMIT {size}"
    if total > SORTED_UP_TO:
        return f"SELECT DISTINCT {variables} WHERE {{ {where} }} {window}"
    return (
        f"SELECT {variables} WHERE {{ {{ SELECT DISTINCT {variables} WHERE {{ {where} }} }} }} "
        f"ORDER BY {variables} {window}"
    )


def _sorted(found: list[Statement]) -> list[Statement]:
    _prefetch(found)
    names = labels()
    found.sort(key=lambda s: (s.predicate != RDF_TYPE, names(s.predicate), s.value.value))
    return found


def _prefetch(statements: list[Statement]) -> None:
    iris = {s.predicate for s in statements} | {s.graph or "" for s in statements}
    iris |= {s.value.value for s in statements if s.value.kind == "iri"}
    labels().prefetch(iris)
