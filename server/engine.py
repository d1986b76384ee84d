"""Running a query and turning its answer into an HTTP response, for either kind of store.

**Remote (what ``dadkhah serve`` runs).** A private ``oxigraph serve --timeout-s N`` owns the
store; the app forwards each query to it and relays Oxigraph's serialized bytes. Oxigraph
sends ``200`` and the first bytes (the CSV header, the JSON ``head``) *before* evaluating, and
reports a timeout or any later error by appending a line of text to a body already under
way. So the relay first spools up to ``SPOOL_BYTES``: a result that ends within the spool
(nearly all of them) is checked whole and answered with a correct status (503 for "The
SPARQL operation has been cancelled", 500 with the engine's message for any other failure,
such as JSON-LD refusing an RDF 1.2 triple term) and a Content-Length. A larger result is
streamed through as it comes; if it then fails or overruns its deadline, the connection to
the client is aborted without the final chunk, so no client takes a cut-off document for a
complete one.

A failure is told from the end of the body (``complete``): every format Oxigraph writes
ends in a known way (``}``, ``</sparql>``, ``</rdf:RDF>``, ``]``, a line break), and its error
text, written after whatever the failed step produced, ends otherwise. Parsing the spool to
check it would also work but costs 45-145 ms per 4 MiB (TSV to JSON) and cannot read CSV.

The deadline is enforced three ways because each covers what the others miss, and the
client always gets its 503 (or its aborted stream) at limit + ``GRACE_S``:

1. Oxigraph's own ``--timeout-s`` (the limit, rounded up) cancels many queries that produce
   nothing for a while, such as aggregates over joins, though sometimes late.
2. The relay's deadline closes the connection to the engine. A query that is streaming
   solutions (which ``--timeout-s`` did not stop: a 3-way cross join still ran after 100 s)
   fails on its next write and ends; a client that disconnects closes the relay the same way.
3. What neither stops (an ORDER BY over a cross join computes without writing and ignores
   ``--timeout-s``) is caught by ``reaper``, which kills and restarts the engine.

Nothing truncates silently: there is no row cap, a result is complete or its connection is
aborted. A spooled result holds its worker thread until the engine is done; a client that
leaves before that frees nothing earlier than the deadline.

**Embedded (tests, the CLI).** pyoxigraph runs the query in-process and serializes into
memory. It has no way to stop a query, so this path has no time limit; it exists for
Flask's test client and for tools that hold the store themselves.
"""

from __future__ import annotations

import http.client
import io
import logging
import socket
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Response, current_app

from dadkhah.chunked import BodyReader
from dadkhah.errors import DadkhahError, QueryError, QueryTimeout
from dadkhah.namespaces import PREFIXES
from dadkhah.remote import RemoteError, RemoteStore
from dadkhah.store import EmbeddedStore, shorten

from . import conneg, reaper, scan

log = logging.getLogger(__name__)

SPOOL_BYTES = 4 << 20
GRACE_S = 0.5
CANCELLED = b"The SPARQL operation has been cancelled"
TEXT_TYPES = ("text/csv", "text/tab-separated-values", "text/turtle", "application/n-triples")


@dataclass
class QueryRequest:
    """A query as the protocol delivered it, with the formats negotiated for each form."""

    text: str
    analysis: scan.Analysis
    base_iri: str
    results_format: str | None
    graph_format: str | None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    union_default_graph: bool = True
    timeout: float = 30.0


def media_type_for(name: str) -> str:
    """The Content-Type we answer with for a format name (UTF-8 said for text formats)."""
    table: dict[str, tuple[conneg.Format, object]] = {**conneg.RESULT_FORMATS}
    table.update(conneg.GRAPH_FORMATS)
    media = table[name][0].media_type
    return f"{media}; charset=utf-8" if media in TEXT_TYPES else media


class EngineFailed(DadkhahError):
    """The engine failed while it serialized a result (the query itself was fine)."""

    status = 500


def _failed(message: str) -> EngineFailed:
    return EngineFailed(f"the query engine failed while writing the result: {message}")


# How each format Oxigraph writes ends; CSV and TSV end every row with a line break, Turtle
# and N-Triples every statement; an empty graph is an empty body.
_ENDINGS: dict[str, tuple[bytes, ...]] = {
    "application/sparql-results+json": (b"}",),
    "application/sparql-results+xml": (b"</sparql>",),
    "text/csv": (b"\n",),
    "text/tab-separated-values": (b"\n",),
    "text/turtle": (b"\n",),
    "application/n-triples": (b"\n",),
    "application/rdf+xml": (b"</rdf:RDF>",),
    "application/ld+json": (b"]", b"}"),
}


def complete(content_type: str, body: bytes) -> bool:
    """Whether ``body`` ends as a whole document of its type does (only its end is read, so
    a streamed body's last bytes will do). A boolean in CSV or TSV is the bare word."""
    media = content_type.split(";")[0].strip().lower()
    endings = _ENDINGS.get(media)
    if endings is None or body in (b"", b"true", b"false"):
        return True
    if endings == (b"\n",):
        return body.endswith(b"\n")
    return body.rstrip().endswith(endings)


