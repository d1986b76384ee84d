"""Curated annotation files (YAML, one per document): mentions, claims, quotes, relations.

Every item is anchored by its quote (see ``loaders.anchoring``). Claims and relations become
statement nodes carrying claimant, source document, evidence annotation and rank; relations
also assert their plain triple. What the file asserts goes into its own named graph, the
provenance of the batch (annotator, tool, file hash, time, the capture anchored against)
into a second one. The format is documented in the README.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from dadkhah import __version__
from dadkhah.errors import LoadError
from dadkhah.iris import ID_FORM, Minter, is_valid_id
from dadkhah.namespaces import DK, OA, SCHEMA
from dadkhah.ntriples import XSD_DATE, Triples, literal
from dadkhah.units import LoadUnit, PreparedUnit

from .anchoring import Anchor, Quote, anchor
from .context import DocumentText, Lookup, context_triples
from .inputs import batch_id, is_xsd_date, read_mapping, sha256_hex
from .text import normalize, provenance_triples
from .webanno import add_annotation
from .yamlfile import Fields

RELATIONS: dict[str, str] = {
    "member-of": DK.memberOf,
    "affiliated-with": DK.affiliatedWith,
    "part-of": DK.partOf,
    "issued": DK.issued,
    "ordered": DK.ordered,
    "perpetrator-of": DK.perpetratorOf,
    "victim-of": DK.victimOf,
    "condemned": DK.condemned,
    "investigated": DK.investigated,
    "took-place-at": DK.tookPlaceAt,
    "located-in": DK.locatedIn,
}
QUALIFIERS: dict[str, str] = {
    "exactly": DK.Exactly,
    "approximately": DK.Approximately,
    "more-than": DK.MoreThan,
    "at-least": DK.AtLeast,
    "fewer-than": DK.FewerThan,
    "at-most": DK.AtMost,
    "range": DK.Range,
}
RANKS: dict[str, str] = {
    "preferred": DK.PreferredRank, "normal": DK.NormalRank, "deprecated": DK.DeprecatedRank,
}  # fmt: skip
ANCHOR_KEYS = {"quote", "prefix", "suffix", "occurrence"}
TOP_KEYS = {
    "document", "annotator", "author", "created", "tool", "mentions", "claims", "quotes",
    "relations",
}  # fmt: skip
MENTION_KEYS = ANCHOR_KEYS | {"entity", "id"}
CLAIM_KEYS = ANCHOR_KEYS | {
    "id", "claimant", "about", "measure", "value", "min", "max", "qualifier", "rank", "note",
}  # fmt: skip
QUOTE_KEYS = ANCHOR_KEYS | {"id", "speaker", "note"}
RELATION_KEYS = ANCHOR_KEYS | {"id", "subject", "relation", "object", "claimant", "rank", "note"}


def is_annotation_file(path: Path) -> bool:
    return (
        path.suffix in {".yaml", ".yml"}
        and not path.name.endswith(".meta.yaml")
        and (not path.stem.startswith("registry"))
    )


class _Batch:
    """State while one file is turned into triples."""

    def __init__(self, path: str, minter: Minter, batch: str, document: DocumentText):
        self.path, self.minter, self.batch, self.doc = path, minter, batch, document
        self.g = Triples()
        self.referenced: set[URIRef] = set()
        self.notes: list[str] = []
        self.local_ids: set[str] = set()

    def entity(self, fields: Fields, key: str, *, required: bool = True) -> URIRef | None:
        value = self.registry_id(fields, key, required=required)
        if value is None:
            return None
        iri = self.minter.entity(value)
        self.referenced.add(iri)
        return iri

    def measure(self, fields: Fields, key: str) -> URIRef | None:
        value = self.registry_id(fields, key, required=False)
        if value is None:
            return None
        iri = self.minter.measure(value)
        self.referenced.add(iri)
        return iri

    def registry_id(self, fields: Fields, key: str, *, required: bool) -> str | None:
        """The id at ``key``, if it can be one (whether the registry holds it is for the
        shapes to say, against the store)."""
        value = fields.text(key, required=required)
        if value is not None and not is_valid_id(value):
            raise LoadError(self.path, f"{fields.where}.{key}", "a registry id", repr(value))
        return value

    def anchor(self, fields: Fields) -> Anchor:
        exact = quoted(fields, "quote")
        assert exact is not None
        quote = Quote(
            exact, quoted(fields, "prefix"), quoted(fields, "suffix"), fields.int("occurrence")
        )
        found = anchor(self.doc.text, quote, path=self.path, where=fields.where)
        if found.note:
            self.notes.append(found.note)
        return found

    def local_id(self, fields: Fields) -> str:
        value = fields.text("id", required=True)
        assert value is not None
        if not is_valid_id(value) or value in self.local_ids:
            raise LoadError(
                self.path, f"{fields.where}.id", "an id unique in the file", repr(value)
            )
        self.local_ids.add(value)
        return value


def quoted(fields: Fields, key: str) -> str | None:
    """Words of the document at ``key``, normalized as the document's text is (NFC, LF), so
    that a quote copied from a decomposed copy of the text finds the same words."""
    value = fields.text(key, required=key == "quote")
    return None if value is None else normalize(value)


def annotated_document(data: bytes, *, path: str, minter: Minter) -> tuple[dict[str, Any], URIRef]:
    """The parsed file and the IRI of the document it annotates (before any lookup)."""
    raw = read_mapping(data, path)
    top = Fields(raw, path, "file", TOP_KEYS)
    doc_id = top.text("document", required=True)
    assert doc_id is not None
    if not is_valid_id(doc_id):
        raise LoadError(path, "file.document", "a document id", repr(doc_id))
    return raw, minter.document(doc_id)


def annotations_fingerprint(digest: str, document: DocumentText) -> str:
    """What an annotation file's load depends on: its bytes, the text it anchors to and the
    loader's version."""
    return sha256_hex(f"{digest} {document.sha256} {__version__}".encode())


