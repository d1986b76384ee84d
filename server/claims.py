"""Claims as pages show them, and the page that sets every figure about one subject side by
side: who claims it, in which document, with which qualifier, quoting which words.

The archive records that a figure was *stated*, never that it is true; so the comparison
shows each claim as its claimant made it (qualifier and range included) and leaves the
disagreement visible instead of reconciling it. Ranks are the curators' and are shown as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request

from dadkhah.iris import has_scheme, is_iri
from dadkhah.store import Store

from .description import page_count, page_of, with_iri
from .labels import base_iri, in_text, labels
from .state import store_of

bp = Blueprint("claims", __name__)

PAGE = 100
COMPARE_PAGE = 200
"""Quantity claims per page of the figures compared about one subject."""
BATCH = 10
"""Claims asked for in one query (see ``rows_of``). Oxigraph's time to parse and plan a
UNION grows faster than its branches: at 10⁴ documents, the rows of 200 claims cost 363 ms
of CPU one claim a query, 334 ms ten a query, 443 ms fifty a query (of which parsing and
planning 125, 98 and 267 ms)."""
CLAIM_FIELDS = """
    OPTIONAL { ?c dk:statedIn ?doc }
    OPTIONAL { ?c dk:claimant ?claimant }
    OPTIONAL { ?c dk:about ?about }
    OPTIONAL { ?c dk:measure ?measure }
    OPTIONAL { ?c schema:value ?value }
    OPTIONAL { ?c schema:minValue ?min }
    OPTIONAL { ?c schema:maxValue ?max }
    OPTIONAL { ?c dk:qualifier ?qual }
    OPTIONAL { ?c dk:rank ?rank }
    OPTIONAL { ?c skos:note ?note }
    OPTIONAL { ?c dk:speaker ?speaker }
    OPTIONAL { ?c schema:text ?text }
    OPTIONAL { ?c rdf:subject ?subj ; rdf:predicate ?pred ; rdf:object ?obj }
    OPTIONAL { ?c dk:evidence ?ann . ?ann oa:hasTarget ?t . ?t oa:hasSelector ?qs .
               ?qs oa:exact ?exact .
               OPTIONAL { ?t oa:hasSelector ?ps . ?ps oa:start ?start } }
