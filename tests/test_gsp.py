"""Graph Store Protocol and SPARQL Update through Flask's test client: who may write, what
each method does, SHACL validation of every write (rejected whole, store unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from server import create_app
from tests.backends import AnyStore, add, quads

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EX = "http://example.org/"
TTL = "text/turtle"
GRAPH = f"{EX}graph/1"
PERSON = f'<{EX}alice> <{EX}name> "Alice" .\n'
INVALID = "<http://example.org/doc> a <https://dadkhah.example/ns#SourceDocument> .\n"


@pytest.fixture
def store(new_store: Callable[[], AnyStore]) -> AnyStore:
    store = new_store()
    add(
        store,
        [
            ox.Quad(
                ox.NamedNode(f"{EX}s"),
                ox.NamedNode(f"{EX}p"),
                ox.Literal("o"),
                ox.NamedNode(f"{EX}g0"),
            )
        ],
    )
    return store


def make(store: AnyStore, **settings: Any) -> FlaskClient:
    return create_app({"store": "/nonexistent", **settings}, store=store).test_client()


@pytest.fixture
def client(store: AnyStore) -> FlaskClient:
    return make(store, update_token=TOKEN)


# ---------------------------------------------------------------- authorisation


def test_writes_are_disabled_without_a_configured_token(store: AnyStore) -> None:
    client = make(store)
    before = quads(store)
    put = client.put(f"/rdf-graphs?graph={GRAPH}", data=PERSON, content_type=TTL, headers=AUTH)
    assert put.status_code == 403
    update = client.post("/sparql", data={"update": "CLEAR ALL"}, headers=AUTH)
    assert update.status_code == 403
    assert quads(store) == before


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 403), ({"Authorization": "Basic eDp5"}, 401)],
)
def test_writes_need_the_bearer_token(
    client: FlaskClient, store: AnyStore, headers: dict[str, str], status: int
) -> None:
    before = quads(store)
    responses = [
        client.put(f"/rdf-graphs?graph={GRAPH}", data=PERSON, content_type=TTL, headers=headers),
        client.post("/rdf-graphs", data=PERSON, content_type=TTL, headers=headers),
        client.delete(f"/rdf-graphs?graph={EX}g0", headers=headers),
        client.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update",
                    headers=headers),
    ]  # fmt: skip
    assert [r.status_code for r in responses] == [status] * 4
    if status == 401:
        assert responses[0].headers["WWW-Authenticate"].startswith("Bearer")
    assert quads(store) == before


# ---------------------------------------------------------------- graph store


def test_put_get_post_delete_cycle(client: FlaskClient) -> None:
    url = f"/rdf-graphs?graph={GRAPH}"
    assert client.get(url).status_code == 404
    assert client.head(url).status_code == 404
    assert client.put(url, data=PERSON, content_type=TTL, headers=AUTH).status_code == 201
    got = client.get(url, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and got.mimetype == "application/n-triples"
    assert got.get_data(as_text=True).strip() == PERSON.strip()
    head = client.head(url, headers={"Accept": "text/turtle; charset=utf-8"})
    assert head.status_code == 200 and head.mimetype == "text/turtle" and not head.data
    assert client.put(url, data=PERSON, content_type=TTL, headers=AUTH).status_code == 204
    more = f'<{EX}bob> <{EX}name> "Bob" .'
    assert client.post(url, data=more, content_type=TTL, headers=AUTH).status_code == 204
    merged = client.get(url, headers={"Accept": "application/n-triples"}).get_data(as_text=True)
    assert len(merged.strip().splitlines()) == 2
    assert client.delete(url, headers=AUTH).status_code == 204
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=AUTH).status_code == 404


def test_default_graph(client: FlaskClient, store: AnyStore) -> None:
    assert client.put(
        "/rdf-graphs?default", data=PERSON, content_type=TTL, headers=AUTH
    ).status_code in (201, 204)
    assert store.graph_triples(None)
    body = client.get("/rdf-graphs?default", headers={"Accept": "application/n-triples"})
    assert body.get_data(as_text=True).strip() == PERSON.strip()
    assert client.delete("/rdf-graphs?default", headers=AUTH).status_code == 204
    assert store.graph_triples(None) == []


def test_post_to_the_store_creates_a_graph(client: FlaskClient, store: AnyStore) -> None:
    response = client.post("/rdf-graphs", data=PERSON, content_type=TTL, headers=AUTH)
    assert response.status_code == 201
    location = response.headers["Location"]
    assert location.startswith("http://localhost/rdf-graphs/")
    assert store.graph_exists(location)
    direct = client.get(location.removeprefix("http://localhost"))
    assert direct.status_code == 200 and "Alice" in direct.get_data(as_text=True)
    assert client.get("/rdf-graphs", query_string={"graph": location}).status_code == 200


def test_multipart_post_merges_every_part(client: FlaskClient, store: AnyStore) -> None:
    from io import BytesIO

    data = {
        "a": (BytesIO(PERSON.encode()), "a.ttl", TTL),
        "b": (BytesIO(f'<{EX}bob> <{EX}name> "Bob" .'.encode()), "b.nt", "application/n-triples"),
    }
    response = client.post(f"/rdf-graphs?graph={GRAPH}", data=data, headers=AUTH)
    assert response.status_code == 201
    assert len(store.graph_triples(GRAPH)) == 2


@pytest.mark.parametrize(
    "url", [f"/rdf-graphs?graph={EX}g0", "/rdf-graphs"], ids=["graph", "store"]
)
def test_head_sends_gets_length_or_none(client: FlaskClient, url: str) -> None:
    """RFC 9110 8.6: a HEAD response's Content-Length, if sent, is the one GET would send."""
    get, head = client.get(url), client.head(url)
    assert head.status_code == get.status_code == 200
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.get_data() == b""
    assert head.headers.get("Content-Length", str(len(get.get_data()))) == str(len(get.get_data()))
    if url != "/rdf-graphs":  # one graph is serialized for HEAD too; the whole store is not
        assert "Content-Length" in head.headers


