"""The SPARQL Protocol endpoint through Flask's test client (no HTTP server in front; the
store is the run's backend, in process or remote): request forms, content negotiation, status
codes, datasets, SERVICE refusal and limits."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from server import conneg, create_app, engine
from tests.backends import AnyStore, add

EX = "http://example.org/"
G1, G2 = f"{EX}g1", f"{EX}g2"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"


def small_store(store: AnyStore) -> AnyStore:
    """Two named graphs, nothing in the default graph (the shape Dadkhah's data has)."""
    add(
        store,
        [
            ox.Quad(
                ox.NamedNode(f"{EX}s{i}"),
                ox.NamedNode(f"{EX}p"),
                ox.Literal(f"v{i}"),
                ox.NamedNode(graph),
            )
            for graph, n in ((G1, 3), (G2, 2))
            for i in range(n)
        ],
    )
    return store


MakeClient = Callable[..., FlaskClient]


@pytest.fixture
def make_client(new_store: Callable[[], AnyStore]) -> MakeClient:
    def make(**settings: Any) -> FlaskClient:
        config = {"store": "/nonexistent", **settings}
        return create_app(config, store=small_store(new_store())).test_client()

    return make


@pytest.fixture
def client(make_client: MakeClient) -> FlaskClient:
    return make_client()


def count_of(response: Any) -> int:
    return int(response.json["results"]["bindings"][0]["n"]["value"])


# ---------------------------------------------------------------- request forms


def test_get_form_post_and_direct_post_agree(client: FlaskClient) -> None:
    by_get = client.get("/sparql", query_string={"query": COUNT})
    by_form = client.post("/sparql", data={"query": COUNT})
    by_body = client.post("/sparql", data=COUNT, content_type=QUERY)
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200
        assert response.mimetype == "application/sparql-results+json"
        assert count_of(response) == 5  # union of the named graphs


def test_direct_post_with_utf8_charset_is_accepted(client: FlaskClient) -> None:
    response = client.post("/sparql", data=COUNT, content_type=f"{QUERY}; charset=UTF-8")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": COUNT, "content_type": "text/plain"}, 415),
        ({"data": COUNT.encode("utf-16"), "content_type": f"{QUERY}; charset=UTF-16"}, 415),
        ({"data": "query=ASK%20%7B%7D"}, 415),
        ({"data": COUNT}, 415),
    ],
    ids=["text-plain", "utf-16", "form-without-type", "no-type"],
)
def test_unsupported_bodies_get_415(
    client: FlaskClient, kwargs: dict[str, Any], status: int
) -> None:
    response = client.post("/sparql", **kwargs)
    assert response.status_code == status
    assert "Traceback" not in response.get_data(as_text=True)


def test_other_methods_get_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/sparql", data=COUNT, content_type=QUERY)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("query_string", [{"query": COUNT}, {}], ids=["query", "description"])
def test_head_answers_as_get_without_a_body(
    client: FlaskClient, query_string: dict[str, str]
) -> None:
    get = client.get("/sparql", query_string=query_string)
    head = client.head("/sparql", query_string=query_string)
    assert head.status_code == get.status_code == 200
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == str(len(get.get_data()))
    assert head.get_data() == b""


def test_two_queries_and_update_by_get_are_400(client: FlaskClient) -> None:
    two = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D")
    assert two.status_code == 400
    assert client.get("/sparql", query_string={"update": "CLEAR ALL"}).status_code == 400
    both = client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"})
    assert both.status_code == 400


def test_invalid_utf8_in_a_parameter_is_400_by_every_route(client: FlaskClient) -> None:
    """Percent-encoding that decodes to bytes that are not UTF-8 is refused by GET and form
    POST as by a direct POST, instead of running with the literal ``%E9`` in the query."""
    encoded = "query=SELECT%20(%22caf%E9%22%20AS%20%3Fx)%7B%7D"
    by_get = client.get(f"/sparql?{encoded}")
    by_form = client.post("/sparql", data=encoded, content_type=FORM)
    by_form_url = client.post(f"/sparql?{encoded}", data="", content_type=FORM)
    by_body = client.post("/sparql", data=b'SELECT ("caf\xe9" AS ?x) {}', content_type=QUERY)
    for response in (by_get, by_form, by_form_url, by_body):
        assert response.status_code == 400
        assert "UTF-8" in response.get_data(as_text=True)
    for response in (by_get, by_form, by_form_url):
        assert "'query'" in response.get_data(as_text=True)
    graph = client.get("/sparql?query=ASK%7B%7D&default-graph-uri=http://e/%FF")
    assert graph.status_code == 400 and "'default-graph-uri'" in graph.get_data(as_text=True)
    fine = client.get("/sparql?query=SELECT%20(%22caf%C3%A9%22%20AS%20%3Fx)%7B%7D")
    assert json.loads(fine.get_data())["results"]["bindings"][0]["x"]["value"] == "café"