"""


@dataclass
class ClaimRow:
    """A claim or quote with what a reader needs to judge it."""

    iri: str
    graph: str
    kind: str  # "quantity", "relation" or "quote"
    document: str | None = None
    claimant: str | None = None
    about: str | None = None
    measure: str | None = None
    value: float | None = None
    min: float | None = None
    max: float | None = None
    qualifier: str | None = None
    rank: str | None = None
    note: str | None = None
    exact: str | None = None
    annotation: str | None = None
    start: int | None = None
    subject: str | None = None
    predicate: str | None = None
    object: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def anchor(self) -> str | None:
        """Link to the quoted words in the document page."""
        return in_text(self.document, self.annotation)

    @property
    def figure(self) -> str:
        """The figure as stated: ``more than 30,000``, ``2,800–5,000``."""
        if self.min is not None or self.max is not None:
            return f"{number(self.min)}–{number(self.max)}"
        if self.value is None:
            return ""
        qualifier = labels()(self.qualifier) if self.qualifier else ""
        prefix = "" if not qualifier or qualifier == "exactly" else qualifier + " "
        return prefix + number(self.value)

    @property
    def top(self) -> float:
        return float(self.max if self.max is not None else self.value or 0)

    def summary(self) -> str:
        """One line naming what is claimed, for lists and titles."""
        names = labels()
        if self.kind == "relation":
            return f"{names(self.subject)} {names(self.predicate)} {names(self.object)}"
        if self.kind == "quote":
            return f"“{self.exact or ''}”"
        what = names(self.measure) if self.measure else "figure"
        about = f" ({names(self.about)})" if self.about else ""
        return f"{what}{about}: {self.figure}"


def number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def claim_rows(store: Store, pattern: str, *, kind: str = "dk:Claim") -> list[ClaimRow]:
    """Claims (or, with ``kind="dk:Quote"``, quotes) matching ``pattern`` over ``?c``."""
    # the pattern first: Oxigraph keeps the order it is given, and the type test first would
    # walk every claim in the store
    found_iris = store.select(f"SELECT DISTINCT ?c WHERE {{ {pattern} ?c a {kind} . }}")
    return rows_of(store, [r["c"] for r in found_iris], kind=kind)


def claim_page(
    store: Store,
    patterns: Sequence[str],
    *,
    kind: str = "dk:Claim",
    page: int = 1,
    size: int = PAGE,
) -> tuple[list[ClaimRow], int]:
    """One page of the claims (or quotes) that match any of ``patterns`` (each a triple
    pattern over ``?c``), and how many match in all: what a page about an entity named in
    thousands of claims can afford. Ordered as ``description.page_of`` orders (a claim's IRI
    begins with its document's)."""
    # each branch starts from its own pattern, the selective part: Oxigraph keeps the order
    # it is given, and a type test first would walk every claim in the store
    where = " UNION ".join(f"{{ {p} . ?c a {kind} }}" for p in patterns)
    iris, total = page_of(store, "c", where, page=page, size=size)
    return rows_of(store, iris, kind=kind), total


def rows_of(store: Store, iris: list[str], *, kind: str = "dk:Claim") -> list[ClaimRow]:
    """The claims (or quotes) ``iris``, each with what a reader needs to judge it."""
    if not iris:
        return []
    # each claim's IRI written into every pattern, so that each OPTIONAL is a look-up: with
    # the claims as VALUES (inside the graph pattern or out), Oxigraph matched each OPTIONAL
    # against every claim in the store before joining (24 s for a page of 50 claims at 10⁴
    # documents, 240 s at 10⁵). A query per claim did that, but a page then sent 100 queries
    # (and the engine keeps a thread for each until its time limit has passed); the claims
    # of a batch go as branches of one UNION instead, each branch the query for one claim.
    rows = []
    for at in range(0, len(iris), BATCH):
        branches = " UNION ".join(
            f"{{ GRAPH ?g {{ <{iri}> a {kind} . {with_iri(CLAIM_FIELDS, '?c', iri)} }} "
            f"BIND(<{iri}> AS ?c) }}"
            for iri in iris[at : at + BATCH]
        )
        rows += store.select(f"SELECT * WHERE {{ {branches} }}")
    found: dict[str, ClaimRow] = {}
    for r in rows:
        if r["c"] in found:
            continue
        row_kind = "quote" if kind == "dk:Quote" else ("relation" if r["pred"] else "quantity")
        found[r["c"]] = ClaimRow(
            iri=r["c"], graph=r["g"], kind=row_kind, document=r["doc"],
            claimant=r["claimant"] or r["speaker"], about=r["about"], measure=r["measure"],
            value=r["value"], min=r["min"], max=r["max"], qualifier=r["qual"], rank=r["rank"],
            note=r["note"], exact=r["exact"] or r["text"], annotation=r["ann"], start=r["start"],
            subject=r["subj"], predicate=r["pred"], object=r["obj"],
        )  # fmt: skip
    result = [found[iri] for iri in iris if iri in found]
    prefetch(result)
    return result


def prefetch(rows: list[ClaimRow]) -> None:
    iris: set[str] = set()
    for r in rows:
        iris |= {x for x in (r.document, r.claimant, r.about, r.measure, r.qualifier, r.rank,
                             r.subject, r.predicate, r.object, r.graph) if x}  # fmt: skip
    labels().prefetch(iris)


def resolve(value: str) -> str:
    """An entity id (``massacre-1988``) or a full IRI, as an IRI."""
    return value if has_scheme(value) else base_iri() + "entity/" + value


@dataclass
class MeasureGroup:
    measure: str | None
    rows: list[ClaimRow]

    @property
    def scale(self) -> float:
        return max((r.top for r in self.rows), default=0.0) or 1.0


def compare(store: Store, about: str, page: int = 1) -> tuple[list[MeasureGroup], int]:
    """Quantity claims about ``about``, grouped by measure; within a measure by claimant,
    then document, so the disagreement between sources reads down one column. At most
    ``COMPARE_PAGE`` claims at a time (the page's number ``page``), and how many there are:
    an event of a large archive has tens of thousands, and each claim's row is a query."""
    where = f"?c dk:about <{about}> . ?c a dk:QuantityClaim"
    iris, total = page_of(store, "c", where, page=page, size=COMPARE_PAGE)
    rows = rows_of(store, iris, kind="dk:QuantityClaim")
    names = labels()
    groups: dict[str | None, list[ClaimRow]] = {}
    for r in rows:
        groups.setdefault(r.measure, []).append(r)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), names(kv[0]) if kv[0] else ""))
    groups_found = [
        MeasureGroup(
            m, sorted(rs, key=lambda r: (names(r.claimant), names(r.document), r.top, r.iri))
        )
        for m, rs in ordered
    ]
    return groups_found, total


def subjects(store: Store) -> list[dict[str, Any]]:
    """Everything quantity claims are about, with how many claims each has, most first.
    Read from the ``dk:about`` statements alone (the property's domain is the quantity
    claims): a type test, or counting claimants, costs a look-up per claim, 3.1 s at 10⁴
    documents for this page and the landing page; the scan costs 47 ms."""
    rows = store.select(
        "SELECT ?about (COUNT(DISTINCT ?c) AS ?claims) WHERE { ?c dk:about ?about } "
        "GROUP BY ?about ORDER BY DESC(?claims) ?about"
    )
    labels().prefetch(r["about"] for r in rows)
    return rows


@bp.route("/claims")
def claims() -> str:
    store = store_of(current_app)
    about = request.args.get("about")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    if about:
        iri = resolve(about)
        if not is_iri(iri):  # written into the query below: anything else would be SPARQL
            abort(400, f"about: expected an entity id or an absolute IRI, not {about!r}")
        if not store.select(f"SELECT ?t WHERE {{ <{iri}> ?p ?t }} LIMIT 1"):
            abort(404, f"nothing is known about {iri}")
        groups, total = compare(store, iri, page)
        shown = sum(len(g.rows) for g in groups)
        return render_template(
            "claims.html", about=iri, groups=groups, total=total, page=page,
            pages=page_count(total, COMPARE_PAGE, page, shown), size=COMPARE_PAGE,
        )  # fmt: skip
    # as the entity pages page their claims: a claim's IRI begins with its document's
    iris, total = page_of(store, "c", "?c a dk:Claim", page=page, size=PAGE)
    rows = rows_of(store, iris, kind="dk:Claim")
    rows.sort(key=lambda r: (labels()(r.document), r.start or 0, r.iri))
    return render_template(
        "claims_index.html", subjects=subjects(store), rows=rows, page=page,
        pages=page_count(total, PAGE, page, len(iris)), total=total,
    )  # fmt: skip
