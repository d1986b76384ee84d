"""Dumps are deterministic, lossless and scoped: ``dadkhah.export``, the CLI and ``/dumps``.

Round trips go through a fresh pyoxigraph store and compare with rdflib's isomorphism test,
graph by graph, provenance graphs included.
"""

from __future__ import annotations

import gzip
import io
import json

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from dadkhah.cli import cli
from dadkhah.errors import NotExpressible
from dadkhah.export import FORMATS, Scope, chunks, scope_iri, sorted_graph, write
from server import claims
from tests.backends import AnyStore, nquads

BASE = "https://dadkhah.example/id/"

DOC = "000_db2d29c75dffccd4"
DOC_IRI = f"{BASE}document/{DOC}"
EVIN = f"{BASE}entity/evin-prison"


def dump(store: AnyStore, fmt: str, scope: Scope | None = None, gz: bool = False) -> bytes:
    out = io.BytesIO()
    write(store, out, fmt, scope, gz=gz)
    return out.getvalue()


def rdflib_graphs(store: ox.Store | AnyStore) -> dict[str, Graph]:
    """Every named graph of a store as an rdflib Graph, keyed by graph IRI (a Dadkhah store
    is read whole through ``Store.dump``, not through the export under test)."""
    if isinstance(store, ox.Store):
        raw = store
    else:
        raw = ox.Store()
        raw.load(nquads(store), ox.RdfFormat.N_QUADS)
    found: dict[str, Graph] = {}
    for name in raw.named_graphs():
        triples = [q.triple for q in raw.quads_for_pattern(None, None, None, name)]
        data = ox.serialize(triples, None, ox.RdfFormat.N_TRIPLES).decode("utf-8")
        found[name.value] = Graph().parse(data=data, format="nt")
    return found


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_exports_are_byte_identical(corpus_store: AnyStore, fmt: str) -> None:
    first, second = dump(corpus_store, fmt), dump(corpus_store, fmt)
    assert first and first == second


def test_gzip_exports_are_byte_identical_and_decompress_to_the_plain_dump(
    corpus_store: AnyStore,
) -> None:
    one, two = dump(corpus_store, "nquads", gz=True), dump(corpus_store, "nquads", gz=True)
    assert one == two and one[:2] == b"\x1f\x8b"
    assert gzip.decompress(one) == dump(corpus_store, "nquads")


def test_trig_round_trip_is_isomorphic_per_named_graph(
    corpus_store: AnyStore,
) -> None:
    fresh = ox.Store()
    fresh.load(dump(corpus_store, "trig"), ox.RdfFormat.TRIG)
    before, after = rdflib_graphs(corpus_store), rdflib_graphs(fresh)
    assert len(before) >= 20 and before.keys() == after.keys()
    assert any(g.endswith("/provenance") for g in after)
    for name, graph in before.items():
        assert isomorphic(graph, after[name]), name


@pytest.mark.parametrize("fmt", ["nquads", "jsonld"])
def test_other_dataset_formats_round_trip(corpus_store: AnyStore, fmt: str) -> None:
    fresh = ox.Store()
    fresh.load(
        dump(corpus_store, fmt), ox.RdfFormat.N_QUADS if fmt == "nquads" else ox.RdfFormat.JSON_LD
    )
    before, after = rdflib_graphs(corpus_store), rdflib_graphs(fresh)
    assert before.keys() == after.keys()
    assert all(isomorphic(before[n], after[n]) for n in before)


def test_turtle_union_round_trip_is_isomorphic(corpus_store: AnyStore) -> None:
    union = Graph()
    for graph in rdflib_graphs(corpus_store).values():
        union += graph
    loaded = Graph().parse(data=dump(corpus_store, "turtle").decode("utf-8"), format="turtle")
    assert len(loaded) == corpus_store.union_triple_count()
    assert isomorphic(union, loaded)


def test_turtle_uses_the_project_prefixes_in_their_order(corpus_store: AnyStore) -> None:
    head = dump(corpus_store, "turtle").decode().splitlines()[:3]
    assert head == [
        "@prefix dk: <https://dadkhah.example/ns#> .",
        "@prefix oa: <http://www.w3.org/ns/oa#> .",
        "@prefix prov: <http://www.w3.org/ns/prov#> .",
    ]


def test_nquads_are_sorted_within_each_graph(corpus_store: AnyStore) -> None:
    lines = dump(corpus_store, "nquads").decode().splitlines()
    graphs: dict[str, list[str]] = {}
    for line in lines:
        graphs.setdefault(line.rsplit(" ", 2)[-2], []).append(line)
    assert len(graphs) >= 20
    for graph_lines in graphs.values():
        keys = [ox.parse(line.encode(), ox.RdfFormat.N_QUADS) for line in graph_lines]
        ordered = [next(iter(k)) for k in keys]
        assert ordered == sorted(
            ordered, key=lambda q: (str(q.subject), str(q.predicate), str(q.object))
        )


