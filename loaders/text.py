"""Plain-text (and Markdown) documents: bytes in, a document graph out.

The captured bytes are kept verbatim (``dk:originalText`` decodes them without change) with
their size and SHA-256. The normalized text on which every offset is counted is the original
with exactly these changes, in this order:

1. a leading byte-order mark (U+FEFF) is removed;
2. CR LF, then any remaining lone CR, become LF;
3. Unicode Normalization Form C is applied.

Offsets count Unicode code points of the normalized text, from 0, end exclusive.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, PROV, RDF

from dadkhah import __version__
from dadkhah.errors import LoadError
from dadkhah.iris import ID_FORM, Minter, is_valid_id
from dadkhah.namespaces import DK, HASH, OA, PREMIS, SCHEMA
from dadkhah.ntriples import XSD_DATE, Triples, checked_iri
from dadkhah.units import DocumentFacts, LoadUnit, PreparedUnit

from .inputs import decode_utf8, is_language_tag, is_xsd_date, read_mapping, sha256_hex
from .segments import Segment, analyse

NORMALIZATION = "bom-strip crlf-to-lf nfc"
MEDIA_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
SIDECAR_SUFFIX = ".meta.yaml"
SIDECAR_KEYS = {"id", "language", "media_type", "publisher", "dateline", "date", "url", "notes"}
CONTEXT_CHARS = 32  # prefix and suffix kept on quote selectors


@dataclass(frozen=True)
class SourceInfo:
    """Where a document came from: its path (for messages) and its parsed sidecar."""

    path: str
    doc_id: str
    sidecar: Mapping[str, Any] = field(default_factory=dict)
    sidecar_sha256: str | None = None

    @property
    def file_name(self) -> str:
        return Path(self.path).name


def normalize(text: str) -> str:
    """Apply the normalization described in the module docstring."""
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def read_sidecar(path: Path) -> tuple[dict[str, str], str | None]:
    """The metadata sidecar ``NAME.meta.yaml`` beside ``NAME.txt``, if there is one, its
    values as strings; errors name the sidecar, the key and what it should hold."""
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}, None
    data = sidecar.read_bytes()
    parsed = read_mapping(data, str(sidecar))
    unknown = sorted(set(parsed) - SIDECAR_KEYS)
    if unknown:
        raise LoadError(
            str(sidecar), f"key {unknown[0]!r}", "one of " + ", ".join(sorted(SIDECAR_KEYS))
        )
    values = {}
    for key, value in parsed.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise LoadError(str(sidecar), key, "a string", repr(value))
        values[key] = str(value)
    doc_id = values.get("id")
    if doc_id is not None and not is_valid_id(doc_id):
        raise LoadError(str(sidecar), "id", f"a document id of {ID_FORM}", repr(doc_id))
    # checked here, where the error can name the sidecar; the shapes check the graph again
    if values.get("language") and not is_language_tag(values["language"]):
        expected = "a BCP 47 language tag such as en or fa"
        raise LoadError(str(sidecar), "language", expected, repr(values["language"]))
    if values.get("date") and not is_xsd_date(values["date"]):
        raise LoadError(str(sidecar), "date", "a date as YYYY-MM-DD", repr(values["date"]))
    return values, sha256_hex(data)


def source_for(path: Path) -> SourceInfo:
    """Read the sidecar of ``path`` and settle the document's identifier."""
    sidecar, sidecar_sha = read_sidecar(path)
    doc_id = str(sidecar.get("id", path.stem))
    if not is_valid_id(doc_id):
        raise LoadError(
            str(path), "document id", "1-128 characters of A-Z a-z 0-9 . _ -", repr(doc_id)
        )
    return SourceInfo(str(path), doc_id, sidecar, sidecar_sha)