def load_annotations(
    data: bytes, *, path: str, minter: Minter, lookup: Lookup, loaded_at: datetime
) -> LoadUnit:
    return prepare_annotations(
        data, path=path, minter=minter, lookup=lookup, loaded_at=loaded_at
    ).to_load_unit()


def prepare_annotations(
    data: bytes,
    *,
    path: str,
    minter: Minter,
    lookup: Lookup,
    loaded_at: datetime,
    parsed: tuple[dict[str, Any], URIRef] | None = None,
) -> PreparedUnit:
    """``load_annotations`` for the load path (N-Triples lines); ``parsed`` is what
    ``annotated_document`` returned, when the caller already has it."""
    batch = batch_id(path)
    raw, doc_iri = parsed or annotated_document(data, path=path, minter=minter)
    top = Fields(raw, path, "file", TOP_KEYS)
    document = lookup.document(doc_iri)
    if document is None:
        raise LoadError(path, "file.document", "the id of a loaded document", top.text("document"))
    doc_id = doc_iri.rsplit("/", 1)[1]
    b = _Batch(path, minter, batch, document)
    g = b.g
    created = top.text("created")
    if created is not None and not is_xsd_date(created):
        raise LoadError(path, "file.created", "a date, YYYY-MM-DD", repr(created))
    created_lit = literal(created, None, XSD_DATE) if created else None
    annotator = _annotator(g, minter, top.text("annotator") or "unnamed annotator")
    author = b.entity(top, "author", required=False)
    if author is None:
        author = minter.author(doc_id)
        g.a(author, _UNIDENTIFIED_AUTHOR)
        g.a(author, _AGENT)
        g.text(author, _PREF_LABEL, f"unidentified author of {doc_id}", "en")
    else:
        g.iri(document.iri, _CREATOR, author)

    def evidence(fields: Fields, local: str, body: str, motivation: str) -> str:
        ann = str(minter.annotation(batch, local))
        return add_annotation(
            g, ann, motivation=motivation, bodies=[body], document=document,
            anchor=b.anchor(fields), creator=annotator, created=created_lit,
        )  # fmt: skip

    for i, item in enumerate(top.items("mentions")):
        f = Fields(item, path, f"mentions[{i}]", MENTION_KEYS)
        entity = b.entity(f, "entity")
        assert entity is not None
        found = b.anchor(f)
        local = f.text("id") or f"mention-{found.start}-{found.end}-{entity.rsplit('/', 1)[1]}"
        if not is_valid_id(local):
            raise LoadError(path, f"{f.where}.id", f"an id of {ID_FORM}", repr(local))
        if local in b.local_ids:
            raise LoadError(path, f.where, "each mention once", f"a second {local}")
        b.local_ids.add(local)
        add_annotation(
            g, str(minter.annotation(batch, local)), motivation=_IDENTIFYING, bodies=[entity],
            document=document, anchor=found, creator=annotator, created=created_lit,
        )  # fmt: skip

    for i, item in enumerate(top.items("claims")):
        f = Fields(item, path, f"claims[{i}]", CLAIM_KEYS)
        local = b.local_id(f)
        claim = str(minter.claim(batch, local))
        g.a(claim, _CLAIM)
        g.a(claim, _QUANTITY_CLAIM)
        _claim_common(b, f, claim, author)
        about = b.entity(f, "about", required=False)
        if about is not None:
            g.iri(claim, _ABOUT, about)
        measure = b.measure(f, "measure")
        if measure is not None:
            g.iri(claim, _MEASURE, measure)
        for key, prop in (("value", SCHEMA.value), ("min", SCHEMA.minValue),
                          ("max", SCHEMA.maxValue)):  # fmt: skip
            number = f.number(key)
            if isinstance(number, int):
                g.integer(claim, str(prop), number)
            elif number is not None:
                g.add((URIRef(claim), prop, Literal(number)))
        qualifier = f.text("qualifier") or ("range" if f.number("min") is not None else "exactly")
        if qualifier not in QUALIFIERS:
            raise LoadError(
                path, f"{f.where}.qualifier", "one of " + ", ".join(QUALIFIERS), qualifier
            )
        g.iri(claim, _QUALIFIER, QUALIFIERS[qualifier])
        g.iri(claim, _EVIDENCE, evidence(f, local, claim, _EVIDENCING))

    for i, item in enumerate(top.items("quotes")):
        f = Fields(item, path, f"quotes[{i}]", QUOTE_KEYS)
        local = b.local_id(f)
        quote = str(minter.quote(batch, local))
        ann = evidence(f, local, quote, _EVIDENCING)
        g.a(quote, _QUOTE)
        words = quoted(f, "quote")
        assert words is not None
        g.text(quote, _TEXT, words)
        g.iri(quote, _STATED_IN, document.iri)
        g.iri(quote, _EVIDENCE, ann)
        speaker = b.entity(f, "speaker", required=False)
        if speaker is not None:
            g.iri(quote, _SPEAKER, speaker)
        note = f.text("note")
        if note:
            g.text(quote, _NOTE, note, "en")

    for i, item in enumerate(top.items("relations")):
        f = Fields(item, path, f"relations[{i}]", RELATION_KEYS)
        local = b.local_id(f)
        name = f.text("relation", required=True)
        if name not in RELATIONS:
            raise LoadError(path, f"{f.where}.relation", "one of " + ", ".join(RELATIONS), name)
        subject, obj = b.entity(f, "subject"), b.entity(f, "object")
        assert subject is not None and obj is not None
        claim = str(minter.claim(batch, local))
        g.a(claim, _CLAIM)
        g.a(claim, _RELATION_CLAIM)
        g.a(claim, _STATEMENT)
        g.iri(claim, _SUBJECT, subject)
        g.iri(claim, _PREDICATE, RELATIONS[name])
        g.iri(claim, _OBJECT, obj)
        g.iri(subject, RELATIONS[name], obj)  # the direct, "truthy" triple
        _claim_common(b, f, claim, author, default="author")
        g.iri(claim, _EVIDENCE, evidence(f, local, claim, _EVIDENCING))

    digest = sha256_hex(data)
    fingerprint = annotations_fingerprint(digest, document)
    graph = minter.annotations_graph(batch)
    prov = provenance_triples(
        minter, graph, fingerprint, [digest], Path(path).name, loaded_at, used=document.capture
    )
    activity = str(minter.load_activity(graph, fingerprint))
    prov.iri(activity, str(PROV.wasAssociatedWith), annotator)
    prov.a(annotator, _AGENT)
    tool = top.text("tool")
    if tool:
        prov.text(activity, str(DCTERMS.description), f"annotated with {tool}")
    for note in b.notes:
        prov.text(activity, str(RDFS.comment), note)
    return PreparedUnit(
        source=path,
        graph_iri=str(graph),
        provenance_iri=str(minter.provenance_graph(graph)),
        graph=g,
        provenance=prov,
        fingerprint=fingerprint,
        kind="annotations",
        context=context_triples(lookup, [document], b.referenced),
        notes=b.notes,
    )