def test_blank_nodes_are_canonicalized_so_order_does_not_depend_on_labels() -> None:
    p, g = ox.NamedNode("http://ex/p"), ox.NamedNode("http://ex/g")
    one = [
        ox.Quad(ox.NamedNode("http://ex/s"), p, ox.BlankNode("zz"), g),
        ox.Quad(ox.BlankNode("zz"), p, ox.Literal("x"), g),
    ]
    two = [
        ox.Quad(ox.NamedNode("http://ex/s"), p, ox.BlankNode("aa"), g),
        ox.Quad(ox.BlankNode("aa"), p, ox.Literal("x"), g),
    ]
    assert sorted_graph(one) == sorted_graph(two)


def graph_names(data: bytes) -> set[str]:
    return {
        q.graph_name.value
        for q in ox.parse(data, ox.RdfFormat.N_QUADS)
        if isinstance(q.graph_name, ox.NamedNode)
    }


def test_document_scope_holds_its_graph_annotation_graphs_and_their_provenance(
    corpus_store: AnyStore,
) -> None:
    names = graph_names(dump(corpus_store, "nquads", Scope(document=DOC_IRI)))
    assert names == {
        f"{BASE}graph/document/{DOC}",
        f"{BASE}graph/document/{DOC}/provenance",
        f"{BASE}graph/annotations/{DOC}",
        f"{BASE}graph/annotations/{DOC}/provenance",
    }


def test_graph_scope_holds_the_graph_and_its_provenance(corpus_store: AnyStore) -> None:
    graph = f"{BASE}graph/registry/registry"
    assert graph_names(dump(corpus_store, "nquads", Scope(graph=graph))) == {
        graph,
        graph + "/provenance",
    }


def test_entity_scope_holds_its_description_statements_about_it_and_evidence(
    corpus_store: AnyStore,
) -> None:
    data = dump(corpus_store, "trig", Scope(entity=EVIN))
    ds = ox.Dataset(ox.parse(data, ox.RdfFormat.TRIG))
    evin = ox.NamedNode(EVIN)
    skos = "http://www.w3.org/2004/02/skos/core#"
    assert any(q.predicate.value == skos + "prefLabel" for q in ds.quads_for_subject(evin))
    # the relation claims, and their evidence with its quote selector
    claim = ox.NamedNode(f"{BASE}claim/003_0b376dec0ab0c89d/massacre-took-place-at-evin")
    assert list(ds.quads_for_subject(claim))
    evidence = ox.NamedNode(
        f"{BASE}annotation/003_0b376dec0ab0c89d/massacre-took-place-at-evin#quote"
    )
    assert any(q.predicate.value.endswith("#exact") for q in ds.quads_for_subject(evidence))
    # mentions with their selectors, and the provenance of every graph involved
    subjects = {q.subject.value for q in ds}
    assert any("mention-" in s and s.endswith("evin-prison#position") for s in subjects)
    names = {q.graph_name.value for q in ds if isinstance(q.graph_name, ox.NamedNode)}
    assert f"{BASE}graph/registry/registry/provenance" in names
    # nothing unrelated: no other entity's names
    raisi = ox.NamedNode(f"{BASE}entity/raisi")
    assert not list(ds.quads_for_subject(raisi))


def test_unknown_scope_is_an_error(corpus_store: AnyStore) -> None:
    from dadkhah.export import ExportError

    with pytest.raises(ExportError):
        list(chunks(corpus_store, "trig", Scope(entity=f"{BASE}entity/nobody")))
    with pytest.raises(ExportError):
        list(chunks(corpus_store, "yaml"))


NO_IRIS = [
    "https://x.example/a b",
    "https://x.example/a>b",
    'https://x.example/a"b',
    "https://x.example/a{b",
    "https://x.example/a\\b",
    f"{BASE}graph/registry/registry> {{ }} }} #",
    "a b",
]


def test_a_value_that_is_no_iri_names_nothing_and_reaches_no_query(corpus_store: AnyStore) -> None:
    from dadkhah.export import ExportError, document_graphs, exists

    assert exists(corpus_store, f"{BASE}graph/registry/registry")
    for bad in NO_IRIS:
        assert not exists(corpus_store, bad), bad
        assert not corpus_store.graph_exists(bad), bad
        assert document_graphs(corpus_store, bad) == [], bad
        for scope in (Scope(graph=bad), Scope(document=bad), Scope(entity=bad)):
            with pytest.raises(ExportError, match="no "):
                list(chunks(corpus_store, "nquads", scope))


