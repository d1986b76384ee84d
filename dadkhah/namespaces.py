"""Every vocabulary Dadkhah writes, defined once.

``DK`` is closed: a misspelt term raises ``AttributeError`` instead of minting a new IRI, and
a test compares its members with the terms declared in ``ontology/*.ttl`` in both directions.
``bind_prefixes`` gives every graph, page and export the same prefixes.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    OWL,
    PROV,
    RDF,
    RDFS,
    SH,
    SKOS,
    VOID,
    XSD,
    DefinedNamespace,
)

ONTOLOGY_IRI = "https://dadkhah.example/ns"


class DK(DefinedNamespace):
    """The Dadkhah ontology (``ontology/*.ttl``)."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # documents
    SourceDocument: URIRef
    Capture: URIRef
    LoadActivity: URIRef
    SegmentAnnotation: URIRef
    capture: URIRef
    sha256: URIRef
    originalText: URIRef
    normalizedText: URIRef
    normalization: URIRef
    sourceFile: URIRef
    dateline: URIRef
    statedPublisher: URIRef
    loaderVersion: URIRef
    inputSha256: URIRef
    fingerprint: URIRef
    # entities
    Entity: URIRef
    Person: URIRef
    Organization: URIRef
    Place: URIRef
    Event: URIRef
    Work: URIRef
    UnidentifiedAuthor: URIRef
    transliteration: URIRef
    pejorativeLabel: URIRef
    memberOf: URIRef
    affiliatedWith: URIRef
    partOf: URIRef
    issued: URIRef
    ordered: URIRef
    perpetratorOf: URIRef
    victimOf: URIRef
    condemned: URIRef
    investigated: URIRef
    tookPlaceAt: URIRef
    locatedIn: URIRef
    # claims
    Claim: URIRef
    QuantityClaim: URIRef
    RelationClaim: URIRef
    Quote: URIRef
    Rank: URIRef
    PreferredRank: URIRef
    NormalRank: URIRef
    DeprecatedRank: URIRef
    claimant: URIRef
    statedIn: URIRef
    evidence: URIRef
    about: URIRef
    measure: URIRef
    qualifier: URIRef
    rank: URIRef
    speaker: URIRef
    # concept schemes
    isArtefact: URIRef
    SegmentKinds: URIRef
    TitleSegment: URIRef
    DatelineSegment: URIRef
    BylineSegment: URIRef
    AdBannerSegment: URIRef
    NavigationSegment: URIRef
    BreadcrumbSegment: URIRef
    DuplicateSegment: URIRef
    LinkMarkupSegment: URIRef
    BoilerplateSegment: URIRef
    FillerSegment: URIRef
    Qualifiers: URIRef
    Exactly: URIRef
    Approximately: URIRef
    MoreThan: URIRef
    AtLeast: URIRef
    FewerThan: URIRef
    AtMost: URIRef
    Range: URIRef
    evidencing: URIRef


OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
PREMIS = Namespace("http://www.loc.gov/premis/rdf/v3/")
HASH = Namespace("http://id.loc.gov/vocabulary/preservation/cryptographicHashFunctions/")
AS = Namespace("https://www.w3.org/ns/activitystreams#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

PREFIXES: dict[str, str] = {
    "dk": str(DK),
    "oa": str(OA),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "schema": str(SCHEMA),
    "skos": str(SKOS),
    "premis": str(PREMIS),
    "hash": str(HASH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
    "void": str(VOID),
    "dcat": str(DCAT),
    "sd": str(SD),
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind Dadkhah's prefixes on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def sparql_prologue() -> str:
    """PREFIX lines for every prefix above, for queries written in Python."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
