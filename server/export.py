"""Dumps over HTTP, the VoID + DCAT description that lists them, and the alignment file.

- ``GET /dumps``: a page listing every dump.
- ``GET /dumps/dadkhah.{ttl,nt,rdf,trig,nq,jsonld}[.gz]``: the output of ``dadkhah export``
  (``dadkhah.export``), byte for byte, optionally scoped with ``?graph=``, ``?document=`` or
  ``?entity=`` (an IRI or, for documents and entities, an id; a value that makes no IRI is
  400, one the store does not hold 404). Streamed graph by graph. A
  ``.gz`` name is a gzip file (``application/gzip``, as archives store it); otherwise a
  client sending ``Accept-Encoding: gzip`` gets the same bytes with ``Content-Encoding``.
- ``GET /void``: VoID and DCAT for the dataset, its dumps and the SPARQL endpoint. (The
  endpoint's own statistics are at ``/.well-known/void``, served by ``server.describe``.)
- ``GET /ontology/alignment.ttl``: mappings of Dadkhah terms to schema.org, CIDOC-CRM, RiC-O.
- ``GET {base path}document/ID/annotations``: the annotations made on a document as a W3C
  Web Annotation ``AnnotationCollection`` (``dadkhah.webannotations``), the bytes of
  ``dadkhah annotations ID``; its IRI is the document's IRI and ``/annotations``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    stream_with_context,
)
from flask.blueprints import BlueprintSetupState

from dadkhah import export as dumps
from dadkhah import webannotations
from dadkhah.iris import is_valid_id
from dadkhah.namespaces import ONTOLOGY_IRI
from dadkhah.resources import ontology_dir

from . import conneg, stats
from .description import serialize
from .labels import base_iri, base_path
from .state import store_of

bp = Blueprint("export", __name__)

BY_SUFFIX = {suffix: name for name, suffix in dumps.SUFFIXES.items()}
LISTED = ("trig", "nquads", "jsonld", "turtle", "ntriples")
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
IANA = "https://www.iana.org/assignments/media-types/"
VOCABULARIES = (
    ONTOLOGY_IRI + "#", "http://www.w3.org/ns/oa#", "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2004/02/skos/core#", "https://schema.org/", "http://purl.org/dc/terms/",
    "http://www.loc.gov/premis/rdf/v3/",
)  # fmt: skip


def scope_from_request() -> dumps.Scope:
    args = request.args
    graph, document, entity = args.get("graph"), args.get("document"), args.get("entity")
    if sum(x is not None for x in (graph, document, entity)) > 1:
        abort(400, "give at most one of graph, document, entity")
    given = {"graph": graph, "document": document, "entity": entity}
    iris: dict[str, str | None] = {}
    for kind, value in given.items():
        try:
            iris[kind] = dumps.scope_iri(kind, value, base_iri()) if value else None
        except ValueError as err:
            abort(400, f"{kind}: {err}")
    return dumps.Scope(graph=iris["graph"], document=iris["document"], entity=iris["entity"])


def _check(scope: dumps.Scope) -> None:
    """Refuse an unknown scope before the first byte is sent (a stream cannot turn into 404)."""
    store = store_of(current_app)
    if scope.graph and not store.graph_exists(scope.graph):
        abort(404, f"no named graph {scope.graph}")
    if scope.document and not dumps.document_graphs(store, scope.document):
        abort(404, f"no document {scope.document}")
    if scope.entity and not dumps.exists(store, scope.entity):
        abort(404, f"no entity {scope.entity}")


@bp.route("/dumps/dadkhah.<path:name>")
def dump(name: str) -> Response:
    gz = name.endswith(".gz")
    fmt = BY_SUFFIX.get(name.removesuffix(".gz"))
    if fmt is None:
        abort(404, f"no dump named dadkhah.{name}; see /dumps")
    scope = scope_from_request()
    _check(scope)
    store = store_of(current_app)
    body: Iterator[bytes] = dumps.chunks(store, fmt, scope)
    filename = f"dadkhah.{name}"
    if gz:
        response = Response(
            stream_with_context(dumps.gzip_chunks(body)), content_type="application/gzip"
        )
    elif request.accept_encodings["gzip"] > 0:
        response = Response(
            stream_with_context(dumps.gzip_chunks(body)), content_type=dumps.MEDIA_TYPES[fmt]
        )
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(stream_with_context(body), content_type=dumps.MEDIA_TYPES[fmt])
    response.vary.add("Accept-Encoding")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@bp.record_once
def _add_annotations_route(state: BlueprintSetupState) -> None:
    base = state.app.config["DADKHAH"].base_iri
    if base.endswith("/"):  # under the base path, so the collection's IRI dereferences
        path = base_path(base) + "document/<doc_id>/annotations"
        state.add_url_rule(path, "annotations", annotation_collection)


def annotation_collection(doc_id: str) -> Response:
    document = f"{base_iri()}document/{doc_id}"
    try:
        if not is_valid_id(doc_id):
            raise webannotations.NoSuchDocument(doc_id)
        body = webannotations.collection_bytes(
            store_of(current_app), document, webannotations.collection_iri(document)
        )
    except webannotations.NoSuchDocument:
        abort(404, f"no document {document}")
    response = make_response(body)
    response.headers["Content-Type"] = webannotations.MEDIA_TYPE
    response.headers["Content-Disposition"] = f'inline; filename="{doc_id}.annotations.jsonld"'
    response.add_etag()
    response.make_conditional(request)
    return response


@bp.route("/dumps")
@bp.route("/dumps/")
def listing() -> str:
    files = [(f"dadkhah.{dumps.SUFFIXES[f]}", dumps.MEDIA_TYPES[f], f) for f in LISTED]
    return render_template("dumps.html", files=files)


@bp.route("/ontology/alignment.ttl")
def alignment() -> Response:
    data = (ontology_dir() / "alignment.ttl").read_bytes()
    return Response(data, content_type="text/turtle; charset=utf-8")


# ---------------------------------------------------------------------- VoID and DCAT


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def void_quads(root: str) -> list[ox.Quad]:
    """VoID and DCAT for the dataset, every dump (plain and gzip) and the endpoint."""
    store = store_of(current_app)
    ds, service = _n(root + "void#dataset"), _n(root + "void#sparql")
    out: list[tuple[ox.NamedNode, str, ox.NamedNode | ox.Literal]] = []

    def add(s: ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        out.append((s, p, o))

    add(ds, RDF_TYPE, _n(VOID + "Dataset"))
    add(ds, RDF_TYPE, _n(DCAT + "Dataset"))
    add(ds, DCT + "title", ox.Literal("Dadkhah", language="en"))
    add(ds, DCT + "description", ox.Literal(
        "Documents on the 1988 mass executions of political prisoners in Iran, with the "
        "entities they name and the claims, quotes and relations they contain, each anchored "
        "to quoted words of a hashed source; assertions and their provenance in separate "
        "named graphs.", language="en"))  # fmt: skip
    add(ds, DCAT + "landingPage", _n(root))
    add(ds, VOID + "uriSpace", ox.Literal(base_iri()))
    add(ds, VOID + "sparqlEndpoint", _n(root + "sparql"))
    add(ds, VOID + "rootResource", _n(root))
    for vocabulary in VOCABULARIES:
        add(ds, VOID + "vocabulary", _n(vocabulary))
    add(ds, DCT + "conformsTo", _n(ONTOLOGY_IRI))
    counted = stats.statistics_of(current_app).current()  # none yet: left out
    if counted is not None:
        integer = _n("http://www.w3.org/2001/XMLSchema#integer")
        add(ds, VOID + "triples", ox.Literal(str(counted.values["triples"]), datatype=integer))
    example = store.select("SELECT ?e WHERE { ?e a dk:Event } ORDER BY ?e LIMIT 1")
    if example:
        add(ds, VOID + "exampleResource", _n(example[0]["e"]))
    for fmt in LISTED:
        for gz in (False, True):
            name = f"dadkhah.{dumps.SUFFIXES[fmt]}" + (".gz" if gz else "")
            url = _n(f"{root}dumps/{name}")
            media = dumps.MEDIA_TYPES[fmt]
            dist = _n(f"{root}void#{name}")
            add(ds, VOID + "dataDump", url)
            add(ds, DCAT + "distribution", dist)
            add(dist, RDF_TYPE, _n(DCAT + "Distribution"))
            add(dist, DCAT + "downloadURL", url)
            add(dist, DCAT + "mediaType", _n(IANA + media))
            add(dist, DCT + "format", ox.Literal(media))
            add(dist, DCT + "title", ox.Literal(
                ("all named graphs" if fmt in dumps.DATASET_FORMATS else "union graph")
                + f", {media}" + (", gzip" if gz else ""), language="en"))  # fmt: skip
            if gz:
                add(dist, DCAT + "compressFormat", _n(IANA + "application/gzip"))
    add(service, RDF_TYPE, _n(DCAT + "DataService"))
    add(service, DCAT + "endpointURL", _n(root + "sparql"))
    add(service, DCAT + "servesDataset", ds)
    add(service, DCT + "conformsTo", _n("https://www.w3.org/TR/sparql11-protocol/"))
    add(ds, DCT + "relation", _n(root + "ontology/alignment.ttl"))
    return [ox.Quad(s, _n(p), o, ox.DefaultGraph()) for s, p, o in out]


@bp.route("/void")
def void() -> Response:
    name = conneg.negotiate(
        conneg.GRAPH_FORMATS, request.accept_mimetypes, request.args.get("format"),
        default="turtle", allowed=conneg.TRIPLE_FORMATS,
    )  # fmt: skip
    if name is None:
        abort(406, "VoID is offered as text/turtle, application/ld+json, N-Triples, RDF/XML")
    body = serialize(void_quads(request.url_root), name)
    response = Response(body, content_type=conneg.GRAPH_FORMATS[name][0].media_type)
    response.vary.add("Accept")
    return response
