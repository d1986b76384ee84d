"""A document's annotations as W3C Web Annotations (JSON-LD, the ``anno.jsonld`` context).

What annotation tools and other archives read: one ``AnnotationCollection`` per document,
its annotations in its first (and only) ``AnnotationPage``, in the order of their positions
in the text. Each annotation keeps its Dadkhah IRI as its ``id``, its motivations, bodies,
creator and dates, and its target: the document's IRI as ``source`` and both selectors, the
quote with its prefix and suffix and the position in code points of the normalized text.

The mapping is the loader's (``loaders/web_annotation.py``) read backwards, so a collection
written here loads into another Dadkhah archive holding the same document and gives the same
annotations. Motivations outside the Web Annotation vocabulary (``dk:evidencing``, which
links a quote to the claim it supports) are written as full IRIs, as the context allows; the
claim itself is RDF and travels in the RDF exports.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pyoxigraph as ox

from .export import solutions
from .iris import is_iri
from .store import Store

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{CONTEXT}"'
OA = "http://www.w3.org/ns/oa#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "https://schema.org/"

Term = ox.NamedNode | ox.BlankNode | ox.Literal

_SELECTORS = {OA + "TextQuoteSelector", OA + "TextPositionSelector"}


class NoSuchDocument(LookupError):
    """The store holds no source document of that IRI."""


def _statements(
    store: Store, annotations: str, graphs: str = ""
) -> dict[str, dict[str, list[Term]]]:
    """Every statement about the annotations (``?a``) and their targets (``?t``) that the
    pattern ``annotations`` binds in one graph ``?g`` (kept if ``graphs``, a filter on it,
    holds), their selectors and textual bodies and their creators' names, by subject and
    property, each once."""
    rows = solutions(
        store,
        f"""SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH ?g {{
          {annotations}
          {{ ?a ?p ?o BIND(?a AS ?s) }}
          UNION {{ ?t ?p ?o BIND(?t AS ?s) }}
          UNION {{ ?t oa:hasSelector ?s . ?s ?p ?o }}
          UNION {{ ?a oa:hasBody ?s . ?s a oa:TextualBody ; ?p ?o }}
          UNION {{ ?a dcterms:creator ?s . ?s schema:name ?o BIND(schema:name AS ?p) }}
        }} {graphs} }}""",
    )
    return _by_subject(rows)


def _by_subject(rows: ox.QuerySolutions) -> dict[str, dict[str, list[Term]]]:
    found: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        subject, prop, value = row["s"], row["p"], row["o"]
        if (
            isinstance(subject, ox.NamedNode | ox.BlankNode)
            and isinstance(prop, ox.NamedNode)
            and isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal)
        ):
            found[subject.value][prop.value].append(value)
    return found


def annotation(store: Store, iri: str) -> dict[str, Any] | None:
    """One annotation as a Web Annotation document (with its ``@context``), as the Web
    Annotation Protocol has a server answer for the ``anno.jsonld`` profile; None if the
    store holds no ``oa:Annotation`` of that IRI."""
    if not is_iri(iri):
        return None
    found = _statements(store, f"VALUES ?a {{ <{iri}> }} ?a a oa:Annotation ; oa:hasTarget ?t .")
    if iri not in found:
        return None
    return {"@context": CONTEXT, **_annotation(iri, found)}


def _first(values: list[Term]) -> Term | None:
    return min(values, key=str) if values else None


def _plain(term: Term) -> Any:
    """A literal as JSON (integers as numbers), an IRI as its string."""
    if isinstance(term, ox.Literal) and term.datatype.value.endswith("#integer"):
        return int(term.value)
    return term.value


def _short(iri: str) -> str:
    """A Web Annotation term as the context names it (``identifying``), another IRI whole."""
    return iri.removeprefix(OA) if iri.startswith(OA) else iri


def _one_or_list(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _selector(props: dict[str, list[Term]]) -> dict[str, Any] | None:
    kinds = sorted(t.value for t in props.get(RDF + "type", []) if t.value in _SELECTORS)
    if not kinds:
        return None
    out: dict[str, Any] = {"type": _short(kinds[0])}
    keys = ("exact", "prefix", "suffix") if kinds[0].endswith("QuoteSelector") else ("start", "end")
    for key in keys:
        value = _first(props.get(OA + key, []))
        if value is not None:
            out[key] = _plain(value)
    return out


def _body(iri: str, found: dict[str, dict[str, list[Term]]]) -> Any:
    props = found.get(iri)
    if not props or not any(t.value == OA + "TextualBody" for t in props.get(RDF + "type", [])):
        return iri
    body: dict[str, Any] = {"type": "TextualBody"}
    value = _first(props.get(RDF + "value", []))
    body["value"] = value.value if value is not None else ""
    for key, prop in (("purpose", OA + "hasPurpose"), ("format", DCTERMS + "format"),
                      ("language", DCTERMS + "language")):  # fmt: skip
        term = _first(props.get(prop, []))
        if term is not None:
            body[key] = _short(term.value) if key == "purpose" else term.value
    return body


def _creator(term: Term, found: dict[str, dict[str, list[Term]]]) -> Any:
    name = _first(found.get(term.value, {}).get(SCHEMA + "name", []))
    if name is None or not isinstance(term, ox.NamedNode):
        return term.value
    return {"id": term.value, "name": name.value}


def _annotation(iri: str, found: dict[str, dict[str, list[Term]]]) -> dict[str, Any]:
    props = found[iri]
    out: dict[str, Any] = {"id": iri, "type": "Annotation"}
    motivations = sorted(_short(t.value) for t in props.get(OA + "motivatedBy", []))
    if motivations:
        out["motivation"] = _one_or_list(motivations)
    bodies = [_body(t.value, found) for t in sorted(props.get(OA + "hasBody", []), key=str)]
    if bodies:
        out["body"] = _one_or_list(bodies)
    targets = []
    for target in sorted(props.get(OA + "hasTarget", []), key=str):
        tprops = found.get(target.value, {})
        source = _first(tprops.get(OA + "hasSource", []))
        selectors = [
            s
            for s in (_selector(found.get(t.value, {})) for t in tprops.get(OA + "hasSelector", []))
            if s is not None
        ]
        # the quote first, then in a fixed order: same store, same bytes
        selectors.sort(
            key=lambda s: (s["type"] != "TextQuoteSelector", json.dumps(s, sort_keys=True))
        )
        entry: dict[str, Any] = {"type": "SpecificResource"}
        if source is not None:
            entry["source"] = source.value
        if selectors:
            entry["selector"] = _one_or_list(selectors)
        targets.append(entry)
    out["target"] = _one_or_list(targets)
    creator = _first(props.get(DCTERMS + "creator", []))
    if creator is not None:
        out["creator"] = _creator(creator, found)
    for key in ("created", "modified"):
        when = _first(props.get(DCTERMS + key, []))
        if when is not None:
            out[key] = when.value
    original = _first(props.get(DCTERMS + "identifier", []))
    if original is not None and original.value != iri and is_iri(original.value):
        out["canonical"] = original.value  # the id the annotation had where it was made
    return out


def _position(annotation: dict[str, Any]) -> tuple[int, int]:
    targets = (
        annotation["target"] if isinstance(annotation["target"], list) else [annotation["target"]]
    )
    for target in targets:
        selectors = target.get("selector", [])
        for selector in selectors if isinstance(selectors, list) else [selectors]:
            if selector.get("type") == "TextPositionSelector":
                return int(selector.get("start", 0)), int(selector.get("end", 0))
    return (-1, -1)


def document_annotations(store: Store, document: str) -> list[dict[str, Any]]:
    """The annotations made on ``document`` (the annotation files' and Web Annotations'), as
    Web Annotations, by position, then id. The spans the text loader marks in the document's
    own graph (title, dateline, scraping artefacts) are left out: every archive that loads
    the document marks them again. ``NoSuchDocument`` unless the store holds the document."""
    own = [] if not is_iri(document) else [
        row["g"].value
        for row in solutions(
            store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{document}> a dk:SourceDocument }} }}"
        )
        if row["g"] is not None
    ]  # fmt: skip
    if not own:
        raise NoSuchDocument(document)
    skip = ", ".join(f"<{g}>" for g in own)
    found = _statements(
        store, f"?t oa:hasSource <{document}> . ?a oa:hasTarget ?t .", f"FILTER(?g NOT IN ({skip}))"
    )
    annotations = [
        _annotation(iri, found)
        for iri, props in found.items()
        if any(t.value == OA + "Annotation" for t in props.get(RDF + "type", []))
    ]
    return sorted(annotations, key=lambda a: (_position(a), a["id"]))


def collection_iri(document: str) -> str:
    """The IRI of a document's collection: the document's, and ``/annotations``."""
    return document + "/annotations"


def collection(store: Store, document: str, collection_iri: str) -> dict[str, Any]:
    """The ``AnnotationCollection`` of ``document``'s annotations, all on its first page."""
    items = document_annotations(store, document)
    return {
        "@context": CONTEXT,
        "id": collection_iri,
        "type": "AnnotationCollection",
        "label": f"Annotations on {document}",
        "total": len(items),
        "first": {
            "id": collection_iri + "#page-1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }


def collection_bytes(store: Store, document: str, collection_iri: str) -> bytes:
    """The collection as UTF-8 JSON, keys in a fixed order: same store, same bytes."""
    return as_bytes(collection(store, document, collection_iri))


def as_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
