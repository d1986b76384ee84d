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
from rdflib.namespace import DC, DCTERMS, PROV, RDF, XSD

from dadkhah import __version__
from dadkhah.errors import LoadError
from dadkhah.iris import Minter, is_valid_id
from dadkhah.namespaces import DK, HASH, OA, PREMIS, SCHEMA, bind_prefixes
from dadkhah.units import LoadUnit

from .inputs import decode_utf8, read_mapping, sha256_hex
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


def read_sidecar(path: Path) -> tuple[dict[str, Any], str | None]:
    """The metadata sidecar ``NAME.meta.yaml`` beside ``NAME.txt``, if there is one."""
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
    return parsed, sha256_hex(data)


def source_for(path: Path) -> SourceInfo:
    """Read the sidecar of ``path`` and settle the document's identifier."""
    sidecar, sidecar_sha = read_sidecar(path)
    doc_id = str(sidecar.get("id", path.stem))
    if not is_valid_id(doc_id):
        raise LoadError(
            str(path), "document id", "1-128 characters of A-Z a-z 0-9 . _ -", repr(doc_id)
        )
    return SourceInfo(str(path), doc_id, sidecar, sidecar_sha)


def _text_literal(value: Any) -> Literal:
    if isinstance(value, date):
        return Literal(value.isoformat(), datatype=XSD.date)
    return Literal(str(value), datatype=XSD.date)


def add_text_target(
    graph: Graph, annotation: URIRef, document: URIRef, text: str, start: int, end: int
) -> None:
    """Target ``annotation`` at ``text[start:end]`` of ``document`` with both selectors."""
    target = URIRef(f"{annotation}#target")
    quote = URIRef(f"{annotation}#quote")
    position = URIRef(f"{annotation}#position")
    graph.add((annotation, OA.hasTarget, target))
    graph.add((target, RDF.type, OA.SpecificResource))
    graph.add((target, OA.hasSource, document))
    graph.add((target, OA.hasSelector, quote))
    graph.add((target, OA.hasSelector, position))
    graph.add((quote, RDF.type, OA.TextQuoteSelector))
    graph.add((quote, OA.exact, Literal(text[start:end])))
    if start > 0:
        graph.add((quote, OA.prefix, Literal(text[max(0, start - CONTEXT_CHARS) : start])))
    if end < len(text):
        graph.add((quote, OA.suffix, Literal(text[end : end + CONTEXT_CHARS])))
    graph.add((position, RDF.type, OA.TextPositionSelector))
    graph.add((position, OA.start, Literal(start)))
    graph.add((position, OA.end, Literal(end)))


def load_text(data: bytes, *, source: SourceInfo, minter: Minter, loaded_at: datetime) -> LoadUnit:
    """Turn a captured text document and its sidecar into a document graph."""
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

    doc = minter.document(source.doc_id)
    cap = minter.capture(source.doc_id, digest)
    g = bind_prefixes(Graph())
    g.add((doc, RDF.type, DK.SourceDocument))
    g.add((doc, DCTERMS.identifier, Literal(source.doc_id)))
    g.add((doc, DK.capture, cap))
    if facts.title:
        g.add((doc, DCTERMS.title, Literal(facts.title)))
    if meta.get("language"):
        g.add((doc, DCTERMS.language, Literal(str(meta["language"]))))
    dateline = meta.get("dateline") or facts.dateline
    if dateline:
        g.add((doc, DK.dateline, Literal(str(dateline))))
    when = meta.get("date") or facts.date
    if when:
        g.add((doc, DCTERMS.date, _text_literal(when)))
    if facts.publisher:
        g.add((doc, DK.statedPublisher, Literal(facts.publisher)))
    if meta.get("publisher"):
        g.add((doc, DC.publisher, Literal(str(meta["publisher"]))))
    if meta.get("url"):
        g.add((doc, SCHEMA.url, URIRef(str(meta["url"]))))
    if meta.get("notes"):
        g.add((doc, SCHEMA.comment, Literal(str(meta["notes"]).strip())))

    fixity = URIRef(f"{cap}#sha256")
    g.add((cap, RDF.type, DK.Capture))
    g.add((cap, DCTERMS.format, Literal(media_type)))
    g.add((cap, PREMIS.size, Literal(len(data))))
    g.add((cap, DK.sha256, Literal(digest)))
    g.add((cap, PREMIS.fixity, fixity))
    g.add((fixity, RDF.type, PREMIS.Fixity))
    g.add((fixity, PREMIS.messageDigestAlgorithm, HASH.sha256))
    g.add((fixity, RDF.value, Literal(digest)))
    g.add((cap, DK.sourceFile, Literal(source.file_name)))
    g.add((cap, DK.originalText, Literal(original)))
    g.add((cap, DK.normalizedText, Literal(text)))
    g.add((cap, DK.normalization, Literal(NORMALIZATION)))
    for segment in facts.segments:
        _add_segment(g, minter, source.doc_id, doc, text, segment)

    inputs = [digest] + ([source.sidecar_sha256] if source.sidecar_sha256 else [])
    fingerprint = sha256_hex(" ".join([*inputs, __version__]).encode())
    graph_iri = minter.document_graph(source.doc_id)
    prov = provenance_graph(
        minter, graph_iri, fingerprint, inputs, source.file_name, loaded_at, used=cap
    )
    return LoadUnit(
        source=source.path,
        graph_iri=graph_iri,
        provenance_iri=minter.provenance_graph(graph_iri),
        graph=g,
        provenance=prov,
        fingerprint=fingerprint,
        kind="document",
    )


def _add_segment(
    g: Graph, minter: Minter, doc_id: str, doc: URIRef, text: str, segment: Segment
) -> None:
    ann = minter.segment(doc_id, segment.start, segment.end)
    g.add((ann, RDF.type, OA.Annotation))
    g.add((ann, RDF.type, DK.SegmentAnnotation))
    g.add((ann, OA.motivatedBy, OA.classifying))
    g.add((ann, OA.hasBody, DK[segment.kind + "Segment"]))
    add_text_target(g, ann, doc, text, segment.start, segment.end)


def provenance_graph(
    minter: Minter,
    graph_iri: URIRef,
    fingerprint: str,
    input_hashes: list[str],
    file_name: str,
    loaded_at: datetime,
    used: URIRef | None = None,
) -> Graph:
    """PROV-O description of one load: which inputs, which software, when."""
    p = bind_prefixes(Graph())
    activity = minter.load_activity(graph_iri, fingerprint)
    agent = minter.software_agent()
    p.add((graph_iri, RDF.type, PROV.Entity))
    p.add((graph_iri, PROV.wasGeneratedBy, activity))
    p.add((graph_iri, DK.fingerprint, Literal(fingerprint)))
    p.add((activity, RDF.type, DK.LoadActivity))
    p.add((activity, PROV.startedAtTime, Literal(loaded_at)))
    p.add((activity, PROV.wasAssociatedWith, agent))
    p.add((activity, DK.loaderVersion, Literal(__version__)))
    p.add((activity, DK.sourceFile, Literal(file_name)))
    for digest in input_hashes:
        p.add((activity, DK.inputSha256, Literal(digest)))
    if used is not None:
        p.add((activity, PROV.used, used))
    p.add((agent, RDF.type, PROV.Agent))
    p.add((agent, RDF.type, PROV.SoftwareAgent))
    p.add((agent, SCHEMA.name, Literal("Dadkhah")))
    p.add((agent, SCHEMA.softwareVersion, Literal(__version__)))
    return p
