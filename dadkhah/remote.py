"""A store behind HTTP: any SPARQL 1.1 Query + Update server, optionally with a Graph Store.

``RemoteStore`` has the interface of ``EmbeddedStore`` (query, select, fingerprint,
named_graphs, quad_count, union_triple_count, export_union, replace, remove, flush, plus the
graph-level calls the Graph Store Protocol needs), so loaders, pages and the endpoint work on
either. ``dadkhah serve`` uses it to talk to its private ``oxigraph serve`` engine, which owns
the on-disk store and can stop a runaway query (pyoxigraph cannot, oxigraph#1926); a setting
``store = http://host:port`` points Dadkhah at any such server instead of a directory.

Why ``http.client`` and not requests: one keep-alive connection per thread and per host,
no pool bookkeeping, about 0.1 ms per call on loopback; the endpoint's per-request overhead
over the engine is the number the benchmark watches. ``open_query`` hands back the engine's
response unread so the server can relay Oxigraph's serialized bytes without parsing them.

Writes are single SPARQL UPDATE requests, which Oxigraph applies in one transaction, so a
unit is replaced all or nothing just as in the embedded store.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, cast
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
from rdflib import URIRef

from . import chunked
from .chunked import read_all
from .errors import ConfigError, DadkhahError, QueryError, QueryTimeout
from .iris import is_iri
from .namespaces import DK, PREFIXES
from .store import (
    GraphName,
    QueryResult,
    graphs_update,
    rows_of,
    shorten,
    sparql_prologue_for,
    union_construct,
    unit_update,
)
from .units import LoadUnit, PreparedUnit

SPARQL_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
RESTART_WAIT_S = 5.0
_POSITION = re.compile(r"\berror at (\d+):(\d+)")


class RemoteError(DadkhahError):
    """The SPARQL server behind the store failed or could not be reached."""

    status = 502
    exit_code = 2


@dataclass(frozen=True)
class Endpoints:
    """Where a server answers: SPARQL query, SPARQL update, and (optionally) Graph Store."""

    query: str
    update: str
    store: str | None = None

    @classmethod
    def from_location(cls, location: str) -> Endpoints:
        """Where the ``store`` setting points:

        - ``http://host:port`` (no path): Oxigraph's layout, ``/query``, ``/update`` and
          ``/store`` (the Graph Store, used to dump the whole dataset in one request);
        - any other URL: one SPARQL endpoint for both query and update (a Fuseki dataset,
          Virtuoso's or Neptune's ``/sparql``);
        - two URLs separated by whitespace: the query endpoint, then the update endpoint
          (GraphDB and RDF4J: ``.../repositories/ID`` and ``.../repositories/ID/statements``).
        """
        urls = location.split()
        if (
            not urls
            or len(urls) > 2
            or not all(u.startswith(("http://", "https://")) for u in urls)
        ):
            raise ConfigError(
                f"store {location!r}: expected a directory, one http(s) URL, or a query URL "
                "and an update URL separated by a space"
            )
        if len(urls) == 2:
            return cls(urls[0], urls[1], None)
        base = urls[0].rstrip("/")
        if urlsplit(base).path.strip("/") == "":
            return cls(f"{base}/query", f"{base}/update", f"{base}/store")
        return cls(urls[0], urls[0], None)


class _Open(dict[tuple[str, str], http.client.HTTPConnection]):
    """One thread's connections, closed when the thread ends (a server that starts a thread
    per request, such as Flask's development server, would otherwise leave a socket open
    per request until the garbage collector finds it)."""

    def __del__(self) -> None:
        for conn in self.values():
            conn.close()


class _Connections(threading.local):
    def __init__(self) -> None:
        self.open = _Open()


class Http:
    """Keep-alive HTTP/1.1 to one or a few hosts, one connection per thread and host."""

    def __init__(self, timeout: float = 60.0):
        self.timeout = timeout
        self._local = _Connections()

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        key = (scheme, netloc)
        conn = self._local.open.get(key)
        if conn is None:
            if scheme == "https":
                conn = http.client.HTTPSConnection(netloc, timeout=self.timeout)
            else:
                conn = http.client.HTTPConnection(netloc, timeout=self.timeout)
            self._local.open[key] = conn
        return conn

    def discard(self, url: str) -> None:
        """Close the calling thread's connection to ``url``'s host (after an aborted read)."""
        parts = urlsplit(url)
        conn = self._local.open.pop((parts.scheme, parts.netloc), None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        """Close the calling thread's connections."""
        for conn in self._local.open.values():
            conn.close()
        self._local.open.clear()

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        on_timeout: Callable[[int], None] | None = None,
    ) -> http.client.HTTPResponse:
        """Send a request and return the response with its body unread.

        Read the body to the end (or call ``discard``) before the thread's next request.
        A request whose connection the server closed is retried twice (a stale keep-alive
        connection, or the engine restarting), and a refused connection for a few seconds,
        all within the one ``timeout``. On a timeout,
        ``on_timeout`` gets the connection's local port before the connection is closed.
        """
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        started = time.monotonic()
        refused_until = started + RESTART_WAIT_S
        until = started + (timeout or self.timeout)  # retries share one time budget
        dropped = 0
        while True:
            conn = self._connection(parts.scheme, parts.netloc)
            try:
                conn.timeout = until - time.monotonic()
                if conn.timeout <= 0:
                    raise TimeoutError
                if conn.sock is not None:
                    conn.sock.settimeout(conn.timeout)
                conn.request(method, target, body=body, headers=dict(headers or {}))
                return conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.discard(url)
                dropped += 1
                if dropped > 2:
                    raise RemoteError(f"{parts.netloc}: the server closed the connection") from None
            except ConnectionRefusedError:
                self.discard(url)
                if time.monotonic() > refused_until:
                    raise RemoteError(f"{parts.netloc}: connection refused") from None
                time.sleep(0.1)
            except TimeoutError:
                if on_timeout is not None and conn.sock is not None:
                    on_timeout(conn.sock.getsockname()[1])
                self.discard(url)  # closing the socket also tells the server to stop
                raise QueryTimeout(
                    f"no answer within {until - started:g} s: the request ran out of time"
                ) from None
            except OSError as err:
                self.discard(url)
                raise RemoteError(f"{parts.netloc}: {err.strerror or err}") from None