def _error_text(body: bytes, limit: int = 300) -> str:
    """The engine's message: the body's last line, which the message ends."""
    line = " ".join(body.rsplit(b"\n", 1)[-1].decode("utf-8", "replace").split())
    return line if len(line) <= limit else "..." + line[-(limit - 3) :]


def run(store: EmbeddedStore | RemoteStore, query: QueryRequest) -> Response:
    if isinstance(store, RemoteStore):
        return _run_remote(store, query)
    return _run_embedded(store, query)


# ---------------------------------------------------------------------- embedded


def _run_embedded(store: EmbeddedStore, query: QueryRequest) -> Response:
    try:
        result = store.query(
            query.text,
            union_default_graph=query.union_default_graph,
            default_graph=query.default_graphs or None,
            named_graphs=query.named_graphs or None,
            base_iri=query.base_iri,
        )
    except QueryError as err:
        raise QueryError(scan.brief_error(str(err))) from None
    out = io.BytesIO()
    try:
        if isinstance(result, ox.QueryTriples):
            name = query.graph_format
            if name is None:
                raise _not_acceptable("CONSTRUCT or DESCRIBE", conneg.TRIPLE_FORMATS)
            triples = _distinct(result) if query.analysis.form == "DESCRIBE" else result
            ox.serialize(triples, out, conneg.GRAPH_FORMATS[name][1], prefixes=dict(PREFIXES))
        else:
            name = query.results_format
            if name is None:
                raise _not_acceptable("SELECT or ASK", tuple(conneg.RESULT_FORMATS))
            result.serialize(out, conneg.RESULT_FORMATS[name][1])
    except OSError as err:  # what pyoxigraph raises when a serializer refuses a term
        raise _failed(str(err)) from None
    return Response(out.getvalue(), content_type=media_type_for(name))