def test_whole_store_as_trig_and_nquads(client: FlaskClient) -> None:
    trig = client.get("/rdf-graphs")
    assert trig.mimetype == "application/trig"
    nquads = client.get("/rdf-graphs", headers={"Accept": "application/n-quads"})
    assert f"<{EX}g0>" in nquads.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/*", "application/n-triples"),
        ("text/turtle;q=0, */*", "application/n-triples"),
        ("*/*;q=0", None),
    ],
)
def test_graph_accept_honours_q_zero_and_wildcards(
    client: FlaskClient, accept: str, media: str | None
) -> None:
    response = client.get(f"/rdf-graphs?graph={EX}g0", headers={"Accept": accept})
    if media is None:
        assert response.status_code == 406
    else:
        assert response.status_code == 200
        assert response.mimetype == media


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        (PERSON, "application/pdf", 415),
        ("<a> <b> .", TTL, 400),
        (PERSON, "application/n-quads", 415),
    ],
)
def test_bad_payloads(
    client: FlaskClient, store: AnyStore, data: str, content_type: str, status: int
) -> None:
    before = quads(store)
    url = f"/rdf-graphs?graph={GRAPH}"
    assert client.put(url, data=data, content_type=content_type, headers=AUTH).status_code == status
    assert quads(store) == before


def test_graph_must_be_named_once_and_absolutely(client: FlaskClient) -> None:
    assert client.get(f"/rdf-graphs?graph={GRAPH}&default").status_code == 400
    assert client.get("/rdf-graphs?graph=relative").status_code == 400


@pytest.mark.parametrize("path", ["x%3Ey", "q%22uote", "x%7By%7D", "a%5Cb", "x%60y"])
def test_a_graph_url_that_is_no_iri_is_refused_plainly(client: FlaskClient, path: str) -> None:
    """A graph named by the URL is checked as ?graph= is, before any SPARQL is written."""
    response = client.put(f"/rdf-graphs/{path}", data=PERSON, content_type=TTL, headers=AUTH)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "needs an absolute IRI" in text and "syntax" not in text.lower()
    assert client.get(f"/rdf-graphs/{path}").status_code == 400


def test_shape_violation_rejects_the_whole_put(client: FlaskClient, store: AnyStore) -> None:
    before = quads(store)
    response = client.put(
        f"/rdf-graphs?graph={GRAPH}",
        data=PERSON + INVALID,
        content_type=TTL,
        headers={**AUTH, "Accept": "application/json"},
    )
    assert response.status_code == 422
    violations = response.json["violations"]
    assert violations and all(v["focus"] == f"{EX}doc" for v in violations)
    assert quads(store) == before


def test_body_over_the_limit_is_413(store: AnyStore) -> None:
    client = make(store, update_token=TOKEN, max_body_bytes=200)
    big = PERSON * 20
    response = client.put(f"/rdf-graphs?graph={GRAPH}", data=big, content_type=TTL, headers=AUTH)
    assert response.status_code == 413


# ---------------------------------------------------------------- SPARQL Update


