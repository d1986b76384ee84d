"""The SPARQL 1.1 Protocol at ``/sparql``: query and update, by GET, form POST or direct POST.

One URL serves both operations, as the protocol's tests expect: a ``query`` parameter or an
``application/sparql-query`` body is a query; an ``update`` parameter or an
``application/sparql-update`` body is an update (POST only). A GET without either returns the
service description. Every refusal is a client error with a message: 400 (malformed, not
UTF-8 once percent-decoded, two queries, SERVICE), 405 (other methods), 406 (no acceptable
format), 413 (too large), 415 (other body types, or a charset other than UTF-8).

The default graph is the union of all graphs unless ``union_default_graph`` is off. A query
that states its dataset (``FROM``, ``FROM NAMED``) gets that dataset, and ``default-graph-uri``
and ``named-graph-uri`` replace both (SPARQL 1.1 Protocol 2.1.4): Oxigraph's union option
would override the query's own dataset, so it is asked for only when neither names one. A
graph IRI the store does not hold is an empty graph, not an error. Relative IRIs resolve
against the endpoint URL. Results come from ``engine.run``: Oxigraph's own serializers,
relayed without re-encoding.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.datastructures import MultiDict

from dadkhah.errors import QueryError

from . import conneg, describe, engine, limits, scan, update
from .state import settings_of, store_of

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


class TooLarge(QueryError):
    status = 413


class UnsupportedMediaType(QueryError):
    status = 415


def _utf8_body() -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"send the body as UTF-8, not {charset}")
    try:
        return request.get_data(as_text=False).decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        raise QueryError(f"the body is not valid UTF-8 (byte {err.start})") from None


def _check_utf8(encoded: bytes) -> None:
    """Refuse a parameter whose percent-decoding is not UTF-8 (400, naming it).

    Werkzeug keeps such a value as its literal ``%E9`` text, so a GET or form POST ran a
    query the client never wrote, where a direct POST of the same bytes was refused."""
    for pair in encoded.split(b"&"):
        name, _, value = pair.partition(b"=")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError as err:
                key = unquote_to_bytes(name).decode("utf-8", "replace")
                raise QueryError(
                    f"the '{key}' parameter is not valid UTF-8 once percent-decoded "
                    f"(byte {err.start})"
                ) from None


def _operation() -> tuple[str, str, MultiDict[str, str]] | None:
    """("query" or "update", its text, the protocol parameters); None for a bare GET.

    HEAD reads its parameters as GET does, so it answers with GET's status and headers
    (Werkzeug leaves the body out)."""
    _check_utf8(request.query_string)
    if request.method in ("GET", "HEAD"):
        params: MultiDict[str, str] = MultiDict(request.args)
        if "update" in params:
            raise QueryError("send an update by POST, never by GET")
        if "query" not in params:
            return None
        kind, texts = "query", params.getlist("query")
    else:
        ctype = (request.mimetype or "").lower()
        if ctype == FORM:
            _check_utf8(request.get_data())  # cached: the form is parsed from the same bytes
            params = MultiDict(request.args)
            params.update(request.form)
            queries, updates = params.getlist("query"), params.getlist("update")
            if queries and updates:
                raise QueryError("send either 'query' or 'update', not both")
            kind, texts = ("update", updates) if updates else ("query", queries)
        elif ctype in (QUERY, UPDATE):
            params = MultiDict(request.args)
            kind = "query" if ctype == QUERY else "update"
            if kind in params:
                raise QueryError(f"the {ctype} body is the {kind}: no '{kind}' parameter too")
            texts = [_utf8_body()]
        else:
            raise UnsupportedMediaType(
                f"POST a query as {FORM} or {QUERY}, or an update as {FORM} or {UPDATE}; "
                f"not {ctype or 'a body without Content-Type'}"
            )
    if len(texts) != 1:
        raise QueryError(f"expected exactly one '{kind}' parameter, got {len(texts)}")
    return kind, texts[0], params


def _check_text(kind: str, text: str) -> scan.Analysis:
    settings = settings_of(current_app)
    if len(text.encode("utf-8")) > settings.max_query_bytes:
        raise TooLarge(f"the {kind} is longer than {settings.max_query_bytes} bytes")
    if not text.strip():
        raise QueryError(f"the {kind} is empty")
    analysis = scan.analyse(text)
    keyword = None if settings.allow_service else analysis.fetching
    if keyword:
        raise QueryError(
            f"{keyword} is refused here: this endpoint does not fetch from other hosts "
            "(no federated queries, no LOAD)"
        )
    return analysis


def negotiated_formats(params: MultiDict[str, str]) -> tuple[str | None, str | None]:
    """The results format for SELECT/ASK and the RDF format for CONSTRUCT/DESCRIBE."""
    requested = params.get("format") or None
    accept = request.accept_mimetypes
    results = conneg.negotiate(conneg.RESULT_FORMATS, accept, requested, default="json")
    graph = conneg.negotiate(
        conneg.GRAPH_FORMATS, accept, requested, default="turtle", allowed=conneg.TRIPLE_FORMATS
    )
    return results, graph


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    operation = _operation()
    if operation is None:
        return describe.service_description()
    kind, text, params = operation
    analysis = _check_text(kind, text)
    limits.take_slot()
    settings = settings_of(current_app)
    store = store_of(current_app)
    if kind == "update":
        update.run(
            store,
            text,
            using=params.getlist("using-graph-uri"),
            using_named=params.getlist("using-named-graph-uri"),
            base_iri=request.base_url,
        )
        return Response(status=204)
    results, graph = negotiated_formats(params)
    if results is None and graph is None:
        abort(406, "no acceptable format: try application/sparql-results+json or text/turtle")
    default_graphs = params.getlist("default-graph-uri")
    named_graphs = params.getlist("named-graph-uri")
    response = engine.run(
        store,
        engine.QueryRequest(
            text=text,
            analysis=analysis,
            base_iri=request.base_url,
            results_format=results,
            graph_format=graph,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            union_default_graph=(
                settings.union_default_graph
                and not default_graphs
                and not named_graphs
                and not analysis.dataset
            ),
            timeout=settings.query_timeout,
        ),
    )
    response.vary.add("Accept")
    return response