# ---------------------------------------------------------------------- CLI


def test_cli_export_formats_scopes_and_gzip(
    corpus_location: str, tmp_path: object, runner: CliRunner
) -> None:
    from pathlib import Path

    out = Path(str(tmp_path)) / "evin.trig.gz"
    base = ["--store", corpus_location, "--base-iri", BASE, "export"]
    result = runner.invoke(
        cli, [*base, "--format", "trig", "--entity", "evin-prison", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = gzip.decompress(out.read_bytes()).decode()
    assert "evin-prison" in text and text.startswith("@prefix dk:")
    result = runner.invoke(cli, [*base, "--format", "nquads", "--document", DOC])
    assert result.exit_code == 0 and graph_names(result.stdout_bytes)
    result = runner.invoke(cli, [*base, "--format", "jsonld", "--graph", "graph/registry/registry"])
    assert result.exit_code == 0 and json.loads(result.stdout_bytes)
    result = runner.invoke(cli, [*base, "--graph", "x", "--entity", "y"])
    assert result.exit_code == 2
    result = runner.invoke(cli, [*base, "--entity", "nobody"])
    assert result.exit_code == 1 and "no entity" in result.output


# ---------------------------------------------------------------------- HTTP


def test_http_dump_is_the_cli_dump(client: object, corpus_store: AnyStore) -> None:
    response = client.get("/dumps/dadkhah.trig")  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response.mimetype == "application/trig"
    assert response.get_data() == dump(corpus_store, "trig")


def test_http_dump_gzip_by_suffix_and_by_accept_encoding(client: object) -> None:
    plain = client.get("/dumps/dadkhah.nq").get_data()  # type: ignore[attr-defined]
    suffixed = client.get("/dumps/dadkhah.nq.gz")  # type: ignore[attr-defined]
    assert suffixed.mimetype == "application/gzip"
    assert "Content-Encoding" not in suffixed.headers
    assert gzip.decompress(suffixed.get_data()) == plain
    encoded = client.get("/dumps/dadkhah.nq", headers={"Accept-Encoding": "gzip"})  # type: ignore[attr-defined]
    assert encoded.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in encoded.headers["Vary"]
    assert gzip.decompress(encoded.get_data()) == plain


@pytest.mark.parametrize(
    ("fmt", "scope", "query"),
    [("nquads", Scope(), ""), ("turtle", Scope(entity=EVIN), "?entity=evin-prison")],
)
def test_http_gzip_dump_is_the_cli_gzip_dump_byte_for_byte(
    client: object, corpus_store: AnyStore, fmt: str, scope: Scope, query: str
) -> None:
    """``dadkhah export -o NAME.gz`` writes what ``write(..., gz=True)`` gives."""
    from dadkhah.export import SUFFIXES

    name = f"dadkhah.{SUFFIXES[fmt]}"
    cli_bytes = dump(corpus_store, fmt, scope, gz=True)
    by_suffix = client.get(f"/dumps/{name}.gz{query}").get_data()  # type: ignore[attr-defined]
    gzipped = {"Accept-Encoding": "gzip"}
    by_encoding = client.get(f"/dumps/{name}{query}", headers=gzipped).get_data()  # type: ignore[attr-defined]
    assert by_suffix == cli_bytes == by_encoding
    assert gzip.decompress(cli_bytes) == dump(corpus_store, fmt, scope)
    # gzip magic, deflate, no flags (no file name), mtime 0, no extra flags, OS "unknown"
    assert cli_bytes[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def test_http_scoped_dumps_and_refusals(client: object) -> None:
    ok = client.get("/dumps/dadkhah.jsonld?entity=evin-prison")  # type: ignore[attr-defined]
    assert ok.status_code == 200 and "evin-prison" in ok.get_data(as_text=True)
    assert client.get("/dumps/dadkhah.ttl?document=nope").status_code == 404  # type: ignore[attr-defined]
    assert client.get("/dumps/dadkhah.trig?graph=graph/none").status_code == 404  # type: ignore[attr-defined]
    assert client.get("/dumps/dadkhah.xlsx").status_code == 404  # type: ignore[attr-defined]
    both = client.get("/dumps/dadkhah.trig?graph=a&entity=b")  # type: ignore[attr-defined]
    assert both.status_code == 400


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("graph=a%20b", "graph"),
        ("graph=https://x.example/a%3Eb", "graph"),
        ("entity=a%3Eb", "entity"),
        ("entity=https://x.example/a%20b", "entity"),
        ("document=a%22b", "document"),
        ("document=https://x.example/a%7Bb", "document"),
    ],
)
def test_http_dump_scope_that_is_no_iri_is_a_bad_request(
    client: object, query: str, name: str
) -> None:
    response = client.get(f"/dumps/dadkhah.nq?{query}")  # type: ignore[attr-defined]
    body = response.get_data(as_text=True)
    assert response.status_code == 400, body
    assert "syntax error" not in body and f"{name}:" in body and "IRI" in body


def test_claims_about_a_value_that_is_no_iri_is_a_bad_request(client: object) -> None:
    for about in ("a%3Eb", "a%20b", "https://x.example/a%22b"):
        response = client.get(f"/claims?about={about}")  # type: ignore[attr-defined]
        body = response.get_data(as_text=True)
        assert response.status_code == 400, body
        assert "syntax error" not in body and "about:" in body
    assert client.get("/claims?about=nobody").status_code == 404  # type: ignore[attr-defined]


def test_void_lists_dumps_and_endpoint(client: object) -> None:
    response = client.get("/void", headers={"Accept": "text/turtle"})  # type: ignore[attr-defined]
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    g = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    void = "http://rdfs.org/ns/void#"
    dcat = "http://www.w3.org/ns/dcat#"
    dumps = {str(o) for o in g.objects(None, URIRef(void + "dataDump"))}
    assert "http://localhost/dumps/dadkhah.trig" in dumps
    assert "http://localhost/dumps/dadkhah.nq.gz" in dumps
    assert (None, URIRef(void + "sparqlEndpoint"), URIRef("http://localhost/sparql")) in g
    assert (None, URIRef(dcat + "endpointURL"), URIRef("http://localhost/sparql")) in g
    assert len(set(g.subjects(URIRef(dcat + "downloadURL"), None))) == 10
    for url in dumps:
        assert client.get(url.removeprefix("http://localhost")).status_code == 200  # type: ignore[attr-defined]


def test_a_graph_named_by_an_iri_without_slashes_is_scoped_as_that_iri(
    corpus_store: AnyStore, app: object
) -> None:
    """An absolute IRI is known by its scheme, not by ``://``: ``urn:x:1`` names the graph
    ``urn:x:1``, not a path under the base IRI."""
    corpus_store.update('INSERT DATA { GRAPH <urn:x:1> { <urn:x:s> <urn:x:p> "in urn:x:1" } }')
    assert scope_iri("graph", "urn:x:1", BASE) == "urn:x:1"
    assert scope_iri("document", "urn:uuid:0b376dec", BASE) == "urn:uuid:0b376dec"
    assert scope_iri("graph", "graph/registry/registry", BASE) == f"{BASE}graph/registry/registry"
    assert claims.resolve("urn:x:s") == "urn:x:s"  # /claims?about= reads its value alike
    response = app.test_client().get("/dumps/dadkhah.nq?graph=urn:x:1")  # type: ignore[attr-defined]
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_data() == b'<urn:x:s> <urn:x:p> "in urn:x:1" <urn:x:1> .\n'


BAD_FOR_XML = "http://example.org/terms/"  # no XML name ends it


def test_rdfxml_refuses_a_predicate_it_cannot_write_and_names_it(
    corpus_store: AnyStore, app: object
) -> None:
    """Oxigraph would write such a predicate as an element named ``oxprefix:``, which no
    XML parser reads; the other formats write it."""
    corpus_store.update(f'INSERT DATA {{ GRAPH <urn:x:g> {{ <{EVIN}> <{BAD_FOR_XML}> "x" }} }}')
    client = app.test_client()  # type: ignore[attr-defined]
    refused = client.get("/id/entity/evin-prison.rdf")
    assert refused.status_code == 406
    assert f"<{BAD_FOR_XML}>" in refused.get_data(as_text=True)
    negotiated = client.get("/id/entity/evin-prison", headers={"Accept": "application/rdf+xml"})
    assert negotiated.status_code == 406 and negotiated.headers["Vary"] == "Accept"
    assert client.head("/id/entity/evin-prison.rdf").status_code == 406
    assert client.get("/id/entity/evin-prison.ttl").status_code == 200
    graph = client.get("/rdf-graphs?graph=urn:x:g", headers={"Accept": "application/rdf+xml"})
    assert graph.status_code == 406
    with pytest.raises(NotExpressible, match="RDF/XML cannot write the predicate"):
        dump(corpus_store, "rdfxml", Scope(graph="urn:x:g"))
    assert b"x" in dump(corpus_store, "ntriples", Scope(graph="urn:x:g"))
