"""Access to the quad store: an embedded, on-disk Oxigraph by default.

All SPARQL runs in Oxigraph's engine. Queries see the union of the named graphs as their
default graph unless told otherwise. Writes replace whole named graphs (a unit's graph and
its provenance graph) in one Oxigraph transaction, so a load is all or nothing.

One process owns an on-disk store (RocksDB's lock); opening it from a second process raises
``StoreInUse`` with advice instead of an I/O error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from rdflib import Graph, URIRef

from .errors import QueryError, StoreInUse
from .namespaces import DK, PREFIXES
from .units import LoadUnit

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


def _ntriples(graph: Graph) -> str:
    return graph.serialize(format="nt", encoding="utf-8").decode("utf-8")


class EmbeddedStore:
    """An Oxigraph store in a directory (created on first use), or in memory if ``path`` is None."""

    def __init__(self, path: str | None, *, read_only: bool = False):
        self.path = path
        if path is None:
            self._store = ox.Store()
            return
        try:
            if read_only:
                self._store = ox.Store.read_only(path)
            else:
                Path(path).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(path)
        except OSError as err:
            if "lock" in str(err).lower():
                raise StoreInUse(path) from None
            raise

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
        result = self.query(sparql, known_prefixes=True)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: _py(row[n]) for n in names} for row in result]

    def fingerprint(self, graph: URIRef) -> str | None:
        """The fingerprint recorded for ``graph`` in its provenance graph, if it is loaded."""
        found = list(
            self._store.quads_for_pattern(
                ox.NamedNode(str(graph)), ox.NamedNode(str(DK.fingerprint)), None, None
            )
        )
        return found[0].object.value if found else None

    def named_graphs(self) -> Iterator[str]:
        for g in self._store.named_graphs():
            if isinstance(g, ox.NamedNode):
                yield g.value

    def union_triple_count(self) -> int:
        """Distinct triples across all graphs: the union graph queries see."""
        rows = self.select(
            "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
            "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } }"
        )
        return int(rows[0]["n"])

    def quad_count(self) -> int:
        return len(self._store)

    def export_union(self, output: IO[bytes], fmt: ox.RdfFormat) -> None:
        """Serialize the union graph (triples, no graph names) with Oxigraph's serializer."""
        triples = self._store.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        )
        assert isinstance(triples, ox.QueryTriples)
        ox.serialize(_distinct(triples), output, fmt, prefixes=dict(PREFIXES))

    # ------------------------------------------------------------------ writing

    def replace(self, unit: LoadUnit) -> None:
        """Replace the unit's graph and provenance graph in one transaction."""
        graph, prov = str(unit.graph_iri), str(unit.provenance_iri)
        update = (
            f"DROP SILENT GRAPH <{graph}> ;\n"
            f"DROP SILENT GRAPH <{prov}> ;\n"
            f"INSERT DATA {{\n GRAPH <{graph}> {{\n{_ntriples(unit.graph)} }}\n"
            f" GRAPH <{prov}> {{\n{_ntriples(unit.provenance)} }}\n}}"
        )
        self._store.update(update)

    def remove(self, graphs: Iterable[str]) -> None:
        """Drop named graphs in one transaction."""
        self._store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs) or "")

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()


def _distinct(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    seen: set[ox.Triple] = set()
    for triple in triples:
        if triple not in seen:
            seen.add(triple)
            yield triple


def syntax_message(err: SyntaxError, limit: int = 300) -> str:
    """Oxigraph's message (with its line:column position), without the full list of the
    characters it would have accepted."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


def open_store(location: str, *, read_only: bool = False) -> EmbeddedStore:
    """Open the store a setting names."""
    return EmbeddedStore(location, read_only=read_only)