def update(client: FlaskClient, text: str, **params: str) -> Any:
    return client.post(
        "/sparql",
        data=text,
        query_string=params,
        content_type="application/sparql-update",
        headers=AUTH,
    )


def test_update_by_form_and_direct_post(client: FlaskClient, store: AnyStore) -> None:
    insert = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {PERSON} }} }}"
    assert client.post("/sparql", data={"update": insert}, headers=AUTH).status_code == 204
    assert len(store.graph_triples(GRAPH)) == 1
    assert update(client, f"DELETE WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}").status_code == 204
    assert store.graph_triples(GRAPH) == []


def test_update_with_using_graph_uri(client: FlaskClient, store: AnyStore) -> None:
    text = f"INSERT {{ GRAPH <{GRAPH}> {{ ?s a <{EX}Thing> }} }} WHERE {{ ?s ?p ?o }}"
    assert update(client, text, **{"using-graph-uri": f"{EX}g0"}).status_code == 204
    assert len(store.graph_triples(GRAPH)) == 1
    clash = f"WITH <{EX}g0> INSERT {{ ?s a <{EX}T> }} WHERE {{ ?s ?p ?o }}"
    assert update(client, clash, **{"using-graph-uri": f"{EX}g0"}).status_code == 400


def test_update_violating_shapes_changes_nothing(client: FlaskClient, store: AnyStore) -> None:
    before = quads(store)
    text = f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {INVALID} }} GRAPH <{EX}g9> {{ {PERSON} }} }}"
    response = update(client, text)
    assert response.status_code == 422
    assert "SourceDocument" in response.get_data(as_text=True) or "capture" in response.get_data(
        as_text=True
    )
    assert quads(store) == before


def test_update_syntax_error_and_load_are_400(client: FlaskClient, store: AnyStore) -> None:
    before = quads(store)
    bad = update(client, "INSERT DATA { <a> }")
    assert bad.status_code == 400 and "error at 1:" in bad.get_data(as_text=True)
    load = update(client, "LOAD <http://127.0.0.1:9/data.ttl>")
    assert load.status_code == 400 and "LOAD is refused" in load.get_data(as_text=True)
    assert quads(store) == before


def test_relative_iris_in_updates_resolve_against_the_endpoint(
    client: FlaskClient, store: AnyStore
) -> None:
    assert (
        update(client, f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{EX}s> <{EX}p> <rel> }} }}").status_code
        == 204
    )
    assert store.graph_triples(GRAPH)[0].object == ox.NamedNode("http://localhost/rel")


def test_update_refused_over_the_size_limit(store: AnyStore) -> None:
    client = make(store, update_token=TOKEN, max_update_quads=1)
    add(store, [ox.Quad(ox.NamedNode(f"{EX}x"), ox.NamedNode(f"{EX}p"), ox.Literal("2"))])
    response = update(client, "CLEAR ALL")
    assert response.status_code == 413 and "Graph Store" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "media_type",
    ["text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"],
)
def test_a_body_that_starts_with_a_byte_order_mark_is_read_without_it(
    client: FlaskClient, store: AnyStore, media_type: str
) -> None:
    body = {
        "application/ld+json": f'{{"@id": "{EX}alice", "{EX}name": "Alice"}}',
        "application/rdf+xml": (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns:ex="{EX}"><rdf:Description rdf:about="{EX}alice">'
            "<ex:name>Alice</ex:name></rdf:Description></rdf:RDF>"
        ),
    }.get(media_type, PERSON)
    url = f"/rdf-graphs?graph={GRAPH}"
    put = client.put(url, data="\ufeff" + body, content_type=media_type, headers=AUTH)
    assert put.status_code == 201, put.get_data(as_text=True)
    assert [str(t) for t in store.graph_triples(GRAPH)] == [f'<{EX}alice> <{EX}name> "Alice"']


def test_a_query_or_update_body_that_starts_with_a_byte_order_mark_runs(
    client: FlaskClient, store: AnyStore
) -> None:
    insert = f"\ufeffINSERT DATA {{ GRAPH <{GRAPH}> {{ {PERSON} }} }}"
    posted = client.post(
        "/sparql", data=insert.encode(), content_type="application/sparql-update", headers=AUTH
    )
    assert posted.status_code == 204, posted.get_data(as_text=True)
    asked = client.post(
        "/sparql",
        data=f"\ufeffASK {{ GRAPH <{GRAPH}> {{ <{EX}alice> ?p ?o }} }}".encode(),
        content_type="application/sparql-query",
        headers={"Accept": "application/sparql-results+json"},
    )
    assert asked.status_code == 200 and asked.get_json()["boolean"] is True
