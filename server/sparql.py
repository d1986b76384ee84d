"""The SPARQL 1.1 Protocol endpoint at ``/sparql``: query by GET, form POST and direct POST.

Queries run in Oxigraph; results are written by Oxigraph's own serializers in the format
chosen by ``server.conneg``.
"""

from __future__ import annotations

import io

import pyoxigraph as ox
from flask import Blueprint, Response, abort, current_app, request

from dadkhah.errors import QueryError
from dadkhah.namespaces import PREFIXES

from . import conneg
from .state import settings_of, store_of

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"


def _query_text() -> tuple[str, list[str], list[str]]:
    """The query and its dataset (default-graph-uri, named-graph-uri) from the request."""
    if request.method == "GET":
        params = request.args
        queries = params.getlist("query")
    else:
        ctype = (request.mimetype or "").lower()
        if ctype == FORM:
            params = request.form
            queries = params.getlist("query")
        elif ctype == QUERY:
            params = request.args
            queries = [request.get_data(as_text=True)]
        else:
            abort(415, f"POST a query as {FORM} or {QUERY}, not {ctype or 'no content type'}")
    if len(queries) != 1:
        raise QueryError("expected exactly one 'query' parameter")
    return queries[0], params.getlist("default-graph-uri"), params.getlist("named-graph-uri")


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    if request.method == "GET" and "query" not in request.args:
        return Response(
            "SPARQL endpoint: send ?query=...\n", mimetype="text/plain"
        )  # service description comes with the complete protocol
    sparql, default_graphs, named_graphs = _query_text()
    settings = settings_of(current_app)
    result = store_of(current_app).query(
        sparql,
        union_default_graph=settings.union_default_graph,
        default_graph=default_graphs or None,
        named_graphs=named_graphs or None,
    )
    requested = request.values.get("format")
    out = io.BytesIO()
    if isinstance(result, ox.QueryTriples):
        name = conneg.negotiate(
            conneg.GRAPH_FORMATS,
            request.accept_mimetypes,
            requested,
            default="turtle",
            allowed=conneg.TRIPLE_FORMATS,
        )
        if name is None:
            abort(406, "no acceptable RDF format: try text/turtle or application/n-triples")
        fmt, ox_format = conneg.GRAPH_FORMATS[name]
        ox.serialize(result, out, ox_format, prefixes=dict(PREFIXES))
    else:
        name = conneg.negotiate(
            conneg.RESULT_FORMATS, request.accept_mimetypes, requested, default="json"
        )
        if name is None:
            abort(406, "no acceptable results format: try application/sparql-results+json")
        fmt, results_format = conneg.RESULT_FORMATS[name]
        result.serialize(out, results_format)
    return Response(out.getvalue(), mimetype=fmt.media_type)
