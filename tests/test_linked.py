"""Dereferenceable IRIs: content negotiation, suffix URLs, headers, host independence."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from dadkhah.iris import Minter
from loaders.commit import discover, load_paths
from tests.backends import AnyStore

BASE = "https://dadkhah.example/id/"
ENTITY = "/id/entity/evin-prison"
DOCUMENT = "/id/document/003_0b376dec0ab0c89d"
CLAIM = "/id/claim/001_80b7eb5d3f2c6833/executed-more-than-30000"
ANNOTATION = "/id/annotation/001_80b7eb5d3f2c6833/executed-more-than-30000"
RDF_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def parse(body: bytes, media: str) -> list[ox.Quad | ox.Triple]:
    return list(ox.parse(body, RDF_TYPES[media], base_iri=BASE))


def subjects(body: bytes, media: str) -> set[str]:
    return {t.subject.value for t in parse(body, media) if isinstance(t.subject, ox.NamedNode)}


@pytest.mark.parametrize("path", [ENTITY, DOCUMENT, CLAIM, ANNOTATION])
@pytest.mark.parametrize("media", sorted(RDF_TYPES))
def test_each_accept_value_gets_its_format(client: FlaskClient, path: str, media: str) -> None:
    response = client.get(path, headers={"Accept": media})
    assert response.status_code == 200
    assert response.mimetype == media
    assert "Accept" in response.headers["Vary"]
    assert BASE + path.removeprefix("/id/") in subjects(response.get_data(), media)


def test_browsers_and_curl_get_html(client: FlaskClient) -> None:
    for accept in (BROWSER, "*/*", None):
        headers = {"Accept": accept} if accept else {}
        response = client.get(ENTITY, headers=headers)
        assert response.status_code == 200 and response.mimetype == "text/html"
        assert "Evin Prison" in response.get_data(as_text=True)


def test_suffix_urls_pick_the_format_whatever_accept_says(client: FlaskClient) -> None:
    for suffix, media in (
        (".ttl", "text/turtle"),
        (".jsonld", "application/ld+json"),
        (".nt", "application/n-triples"),
        (".rdf", "application/rdf+xml"),
        (".trig", "application/trig"),
        (".nq", "application/n-quads"),
    ):
        response = client.get(CLAIM + suffix, headers={"Accept": "text/html"})
        assert response.status_code == 200 and response.mimetype == media, suffix
        assert BASE + CLAIM.removeprefix("/id/") in subjects(response.get_data(), media)
    html = client.get(ENTITY + ".html", headers={"Accept": "text/turtle"})
    assert html.mimetype == "text/html"


def test_link_headers_name_every_alternate(client: FlaskClient) -> None:
    response = client.get(ENTITY)
    link = response.headers["Link"]
    for suffix, media in (
        (".ttl", "text/turtle"),
        (".jsonld", "application/ld+json"),
        (".nt", "application/n-triples"),
        (".rdf", "application/rdf+xml"),
        (".html", "text/html"),
    ):
        assert f'<{ENTITY}{suffix}>; rel="alternate"; type="{media}"' in link
    assert response.headers["Content-Location"] == ENTITY + ".html"
    turtle = client.get(ENTITY, headers={"Accept": "text/turtle"})
    assert turtle.headers["Content-Location"] == ENTITY + ".ttl"


def test_description_nests_fragment_nodes_and_labels_what_it_links_to(
    client: FlaskClient,
) -> None:
    body = client.get(ANNOTATION, headers={"Accept": "application/n-triples"}).get_data()
    triples = parse(body, "application/n-triples")
    ann = BASE + ANNOTATION.removeprefix("/id/")
    found = {t.subject.value for t in triples}
    assert {ann, ann + "#target", ann + "#quote", ann + "#position"} <= found
    exact = [t.object.value for t in triples if t.predicate.value.endswith("#exact")]
    assert exact == ["ordered the execution of more than 30,000 political prisoners"]
    # the document it targets is named, not described
    doc = BASE + "document/001_80b7eb5d3f2c6833"
    doc_triples = [t for t in triples if t.subject.value == doc]
    assert doc_triples and all(t.predicate.value.endswith("title") for t in doc_triples)


def test_entity_description_holds_incoming_links_with_their_names(client: FlaskClient) -> None:
    body = client.get(ENTITY, headers={"Accept": "text/turtle"}).get_data()
    triples = parse(body, "text/turtle")
    evin = BASE + "entity/evin-prison"
    incoming = {t.subject.value for t in triples if t.object == ox.NamedNode(evin)}
    massacre = BASE + "entity/massacre-1988"
    assert massacre in incoming
    assert any(
        t.subject.value == massacre and t.predicate.value.endswith("prefLabel") for t in triples
    )
    assert body.startswith(b"@prefix dk: <https://dadkhah.example/ns#> .")


def test_trig_description_keeps_the_graph_of_each_statement(client: FlaskClient) -> None:
    body = client.get(ENTITY + ".trig").get_data()
    graphs = {q.graph_name.value for q in parse(body, "application/trig")}
    assert BASE + "graph/registry/registry" in graphs
    assert BASE + "graph/annotations/003_0b376dec0ab0c89d" in graphs


def test_provenance_graph_iri_is_described_by_its_content(client: FlaskClient) -> None:
    path = "/id/graph/document/003_0b376dec0ab0c89d/provenance"
    body = client.get(path, headers={"Accept": "application/n-triples"}).get_data()
    assert any(
        t.predicate.value.endswith("#loaderVersion") for t in parse(body, "application/n-triples")
    )
    page = client.get("/id/graph/document/003_0b376dec0ab0c89d")
    assert page.status_code == 200
    assert "/dumps/dadkhah.trig?graph=" in page.headers["Link"]


def test_unknown_iris_are_404_and_unoffered_formats_406(client: FlaskClient) -> None:
    missing = client.get("/id/entity/nobody", headers={"Accept": BROWSER})
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert client.get("/id/entity/nobody.ttl").status_code == 404
    assert client.get("/id/entity/nobody", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get(ENTITY, headers={"Accept": "image/png"}).status_code == 406


def test_the_host_does_not_change_the_iris(client: FlaskClient) -> None:
    for base_url in (
        "http://localhost",
        "https://mirror.example.org:8443",
        "http://127.0.0.1:5000",
    ):
        body = client.get(ENTITY, base_url=base_url, headers={"Accept": "text/turtle"}).get_data()
        assert BASE + "entity/evin-prison" in subjects(body, "text/turtle")
        assert b"mirror.example.org" not in body


def test_a_configured_base_moves_the_route_with_it(tmp_path: Path, store: AnyStore) -> None:
    """Another base (another path on another host): its path answers, canonical IRIs kept."""
    from server import create_app

    base = "https://archive.example.net/data/"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "registry.yaml").write_text(
        "entities:\n  - id: someone\n    type: Person\n    label: Some One\n", encoding="utf-8"
    )
    outcomes = list(load_paths(store, discover([str(tmp_path / "in")]), Minter(base)))
    assert outcomes and not [o for o in outcomes if o.error]
    app = create_app({"store": store.path, "base_iri": base}, store=store)
    client = app.test_client()
    page = client.get("/data/entity/someone")
    assert page.status_code == 200 and "Some One" in page.get_data(as_text=True)
    data = json.loads(client.get("/data/entity/someone.jsonld").get_data())
    assert any(node.get("@id") == base + "entity/someone" for node in data)
    assert client.get("/id/entity/someone").status_code == 404


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("text/turtle;charset=utf-8", "text/turtle"),
        ("text/turtle; charset=UTF-8; q=0.9", "text/turtle"),
        (
            'application/ld+json;profile="http://www.w3.org/ns/json-ld#expanded"',
            "application/ld+json",
        ),
        ("application/n-triples;charset=utf-8, text/html;q=0.5", "application/n-triples"),
        ("text/html;charset=utf-8", "text/html"),
        # q=0 refuses a type, and a wildcard does not let it back in (RFC 9110, 12.4.2)
        ("text/html;q=0, */*;q=0.5", "text/turtle"),
        ("text/html;q=0, application/xhtml+xml;q=0, */*", "text/turtle"),
        ("text/turtle;q=0, text/*", "text/html"),
        ("text/turtle, */*", "text/turtle"),  # the more specific range, at the same q
        ("text/html;q=0, text/plain", "application/n-triples"),  # an alias, named
        ("application/n-triples;q=0, text/turtle;q=0, */*;q=0.1", "text/html"),
        (BROWSER, "text/html"),
    ],
)
def test_accept_parameters_are_ignored_and_q0_refuses(
    client: FlaskClient, accept: str, media: str
) -> None:
    response = client.get(ENTITY, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == media


@pytest.mark.parametrize("accept", ["text/html;q=0", "*/*;q=0", "text/turtle;q=0, image/png"])
def test_accept_that_refuses_every_offer_is_406(client: FlaskClient, accept: str) -> None:
    assert client.get(ENTITY, headers={"Accept": accept}).status_code == 406


def test_404_and_406_say_they_vary_by_accept(client: FlaskClient) -> None:
    """Their bodies follow Accept (a page or plain text; text or JSON), so a cache must
    key them by it as it keys the 200s."""
    for accept in (BROWSER, "text/turtle"):
        missing = client.get("/id/entity/nobody", headers={"Accept": accept})
        assert missing.status_code == 404
        assert "Accept" in missing.headers.get("Vary", ""), accept
    html = client.get("/id/entity/nobody", headers={"Accept": BROWSER}).mimetype
    plain = client.get("/id/entity/nobody", headers={"Accept": "text/turtle"}).mimetype
    assert (html, plain) == ("text/html", "text/plain")
    refused = client.get(ENTITY, headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "Accept" in refused.headers.get("Vary", "")


@pytest.mark.parametrize(
    "path",
    [
        "/id/entity/foo%20bar",
        "/id/entity/a%3Eb",
        "/id/entity/a%22b",
        "/id/entity/a%7Bb",
        "/id/entity/a%5Cb",
        "/id/entity/a%3Eb.ttl",
        # a graph that exists, then SPARQL that would close its IRI and the query around it
        "/id/graph/registry/registry%3E%20%7B%20%7D%20%7D%20%23",
    ],
)
@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_a_path_that_makes_no_iri_is_not_found(client: FlaskClient, path: str, accept: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 404, response.get_data(as_text=True)
    body = response.get_data(as_text=True)
    assert "syntax error" not in body
    assert ("no resource" if accept == "text/turtle" else "holds nothing under") in body