def _claim_common(
    b: _Batch, f: Fields, claim: str, author: str, default: str | None = None
) -> None:
    """Claimant, source, rank and note. A quantity claim must name its claimant (``author``
    for the document's own voice); a relation defaults to the document's author."""
    g = b.g
    claimant_id = f.data.get("claimant", default)
    if claimant_id == "author":
        g.iri(claim, _CLAIMANT, author)
    elif claimant_id is not None:
        claimant = b.entity(f, "claimant")
        assert claimant is not None
        g.iri(claim, _CLAIMANT, claimant)
    g.iri(claim, _STATED_IN, b.doc.iri)
    rank = f.text("rank") or "normal"
    if rank not in RANKS:
        raise LoadError(b.path, f"{f.where}.rank", "one of " + ", ".join(RANKS), rank)
    g.iri(claim, _RANK, RANKS[rank])
    note = f.text("note")
    if note:
        g.text(claim, _NOTE, note, "en")


def _annotator(g: Triples, minter: Minter, name: str) -> str:
    """The annotator's agent, named by a slug of the ASCII letters and digits of its name. A
    name with other characters also gets a digest of the whole name, so that annotators
    named in Persian (whose slug would be empty) are told apart."""
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower()).strip("-")
    slug = slug[:100] or "annotator"
    if not name.isascii():
        slug = f"{slug}-{sha256_hex(name.encode())[:12]}"
    agent = str(minter.agent(slug))
    g.a(agent, _AGENT)
    g.text(agent, str(SCHEMA.name), name)
    return agent


# IRIs as plain strings, formatted once for Triples.
_AGENT, _CREATOR, _PREF_LABEL = str(PROV.Agent), str(DCTERMS.creator), str(SKOS.prefLabel)
_UNIDENTIFIED_AUTHOR, _IDENTIFYING = str(DK.UnidentifiedAuthor), str(OA.identifying)
_CLAIM, _QUANTITY_CLAIM = str(DK.Claim), str(DK.QuantityClaim)
_RELATION_CLAIM, _STATEMENT = str(DK.RelationClaim), str(RDF.Statement)
_QUOTE, _TEXT, _NOTE = str(DK.Quote), str(SCHEMA.text), str(SKOS.note)
_SUBJECT, _PREDICATE, _OBJECT = str(RDF.subject), str(RDF.predicate), str(RDF.object)
_ABOUT, _MEASURE = str(DK.about), str(DK.measure)
_QUALIFIER, _RANK = str(DK.qualifier), str(DK.rank)
_CLAIMANT, _STATED_IN, _EVIDENCE = str(DK.claimant), str(DK.statedIn), str(DK.evidence)
_SPEAKER, _EVIDENCING = str(DK.speaker), str(DK.evidencing)
