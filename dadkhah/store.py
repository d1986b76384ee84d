"""Access to the quad store: an embedded, on-disk Oxigraph by default.

All SPARQL runs in Oxigraph's engine. Queries see the union of the named graphs as their
default graph unless told otherwise. Writes replace whole named graphs (a unit's graph and
its provenance graph) in one Oxigraph transaction, so a load is all or nothing.

One process owns an on-disk store (RocksDB's lock); opening it from a second process raises
``StoreInUse`` with advice instead of an I/O error. Opening it for writing first undoes a
bulk write that a killed process left unfinished (``dadkhah.journal``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox
from rdflib import Graph, URIRef

from . import journal
from .errors import ConfigError, QueryError, StoreInUse
from .iris import is_iri
from .namespaces import DK, PREFIXES
from .ntriples import Triples
from .units import LoadUnit, PreparedUnit

if TYPE_CHECKING:
    from .remote import RemoteStore

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
GraphName = str | None
"""A named graph's IRI, or None for the default graph."""


def _ntriples(graph: Graph | Triples) -> str:
    if isinstance(graph, Triples):
        return graph.ntriples()
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


class EmbeddedStore:
    """An Oxigraph store in a directory (created on first use), or in memory if ``path`` is None."""

    def __init__(self, path: str | None, *, read_only: bool = False):
        self.path = path
        self.recovered: list[str] = []
        if path is None:
            self._store = ox.Store()
            return
        if Path(path).exists() and not Path(path).is_dir():
            raise ConfigError(f"{path}: expected a store directory, found a file")
        try:
            if read_only:
                self._store = ox.Store.read_only(path)
            else:
                Path(path).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(path)
        except OSError as err:
            if "lock" in str(err).lower():
                raise StoreInUse(path) from None
            raise ConfigError(f"{path}: cannot open the store: {err.strerror or err}") from None
        if not read_only:
            self.recovered = journal.recover(self._store)  # normally nothing to undo

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for Oxigraph's own serializers and bulk paths."""
        return self._store

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
        """Run a SPARQL query in Oxigraph; a syntax error becomes ``QueryError``.

        With ``known_prefixes`` the query may use Dadkhah's prefixes without declaring them
        (for the CLI and the application's own queries; the endpoint stays strict).
        """
        kwargs: dict[str, Any] = {"base_iri": base_iri}
        if known_prefixes:
            kwargs["prefixes"] = dict(PREFIXES)
        if default_graph is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph]
        else:
            kwargs["use_default_graph_as_union"] = union_default_graph
        if named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            return self._store.query(sparql, **kwargs)
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {syntax_message(err)}") from None

    def select(self, sparql: str) -> list[dict[str, Any]]:
        """Rows of a SELECT as plain Python values (for the CLI, pages and tests)."""
        return rows_of(self.query(sparql, known_prefixes=True))

    def ask(self, sparql: str) -> bool:
        result = self.query(sparql, union_default_graph=False)
        assert isinstance(result, ox.QueryBoolean)
        return bool(result)

    def fingerprint(self, graph: URIRef | str) -> str | None:
        """The fingerprint recorded for ``graph`` in its provenance graph, if it is loaded."""
        found = list(
            self._store.quads_for_pattern(
                ox.NamedNode(str(graph)), ox.NamedNode(str(DK.fingerprint)), None, None
            )
        )
        value = found[0].object if found else None
        return value.value if isinstance(value, ox.Literal | ox.NamedNode) else None

    def named_graphs(self) -> Iterator[str]:
        for g in self._store.named_graphs():
            if isinstance(g, ox.NamedNode):
                yield g.value

    def graph_exists(self, graph: GraphName) -> bool:
        """The default graph always exists; a named graph once created or written to. A
        value that is no IRI names no graph."""
        if graph is None:
            return True
        return is_iri(graph) and self._store.contains_named_graph(ox.NamedNode(graph))

    def graph_triples(self, graph: GraphName) -> list[ox.Triple]:
        name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        return [q.triple for q in self._store.quads_for_pattern(None, None, None, name)]

    def dump(self, output: IO[bytes]) -> None:
        """Every quad (default graph and named graphs) as N-Quads."""
        self._store.dump(output, ox.RdfFormat.N_QUADS)

    def union_triple_count(self) -> int:
        """Distinct triples across all graphs: the union graph queries see (counted in
        constant memory, see ``union_select``)."""
        query = union_select(with_default=self._has_default_graph())
        count = query.replace("SELECT ?s ?p ?o", "SELECT (COUNT(*) AS ?n)", 1)
        rows = rows_of(self.query(count, union_default_graph=False))
        return int(rows[0]["n"])

    def _has_default_graph(self) -> bool:
        found = self._store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        return next(found, None) is not None

    def quad_count(self) -> int:
        return len(self._store)

    def export_union(self, output: IO[bytes], fmt: ox.RdfFormat) -> None:
        """Serialize the union graph (triples, no graph names) with Oxigraph's serializer,
        streaming: memory does not grow with the store (see ``union_select``)."""
        rows = self._store.query(union_select(with_default=self._has_default_graph()))
        assert isinstance(rows, ox.QuerySolutions)
        triple = ox.Triple
        ox.serialize((triple(r[0], r[1], r[2]) for r in rows), output, fmt, prefixes=dict(PREFIXES))

    # ------------------------------------------------------------------ writing

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL UPDATE in one transaction; a syntax error becomes ``QueryError``."""
        try:
            self._store.update(sparql, base_iri=base_iri)
        except SyntaxError as err:
            raise QueryError(f"SPARQL syntax error: {syntax_message(err)}") from None

    def replace_graphs(self, graphs: Mapping[GraphName, Iterable[ox.Triple] | None]) -> None:
        """Replace (or, with None, drop) each graph, all in one transaction."""
        self._store.update(graphs_update(graphs))

    def replace(self, unit: LoadUnit | PreparedUnit) -> None:
        """Replace the unit's graph and provenance graph in one transaction.

        A prepared unit whose graphs the store does not hold yet (the common case in a large
        load) goes through Oxigraph's N-Quads parser in one transaction (``Store.load``,
        about 20% less CPU than parsing the same triples as an INSERT DATA update);
        replacing graphs that exist is one UPDATE (DROP and INSERT), so a reader sees the
        old unit or the new one, never a mix.
        """
        if isinstance(unit, PreparedUnit) and not (
            self._store.contains_named_graph(ox.NamedNode(unit.graph_iri))
            or self._store.contains_named_graph(ox.NamedNode(unit.provenance_iri))
        ):
            self._store.load(unit.nquads().encode(), format=ox.RdfFormat.N_QUADS)
            return
        self._store.update(unit_update(unit))

    def replace_together(self, units: Iterable[LoadUnit | PreparedUnit]) -> None:
        """Replace the graphs of several units in one transaction: a changed document and the
        annotations re-anchored to its new text are stored together or not at all."""
        self._store.update(" ;\n".join(unit_update(unit) for unit in units))

    def bulk_stream(self) -> journal.Stream:
        """A stream of new units (graphs the store does not hold) into Oxigraph's bulk loader,
        each all or nothing even if the process dies (``dadkhah.journal``)."""
        return journal.Stream(self._store, journaled=self.path is not None)

    def holds(self, graph: str) -> bool:
        """Whether the named graph exists."""
        return bool(self._store.contains_named_graph(ox.NamedNode(graph)))

    def remove(self, graphs: Iterable[str]) -> None:
        """Drop named graphs in one transaction."""
        self._store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs) or "")

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()

    def optimize(self) -> None:
        """Compact the store (RocksDB's full compaction). A large load leaves many small
        sorted files that every lookup has to consult; compacted, they are few and large."""
        self._store.optimize()

    def close(self) -> None:
        """Nothing to release here: RocksDB closes when the last reference to the store goes
        (the remote store closes its connections)."""


def syntax_message(err: SyntaxError, limit: int = 300) -> str:
    """Oxigraph's message (with its line:column position), without the full list of the
    characters it would have accepted."""
    return shorten(" ".join(str(err).split()), limit)


def shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def union_construct() -> str:
    """Every triple of every graph, as a CONSTRUCT (the union graph an export holds)."""
    return "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def union_select(*, with_default: bool = True) -> str:
    """Every triple of the union graph exactly once, as a streaming SELECT of ?s ?p ?o.

    Why not ``SELECT DISTINCT`` or a CONSTRUCT: both make Oxigraph keep every triple seen
    (390-700 MB at 0.8 M triples, growing with the store). Here a triple is emitted from the
    default graph if it is there, else from the named graph with the smallest IRI among those
    holding it: one index lookup per quad, and nothing remembered. Named graphs are IRIs in
    Dadkhah; a triple repeated in blank-node-named graphs would be emitted more than once.
    ``with_default=False`` drops the default-graph part when that graph is empty (a lookup per
    quad saved).
    """
    named = (
        "GRAPH ?g { ?s ?p ?o } "
        + ("FILTER NOT EXISTS { ?s ?p ?o } " if with_default else "")
        + "FILTER NOT EXISTS { GRAPH ?h { ?s ?p ?o } FILTER (?h != ?g && STR(?h) < STR(?g)) }"
    )
    if not with_default:
        return f"SELECT ?s ?p ?o WHERE {{ {named} }}"
    return f"SELECT ?s ?p ?o WHERE {{ {{ ?s ?p ?o }} UNION {{ {named} }} }}"


def rows_of(result: QueryResult) -> list[dict[str, Any]]:
    """Rows of a SELECT as plain Python values (for the CLI, pages and tests)."""
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("expected a SELECT query")
    names = [v.value for v in result.variables]
    return [{n: _py(row[n]) for n in names} for row in result]


def sparql_prologue_for(sparql: str, *, base_iri: str | None, known_prefixes: bool) -> str:
    """The query with BASE and Dadkhah's PREFIX lines written in front, for engines that
    take them only as text (a remote server)."""
    head = f"BASE <{base_iri}>\n" if base_iri else ""
    if known_prefixes:
        head += "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    return head + sparql


def _graph_data(graph: GraphName, triples: Iterable[ox.Triple]) -> str:
    text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    body = text.decode("utf-8") if text else ""
    return body if graph is None else f"GRAPH <{graph}> {{\n{body}}}\n"


def graphs_update(graphs: Mapping[GraphName, Iterable[ox.Triple] | None]) -> str:
    """One SPARQL UPDATE that replaces each graph with the given triples (None: drops it).

    A graph given an empty list is kept as an empty named graph. The whole request is one
    transaction on Oxigraph, so readers see the old graphs or the new ones, never a mix.
    """
    clear: list[str] = []
    inserts: list[str] = []
    for graph, triples in graphs.items():
        if graph is None:
            clear.append("CLEAR SILENT DEFAULT")
        else:
            clear.append(f"DROP SILENT GRAPH <{graph}>")
        if triples is not None:
            if graph is not None:
                clear.append(f"CREATE SILENT GRAPH <{graph}>")
            data = _graph_data(graph, triples)
            if data.strip():
                inserts.append(data)
    parts = clear + ([f"INSERT DATA {{\n{''.join(inserts)}}}"] if inserts else [])
    return " ;\n".join(parts)


def unit_update(unit: LoadUnit | PreparedUnit) -> str:
    """The update that replaces a unit's graph and provenance graph."""
    graph, prov = str(unit.graph_iri), str(unit.provenance_iri)
    return (
        f"DROP SILENT GRAPH <{graph}> ;\n"
        f"DROP SILENT GRAPH <{prov}> ;\n"
        f"INSERT DATA {{\n GRAPH <{graph}> {{\n{_ntriples(unit.graph)} }}\n"
        f" GRAPH <{prov}> {{\n{_ntriples(unit.provenance)} }}\n}}"
    )


def _py(term: Any) -> Any:
    """Oxigraph term to a Python value: IRIs and strings as str, numbers as numbers."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        if dt.endswith(("#integer", "#long", "#int", "#nonNegativeInteger")):
            return int(term.value)
        if dt.endswith(("#decimal", "#double", "#float")):
            return float(term.value)
        if dt.endswith("#boolean"):
            return term.value == "true"
        return term.value
    return term.value


class Store(Protocol):
    """What the server and the loaders need from a store, embedded or remote."""

    @property
    def path(self) -> str | None:
        """The directory, or the URL of the server."""

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = True,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
        known_prefixes: bool = False,
    ) -> QueryResult: ...
    def select(self, sparql: str) -> list[dict[str, Any]]: ...
    def ask(self, sparql: str) -> bool: ...
    def fingerprint(self, graph: URIRef) -> str | None: ...
    def named_graphs(self) -> Iterator[str]: ...
    def graph_exists(self, graph: GraphName) -> bool: ...
    def graph_triples(self, graph: GraphName) -> list[ox.Triple]: ...
    def dump(self, output: IO[bytes]) -> None: ...
    def quad_count(self) -> int: ...
    def union_triple_count(self) -> int: ...
    def export_union(self, output: IO[bytes], fmt: ox.RdfFormat) -> None: ...
    def replace_graphs(self, graphs: Mapping[GraphName, Iterable[ox.Triple] | None]) -> None: ...
    def replace(self, unit: LoadUnit | PreparedUnit) -> None: ...
    def replace_together(self, units: Iterable[LoadUnit | PreparedUnit]) -> None: ...
    def update(self, sparql: str, *, base_iri: str | None = None) -> None: ...
    def holds(self, graph: str) -> bool: ...
    def remove(self, graphs: Iterable[str]) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def open_store(location: str, *, read_only: bool = False) -> EmbeddedStore:
    """Open the store a setting names."""
    return EmbeddedStore(location, read_only=read_only)


def open_any(location: str, *, read_only: bool = False) -> EmbeddedStore | RemoteStore:
    """A directory opens the embedded store; an http(s) URL reaches a SPARQL server."""
    if location.startswith(("http://", "https://")):
        from .remote import RemoteStore

        return RemoteStore(location)
    return EmbeddedStore(location, read_only=read_only)
