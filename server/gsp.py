"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/rdf-graphs``.

Graphs are named indirectly (``/rdf-graphs?graph=IRI``, ``/rdf-graphs?default``) or directly
by the request URL (``/rdf-graphs/some/path`` is the graph ``<http://host/rdf-graphs/some/path>``).
The store URL itself answers GET with the whole dataset (TriG or N-Quads) and POST by creating
a new graph under ``/rdf-graphs/`` (201 with ``Location``).

GET and HEAD are open. PUT, POST and DELETE go through ``writes``: token, lock, validation of
the graph's new content with the loaders' shapes, one transaction. PUT answers 201 when it
created the graph, 204 when it replaced one; POST merges; DELETE of a missing graph is 404.
"""

from __future__ import annotations

import codecs
import io
import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import FileStorage

from dadkhah.errors import NotFound, QueryError
from dadkhah.export import to_bytes
from dadkhah.namespaces import PREFIXES
from dadkhah.store import GraphName, Store

from . import conneg, engine, limits, writes
from .sparql import UnsupportedMediaType
from .state import store_of

bp = Blueprint("gsp", __name__)

METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
_STORE = object()  # the request names the graph store itself, not one graph


class NotAcceptable(QueryError):
    status = 406


def _checked_iri(iri: str, named_by: str) -> str:
    """The IRI, or a 400 when it has no scheme or holds a character no IRI may hold (it is
    written into SPARQL, where such a character made a syntax error or worse)."""
    if ":" not in iri or any(c in iri for c in ' <>"{}|^`\\'):
        raise QueryError(f"{named_by} needs an absolute IRI, got {iri!r}")
    return iri


def _target() -> GraphName | object:
    direct = request.view_args.get("path") if request.view_args else None
    indirect = [k for k in ("graph", "default") if k in request.args]
    if direct is not None:
        if indirect:
            raise QueryError("a graph named by the URL takes no ?graph= or ?default")
        # Werkzeug decodes the path and quotes only some characters again (a space, not >)
        return _checked_iri(request.base_url, "a graph named by the URL")
    if len(indirect) == 2 or len(request.args.getlist("graph")) > 1:
        raise QueryError("name one graph: either ?graph=IRI or ?default")
    if "default" in request.args:
        return None
    if "graph" in request.args:
        return _checked_iri(request.args["graph"], "?graph=")
    return _STORE


def _parse(data: bytes, media_type: str, base_iri: str) -> list[ox.Triple]:
    name = conneg.format_named(conneg.GRAPH_FORMATS, media_type)
    if name is None or name not in conneg.TRIPLE_FORMATS:
        raise UnsupportedMediaType(
            f"send a graph as Turtle, N-Triples, RDF/XML or JSON-LD, not {media_type or 'nothing'}"
        )
    # a byte-order mark, as Windows editors write one, is no triple: Oxigraph's Turtle and
    # N-Triples parsers refuse it where its JSON-LD and RDF/XML parsers skip it
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        quads = ox.parse(data, conneg.GRAPH_FORMATS[name][1], base_iri=base_iri)
        return [q.triple for q in quads]
    except SyntaxError as err:
        raise QueryError(f"the {name} payload does not parse: {err}") from None


def _payload(base_iri: str) -> list[ox.Triple]:
    """The triples a PUT or POST carries (a plain body, or every part of a multipart form)."""
    if request.mimetype == "multipart/form-data":
        parts: list[FileStorage] = [f for key in request.files for f in request.files.getlist(key)]
        if not parts:
            raise QueryError("the multipart/form-data body holds no file")
        triples: list[ox.Triple] = []
        for part in parts:
            triples += _parse(part.read(), part.mimetype or "", base_iri)
        return triples
    return _parse(request.get_data(), request.mimetype or "", base_iri)


def _graph_response(store: Store, graph: GraphName) -> Response:
    name = conneg.negotiate(
        conneg.GRAPH_FORMATS,
        request.accept_mimetypes,
        request.args.get("format"),
        default="turtle",
        allowed=conneg.TRIPLE_FORMATS,
    )
    if name is None:
        raise NotAcceptable("no acceptable RDF format: try text/turtle or application/n-triples")
    if not store.graph_exists(graph):
        raise NotFound(f"no graph <{graph}> in this store")
    # HEAD serializes too: its Content-Length must be GET's (RFC 9110 8.6), and one graph
    # costs what GET costs; Werkzeug leaves the body out.
    body = to_bytes(store.graph_triples(graph), conneg.GRAPH_FORMATS[name][1], dict(PREFIXES))
    response = Response(body, content_type=engine.media_type_for(name))
    response.vary.add("Accept")
    return response


def _dataset_response(store: Store, head: bool) -> Response:
    name = conneg.negotiate(
        conneg.GRAPH_FORMATS,
        request.accept_mimetypes,
        request.args.get("format"),
        default="trig",
        allowed=("trig", "nquads"),
    )
    if name is None:
        raise NotAcceptable("the whole store comes as application/trig or application/n-quads")
    if head:
        # The whole store's length is known only by dumping it: an iterable body makes
        # Werkzeug send no Content-Length rather than a wrong one (RFC 9110 8.6).
        return Response(iter(()), content_type=engine.media_type_for(name))
    dump = io.BytesIO()
    store.dump(dump)
    if name == "nquads":
        body = dump.getvalue()
    else:
        out = io.BytesIO()
        quads = ox.parse(dump.getvalue(), ox.RdfFormat.N_QUADS)
        ox.serialize(quads, out, ox.RdfFormat.TRIG, prefixes=dict(PREFIXES))
        body = out.getvalue()
    return Response(body, content_type=engine.media_type_for(name))


@bp.route("/rdf-graphs", methods=METHODS)
@bp.route("/rdf-graphs/<path:path>", methods=METHODS)
def graph_store(path: str | None = None) -> Response:
    target = _target()
    limits.take_slot()
    store = store_of(current_app)
    head = request.method == "HEAD"
    if request.method in ("GET", "HEAD"):
        if target is _STORE:
            return _dataset_response(store, head)
        return _graph_response(store, target)  # type: ignore[arg-type]
    writes.require_writer()
    if target is _STORE:
        if request.method != "POST":
            raise QueryError("name a graph (?graph=IRI or ?default) to PUT or DELETE")
        return _create(store)
    graph: GraphName = target  # type: ignore[assignment]
    label = "the default graph" if graph is None else f"<{graph}>"
    with writes.write_lock(store):
        existed = store.graph_exists(graph)
        if request.method == "DELETE":
            if graph is not None and not existed:
                raise NotFound(f"no graph {label} in this store")
            store.replace_graphs({graph: None})
            return Response(status=204)
        triples = _payload(graph or request.base_url)
        if request.method == "POST":
            triples = store.graph_triples(graph) + triples if existed else triples
        writes.commit(store, {graph: triples}, f"{request.method} {label}")
    return Response(status=204 if existed else 201)


def _create(store: Store) -> Response:
    """POST to the store URL: a new graph with a fresh IRI under /rdf-graphs/."""
    iri = f"{request.url_root}rdf-graphs/{uuid.uuid4().hex}"
    triples = _payload(iri)
    with writes.write_lock(store):
        writes.commit(store, {iri: triples}, f"POST <{iri}>")
    response = Response(status=201)
    response.headers["Location"] = iri
    return response
