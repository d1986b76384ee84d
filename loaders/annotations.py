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

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from dadkhah import __version__
from dadkhah.errors import LoadError
from dadkhah.iris import Minter, is_valid_id
from dadkhah.namespaces import DK, OA, SCHEMA, bind_prefixes
from dadkhah.units import LoadUnit

from .anchoring import Anchor, Quote, anchor
from .context import DocumentText, Lookup, context_graph
from .inputs import read_mapping, sha256_hex
from .text import provenance_graph
from .webanno import add_annotation
from .yamlfile import Fields

RELATIONS = {
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
QUALIFIERS = {
    "exactly": DK.Exactly,
    "approximately": DK.Approximately,
    "more-than": DK.MoreThan,
    "at-least": DK.AtLeast,
    "fewer-than": DK.FewerThan,
    "at-most": DK.AtMost,
    "range": DK.Range,
}
RANKS = {"preferred": DK.PreferredRank, "normal": DK.NormalRank, "deprecated": DK.DeprecatedRank}
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
        self.g = bind_prefixes(Graph())
        self.referenced: set[URIRef] = set()
        self.notes: list[str] = []
        self.local_ids: set[str] = set()

    def entity(self, fields: Fields, key: str, *, required: bool = True) -> URIRef | None:
        value = fields.str(key, required=required)
        if value is None:
            return None
        if not is_valid_id(value):
            raise LoadError(self.path, f"{fields.where}.{key}", "a registry id", repr(value))
        iri = self.minter.entity(value)
        self.referenced.add(iri)
        return iri

    def anchor(self, fields: Fields) -> Anchor:
        exact = fields.str("quote", required=True)
        assert exact is not None
        quote = Quote(exact, fields.str("prefix"), fields.str("suffix"), fields.int("occurrence"))
        found = anchor(self.doc.text, quote, path=self.path, where=fields.where)
        if found.note:
            self.notes.append(found.note)
        return found

    def local_id(self, fields: Fields) -> str:
        value = fields.str("id", required=True)
        assert value is not None
        if not is_valid_id(value) or value in self.local_ids:
            raise LoadError(
                self.path, f"{fields.where}.id", "an id unique in the file", repr(value)
            )
        self.local_ids.add(value)
        return value


def load_annotations(
    data: bytes, *, path: str, minter: Minter, lookup: Lookup, loaded_at: datetime
) -> LoadUnit:
    raw = read_mapping(data, path)
    top = Fields(raw, path, "file", TOP_KEYS)
    doc_id = top.str("document", required=True)
    assert doc_id is not None
    if not is_valid_id(doc_id):
        raise LoadError(path, "file.document", "a document id", repr(doc_id))
    document = lookup.document(minter.document(doc_id))
    if document is None:
        raise LoadError(path, "file.document", "the id of a loaded document", doc_id)
    batch_id = Path(path).stem
    b = _Batch(path, minter, batch_id, document)
    g = b.g
    created = top.str("created")
    created_lit = Literal(created, datatype=XSD.date) if created else None
    annotator = _annotator(g, minter, top.str("annotator") or "unnamed annotator")
    author = b.entity(top, "author", required=False)
    if author is None:
        author = minter.author(doc_id)
        g.add((author, RDF.type, DK.UnidentifiedAuthor))
        g.add((author, RDF.type, PROV.Agent))
        g.add((author, SKOS.prefLabel, Literal(f"unidentified author of {doc_id}", lang="en")))
    else:
        g.add((document.iri, DCTERMS.creator, author))

    def evidence(fields: Fields, local: str, body: URIRef, motivation: URIRef) -> URIRef:
        ann = minter.annotation(batch_id, local)
        return add_annotation(
            g, ann, motivation=motivation, bodies=[body], document=document,
            anchor=b.anchor(fields), creator=annotator, created=created_lit,
        )  # fmt: skip

    for i, item in enumerate(top.items("mentions")):
        f = Fields(item, path, f"mentions[{i}]", MENTION_KEYS)
        entity = b.entity(f, "entity")
        assert entity is not None
        found = b.anchor(f)
        local = f.str("id") or f"mention-{found.start}-{found.end}-{entity.rsplit('/', 1)[1]}"
        if local in b.local_ids:
            raise LoadError(path, f.where, "each mention once", f"a second {local}")
        b.local_ids.add(local)
        add_annotation(
            g, minter.annotation(batch_id, local), motivation=OA.identifying, bodies=[entity],
            document=document, anchor=found, creator=annotator, created=created_lit,
        )  # fmt: skip

    for i, item in enumerate(top.items("claims")):
        f = Fields(item, path, f"claims[{i}]", CLAIM_KEYS)
        local = b.local_id(f)
        claim = minter.claim(batch_id, local)
        g.add((claim, RDF.type, DK.Claim))
        g.add((claim, RDF.type, DK.QuantityClaim))
        _claim_common(b, f, claim, author)
        about = b.entity(f, "about", required=False)
        if about is not None:
            g.add((claim, DK.about, about))
        measure = f.str("measure")
        if measure is not None:
            g.add((claim, DK.measure, minter.measure(measure)))
            b.referenced.add(minter.measure(measure))
        for key, prop in (
            ("value", SCHEMA.value),
            ("min", SCHEMA.minValue),
            ("max", SCHEMA.maxValue),
        ):
            number = f.number(key)
            if number is not None:
                g.add((claim, prop, Literal(number)))
        qualifier = f.str("qualifier") or ("range" if f.number("min") is not None else "exactly")
        if qualifier not in QUALIFIERS:
            raise LoadError(
                path, f"{f.where}.qualifier", "one of " + ", ".join(QUALIFIERS), qualifier
            )
        g.add((claim, DK.qualifier, QUALIFIERS[qualifier]))
        g.add((claim, DK.evidence, evidence(f, local, claim, DK.evidencing)))

    for i, item in enumerate(top.items("quotes")):
        f = Fields(item, path, f"quotes[{i}]", QUOTE_KEYS)
        local = b.local_id(f)
        quote = minter.quote(batch_id, local)
        ann = evidence(f, local, quote, DK.evidencing)
        g.add((quote, RDF.type, DK.Quote))
        g.add((quote, SCHEMA.text, Literal(f.str("quote"))))
        g.add((quote, DK.statedIn, document.iri))
        g.add((quote, DK.evidence, ann))
        speaker = b.entity(f, "speaker", required=False)
        if speaker is not None:
            g.add((quote, DK.speaker, speaker))
        if f.str("note"):
            g.add((quote, SKOS.note, Literal(f.str("note"), lang="en")))

    for i, item in enumerate(top.items("relations")):
        f = Fields(item, path, f"relations[{i}]", RELATION_KEYS)
        local = b.local_id(f)
        name = f.str("relation", required=True)
        if name not in RELATIONS:
            raise LoadError(path, f"{f.where}.relation", "one of " + ", ".join(RELATIONS), name)
        subject, obj = b.entity(f, "subject"), b.entity(f, "object")
        assert subject is not None and obj is not None
        claim = minter.claim(batch_id, local)
        g.add((claim, RDF.type, DK.Claim))
        g.add((claim, RDF.type, DK.RelationClaim))
        g.add((claim, RDF.type, RDF.Statement))
        g.add((claim, RDF.subject, subject))
        g.add((claim, RDF.predicate, RELATIONS[name]))
        g.add((claim, RDF.object, obj))
        g.add((subject, RELATIONS[name], obj))  # the direct, "truthy" triple
        _claim_common(b, f, claim, author, default="author")
        g.add((claim, DK.evidence, evidence(f, local, claim, DK.evidencing)))

    digest = sha256_hex(data)
    fingerprint = sha256_hex(f"{digest} {document.sha256} {__version__}".encode())
    graph = minter.annotations_graph(batch_id)
    prov = provenance_graph(
        minter, graph, fingerprint, [digest], Path(path).name, loaded_at, used=document.capture
    )
    activity = minter.load_activity(graph, fingerprint)
    prov.add((activity, PROV.wasAssociatedWith, annotator))
    prov.add((annotator, RDF.type, PROV.Agent))
    if top.str("tool"):
        prov.add((activity, DCTERMS.description, Literal(f"annotated with {top.str('tool')}")))
    for note in b.notes:
        prov.add((activity, RDFS.comment, Literal(note)))
    unit = LoadUnit(
        path, graph, minter.provenance_graph(graph), g, prov, fingerprint, "annotations"
    )
    unit.context = context_graph(lookup, [document], b.referenced)
    unit.notes = b.notes
    return unit


def _claim_common(
    b: _Batch, f: Fields, claim: URIRef, author: URIRef, default: str | None = None
) -> None:
    """Claimant, source, rank and note. A quantity claim must name its claimant (``author``
    for the document's own voice); a relation defaults to the document's author."""
    g = b.g
    claimant_id = f.data.get("claimant", default)
    if claimant_id == "author":
        g.add((claim, DK.claimant, author))
    elif claimant_id is not None:
        claimant = b.entity(f, "claimant")
        assert claimant is not None
        g.add((claim, DK.claimant, claimant))
    g.add((claim, DK.statedIn, b.doc.iri))
    rank = f.str("rank") or "normal"
    if rank not in RANKS:
        raise LoadError(b.path, f"{f.where}.rank", "one of " + ", ".join(RANKS), rank)
    g.add((claim, DK.rank, RANKS[rank]))
    if f.str("note"):
        g.add((claim, SKOS.note, Literal(f.str("note"), lang="en")))


def _annotator(g: Graph, minter: Minter, name: str) -> URIRef:
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "annotator"
    agent = minter.agent(slug[:100])
    g.add((agent, RDF.type, PROV.Agent))
    g.add((agent, SCHEMA.name, Literal(name)))
    return agent