def _date_lexical(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def add_text_target(
    t: Triples, annotation: str, document: str, text: str, start: int, end: int
) -> None:
    """Target ``annotation`` at ``text[start:end]`` of ``document`` with both selectors."""
    target = f"{annotation}#target"
    quote = f"{annotation}#quote"
    position = f"{annotation}#position"
    t.iri(annotation, _HAS_TARGET, target)
    t.a(target, _SPECIFIC_RESOURCE)
    t.iri(target, _HAS_SOURCE, document)
    t.iri(target, _HAS_SELECTOR, quote)
    t.iri(target, _HAS_SELECTOR, position)
    t.a(quote, _TEXT_QUOTE_SELECTOR)
    t.text(quote, _EXACT, text[start:end])
    if start > 0:
        t.text(quote, _PREFIX, text[max(0, start - CONTEXT_CHARS) : start])
    if end < len(text):
        t.text(quote, _SUFFIX, text[end : end + CONTEXT_CHARS])
    t.a(position, _TEXT_POSITION_SELECTOR)
    t.integer(position, _START, start)
    t.integer(position, _END, end)


def load_text(data: bytes, *, source: SourceInfo, minter: Minter, loaded_at: datetime) -> LoadUnit:
    """Turn a captured text document and its sidecar into a document graph."""
    return prepare_text(data, source=source, minter=minter, loaded_at=loaded_at).to_load_unit()


def text_fingerprint(digest: str, source: SourceInfo) -> str:
    """What a document's load depends on: its bytes, its sidecar and the loader's version."""
    inputs = [digest] + ([source.sidecar_sha256] if source.sidecar_sha256 else [])
    return sha256_hex(" ".join([*inputs, __version__]).encode())


def prepare_text(
    data: bytes, *, source: SourceInfo, minter: Minter, loaded_at: datetime
) -> PreparedUnit:
    """``load_text`` for the load path: the same triples as N-Triples lines."""
    original = decode_utf8(data, source.path)
    text = normalize(original)
    if not text.strip():
        raise LoadError(source.path, None, "a document with some text", "only white space")
    meta = source.sidecar
    media_type = str(meta.get("media_type") or MEDIA_TYPES.get(Path(source.path).suffix, ""))
    if media_type not in MEDIA_TYPES.values():
        raise LoadError(
            source.path, "media type", "text/plain or text/markdown", repr(media_type or "none")
        )
    digest = sha256_hex(data)
    facts = analyse(text)

    doc = str(minter.document(source.doc_id))
    cap = str(minter.capture(source.doc_id, digest))
    g = Triples()
    g.a(doc, str(DK.SourceDocument))
    g.text(doc, str(DCTERMS.identifier), source.doc_id)
    g.iri(doc, str(DK.capture), cap)
    if facts.title:
        g.text(doc, str(DCTERMS.title), facts.title)
    if meta.get("language"):
        g.text(doc, str(DCTERMS.language), str(meta["language"]))
    dateline = meta.get("dateline") or facts.dateline
    if dateline:
        g.text(doc, str(DK.dateline), str(dateline))
    when = meta.get("date") or facts.date
    if when:
        g.typed_literal(doc, str(DCTERMS.date), _date_lexical(when), XSD_DATE)
    if facts.publisher:
        g.text(doc, str(DK.statedPublisher), facts.publisher)
    if meta.get("publisher"):
        g.text(doc, str(DC.publisher), str(meta["publisher"]))
    url = _stated_url(str(meta["url"]), source) if meta.get("url") else None
    if url:
        g.iri(doc, str(SCHEMA.url), url)
    if meta.get("notes"):
        g.text(doc, str(SCHEMA.comment), str(meta["notes"]).strip())

    fixity = f"{cap}#sha256"
    g.a(cap, str(DK.Capture))
    g.text(cap, str(DCTERMS.format), media_type)
    g.integer(cap, str(PREMIS.size), len(data))
    g.text(cap, str(DK.sha256), digest)
    g.iri(cap, str(PREMIS.fixity), fixity)
    g.a(fixity, str(PREMIS.Fixity))
    g.iri(fixity, str(PREMIS.messageDigestAlgorithm), str(HASH.sha256))
    g.text(fixity, str(RDF.value), digest)
    g.text(cap, str(DK.sourceFile), source.file_name)
    g.text(cap, str(DK.originalText), original)
    g.text(cap, str(DK.normalizedText), text)
    g.text(cap, str(DK.normalization), NORMALIZATION)
    for segment in facts.segments:
        _add_segment(g, minter, source.doc_id, doc, text, segment)

    inputs = [digest] + ([source.sidecar_sha256] if source.sidecar_sha256 else [])
    fingerprint = text_fingerprint(digest, source)
    graph_iri = minter.document_graph(source.doc_id)
    prov = provenance_triples(
        minter, graph_iri, fingerprint, inputs, source.file_name, loaded_at, used=cap
    )
    return PreparedUnit(
        source=source.path,
        graph_iri=str(graph_iri),
        provenance_iri=str(minter.provenance_graph(graph_iri)),
        graph=g,
        provenance=prov,
        fingerprint=fingerprint,
        kind="document",
        document=DocumentFacts(doc, cap, text, digest, url),
    )


def _stated_url(url: str, source: SourceInfo) -> str:
    try:
        return checked_iri(url)
    except ValueError:
        sidecar = str(Path(source.path).with_name(Path(source.path).stem + SIDECAR_SUFFIX))
        raise LoadError(sidecar, "url", "an absolute IRI (http or https URL)", repr(url)) from None


_SEGMENT_BODIES = {kind: str(DK[kind + "Segment"]) for kind in (
    "Title", "Dateline", "Byline", "AdBanner", "Navigation", "Breadcrumb", "Duplicate",
    "LinkMarkup", "Boilerplate", "Filler",
)}  # fmt: skip


def _add_segment(
    g: Triples, minter: Minter, doc_id: str, doc: str, text: str, segment: Segment
) -> None:
    ann = str(minter.segment(doc_id, segment.start, segment.end))
    g.a(ann, _ANNOTATION)
    g.a(ann, str(DK.SegmentAnnotation))
    g.iri(ann, _MOTIVATED_BY, str(OA.classifying))
    g.iri(ann, _HAS_BODY, _SEGMENT_BODIES.get(segment.kind) or str(DK[segment.kind + "Segment"]))
    add_text_target(g, ann, doc, text, segment.start, segment.end)


def provenance_triples(
    minter: Minter,
    graph_iri: URIRef | str,
    fingerprint: str,
    input_hashes: list[str],
    file_name: str,
    loaded_at: datetime,
    used: URIRef | str | None = None,
) -> Triples:
    """PROV-O description of one load: which inputs, which software, when."""
    p = Triples()
    graph = str(graph_iri)
    activity = str(minter.load_activity(URIRef(graph), fingerprint))
    agent = str(minter.software_agent())
    p.a(graph, str(PROV.Entity))
    p.iri(graph, str(PROV.wasGeneratedBy), activity)
    p.text(graph, str(DK.fingerprint), fingerprint)
    p.a(activity, str(DK.LoadActivity))
    p.add((URIRef(activity), PROV.startedAtTime, Literal(loaded_at)))
    p.iri(activity, str(PROV.wasAssociatedWith), agent)
    p.text(activity, str(DK.loaderVersion), __version__)
    p.text(activity, str(DK.sourceFile), file_name)
    for digest in input_hashes:
        p.text(activity, str(DK.inputSha256), digest)
    if used is not None:
        p.iri(activity, str(PROV.used), str(used))
    p.a(agent, str(PROV.Agent))
    p.a(agent, str(PROV.SoftwareAgent))
    p.text(agent, str(SCHEMA.name), "Dadkhah")
    p.text(agent, str(SCHEMA.softwareVersion), __version__)
    return p


def provenance_graph(
    minter: Minter,
    graph_iri: URIRef,
    fingerprint: str,
    input_hashes: list[str],
    file_name: str,
    loaded_at: datetime,
    used: URIRef | None = None,
) -> Graph:
    """``provenance_triples`` as an rdflib graph."""
    return provenance_triples(
        minter, graph_iri, fingerprint, input_hashes, file_name, loaded_at, used
    ).to_graph()


_HAS_TARGET, _HAS_SOURCE, _HAS_SELECTOR = str(OA.hasTarget), str(OA.hasSource), str(OA.hasSelector)
_HAS_BODY, _MOTIVATED_BY, _ANNOTATION = str(OA.hasBody), str(OA.motivatedBy), str(OA.Annotation)
_SPECIFIC_RESOURCE = str(OA.SpecificResource)
_TEXT_QUOTE_SELECTOR = str(OA.TextQuoteSelector)
_TEXT_POSITION_SELECTOR = str(OA.TextPositionSelector)
_EXACT, _PREFIX, _SUFFIX = str(OA.exact), str(OA.prefix), str(OA.suffix)
_START, _END = str(OA.start), str(OA.end)