class RemoteStore:
    """A store reached over the SPARQL 1.1 Protocol (and the Graph Store Protocol if known)."""

    def __init__(self, location: str | Endpoints, *, timeout: float = 60.0):
        self.endpoints = (
            location if isinstance(location, Endpoints) else Endpoints.from_location(location)
        )
        self.path = self.endpoints.query
        self.http = Http(timeout)
        self.before_query: Callable[[], None] | None = None
        """Called before each query is sent; may raise to refuse it (see ``server.limits``)."""

    # ------------------------------------------------------------------ raw protocol

    def open_query(
        self,
        sparql: str,
        *,
        accept: str,
        union_default_graph: bool = True,
        default_graph: Sequence[str] = (),
        named_graphs: Sequence[str] = (),
        timeout: float | None = None,
        on_timeout: Callable[[int], None] | None = None,
    ) -> http.client.HTTPResponse:
        """POST the query; return the engine's response unread (any status)."""
        if self.before_query is not None:
            self.before_query()
        params: list[tuple[str, str]] = [("query", sparql)]
        params += [("default-graph-uri", g) for g in default_graph]
        params += [("named-graph-uri", g) for g in named_graphs]
        url = self.endpoints.query
        if union_default_graph and not default_graph:
            url += ("&" if "?" in url else "?") + "union-default-graph"
        return self.http.request(
            "POST",
            url,
            body=urlencode(params).encode("utf-8"),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
            timeout=timeout,
            on_timeout=on_timeout,
        )

    def _read(self, response: http.client.HTTPResponse, url: str) -> bytes:
        try:
            return read_all(response)
        except (OSError, http.client.HTTPException) as err:
            self.http.discard(url)
            raise RemoteError(f"{url}: {err}") from None

    def _checked(
        self, response: http.client.HTTPResponse, url: str, *, prologue_lines: int = 0
    ) -> bytes:
        """The body of a 2xx answer; a 400 becomes ``QueryError`` (its ``error at L:C``
        counted from the caller's text, without the ``prologue_lines`` written before it),
        anything else ``RemoteError``."""
        body = self._read(response, url)
        if response.status == 400:
            text = " ".join(body.decode("utf-8", "replace").split())
            if prologue_lines:
                text = _POSITION.sub(
                    lambda m: f"error at {max(1, int(m[1]) - prologue_lines)}:{m[2]}", text
                )
            raise QueryError(f"SPARQL syntax error: {shorten(text)}")
        if response.status >= 300:
            raise RemoteError(
                f"{url} answered {response.status}: {shorten(body.decode('utf-8', 'replace'))}"
            )
        return body

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL UPDATE (one request, one transaction on Oxigraph); a syntax error
        becomes ``QueryError``. Without ``base_iri`` a relative IRI resolves against the
        server's own base (Oxigraph: the endpoint's URL), not an error as in the embedded
        store, so Dadkhah's own writes check their data first (``replace``)."""
        url = self.endpoints.update
        text = sparql_prologue_for(sparql, base_iri=base_iri, known_prefixes=False)
        response = self.http.request(
            "POST",
            url,
            body=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
        )
        self._checked(response, url, prologue_lines=1 if base_iri else 0)

    # ------------------------------------------------------------------ reading

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
        known_prefixes: bool = False,
    ) -> QueryResult:
        """Run a query on the server and parse its answer into pyoxigraph's result types."""
        text = sparql_prologue_for(sparql, base_iri=base_iri, known_prefixes=known_prefixes)
        accept = f"{SPARQL_JSON}, {N_TRIPLES}"
        response = self.open_query(
            text,
            accept=accept,
            union_default_graph=union_default_graph,
            default_graph=default_graph or (),
            named_graphs=named_graphs or (),
        )
        prologue_lines = text.count("\n", 0, len(text) - len(sparql))
        body = self._checked(response, self.endpoints.query, prologue_lines=prologue_lines)
        media = (response.getheader("Content-Type") or "").split(";")[0].strip()
        if media == N_TRIPLES:
            scratch = ox.Store()
            scratch.bulk_extend(
                ox.Quad(t.subject, t.predicate, t.object)
                for t in ox.parse(body, ox.RdfFormat.N_TRIPLES)
            )
            triples = scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
            assert isinstance(triples, ox.QueryTriples)
            return triples
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)

    def select(self, sparql: str) -> list[dict[str, Any]]:
        return rows_of(self.query(sparql, known_prefixes=True))

    def ask(self, sparql: str) -> bool:
        result = self.query(sparql, union_default_graph=False)
        assert isinstance(result, ox.QueryBoolean)
        return bool(result)

    def fingerprint(self, graph: URIRef) -> str | None:
        rows = self.select(
            f"SELECT ?f WHERE {{ GRAPH ?g {{ <{graph}> <{DK.fingerprint}> ?f }} }} LIMIT 1"
        )
        return str(rows[0]["f"]) if rows else None

    def named_graphs(self) -> Iterator[str]:
        for row in self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"):
            yield str(row["g"])

    def graph_exists(self, graph: GraphName) -> bool:
        """The default graph always exists; a named graph if the server holds it. A value
        that is no IRI names no graph, and is not written into the query."""
        if graph is None:
            return True
        return is_iri(graph) and self.ask(f"ASK {{ GRAPH <{graph}> {{ }} }}")

    def holds(self, graph: str) -> bool:
        """Whether the named graph exists."""
        return self.graph_exists(graph)

    def graph_triples(self, graph: GraphName) -> list[ox.Triple]:
        pattern = "?s ?p ?o" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
        result = self.query(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {pattern} }}", union_default_graph=False
        )
        assert isinstance(result, ox.QueryTriples)
        return list(result)

    def quad_count(self) -> int:
        """Quads in the default graph plus in every named graph."""
        result = self.query(
            "SELECT ((?d + ?q) AS ?n) WHERE { { SELECT (COUNT(*) AS ?q) "
            "WHERE { GRAPH ?g { ?s ?p ?o } } } { SELECT (COUNT(*) AS ?d) WHERE { ?s ?p ?o } } }",
            union_default_graph=False,
        )
        return int(rows_of(result)[0]["n"])

    def union_triple_count(self) -> int:
        """Distinct triples across all graphs, spelled out (no server-specific union
        default graph needed)."""
        result = self.query(
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
            "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } }",
            union_default_graph=False,
        )
        return int(rows_of(result)[0]["n"])

    def dump(self, output: IO[bytes]) -> None:
        """Every quad (default graph and named graphs) as N-Quads."""
        if self.endpoints.store is not None:
            url = self.endpoints.store
            response = self.http.request("GET", url, headers={"Accept": N_QUADS})
            output.write(self._checked(response, url))
            return
        result = self.query(
            "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
            union_default_graph=False,
        )
        assert isinstance(result, ox.QuerySolutions)
        quads = (ox.Quad(r["s"], r["p"], r["o"], r["g"] or ox.DefaultGraph()) for r in result)
        ox.serialize(quads, output, ox.RdfFormat.N_QUADS)

    def export_union(self, output: IO[bytes], fmt: ox.RdfFormat) -> None:
        """The union graph (the query names every graph itself), without repeated triples
        (a CONSTRUCT's answer is a graph: the server drops them), streamed: the answer is read
        in blocks (``chunked.BodyReader``) straight through Oxigraph's parser and serializer,
        so memory does not grow with the store."""
        url = self.endpoints.query
        response = self.open_query(union_construct(), accept=N_TRIPLES, union_default_graph=False)
        if response.status >= 300:
            self._checked(response, url)  # reads the error and raises
        media = (response.getheader("Content-Type") or "").split(";")[0].strip()
        answer = _SizedReader(chunked.BodyReader(response), url)
        syntax = ox.RdfFormat.from_media_type(media) or ox.RdfFormat.N_TRIPLES
        try:
            triples = ox.parse(cast(IO[bytes], answer), syntax)
            ox.serialize(triples, output, fmt, prefixes=dict(PREFIXES))
        except BaseException:
            self.http.discard(url)  # the answer may not have been read to its end
            raise

    # ------------------------------------------------------------------ writing

    def replace_graphs(self, graphs: Mapping[GraphName, Iterable[ox.Triple] | None]) -> None:
        """Replace (or, with None, drop) each graph, all in one update request."""
        self.update(graphs_update(graphs))

    def replace(self, unit: LoadUnit | PreparedUnit) -> None:
        """Replace the unit's graph and provenance graph in one update request.

        The triples are parsed here first, so a term the embedded store refuses (a relative
        IRI, a malformed literal) raises the same ``SyntaxError`` and writes nothing, where
        the server would resolve a relative IRI against its own URL and store it."""
        _check_terms(unit)
        self.update(unit_update(unit))

    def replace_together(self, units: Iterable[LoadUnit | PreparedUnit]) -> None:
        """Replace the graphs of several units in one update request (``replace``)."""
        units = list(units)
        for unit in units:
            _check_terms(unit)
        self.update(" ;\n".join(unit_update(unit) for unit in units))

    def remove(self, graphs: Iterable[str]) -> None:
        text = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs)
        if text:
            self.update(text)

    def flush(self) -> None:
        """Nothing to do: the server persists each update before answering."""

    def close(self) -> None:
        """Close this thread's connections to the server (others close with their thread)."""
        self.http.close()


class _SizedReader:
    """A response body read in blocks, handed out in pieces of at most the size asked for:
    Oxigraph's parser asks for a few KB at a time and refuses more than it asked for."""

    def __init__(self, body: chunked.BodyReader, url: str):
        self.body, self.url = body, url
        self.pending = memoryview(b"")

    def read(self, size: int = -1) -> bytes:
        if not self.pending:
            try:
                self.pending = memoryview(self.body.read())
            except (OSError, http.client.HTTPException) as err:
                raise RemoteError(f"{self.url}: {err}") from None
        if 0 <= size < len(self.pending):
            out, self.pending = self.pending[:size].tobytes(), self.pending[size:]
        else:
            out, self.pending = self.pending.tobytes(), memoryview(b"")
        return out


def _check_terms(unit: LoadUnit | PreparedUnit) -> None:
    """``SyntaxError`` unless every triple of the unit is valid N-Triples (absolute IRIs)."""
    if isinstance(unit, PreparedUnit):
        data = unit.nquads()
    else:
        data = "".join(
            g.serialize(format="nt", encoding="utf-8").decode("utf-8")
            for g in (unit.graph, unit.provenance)
        )
    for _ in ox.parse(data.encode("utf-8"), ox.RdfFormat.N_QUADS):
        pass