def test_malformed_query_is_400_with_position(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "error at 1:" in text and "expected" in text
    assert "\\u{" not in text  # the long list of character ranges is cut


def test_errors_are_json_when_asked(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "ASK {"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert set(response.json) >= {"status", "error", "message"}


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv;q=0.9, text/tab-separated-values", "text/tab-separated-values"),
        ("image/png, text/*;q=0.2", "text/csv"),
    ],
)
def test_select_formats_by_accept(client: FlaskClient, accept: str, media: str) -> None:
    response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media
    assert "Accept" in response.headers["Vary"]


def test_csv_and_tsv_bodies(client: FlaskClient) -> None:
    query = {"query": f"SELECT ?s WHERE {{ GRAPH <{G2}> {{ ?s ?p ?o }} }} ORDER BY ?s"}
    body = client.get("/sparql", query_string={**query, "format": "csv"}).get_data(as_text=True)
    assert list(csv.reader(io.StringIO(body))) == [["s"], [f"{EX}s0"], [f"{EX}s1"]]
    tsv = client.get("/sparql", query_string={**query, "format": "tsv"}).get_data(as_text=True)
    assert tsv.splitlines() == ["?s", f"<{EX}s0>", f"<{EX}s1>"]


def test_format_parameter_beats_a_browser_accept(client: FlaskClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for fmt, media in (
        ("csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
    ):
        response = client.get(
            "/sparql", query_string={"query": COUNT, "format": fmt}, headers={"Accept": browser}
        )
        assert response.mimetype == media


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        (None, "text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        (
            "text/turtle;q=0.1, application/ld+json;q=0.9",
            "application/ld+json",
            ox.RdfFormat.JSON_LD,
        ),
    ],
)
def test_construct_formats(
    client: FlaskClient, accept: str | None, media: str, fmt: ox.RdfFormat
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers=headers
    )
    assert response.status_code == 200
    assert response.mimetype == media
    triples = set(ox.parse(response.get_data(), fmt))
    assert len(triples) == 3  # a set: s0 and s1 are in both graphs