def _distinct(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    """Each triple once, in order (a DESCRIBE's answer is held whole here anyway)."""
    return iter(dict.fromkeys(triples))


def _distinct_triples(body: bytes, content_type: str) -> bytes:
    """A spooled DESCRIBE answer without repeated triples; the engine's bytes if it had none.

    Oxigraph's union default graph is a bag, and DESCRIBE (unlike CONSTRUCT, which it
    answers as a set) sends a triple once per graph stating it: an agent named in 12
    graphs came back with each of its triples 12 times. Parsing and writing again took
    0.18 s (Turtle) to 0.35 s (JSON-LD) for a 4 MiB answer, the most the spool holds, so
    memory stays bounded; a larger answer streams as the engine writes it.
    """
    fmt = ox.RdfFormat.from_media_type(content_type.split(";")[0].strip())
    if fmt is None:
        return body
    triples = [q.triple for q in ox.parse(body, fmt)]
    unique = dict.fromkeys(triples)
    if len(unique) == len(triples):
        return body
    return ox.serialize(unique, format=fmt, prefixes=dict(PREFIXES)) or b""


def _not_acceptable(form: str, offers: tuple[str, ...]) -> NotAcceptable:
    return NotAcceptable(
        f"no acceptable format for a {form} result; offered: {', '.join(offers)} "
        "(by Accept header or the format parameter)"
    )


class NotAcceptable(QueryError):
    status = 406


# ---------------------------------------------------------------------- remote


def _accept_header(query: QueryRequest) -> str:
    form = query.analysis.form
    wanted = []
    if form in ("SELECT", "ASK") or form is None:
        if query.results_format is None and form is not None:
            raise _not_acceptable("SELECT or ASK", tuple(conneg.RESULT_FORMATS))
        if query.results_format is not None:
            wanted.append(conneg.RESULT_FORMATS[query.results_format][0].media_type)
    if form in ("CONSTRUCT", "DESCRIBE") or form is None:
        if query.graph_format is None and form is not None:
            raise _not_acceptable("CONSTRUCT or DESCRIBE", conneg.TRIPLE_FORMATS)
        if query.graph_format is not None:
            wanted.append(conneg.GRAPH_FORMATS[query.graph_format][0].media_type)
    return ", ".join(wanted) or "application/sparql-results+json"


def _run_remote(store: RemoteStore, query: QueryRequest) -> Response:
    accept = _accept_header(query)
    text, shifted = query.text, 0
    if query.analysis.relative_iri:
        text, shifted = f"BASE <{query.base_iri}>\n{text}", 1
    deadline = time.monotonic() + query.timeout + GRACE_S
    handle: reaper.EngineHandle | None = current_app.extensions.get("dadkhah.engine")
    try:
        upstream = store.open_query(
            text,
            accept=accept,
            union_default_graph=query.union_default_graph,
            default_graph=query.default_graphs,
            named_graphs=query.named_graphs,
            timeout=query.timeout + GRACE_S,
            on_timeout=(lambda port: reaper.watch(handle, port)) if handle else None,
        )
    except QueryTimeout:
        raise QueryTimeout(_timeout_message(query.timeout)) from None
    if upstream.status != 200:
        body = upstream.read().decode("utf-8", "replace")
        message = " ".join(body.split())
        if upstream.status == 400:
            message = scan.brief_error(scan.shift_position(message, shifted))
            raise QueryError(f"SPARQL syntax error: {shorten(message)}")
        raise RemoteError(f"the query engine answered {upstream.status}: {message}")
    return _relay(
        store, upstream, deadline, query.timeout, describe=query.analysis.form == "DESCRIBE"
    )


class _Upstream:
    """The engine's response, read against a deadline."""

    def __init__(
        self, store: RemoteStore, response: http.client.HTTPResponse, deadline: float, limit: float
    ):
        self.store = store
        self.response = response
        self.deadline = deadline
        self.limit = limit
        self.engine: reaper.EngineHandle | None = current_app.extensions.get("dadkhah.engine")
        self.body = BodyReader(response)

    def read(self) -> bytes:
        """The next bytes, b"" at the end; QueryTimeout once the deadline has passed."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.abort()
            raise QueryTimeout(_timeout_message(self.limit))
        sock = _socket_of(self.response)
        if sock is not None:
            sock.settimeout(remaining)
        try:
            return self.body.read()
        except TimeoutError:
            self.abort()
            raise QueryTimeout(_timeout_message(self.limit)) from None
        except (OSError, http.client.HTTPException) as err:
            self.abort()
            raise RemoteError(f"the query engine failed mid-answer: {err}") from None

    def release(self) -> None:
        """Abort the engine's answer unless it was read to the end."""
        if not self.response.isclosed():
            self.abort()

    def abort(self) -> None:
        """Drop the connection: Oxigraph's next write fails and its evaluation stops; a
        query that still runs after that is left to ``reaper``."""
        if self.engine is not None and not self.response.isclosed():
            sock = _socket_of(self.response)
            if sock is not None:
                reaper.watch(self.engine, sock.getsockname()[1])
        self.response.close()
        self.store.http.discard(self.store.endpoints.query)


def _socket_of(response: http.client.HTTPResponse) -> socket.socket | None:
    raw = getattr(response.fp, "raw", None)
    sock = getattr(raw, "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _timeout_message(limit: float) -> str:
    return (
        f"the query ran past this endpoint's {limit:g} s time limit and was stopped; "
        "narrow it down or add a LIMIT"
    )


def _relay(
    store: RemoteStore,
    response: http.client.HTTPResponse,
    deadline: float,
    limit: float,
    *,
    describe: bool = False,
) -> Response:
    upstream = _Upstream(store, response, deadline, limit)
    content_type = response.getheader("Content-Type") or "application/octet-stream"
    spool: list[bytes] = []
    size = 0
    while True:
        chunk = upstream.read()
        if not chunk:
            body = b"".join(spool)
            if body.endswith(CANCELLED):
                raise QueryTimeout(_timeout_message(limit))
            if not complete(content_type, body):
                log.warning("the engine failed mid-result: %s", _error_text(body))
                raise _failed(_error_text(body))
            if describe:
                body = _distinct_triples(body, content_type)
            return Response(body, content_type=content_type)
        spool.append(chunk)
        size += len(chunk)
        if size > SPOOL_BYTES:
            break
    log.debug("result over %d bytes: streaming", SPOOL_BYTES)
    streamed = Response(_stream(upstream, b"".join(spool), content_type), content_type=content_type)
    # A body that is never read (HEAD, or a client gone before the first chunk) never starts
    # the generator, so its ``finally`` would not run and the engine's half-read answer
    # would block this thread's next query; Werkzeug calls this when it closes the response.
    streamed.call_on_close(upstream.release)
    return streamed


class StreamAborted(Exception):
    """Raised inside a streamed body to make the WSGI server drop the connection."""


def _stream(upstream: _Upstream, head: bytes, content_type: str) -> Iterator[bytes]:
    """Yield the body, holding back a tail long enough to catch Oxigraph's cancel line and
    to tell how the body ends."""
    hold = len(CANCELLED)
    pending = head
    try:
        while True:
            try:
                chunk = upstream.read()
            except (QueryTimeout, RemoteError) as err:
                log.warning("aborting a streamed result: %s", err)
                raise StreamAborted(str(err)) from None
            if not chunk:
                if pending.endswith(CANCELLED):
                    log.warning("aborting a streamed result: the engine cancelled it")
                    raise StreamAborted("cancelled by the engine")
                if not complete(content_type, pending):
                    log.warning("aborting a streamed result: %s", _error_text(pending))
                    raise StreamAborted("the engine failed mid-result")
                yield pending
                return
            pending += chunk
            if len(pending) > hold:
                yield pending[:-hold]
                pending = pending[-hold:]
    finally:
        upstream.release()
