"""One failing example for every constraint the shapes state, checked with both engines.

A small valid archive (tests/data/tiny) is loaded; each case breaks one thing in one unit
and names the focus node, path and constraint component that must fire. A coverage test
requires every ``sh:message`` in shapes/ to be produced by some case, so a new constraint
without an example fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, OWL, PROV, RDF, SH, SKOS, XSD

from dadkhah.errors import ShapeViolation
from dadkhah.iris import Minter
from dadkhah.namespaces import DK, HASH, OA, PREMIS, SCHEMA
from dadkhah.resources import shape_files
from dadkhah.store import EmbeddedStore
from dadkhah.units import LoadUnit
from dadkhah.validation import ENGINES, check_unit, unit_data, violations
from loaders.commit import StoreLookup, discover, load_paths
from loaders.curated import load_annotations
from loaders.registry import load_registry
from loaders.text import load_text, source_for

TINY = Path(__file__).parent / "data" / "tiny"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
M = Minter("https://dadkhah.example/id/")
DOC = M.document("t1")
CLAIM = M.claim("t1", "executed-4000")
QUOTE = M.quote("t1", "witness-said")
RELATION = M.claim("t1", "judge-member")
MENTION_ANN = None  # resolved per unit


@dataclass
class Units:
    document: LoadUnit
    registry: LoadUnit
    annotations: LoadUnit


def build_units() -> Units:
    store = EmbeddedStore(None)
    docs = [item for item in discover([str(TINY)]) if item[0] in {"registry", "document"}]
    assert len(docs) == 2
    outcomes = list(load_paths(store, docs, M))
    assert [o.status for o in outcomes] == ["loaded", "loaded"], outcomes
    text_path = TINY / "t1.txt"
    registry_path = TINY / "registry.yaml"
    annotation_path = TINY / "t1.yaml"
    return Units(
        load_text(text_path.read_bytes(), source=source_for(text_path), minter=M, loaded_at=NOW),
        load_registry(registry_path.read_bytes(), path=str(registry_path), minter=M, loaded_at=NOW),
        load_annotations(
            annotation_path.read_bytes(),
            path=str(annotation_path),
            minter=M,
            lookup=StoreLookup(store),
            loaded_at=NOW,
        ),
    )


@pytest.fixture(scope="module")
def pristine() -> Units:
    return build_units()


def fresh(units: Units, kind: str) -> LoadUnit:
    original: LoadUnit = getattr(units, kind)
    copy = LoadUnit(**{**original.__dict__})
    copy.graph = Graph() + original.graph
    copy.provenance = Graph() + original.provenance
    copy.context = (Graph() + original.context) if original.context is not None else None
    return copy


def capture(g: Graph) -> URIRef:
    return next(iter(g.subjects(RDF.type, DK.Capture)))  # type: ignore[return-value]


def one(g: Graph, s: URIRef, p: URIRef) -> object:
    return g.value(s, p)


def sel(g: Graph, ann: URIRef, kind: URIRef) -> URIRef:
    target = g.value(ann, OA.hasTarget)
    return next(s for s in g.objects(target, OA.hasSelector) if (s, RDF.type, kind) in g)  # type: ignore[return-value]


def first_segment(g: Graph) -> URIRef:
    return sorted(g.subjects(RDF.type, DK.SegmentAnnotation))[0]  # type: ignore[return-value]


def mention(g: Graph) -> URIRef:
    return sorted(g.subjects(OA.motivatedBy, OA.identifying))[0]  # type: ignore[return-value]


def activity(g: Graph) -> URIRef:
    return next(iter(g.subjects(RDF.type, DK.LoadActivity)))  # type: ignore[return-value]


def loaded_graph(g: Graph) -> URIRef:
    return next(iter(g.subjects(DK.fingerprint, None)))  # type: ignore[return-value]


def drop(g: Graph, s: URIRef, p: URIRef) -> None:
    g.remove((s, p, None))


def put(g: Graph, s: URIRef, p: URIRef, o: object) -> None:
    g.set((s, p, o))  # type: ignore[arg-type]


E = Callable[[LoadUnit], URIRef]  # finds the expected focus node


@dataclass(frozen=True)
class Case:
    name: str
    unit: str  # which unit of the tiny archive to break
    mutate: Callable[[LoadUnit], None]
    focus: Callable[[LoadUnit], URIRef]
    path: URIRef | None
    component: str
    message: str  # a part of the expected sh:message
    whole: bool = False  # checked on the unit with its context, every focus node kept


def _doc(u: LoadUnit) -> URIRef:
    return DOC


def _cap(u: LoadUnit) -> URIRef:
    return capture(u.graph)


def _fix(u: LoadUnit) -> URIRef:
    return u.graph.value(capture(u.graph), PREMIS.fixity)  # type: ignore[return-value]


def _seg(u: LoadUnit) -> URIRef:
    return first_segment(u.graph)


def _ment(u: LoadUnit) -> URIRef:
    return mention(u.graph)


def _target(u: LoadUnit) -> URIRef:
    return mention(u.graph)


def _qsel(u: LoadUnit) -> URIRef:
    return sel(u.graph, mention(u.graph), OA.TextQuoteSelector)


def _psel(u: LoadUnit) -> URIRef:
    return sel(u.graph, mention(u.graph), OA.TextPositionSelector)


def _act(u: LoadUnit) -> URIRef:
    return activity(u.provenance)


def _lg(u: LoadUnit) -> URIRef:
    return loaded_graph(u.provenance)


def _ent(name: str) -> Callable[[LoadUnit], URIRef]:
    return lambda u: M.entity(name)


def _node(iri: URIRef) -> Callable[[LoadUnit], URIRef]:
    return lambda u: iri


def _measure(u: LoadUnit) -> URIRef:
    return M.measure("executed-count")


def _author(u: LoadUnit) -> URIRef:
    return M.author("t1")


def _bad_date(u: LoadUnit) -> None:
    put(u.graph, DOC, DCTERMS.date, Literal("1988-13-45", datatype=XSD.date))


CASES = [
    # documents
    Case("doc-identifier", "document", lambda u: drop(u.graph, DOC, DCTERMS.identifier), _doc, DCTERMS.identifier, "MinCountConstraintComponent", "exactly one identifier"),
    Case("doc-capture", "document", lambda u: drop(u.graph, DOC, DK.capture), _doc, DK.capture, "MinCountConstraintComponent", "exactly one current capture"),
    Case("doc-two-titles", "document", lambda u: u.graph.add((DOC, DCTERMS.title, Literal("Other"))), _doc, DCTERMS.title, "MaxCountConstraintComponent", "at most one non-empty title"),
    Case("doc-bad-date", "document", _bad_date, _doc, DCTERMS.date, "DatatypeConstraintComponent", "valid xsd:date"),
    Case("doc-language", "document", lambda u: put(u.graph, DOC, DCTERMS.language, Literal("English")), _doc, DCTERMS.language, "PatternConstraintComponent", "BCP 47"),
    Case("doc-datelines", "document", lambda u: [u.graph.add((DOC, DK.dateline, Literal(x))) for x in ("a", "b")], _doc, DK.dateline, "MaxCountConstraintComponent", "at most one dateline"),
    Case("doc-publishers", "document", lambda u: u.graph.add((DOC, DC.publisher, Literal("Other"))), _doc, DC.publisher, "MaxCountConstraintComponent", "at most one publisher"),
    Case("doc-url", "document", lambda u: put(u.graph, DOC, SCHEMA.url, URIRef("ftp://example.org/x")), _doc, SCHEMA.url, "PatternConstraintComponent", "http or https"),
    Case("cap-sha", "document", lambda u: put(u.graph, capture(u.graph), DK.sha256, Literal("XYZ")), _cap, DK.sha256, "PatternConstraintComponent", "64 lower-case"),
    Case("cap-size", "document", lambda u: put(u.graph, capture(u.graph), PREMIS.size, Literal(0)), _cap, PREMIS.size, "MinInclusiveConstraintComponent", "size in bytes"),
    Case("cap-format", "document", lambda u: put(u.graph, capture(u.graph), DCTERMS.format, Literal("plain")), _cap, DCTERMS.format, "PatternConstraintComponent", "media type"),
    Case("cap-original", "document", lambda u: drop(u.graph, capture(u.graph), DK.originalText), _cap, DK.originalText, "MinCountConstraintComponent", "original text"),
    Case("cap-normalized", "document", lambda u: drop(u.graph, capture(u.graph), DK.normalizedText), _cap, DK.normalizedText, "MinCountConstraintComponent", "normalized text"),
    Case("cap-normalization", "document", lambda u: drop(u.graph, capture(u.graph), DK.normalization), _cap, DK.normalization, "MinCountConstraintComponent", "names the normalization"),
    Case("cap-source-files", "document", lambda u: u.graph.add((capture(u.graph), DK.sourceFile, Literal("x.txt"))), _cap, DK.sourceFile, "MaxCountConstraintComponent", "source file name"),
    Case("cap-fixity", "document", lambda u: drop(u.graph, capture(u.graph), PREMIS.fixity), _cap, PREMIS.fixity, "MinCountConstraintComponent", "PREMIS fixity"),
    Case("fixity-algorithm-in", "document", lambda u: put(u.graph, _fix(u), PREMIS.messageDigestAlgorithm, HASH.md5), _fix, PREMIS.messageDigestAlgorithm, "InConstraintComponent", "algorithm is SHA-256"),
    Case("fixity-digest", "document", lambda u: put(u.graph, _fix(u), RDF.value, Literal("zz")), _fix, RDF.value, "PatternConstraintComponent", "digest is 64"),
    Case("fixity-disagrees", "document", lambda u: put(u.graph, _fix(u), RDF.value, Literal("0" * 64)), _cap, None, "SPARQLConstraintComponent", "disagree"),
    # annotations
    Case("ann-motivation", "annotations", lambda u: drop(u.graph, mention(u.graph), OA.motivatedBy), _ment, OA.motivatedBy, "MinCountConstraintComponent", "has a motivation"),
    Case("ann-motivation-in", "annotations", lambda u: put(u.graph, mention(u.graph), OA.motivatedBy, OA.nonsense), _ment, OA.motivatedBy, "InConstraintComponent", "has a motivation"),
    Case("ann-created", "annotations", lambda u: put(u.graph, mention(u.graph), DCTERMS.created, Literal("yesterday", datatype=XSD.date)), _ment, DCTERMS.created, "OrConstraintComponent", "valid xsd:dateTime or xsd:date"),
    Case("ann-created-twice", "annotations", lambda u: u.graph.add((mention(u.graph), DCTERMS.created, Literal("2026-01-01", datatype=XSD.date))), _ment, DCTERMS.created, "MaxCountConstraintComponent", "at most one creation time"),
    Case("ann-target", "annotations", lambda u: drop(u.graph, mention(u.graph), OA.hasTarget), _ment, OA.hasTarget, "MinCountConstraintComponent", "exactly one target"),
    Case("target-source-class", "annotations", lambda u: put(u.graph, u.graph.value(mention(u.graph), OA.hasTarget), OA.hasSource, M.document("nowhere")), lambda u: u.graph.value(mention(u.graph), OA.hasTarget), OA.hasSource, "ClassConstraintComponent", "loaded source document"),
    Case("target-no-quote", "annotations", lambda u: u.graph.remove((None, OA.hasSelector, _qsel(u))), lambda u: u.graph.value(mention(u.graph), OA.hasTarget), OA.hasSelector, "QualifiedMinCountConstraintComponent", "TextQuoteSelector"),
    Case("target-no-position", "annotations", lambda u: u.graph.remove((None, OA.hasSelector, _psel(u))), lambda u: u.graph.value(mention(u.graph), OA.hasTarget), OA.hasSelector, "QualifiedMinCountConstraintComponent", "TextPositionSelector"),
    Case("target-offsets-wrong", "annotations", lambda u: (put(u.graph, _psel(u), OA.start, Literal(0)), put(u.graph, _psel(u), OA.end, Literal(11))), lambda u: u.graph.value(mention(u.graph), OA.hasTarget), None, "SPARQLConstraintComponent", "differs from the document text"),
    Case("quote-empty", "annotations", lambda u: put(u.graph, _qsel(u), OA.exact, Literal("")), _qsel, OA.exact, "MinLengthConstraintComponent", "non-empty exact"),
    Case("quote-prefixes", "annotations", lambda u: [u.graph.add((_qsel(u), OA.prefix, Literal(x))) for x in ("a", "b")], _qsel, OA.prefix, "MaxCountConstraintComponent", "at most one prefix"),
    Case("quote-suffixes", "annotations", lambda u: [u.graph.add((_qsel(u), OA.suffix, Literal(x))) for x in ("a", "b")], _qsel, OA.suffix, "MaxCountConstraintComponent", "at most one suffix"),
    Case("position-order", "annotations", lambda u: put(u.graph, _psel(u), OA.start, Literal(500)), _psel, OA.start, "LessThanConstraintComponent", "before its end"),
    Case("mention-unbacked", "annotations", lambda u: u.graph.add((DOC, SCHEMA.mentions, M.entity("no-such-entity"))), _doc, None, "SPARQLConstraintComponent", "only where an identifying annotation", whole=True),
    Case("mention-unbacked-body", "annotations", lambda u: put(u.graph, mention(u.graph), OA.motivatedBy, OA.tagging), _doc, None, "SPARQLConstraintComponent", "only where an identifying annotation", whole=True),
    Case("mention-unknown-entity", "annotations", lambda u: put(u.graph, mention(u.graph), OA.hasBody, M.entity("nosuch")), _ment, OA.hasBody, "SPARQLConstraintComponent", "names an entity of the registry"),
    Case("position-end", "annotations", lambda u: put(u.graph, _psel(u), OA.end, Literal(0)), _psel, OA.end, "MinInclusiveConstraintComponent", "one end offset"),
    # segments
    Case("segment-body", "document", lambda u: put(u.graph, first_segment(u.graph), OA.hasBody, DK.Person), _seg, OA.hasBody, "ClassConstraintComponent", "segment-kind scheme"),
    Case("segment-motivation", "document", lambda u: put(u.graph, first_segment(u.graph), OA.motivatedBy, OA.commenting), _seg, OA.motivatedBy, "HasValueConstraintComponent", "classifies its span"),
    # provenance
    Case("prov-start", "document", lambda u: drop(u.provenance, activity(u.provenance), PROV.startedAtTime), _act, PROV.startedAtTime, "MinCountConstraintComponent", "start time"),
    Case("prov-agent", "document", lambda u: drop(u.provenance, activity(u.provenance), PROV.wasAssociatedWith), _act, PROV.wasAssociatedWith, "MinCountConstraintComponent", "names the agent"),
    Case("prov-version", "document", lambda u: drop(u.provenance, activity(u.provenance), DK.loaderVersion), _act, DK.loaderVersion, "MinCountConstraintComponent", "loader's version"),
    Case("prov-input", "document", lambda u: put(u.provenance, activity(u.provenance), DK.inputSha256, Literal("x")), _act, DK.inputSha256, "PatternConstraintComponent", "SHA-256 of each input"),
    Case("prov-fingerprint", "document", lambda u: put(u.provenance, loaded_graph(u.provenance), DK.fingerprint, Literal("x")), _lg, DK.fingerprint, "PatternConstraintComponent", "exactly one fingerprint"),
    Case("prov-generated", "document", lambda u: drop(u.provenance, loaded_graph(u.provenance), PROV.wasGeneratedBy), _lg, PROV.wasGeneratedBy, "MinCountConstraintComponent", "exactly one load activity"),
    # registry
    Case("entity-label", "registry", lambda u: drop(u.graph, M.entity("evin"), SKOS.prefLabel), _ent("evin"), SKOS.prefLabel, "MinCountConstraintComponent", "has a preferred label"),
    Case("entity-two-types", "registry", lambda u: u.graph.add((M.entity("evin"), RDF.type, DK.Event)), _ent("evin"), RDF.type, "QualifiedMaxCountConstraintComponent", "exactly one of the types"),
    Case("entity-alias", "registry", lambda u: u.graph.add((M.entity("evin"), SKOS.altLabel, Literal(7))), _ent("evin"), SKOS.altLabel, "OrConstraintComponent", "aliases are strings"),
    Case("entity-same-as", "registry", lambda u: u.graph.add((M.entity("evin"), OWL.sameAs, URIRef("http://example.org/evin"))), _ent("evin"), OWL.sameAs, "PatternConstraintComponent", "only to Wikidata"),
    Case("concept-label", "registry", lambda u: drop(u.graph, M.measure("executed-count"), SKOS.prefLabel), _measure, SKOS.prefLabel, "MinCountConstraintComponent", "concept has a preferred label"),
    Case("concept-scheme", "registry", lambda u: drop(u.graph, M.measure("executed-count"), SKOS.inScheme), _measure, SKOS.inScheme, "MinCountConstraintComponent", "belongs to a concept scheme"),
    Case("author-label", "annotations", lambda u: (u.graph.add((M.author("t1"), RDF.type, DK.UnidentifiedAuthor)), drop(u.graph, M.author("t1"), SKOS.prefLabel)), _author, SKOS.prefLabel, "MinCountConstraintComponent", "unidentified author has a label"),
    # claims
    Case("claim-claimant", "annotations", lambda u: drop(u.graph, CLAIM, DK.claimant), _node(CLAIM), DK.claimant, "MinCountConstraintComponent", "exactly one claimant"),
    Case("claim-claimant-class", "annotations", lambda u: put(u.graph, CLAIM, DK.claimant, M.entity("massacre")), _node(CLAIM), DK.claimant, "ClassConstraintComponent", "exactly one claimant"),
    Case("claim-document", "annotations", lambda u: drop(u.graph, CLAIM, DK.statedIn), _node(CLAIM), DK.statedIn, "MinCountConstraintComponent", "claim is stated in exactly one"),
    Case("claim-evidence", "annotations", lambda u: drop(u.graph, CLAIM, DK.evidence), _node(CLAIM), DK.evidence, "MinCountConstraintComponent", "at least one evidence"),
    Case("claim-rank", "annotations", lambda u: put(u.graph, CLAIM, DK.rank, DK.Person), _node(CLAIM), DK.rank, "InConstraintComponent", "exactly one rank"),
    Case("claim-evidence-elsewhere", "annotations", lambda u: (put(u.graph, CLAIM, DK.statedIn, M.document("other")), u.context.add((M.document("other"), RDF.type, DK.SourceDocument))), _node(CLAIM), None, "SPARQLConstraintComponent", "targets a document other"),
    Case("quantity-about", "annotations", lambda u: drop(u.graph, CLAIM, DK.about), _node(CLAIM), DK.about, "MinCountConstraintComponent", "about exactly one registry entity"),
    Case("quantity-measure", "annotations", lambda u: drop(u.graph, CLAIM, DK.measure), _node(CLAIM), DK.measure, "MinCountConstraintComponent", "exactly one measure"),
    Case("quantity-qualifier", "annotations", lambda u: put(u.graph, CLAIM, DK.qualifier, DK.Person), _node(CLAIM), DK.qualifier, "InConstraintComponent", "exactly one qualifier"),
    Case("quantity-value-type", "annotations", lambda u: put(u.graph, CLAIM, SCHEMA.value, Literal("many")), _node(CLAIM), SCHEMA.value, "OrConstraintComponent", "at most one numeric value"),
    Case("quantity-range-order", "annotations", lambda u: (drop(u.graph, CLAIM, SCHEMA.value), put(u.graph, CLAIM, DK.qualifier, DK.Range), put(u.graph, CLAIM, SCHEMA.minValue, Literal(5000)), put(u.graph, CLAIM, SCHEMA.maxValue, Literal(2800))), _node(CLAIM), SCHEMA.minValue, "LessThanOrEqualsConstraintComponent", "not above its upper bound"),
    Case("quantity-two-max", "annotations", lambda u: (drop(u.graph, CLAIM, SCHEMA.value), put(u.graph, CLAIM, DK.qualifier, DK.Range), put(u.graph, CLAIM, SCHEMA.minValue, Literal(1)), u.graph.add((CLAIM, SCHEMA.maxValue, Literal(2))), u.graph.add((CLAIM, SCHEMA.maxValue, Literal(3)))), _node(CLAIM), SCHEMA.maxValue, "MaxCountConstraintComponent", "at most one upper bound"),
    Case("quantity-value-and-range", "annotations", lambda u: put(u.graph, CLAIM, SCHEMA.minValue, Literal(1)), _node(CLAIM), None, "XoneConstraintComponent", "either a value"),
    Case("relation-subject", "annotations", lambda u: drop(u.graph, RELATION, RDF.subject), _node(RELATION), RDF.subject, "MinCountConstraintComponent", "one subject entity"),
    Case("relation-predicate", "annotations", lambda u: put(u.graph, RELATION, RDF.predicate, DK.capture), _node(RELATION), RDF.predicate, "InConstraintComponent", "one of Dadkhah's relations"),
    Case("relation-object", "annotations", lambda u: drop(u.graph, RELATION, RDF.object), _node(RELATION), RDF.object, "MinCountConstraintComponent", "one object entity"),
    Case("quote-speaker", "annotations", lambda u: drop(u.graph, QUOTE, DK.speaker), _node(QUOTE), DK.speaker, "MinCountConstraintComponent", "exactly one speaker"),
    Case("quote-words", "annotations", lambda u: drop(u.graph, QUOTE, SCHEMA.text), _node(QUOTE), SCHEMA.text, "MinCountConstraintComponent", "has its words"),
    Case("quote-document", "annotations", lambda u: drop(u.graph, QUOTE, DK.statedIn), _node(QUOTE), DK.statedIn, "MinCountConstraintComponent", "quote is stated in"),
    Case("quote-evidence", "annotations", lambda u: drop(u.graph, QUOTE, DK.evidence), _node(QUOTE), DK.evidence, "MinCountConstraintComponent", "quote has at least one evidence"),
    Case("quote-words-differ", "annotations", lambda u: put(u.graph, QUOTE, SCHEMA.text, Literal("other words")), _node(QUOTE), None, "SPARQLConstraintComponent", "words differ"),
]  # fmt: skip


MENTION_MESSAGE = "only where an identifying annotation"


def check(unit: LoadUnit, engine: str, *, whole: bool = False) -> None:
    """The load's check, or with ``whole`` every result on the unit and its context: the
    shape that holds a document's ``schema:mentions`` links to their annotations has the
    document for focus, which an annotation file refers to but does not describe, so a
    load, which reports only the nodes a unit describes, never sees it; a store or a dump
    checked against the published shapes does."""
    if not whole:
        check_unit(unit, engine)
        return
    found = violations(unit_data(unit), engine)
    if found:
        raise ShapeViolation(unit.source, found)


@pytest.mark.parametrize("engine", ENGINES)
def test_every_mentions_link_of_the_tiny_archive_is_backed(pristine: Units, engine: str) -> None:
    unit = fresh(pristine, "annotations")
    assert any(unit.graph.triples((DOC, SCHEMA.mentions, None)))
    found = violations(unit_data(unit), engine)
    assert [v for v in found if MENTION_MESSAGE in v.message] == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("kind", ["document", "registry", "annotations"])
def test_the_tiny_archive_conforms(pristine: Units, kind: str, engine: str) -> None:
    check_unit(fresh(pristine, kind), engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_constraint_fires(pristine: Units, case: Case, engine: str) -> None:
    unit = fresh(pristine, case.unit)
    focus = str(case.focus(unit))
    case.mutate(unit)
    with pytest.raises(ShapeViolation) as info:
        check(unit, engine, whole=case.whole)
    path = f"<{case.path}>" if case.path is not None else None
    fired = {(v.focus, v.path, v.component) for v in info.value.violations}
    assert (focus, path, case.component) in fired, fired
    messages = [v.message for v in info.value.violations if v.focus == focus]
    assert any(case.message in m for m in messages), messages


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_engines_agree(pristine: Units, case: Case) -> None:
    """The compiled engine reports exactly pySHACL's (focus, path, component) results."""
    found = {}
    for engine in ENGINES:
        unit = fresh(pristine, case.unit)
        case.mutate(unit)
        with pytest.raises(ShapeViolation) as info:
            check(unit, engine, whole=case.whole)
        found[engine] = {(v.focus, v.path, v.component) for v in info.value.violations}
    assert found["shacl"] == found["pyshacl"]


def test_every_stated_constraint_has_a_failing_example() -> None:
    shapes = Graph()
    for path in shape_files():
        shapes.parse(path)
    stated = {str(m) for m in shapes.objects(None, SH.message)}
    assert len(stated) > 40
    covered = {m for m in stated if any(c.message in m for c in CASES)}
    assert stated - covered == set()


def test_the_case_list_covers_every_shape_file() -> None:
    names = {p.name for p in shape_files()}
    assert names == {
        "annotations.ttl",
        "claims.ttl",
        "documents.ttl",
        "entities.ttl",
        "provenance.ttl",
    }
