"""`RemoteStore` answers like `EmbeddedStore`: the same calls on the same data, one store in
process and one behind a real `oxigraph serve`."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from dadkhah.errors import ConfigError, QueryError, QueryTimeout
from dadkhah.remote import Endpoints, RemoteStore
from dadkhah.store import EmbeddedStore, Store
from dadkhah.units import LoadUnit
from tests.conformance.targets import OxigraphServeTarget

pytestmark = pytest.mark.server

EX = "http://example.org/"


def unit(n: int) -> LoadUnit:
    graph, provenance = Graph(), Graph()
    for i in range(n):
        graph.add((URIRef(f"{EX}s{i}"), URIRef(f"{EX}p"), Literal(i)))
    provenance.add(
        (URIRef(f"{EX}doc"), URIRef("https://dadkhah.example/ns#fingerprint"), Literal("f1"))
    )
    return LoadUnit(
        source="test",
        graph_iri=URIRef(f"{EX}doc"),
        provenance_iri=URIRef(f"{EX}doc/provenance"),
        graph=graph,
        provenance=provenance,
        fingerprint="f1",
    )


@pytest.fixture(scope="module")
def oxigraph() -> Iterator[OxigraphServeTarget]:
    with OxigraphServeTarget() as target:
        yield target


@pytest.fixture(params=["embedded", "remote"])
def store(request: pytest.FixtureRequest, oxigraph: OxigraphServeTarget) -> Iterator[Store]:
    if request.param == "embedded":
        yield EmbeddedStore(None)
        return
    oxigraph.reset()
    remote = RemoteStore(oxigraph.base_url)
    yield remote
    remote.close()


def test_endpoints_layout() -> None:
    assert Endpoints.from_location("http://h:7878").store == "http://h:7878/store"
    assert Endpoints.from_location("http://h/sparql") == Endpoints(
        "http://h/sparql", "http://h/sparql"
    )
    graphdb = "http://h:7200/repositories/dk"
    assert Endpoints.from_location(f"{graphdb}  {graphdb}/statements") == Endpoints(
        graphdb, f"{graphdb}/statements"
    )
    for bad in ("http://a http://b http://c", "http://a /statements"):
        with pytest.raises(ConfigError):
            Endpoints.from_location(bad)


def test_a_query_url_and_an_update_url(oxigraph: OxigraphServeTarget) -> None:
    oxigraph.reset()
    store = RemoteStore(f"{oxigraph.query_url} {oxigraph.update_url}")
    try:
        store.replace(unit(2))
        assert store.quad_count() == 3
        dump = io.BytesIO()
        store.dump(dump)  # no Graph Store: the dump is a query
        assert len(dump.getvalue().splitlines()) == 3
    finally:
        store.close()


def test_same_answers(store: Store) -> None:
    store.replace(unit(3))
    assert store.fingerprint(URIRef(f"{EX}doc")) == "f1"
    assert sorted(store.named_graphs()) == [f"{EX}doc", f"{EX}doc/provenance"]
    assert store.quad_count() == 4
    assert store.union_triple_count() == 4
    rows = store.select(f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?o")
    assert [r["o"] for r in rows] == [0, 1, 2]
    assert store.graph_exists(f"{EX}doc") and not store.graph_exists(f"{EX}nothing")
    assert len(store.graph_triples(f"{EX}doc")) == 3
    construct = store.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert isinstance(construct, ox.QueryTriples) and len(list(construct)) == 4
    dump = io.BytesIO()
    store.dump(dump)
    assert len(dump.getvalue().splitlines()) == 4
    export = io.BytesIO()
    store.export_union(export, ox.RdfFormat.N_TRIPLES)
    assert len(export.getvalue().splitlines()) == 4
    store.replace(unit(1))
    assert store.quad_count() == 2
    store.replace_graphs({f"{EX}doc": None, f"{EX}empty": []})
    assert store.graph_exists(f"{EX}empty") and not store.graph_exists(f"{EX}doc")
    store.remove([f"{EX}doc/provenance", f"{EX}empty"])
    assert store.quad_count() == 0


def test_syntax_errors_are_query_errors(store: Store) -> None:
    with pytest.raises(QueryError, match="error at 1:"):
        store.query("SELECT * WHERE {")


def test_remote_timeout_is_a_query_timeout(oxigraph: OxigraphServeTarget) -> None:
    store = RemoteStore(oxigraph.base_url, timeout=0.3)
    try:
        store.replace(unit(300))
        with pytest.raises(QueryTimeout):
            store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    finally:
        store.close()
