"""The endpoint describes itself: SPARQL service description, VoID with statistics, the
ontology and shapes as documents, example queries with prefixes, and CORS for reads.

- ``GET /sparql`` without a query: an ``sd:Service`` whose ``sd:endpoint`` is the URL asked.
- ``GET /.well-known/void``: a ``void:Dataset`` with counts and class/property partitions,
  computed by Oxigraph and cached for ``STATS_TTL_S`` seconds (they cost one scan each).
- ``GET /ontology`` and ``GET /shapes``: the Turtle modules merged, content-negotiated.
- ``GET /sparql/examples``: JSON of prefixes and named example queries, for editors.

CORS: every response allows any origin without credentials; a preflight admits GET, HEAD and
POST with ``Accept`` and ``Content-Type`` only, never ``Authorization``, so cross-origin pages
can query but not write.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from dadkhah.errors import QueryError
from dadkhah.namespaces import ONTOLOGY_IRI, PREFIXES, SD, bind_prefixes
from dadkhah.resources import ontology_files, shape_files

from . import conneg
from .state import settings_of, store_of

bp = Blueprint("describe", __name__)

FORMATS = Namespace("http://www.w3.org/ns/formats/")
STATS_TTL_S = 60.0
RESULT_FORMAT_IRIS = (
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "RDF_XML",
    "JSON-LD",
)

EXAMPLES: list[dict[str, str]] = [
    {
        "name": "documents",
        "description": "Every source document with its title",
        "query": "SELECT ?doc ?title WHERE {\n  ?doc a dk:SourceDocument .\n"
        "  OPTIONAL { ?doc dcterms:title ?title }\n} ORDER BY ?title",
    },
    {
        "name": "claims-by-document",
        "description": "How many claims each document states",
        "query": "SELECT ?doc (COUNT(?claim) AS ?claims) WHERE {\n"
        "  ?claim a dk:Claim ; dk:statedIn ?doc .\n} GROUP BY ?doc ORDER BY DESC(?claims)",
    },
    {
        "name": "classes",
        "description": "Classes in use and how many instances each has",
        "query": "SELECT ?class (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?class }\n"
        "GROUP BY ?class ORDER BY DESC(?n)",
    },
    {
        "name": "graphs",
        "description": "Named graphs (one per loaded unit) and their sizes",
        "query": "SELECT ?g (COUNT(*) AS ?triples) WHERE { GRAPH ?g { ?s ?p ?o } }\n"
        "GROUP BY ?g ORDER BY DESC(?triples)",
    },
    {
        "name": "describe-a-document",
        "description": "Everything said about one document",
        "query": "CONSTRUCT { ?doc ?p ?o } WHERE {\n"
        "  { SELECT ?doc WHERE { ?doc a dk:SourceDocument } LIMIT 1 }\n  ?doc ?p ?o\n}",
    },
]


def _prologue() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def _rdf_response(graph: Graph, *, default: str = "turtle") -> Response:
    name = conneg.negotiate(
        conneg.GRAPH_FORMATS,
        request.accept_mimetypes,
        request.args.get("format"),
        default=default,
        allowed=conneg.TRIPLE_FORMATS,
    )
    if name is None:
        raise _NotAcceptable("no acceptable RDF format: try text/turtle or application/ld+json")
    return _serialized(graph, name)


def _serialized(graph: Graph, name: str) -> Response:
    rdflib_name = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}
    fmt = conneg.GRAPH_FORMATS[name][0]
    body = graph.serialize(format=rdflib_name[name], encoding="utf-8")
    response = Response(body, content_type=fmt.media_type)
    response.vary.add("Accept")
    return response


class _NotAcceptable(QueryError):
    status = 406


# ---------------------------------------------------------------------- statistics


_stats_lock = threading.Lock()


def statistics() -> dict[str, Any]:
    """Counts over the union graph, recomputed at most every ``STATS_TTL_S`` seconds."""
    cache: dict[str, Any] = current_app.extensions.setdefault("dadkhah.stats", {})
    with _stats_lock:
        if cache and time.monotonic() - cache["at"] < STATS_TTL_S:
            return cache
        store = store_of(current_app)
        totals = store.select(
            "SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) "
            "(COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?objects) "
            "WHERE { ?s ?p ?o }"
        )[0]
        classes = store.select(
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
        )
        properties = store.select(
            "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
        )
        graphs = store.select("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { } }")
        cache.clear()
        cache.update(
            at=time.monotonic(),
            totals=totals,
            classes=[(r["c"], r["n"]) for r in classes],
            properties=[(r["p"], r["n"]) for r in properties],
            graphs=graphs[0]["n"],
        )
        return cache


# ---------------------------------------------------------------------- service description


def service_description() -> Response:
    settings = settings_of(current_app)
    endpoint = URIRef(request.base_url)
    root = request.url_root
    g = bind_prefixes(Graph())
    g.add((endpoint, RDF.type, SD.Service))
    g.add((endpoint, SD.endpoint, endpoint))
    g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((endpoint, SD.supportedLanguage, SD.SPARQL11Update))
    for name in RESULT_FORMAT_IRIS:
        g.add((endpoint, SD.resultFormat, FORMATS[name]))
    if settings.union_default_graph:
        g.add((endpoint, SD.feature, SD.UnionDefaultGraph))
    if settings.allow_service:
        g.add((endpoint, SD.feature, SD.BasicFederatedQuery))
    # The count is of quads: each graph's triples counted in it. It is no count of the
    # union default graph, which holds once a triple several graphs state, and counting
    # that graph's distinct triples takes minutes on a large store (125 s for 8.1 million
    # quads), so the count is given for the dataset and says what it counts.
    quads = statistics()["totals"]["triples"]
    dataset, default = BNode(), BNode()
    g.add((endpoint, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((dataset, VOID.triples, Literal(quads, datatype=XSD.integer)))
    merged = (
        "the default graph is their union, which holds a triple that several graphs state "
        "once; SELECT over it sees such a triple once per graph (use DISTINCT or GRAPH ?g)"
        if settings.union_default_graph
        else "the default graph is the store's own"
    )
    g.add(
        (
            dataset,
            DCTERMS.description,
            Literal(f"{quads} triples counted in their named graphs, one per quad; {merged}"),
        )
    )
    g.add(
        (
            endpoint,
            DCTERMS.description,
            Literal(
                "Dadkhah: documents on the 1988 mass executions in Iran, with their claims and "
                f"evidence. Queries are stopped after {settings.query_timeout:g} s. "
                f"Dataset statistics: {root}.well-known/void"
            ),
        )
    )
    return _rdf_response(g)


@bp.route("/.well-known/void")
def void() -> Response:
    settings = settings_of(current_app)
    root = request.url_root
    stats = statistics()
    g = bind_prefixes(Graph())
    ds = URIRef(f"{root}.well-known/void#dataset")
    totals = stats["totals"]

    def count(subject: URIRef | BNode, prop: URIRef, value: int) -> None:
        g.add((subject, prop, Literal(int(value), datatype=XSD.integer)))

    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal("Dadkhah", lang="en")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(f"{root}sparql")))
    g.add((ds, VOID.dataDump, URIRef(f"{root}rdf-graphs")))
    g.add((ds, VOID.uriSpace, Literal(settings.base_iri)))
    g.add((ds, VOID.vocabulary, URIRef(ONTOLOGY_IRI + "#")))
    count(ds, VOID.triples, totals["triples"])
    count(ds, VOID.distinctSubjects, totals["subjects"])
    count(ds, VOID.distinctObjects, totals["objects"])
    count(ds, VOID.properties, totals["properties"])
    count(ds, VOID.classes, len(stats["classes"]))
    g.add((ds, DCTERMS.description, Literal(f"{stats['graphs']} named graphs")))
    for cls, n in stats["classes"]:
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        count(part, VOID.entities, n)
    for prop, n in stats["properties"]:
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        count(part, VOID.triples, n)
    return _rdf_response(g)


# ---------------------------------------------------------------------- documents


@lru_cache(maxsize=2)
def _merged(kind: str) -> Graph:
    g = bind_prefixes(Graph())
    files = ontology_files() if kind == "ontology" else shape_files()
    for path in files:
        g.parse(path, format="turtle")
    return g


@bp.route("/ontology")
def ontology() -> Response:
    return _rdf_response(_merged("ontology"))


@bp.route("/shapes")
def shapes() -> Response:
    return _rdf_response(_merged("shapes"))


@bp.route("/sparql/examples")
def examples() -> Response:
    prologue = _prologue()
    return jsonify(
        {
            "endpoint": f"{request.url_root}sparql",
            "prefixes": PREFIXES,
            "examples": [{**e, "query": prologue + e["query"]} for e in EXAMPLES],
        }
    )


# ---------------------------------------------------------------------- CORS


def init_app(app: Flask) -> None:
    @app.after_request
    def _cors(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "Content-Type, Location, Retry-After"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
        return response