@pytest.mark.parametrize(
    ("query", "accept", "media"),
    [
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle;q=0, */*", "application/n-triples"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "application/*", "application/n-triples"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "text/*", "text/turtle"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "application/x-turtle", "text/turtle"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "*/*;q=0", None),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "application/*;q=0, text/turtle;q=0, */*", None),
        ("ASK {}", "application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
        ("ASK {}", "*/*;q=0", None),
        ("ASK {}", "text/*;q=0.5, */*;q=0.1", "text/csv"),
    ],
)
def test_accept_q_zero_and_wildcards_are_honoured(
    client: FlaskClient, query: str, accept: str, media: str | None
) -> None:
    """A type refused with q=0 is never sent, and a wildcard only covers types in its range
    (RFC 9110 12.5.1); when nothing is left the answer is 406."""
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    if media is None:
        assert response.status_code == 406
    else:
        assert response.status_code == 200
        assert response.mimetype == media


TRIPLE_TERM = (
    "CONSTRUCT { <http://a> <http://b> <<( <http://a> <http://b> <http://c> )>> } WHERE {}"
)


def test_a_result_the_format_cannot_hold_is_an_error_not_200(client: FlaskClient) -> None:
    """Oxigraph's JSON-LD writer refuses RDF 1.2 triple terms after the answer has begun."""
    response = client.get(
        "/sparql", query_string={"query": TRIPLE_TERM}, headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 500
    assert response.mimetype == "text/plain"
    assert "JSON-LD does not support RDF 1.2" in response.get_data(as_text=True)
    turtle = client.get("/sparql", query_string={"query": TRIPLE_TERM, "format": "ttl"})
    assert turtle.status_code == 200


@pytest.mark.parametrize("name", [*conneg.RESULT_FORMATS, *conneg.TRIPLE_FORMATS])
def test_complete_documents_are_told_from_cut_ones(name: str) -> None:
    """What ``engine.complete`` accepts is every Oxigraph serialization, empty or not, and
    never one with an error message written after it."""
    scratch = ox.Store()
    scratch.add(ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o")))
    media = engine.media_type_for(name)
    if name in conneg.TRIPLE_FORMATS:
        queries = ["CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p 1 }"]
    else:
        queries = ["SELECT * { ?s ?p ?o }", "SELECT * { ?s ?p 1 }", "ASK {}", "ASK { ?s ?p 1 }"]
    for query in queries:
        out = io.BytesIO()
        result = scratch.query(query)
        if isinstance(result, ox.QueryTriples):
            ox.serialize(result, out, conneg.GRAPH_FORMATS[name][1])
        else:
            result.serialize(out, conneg.RESULT_FORMATS[name][1])
        body = out.getvalue()
        assert engine.complete(media, body), (query, body)
        assert not engine.complete(media, body + b"Some engine error: an IRI <x>"), query


@pytest.mark.parametrize("name", conneg.TRIPLE_FORMATS)
@pytest.mark.parametrize(
    ("query", "n"),
    [(f"DESCRIBE <{EX}s0>", 1), ("CONSTRUCT WHERE { ?s ?p ?o }", 3)],
    ids=["describe", "construct"],
)
def test_graph_answers_hold_each_triple_once(
    client: FlaskClient, name: str, query: str, n: int
) -> None:
    """s0 and s1 stand in both graphs: the union default graph finds them twice, but a
    CONSTRUCT or DESCRIBE answer is an RDF graph, a set."""
    response = client.get("/sparql", query_string={"query": query, "format": name})
    assert response.status_code == 200
    triples = list(ox.parse(response.get_data(), conneg.GRAPH_FORMATS[name][1]))
    assert len(triples) == n


def test_select_over_the_union_sees_a_triple_once_per_graph(client: FlaskClient) -> None:
    """Oxigraph's union default graph is a bag for SELECT (as README says); DISTINCT or
    GRAPH ?g are the ways to count triples."""
    assert count_of(client.get("/sparql", query_string={"query": COUNT})) == 5
    distinct = "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT * { ?s ?p ?o } }"
    assert count_of(client.get("/sparql", query_string={"query": distinct})) == 3


def test_format_json_means_json_ld_for_construct(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "DESCRIBE <http://example.org/s0>", "format": "json"}
    )
    assert response.mimetype == "application/ld+json"


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    for query in (COUNT, "CONSTRUCT WHERE { ?s ?p ?o }"):
        response = client.get(
            "/sparql", query_string={"query": query}, headers={"Accept": "image/png"}
        )
        assert response.status_code == 406
    csv_for_construct = client.get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"}
    )
    assert csv_for_construct.status_code == 406


# ---------------------------------------------------------------- datasets


def test_default_graph_uri_and_named_graph_uri(client: FlaskClient) -> None:
    only_g2 = client.get("/sparql", query_string={"query": COUNT, "default-graph-uri": G2})
    assert count_of(only_g2) == 2
    named = client.get(
        "/sparql",
        query_string={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": G1,
        },
    )
    assert count_of(named) == 3


@pytest.mark.parametrize(
    ("query", "n"),
    [
        (f"SELECT (COUNT(*) AS ?n) FROM <{G1}> WHERE {{ ?s ?p ?o }}", 3),
        (f"SELECT (COUNT(*) AS ?n) FROM <{G1}> FROM <{G2}> WHERE {{ ?s ?p ?o }}", 5),
        ("SELECT (COUNT(*) AS ?n) FROM <http://nope.example/> WHERE { ?s ?p ?o }", 0),
        (f"SELECT (COUNT(*) AS ?n) from named <{G1}> WHERE {{ ?s ?p ?o }}", 0),
        (f"SELECT (COUNT(*) AS ?n) FROM NAMED <{G1}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", 3),
        (f"SELECT (COUNT(*) AS ?n) FROM <{G1}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", 0),
    ],
    ids=["from", "two-froms", "unknown", "named-only", "named-graph", "from-no-named"],
)
def test_from_in_the_query_is_its_dataset(client: FlaskClient, query: str, n: int) -> None:
    """A dataset clause replaces the union default graph (SPARQL 1.1 Query 13.2)."""
    assert count_of(client.get("/sparql", query_string={"query": query})) == n


def test_from_counts_only_as_a_keyword(client: FlaskClient) -> None:
    query = (
        'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER (?o != "FROM <http://nope/>" '
        "&& ?p != <http://example.org/FROM>) } # FROM <http://nope/>"
    )
    assert count_of(client.get("/sparql", query_string={"query": query})) == 5


def test_protocol_dataset_overrides_from(client: FlaskClient) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{G1}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query, "default-graph-uri": G2})
    assert count_of(response) == 2


