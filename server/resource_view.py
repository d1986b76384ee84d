"""Which page a resource gets, and what the claim, quote, annotation and graph pages show.

The kind follows the resource's ``rdf:type`` (a document, a claim, a quote, an annotation, an
entity or agent), else whether it names a graph; anything else gets the generic page, which
lists its statements. Every page ends with the same statements table, so nothing the store
says about a resource is hidden by a specialised layout.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from dadkhah.export import closure, value
from dadkhah.store import Store

from . import document_view
from .claims import claim_rows
from .labels import in_text, labels

DK = "https://dadkhah.example/ns#"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
ENTITY_TYPES = {
    DK + "Person", DK + "Organization", DK + "Place", DK + "Event", DK + "Work",
    DK + "UnidentifiedAuthor", DK + "Entity", PROV + "Agent", PROV + "SoftwareAgent",
}  # fmt: skip


def types_of(store: Store, iri: str) -> set[str]:
    return {r["t"] for r in store.select(f"SELECT DISTINCT ?t WHERE {{ <{iri}> a ?t }}")}


def kind_of(types: set[str], is_graph: bool) -> str:
    if DK + "SourceDocument" in types:
        return "document"
    if DK + "Claim" in types:
        return "claim"
    if DK + "Quote" in types:
        return "quote"
    if OA + "Annotation" in types:
        return "annotation"
    if types & ENTITY_TYPES:
        return "entity"
    if is_graph:
        return "graph"
    return "resource"


def claim_context(store: Store, iri: str, kind: str) -> dict[str, Any]:
    rows = claim_rows(
        store, f"VALUES ?c {{ <{iri}> }}", kind="dk:Quote" if kind == "quote" else "dk:Claim"
    )
    row = rows[0] if rows else None
    context: dict[str, Any] = {"claim": row, "evidence": None}
    if row is not None and row.annotation:
        context["evidence"] = annotation_context(store, row.annotation)
    if row is not None and row.kind == "quantity" and row.about:
        peers = store.select(
            f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c dk:about <{row.about}> }}"
        )
        context["peers"] = int(peers[0]["n"]) if peers else 0
    return context


def annotation_context(
    store: Store, iri: str, owned: list[ox.Quad] | None = None
) -> dict[str, Any]:
    """Body, motivation, and the quoted words with their context and place in the text,
    read from the annotation's own statements and its ``#target`` and selector nodes."""
    quads = owned if owned is not None else closure(store, [iri])
    facts: dict[str, dict[str, list[Any]]] = {}
    graph = None
    for q in quads:
        subject = value(q.subject)
        found = facts.setdefault(subject, {}).setdefault(q.predicate.value, [])
        found.append(value(q.object))
        if subject == iri and q.predicate.value == OA + "hasTarget":
            graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else None

    def one(subject: str | None, predicate: str) -> Any:
        found = facts.get(subject or "", {}).get(predicate, [])
        return sorted(found)[0] if found else None

    target = one(iri, OA + "hasTarget")
    document = one(target, OA + "hasSource")
    if target is None or document is None:
        return {"annotation": iri, "bodies": [], "found": False}
    quote = position = None
    for selector in facts.get(target, {}).get(OA + "hasSelector", []):
        if OA + "exact" in facts.get(selector, {}):
            quote = selector
        if OA + "start" in facts.get(selector, {}):
            position = selector
    bodies = sorted(set(facts[iri].get(OA + "hasBody", [])))
    motivation, creator = one(iri, OA + "motivatedBy"), one(iri, DCT + "creator")
    labels().prefetch([*bodies, document, motivation or "", creator or ""])
    start = one(position, OA + "start")
    return {
        "annotation": iri,
        "found": True,
        "bodies": bodies,
        "motivation": motivation,
        "document": document,
        "exact": one(quote, OA + "exact"),
        "prefix": one(quote, OA + "prefix"),
        "suffix": one(quote, OA + "suffix"),
        "start": int(start) if start is not None else None,
        "end": one(position, OA + "end"),
        "creator": creator,
        "created": one(iri, DCT + "created"),
        "in_graph": graph,
        "anchor": in_text(document, iri),
    }


def graph_context(store: Store, iri: str) -> dict[str, Any]:
    """Size, provenance and the typed resources a named graph holds."""
    count = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
    typed = store.select(
        f"SELECT ?s (SAMPLE(?t) AS ?type) WHERE {{ GRAPH <{iri}> {{ ?s a ?t }} }} "
        "GROUP BY ?s ORDER BY ?s LIMIT 300"
    )
    labels().prefetch([r["s"] for r in typed] + [r["type"] for r in typed])
    return {
        "triples": int(count[0]["n"]) if count else 0,
        "typed": typed,
        "provenance": document_view.provenance(store, [iri]),
        "provenance_graph": iri + "/provenance"
        if store.graph_exists(iri + "/provenance")
        else None,
    }
