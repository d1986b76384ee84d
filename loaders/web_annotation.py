"""W3C Web Annotations in JSON-LD, as annotation tools export them (Hypothesis, Recogito, ...).

Accepted, without running a JSON-LD processor: one annotation, a list, or an
``AnnotationCollection`` (``items`` or ``first.items``); ``id``/``@id`` and ``type``/``@type``;
``@context`` as a string or an array; ``body`` and ``target`` as an IRI, an object or an array;
``motivation`` on the annotation or ``purpose`` on a body; TextQuoteSelector (with or without
prefix and suffix), TextPositionSelector, and selectors reached through ``refinedBy`` chains.
Other selectors and unknown keys are ignored, never fatal.

Each annotation must target one loaded document, named by its Dadkhah IRI or by the URL the
document states (``schema:url``). It is anchored like a curated quote: the quote decides, a
stale position is re-anchored and reported. Positions are read as code points, or as UTF-16
code units when the caller declares ``offsets="utf16"``; with the default ``auto`` a position
is taken as code points if the quote is there, else as UTF-16 units if the quote is there
(browser tools count UTF-16), else it is stale.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from dadkhah import __version__
from dadkhah.errors import LoadError
from dadkhah.iris import Minter
from dadkhah.namespaces import OA, SCHEMA
from dadkhah.ntriples import XSD_DATE, XSD_DATETIME, Triples, checked_iri, literal
from dadkhah.units import LoadUnit, PreparedUnit

from .anchoring import Quote, anchor
from .context import DocumentText, Lookup, context_triples
from .inputs import batch_id, is_xsd_date, is_xsd_datetime, read_json, sha256_hex
from .text import normalize, provenance_triples
from .webanno import add_annotation

MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
    "highlighting", "identifying", "linking", "moderating", "questioning", "replying", "tagging",
}  # fmt: skip
RESOURCE_PURPOSES = {"identifying", "linking", "classifying"}


def is_web_annotation_file(path: Path) -> bool:
    return path.suffix in {".jsonld", ".json"}


def _get(obj: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in obj:
            return obj[key]
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(obj: dict[str, Any]) -> set[str]:
    return {
        str(t).rsplit("#", 1)[-1].removeprefix("oa:") for t in _as_list(_get(obj, "type", "@type"))
    }


def _motivation(name: Any) -> URIRef | None:
    text = str(name).rsplit("#", 1)[-1].removeprefix("oa:")
    return OA[text] if text in MOTIVATIONS else None


def annotations_in(doc: Any, path: str) -> list[dict[str, Any]]:
    """The annotation objects in a parsed file, in order."""
    if isinstance(doc, list):
        return [a for item in doc for a in annotations_in(item, path)]
    if not isinstance(doc, dict):
        raise LoadError(path, None, "a JSON object or array of annotations", type(doc).__name__)
    kinds = _types(doc)
    if "Annotation" in kinds:
        return [doc]
    if {"AnnotationCollection", "AnnotationPage"} & kinds or "items" in doc or "first" in doc:
        items = _as_list(doc.get("items"))
        first = doc.get("first")
        if isinstance(first, dict):
            items += _as_list(first.get("items"))
        return [a for item in items for a in annotations_in(item, path)]
    raise LoadError(path, None, "an Annotation, a list of them or an AnnotationCollection")


def _selectors(selector: Any) -> list[dict[str, Any]]:
    """Every selector object in ``selector``, following ``refinedBy`` chains."""
    found: list[dict[str, Any]] = []
    for item in _as_list(selector):
        if isinstance(item, dict):
            found.append(item)
            found += _selectors(item.get("refinedBy"))
    return found


def _text_target(ann: dict[str, Any], path: str, where: str) -> tuple[str, Quote]:
    """The (source, quote) of the annotation's one target that selects text; the quote's
    words normalized as the document's text is (NFC, LF)."""
    found = []
    for target in _as_list(ann.get("target")):
        if not isinstance(target, dict):
            continue
        source = _get(target, "source", "id", "@id")
        quote = position = None
        for sel in _selectors(target.get("selector")):
            kinds = _types(sel)
            if "TextQuoteSelector" in kinds and quote is None:
                quote = sel
            elif "TextPositionSelector" in kinds and position is None:
                position = sel
        if source and quote:
            found.append((str(source), quote, position))
    if len(found) != 1:
        raise LoadError(
            path, where, "exactly one target with a source and a TextQuoteSelector", str(len(found))
        )
    source, quote, position = found[0]
    exact = quote.get("exact")
    if not isinstance(exact, str) or not exact:
        raise LoadError(path, f"{where}.target.selector", "a non-empty 'exact' text")
    start = end = None
    if position is not None:
        start, end = position.get("start"), position.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end):
            raise LoadError(
                path, f"{where}.target.selector", "integer start <= end", f"{start}, {end}"
            )
    context = []
    for key in ("prefix", "suffix"):
        value = quote.get(key)
        if value is not None and not isinstance(value, str):
            found_value = json.dumps(value, ensure_ascii=False)
            raise LoadError(path, f"{where}.target.selector.{key}", "a string", found_value)
        context.append(normalize(value) if value else None)
    return source, Quote(normalize(exact), context[0], context[1], None, start, end)


UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
"""Schemes that name no resource to link to but run code or read local files where a page
or a client follows them; an annotation giving one as its body or creator is refused."""


def _iri(value: str, path: str, where: str) -> str:
    try:
        iri = checked_iri(value)
    except ValueError:
        raise LoadError(path, where, "an absolute IRI", repr(value)) from None
    if iri.lower().startswith(UNSAFE_SCHEMES):
        expected = "an IRI that names a resource (not javascript:, vbscript:, data: or file:)"
        raise LoadError(path, where, expected, repr(value))
    return iri


def _agent(g: Triples, value: Any, fallback: str, path: str, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        iri = _get(value, "id", "@id")
        agent = _iri(str(iri), path, f"{where}.creator") if iri else fallback
        name = _get(value, "name", "nickname")
        if name:
            g.text(agent, _NAME, str(name))
    elif isinstance(value, str) and ":" in value:
        agent = _iri(value, path, f"{where}.creator")
    else:
        agent = fallback
        g.text(agent, _NAME, str(value))
    g.a(agent, _AGENT)
    return agent


def _timestamp(ann: dict[str, Any], key: str, path: str, where: str) -> str | None:
    """``ann[key]`` as an N-Triples literal, xsd:dateTime or xsd:date, or a ``LoadError``
    if it is given as anything else: an ill-typed time would be stored as if it were one."""
    value = ann.get(key)
    if value is None:
        return None
    if isinstance(value, str) and is_xsd_datetime(value):
        return literal(value, None, XSD_DATETIME)
    if isinstance(value, str) and is_xsd_date(value):
        return literal(value, None, XSD_DATE)
    raise LoadError(
        path,
        f"{where}.{key}",
        "an xsd:dateTime such as 2024-05-01T10:00:00Z, or an xsd:date",
        json.dumps(value, ensure_ascii=False),
    )


def load_web_annotations(
    data: bytes,
    *,
    path: str,
    minter: Minter,
    lookup: Lookup,
    loaded_at: datetime,
    offsets: str = "auto",
) -> LoadUnit:
    return prepare_web_annotations(
        data, path=path, minter=minter, lookup=lookup, loaded_at=loaded_at, offsets=offsets
    ).to_load_unit()


def parse_web_annotations(data: bytes, path: str) -> list[dict[str, Any]]:
    """The annotation objects of a JSON(-LD) file, or ``LoadError``."""
    parsed = read_json(data, path)
    items = annotations_in(parsed, path)
    if not items:
        raise LoadError(path, None, "at least one annotation", "none")
    return items


def documents_targeted(
    items: list[dict[str, Any]], path: str, lookup: Lookup
) -> list[DocumentText] | None:
    """The documents the annotations target, or None if one is not loaded or not named
    clearly (the full load then reports it)."""
    found: dict[URIRef, DocumentText] = {}
    for index, ann in enumerate(items):
        try:
            source, _ = _text_target(ann, path, f"annotation {index + 1}")
        except LoadError:
            return None
        document = lookup.document(URIRef(source)) or lookup.document_by_url(source)
        if document is None:
            return None
        found[document.iri] = document
    return list(found.values())


def web_annotations_fingerprint(digest: str, shas: list[str], offsets: str) -> str:
    """What a Web Annotation file's load depends on: its bytes, the texts of the documents it
    anchors to, how offsets are read and the loader's version."""
    return sha256_hex(f"{digest} {' '.join(sorted(shas))} {offsets} {__version__}".encode())


def prepare_web_annotations(
    data: bytes,
    *,
    path: str,
    minter: Minter,
    lookup: Lookup,
    loaded_at: datetime,
    offsets: str = "auto",
) -> PreparedUnit:
    """``load_web_annotations`` for the load path (N-Triples lines)."""
    batch = batch_id(path)
    items = parse_web_annotations(data, path)
    g = Triples()
    documents: dict[URIRef, DocumentText] = {}
    referenced: set[URIRef] = set()
    notes: list[str] = []
    seen: dict[str, int] = {}  # what names each annotation -> its number
    for index, ann in enumerate(items):
        where = f"annotation {index + 1}"
        original = _get(ann, "id", "@id")
        key = str(original) if original else json.dumps(ann, sort_keys=True)
        first = seen.setdefault(key, index + 1)
        if first != index + 1 and original:
            expected = "each annotation id once in the file"
            again = f"{str(original)!r} again (annotation {first} has it)"
            raise LoadError(path, f"{where}.id", expected, again)
        if first != index + 1:
            raise LoadError(
                path, where, "each annotation once in the file", f"a copy of annotation {first}"
            )
        iri = str(minter.annotation(batch, sha256_hex(key.encode())[:16]))
        source, quote = _text_target(ann, path, where)
        document = lookup.document(URIRef(source)) or lookup.document_by_url(source)
        if document is None:
            raise LoadError(path, f"{where}.target.source", "a loaded document", source)
        documents[document.iri] = document
        found = anchor(document.text, quote, path=path, where=where, offsets=offsets)
        if found.note:
            said = found.note.startswith(f"{where}: ")  # a re-anchored quote names its place
            notes.append(found.note if said else f"{where}: {found.note}")
        bodies, purposes = _bodies(g, iri, ann, path, where)
        referenced |= {URIRef(b) for b in bodies if not b.startswith(iri)}
        motivations = [m for m in map(_motivation, _as_list(ann.get("motivation"))) if m]
        motivations = motivations or purposes[:1] or [OA.commenting if bodies else OA.highlighting]
        creator = _agent(g, ann.get("creator"), f"{iri}#creator", path, where)
        add_annotation(
            g, iri, motivation=motivations[0], bodies=bodies, document=document, anchor=found,
            creator=creator, created=_timestamp(ann, "created", path, where),
            more_motivations=motivations[1:],
        )  # fmt: skip
        if original:
            g.text(iri, str(DCTERMS.identifier), str(original))
        modified = _timestamp(ann, "modified", path, where)
        if modified is not None:
            g.raw(iri, str(DCTERMS.modified), modified)

    digest = sha256_hex(data)
    fingerprint = web_annotations_fingerprint(
        digest, [d.sha256 for d in documents.values()], offsets
    )
    graph = minter.annotations_graph(batch)
    prov = provenance_triples(minter, graph, fingerprint, [digest], Path(path).name, loaded_at)
    activity = str(minter.load_activity(graph, fingerprint))
    for document in documents.values():
        prov.iri(activity, str(PROV.used), document.capture)
    for note in notes:  # re-anchored quotes, UTF-16 positions: kept as curated files keep them
        prov.text(activity, str(RDFS.comment), note)
    return PreparedUnit(
        source=path,
        graph_iri=str(graph),
        provenance_iri=str(minter.provenance_graph(graph)),
        graph=g,
        provenance=prov,
        fingerprint=fingerprint,
        kind="annotations",
        context=context_triples(lookup, documents.values(), referenced),
        notes=notes,
    )


def _bodies(
    g: Triples, iri: str, ann: dict[str, Any], path: str, where: str
) -> tuple[list[str], list[URIRef]]:
    """Bodies as RDF (resources as their IRI, textual bodies as nodes) and their purposes."""
    bodies: list[str] = []
    purposes: list[URIRef] = []
    for n, body in enumerate(_as_list(_get(ann, "body", "bodyValue"))):
        if isinstance(body, str):
            if ":" in body and " " not in body and "bodyValue" not in ann:
                bodies.append(_iri(body, path, f"{where}.body"))
                continue
            body = {"type": "TextualBody", "value": body}
        if not isinstance(body, dict):
            continue
        purpose = _motivation(body.get("purpose")) if body.get("purpose") else None
        if purpose is not None:
            purposes.append(purpose)
        if "TextualBody" in _types(body) or "value" in body:
            node = f"{iri}#body-{n + 1}"
            g.a(node, str(OA.TextualBody))
            g.text(node, str(RDF.value), str(body.get("value", "")))
            if purpose is not None:
                g.iri(node, str(OA.hasPurpose), purpose)
            for key, prop in (("format", DCTERMS.format), ("language", DCTERMS.language)):
                if isinstance(body.get(key), str):
                    g.text(node, str(prop), body[key])
            bodies.append(node)
        else:
            target = _get(body, "source", "id", "@id")
            if target:
                bodies.append(_iri(str(target), path, f"{where}.body"))
    return bodies, purposes


_NAME, _AGENT = str(SCHEMA.name), str(PROV.Agent)