def test_construct_with_from_reads_that_graph(client: FlaskClient) -> None:
    query = f"CONSTRUCT {{ ?s ?p ?o }} FROM <{G2}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query, "format": "nt"})
    assert len(list(ox.parse(response.get_data(), ox.RdfFormat.N_TRIPLES))) == 2


def test_unknown_graph_iri_is_an_empty_graph(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": COUNT, "default-graph-uri": "http://nowhere.example/"}
    )
    assert response.status_code == 200
    assert count_of(response) == 0


def test_union_default_graph_can_be_turned_off(make_client: MakeClient) -> None:
    client = make_client(union_default_graph=False)
    assert count_of(client.get("/sparql", query_string={"query": COUNT})) == 0


def test_graph_variable_gives_provenance(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}
    )
    graphs = {b["g"]["value"] for b in response.json["results"]["bindings"]}
    assert graphs == {G1, G2}


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT (<x> AS ?iri) {}"})
    assert response.json["results"]["bindings"][0]["iri"]["value"] == "http://localhost/x"


# ---------------------------------------------------------------- safety


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { service   ?endpoint { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://example.org/> { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p 'x' . SERVICE <http://example.org/> { ?s ?p ?o } } # '",
    ],
)
def test_service_is_refused(client: FlaskClient, query: str) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "SERVICE is refused" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://example.org/>",
        "SELECT * WHERE { ?s ?p 'SERVICE <http://example.org/> {}' }",
        'SELECT ?service WHERE { ?service <http://example.org/service> """SERVICE""" }',
        "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:SERVICE ?o }",
    ],
)
def test_the_word_service_elsewhere_is_fine(client: FlaskClient, query: str) -> None:
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


def test_service_allowed_by_setting_reaches_oxigraph(make_client: MakeClient) -> None:
    client = make_client(allow_service=True)
    query = "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


def test_query_and_body_size_limits_are_413(make_client: MakeClient) -> None:
    client = make_client(max_query_bytes=100, max_body_bytes=1000)
    long_query = "SELECT * WHERE { ?s ?p ?o } " + "#" * 200
    assert client.get("/sparql", query_string={"query": long_query}).status_code == 413
    huge = "ASK {} " + "#" * 5000
    assert client.post("/sparql", data=huge, content_type=QUERY).status_code == 413


def test_saturated_endpoint_answers_503_with_retry_after(make_client: MakeClient) -> None:
    client = make_client(max_concurrent=1)
    slots = client.application.extensions["dadkhah.slots"]
    assert slots.acquire(blocking=False)
    try:
        response = client.get("/sparql", query_string={"query": COUNT})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert client.get("/.well-known/void").status_code == 200  # pages are not counted
    finally:
        slots.release()
    assert client.get("/sparql", query_string={"query": COUNT}).status_code == 200
    assert client.get("/sparql", query_string={"query": COUNT}).status_code == 200  # released


def test_unexpected_errors_are_500_without_traceback(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import engine

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(engine, "run", broken)
    response = client.get("/sparql", query_string={"query": COUNT})
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)


# ---------------------------------------------------------------- CORS


def test_cors_allows_reads_from_any_origin_without_credentials(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": COUNT}, headers={"Origin": "https://evil.example"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "authorization" not in allowed


def test_queries_run_in_oxigraph_not_rdflib(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rdflib.plugins.sparql.evaluate as rdflib_eval

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("rdflib's SPARQL engine was used")

    monkeypatch.setattr(rdflib_eval, "evalQuery", forbidden)
    assert client.get("/sparql", query_string={"query": COUNT}).status_code == 200


def test_ask_answers_a_json_boolean(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert json.loads(response.get_data()) == {"head": {}, "boolean": True}
