"""Self-description over the bundled corpus: service description, VoID statistics, ontology
and shapes documents, example queries (each of which must run)."""

from __future__ import annotations

import pyoxigraph as ox
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID

from dadkhah.namespaces import SD

ENDPOINT = URIRef("http://localhost/sparql")


def test_service_description_names_its_endpoint(client: FlaskClient) -> None:
    response = client.get("/sparql")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(), format="turtle")
    assert (ENDPOINT, RDF.type, SD.Service) in graph
    assert (ENDPOINT, SD.endpoint, ENDPOINT) in graph
    assert (ENDPOINT, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (ENDPOINT, SD.feature, SD.UnionDefaultGraph) in graph
    assert len(set(graph.objects(ENDPOINT, SD.resultFormat))) == 8


def test_service_description_counts_what_it_says_it_counts(client: FlaskClient) -> None:
    """The default graph is the union of the named graphs: a triple stated in several graphs
    is in it once, so the quad count is no count of its triples and is not given as one."""
    graph = Graph().parse(data=client.get("/sparql").get_data(), format="turtle")
    dataset = graph.value(ENDPOINT, SD.defaultDataset)
    default = graph.value(dataset, SD.defaultGraph)
    assert default is not None and graph.value(default, VOID.triples) is None
    quads = client.application.extensions["dadkhah.store"].quad_count()
    assert int(str(graph.value(dataset, VOID.triples))) == quads
    assert "named graph" in str(graph.value(dataset, DCTERMS.description))


def test_service_description_in_other_rdf_formats(client: FlaskClient) -> None:
    for accept, fmt in (
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ):
        response = client.get("/sparql", headers={"Accept": accept})
        assert response.mimetype == accept
        triples = list(ox.parse(response.get_data(), fmt))
        assert any(t.predicate.value.endswith("#endpoint") for t in triples)


def test_void_counts_the_corpus(client: FlaskClient) -> None:
    response = client.get("/.well-known/void")
    graph = Graph().parse(data=response.get_data(), format="turtle")
    dataset = URIRef("http://localhost/.well-known/void#dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert int(graph.value(dataset, VOID.triples)) > 1000  # type: ignore[arg-type]
    assert graph.value(dataset, VOID.sparqlEndpoint) == ENDPOINT
    classes = {graph.value(p, VOID["class"]) for p in graph.objects(dataset, VOID.classPartition)}
    assert URIRef("https://dadkhah.example/ns#SourceDocument") in classes


def test_ontology_and_shapes_are_documents(client: FlaskClient) -> None:
    ontology = client.get("/ontology")
    assert ontology.mimetype == "text/turtle"
    assert "owl:Ontology" in ontology.get_data(as_text=True)
    shapes = client.get("/shapes", headers={"Accept": "application/n-triples"})
    assert shapes.mimetype == "application/n-triples"
    assert "http://www.w3.org/ns/shacl#NodeShape" in shapes.get_data(as_text=True)


def test_examples_give_prefixes_and_runnable_queries(client: FlaskClient) -> None:
    body = client.get("/sparql/examples").json
    assert body["prefixes"]["dk"] == "https://dadkhah.example/ns#"
    assert len(body["examples"]) >= 4
    for example in body["examples"]:
        response = client.post("/sparql", data={"query": example["query"]})
        assert response.status_code == 200, (example["name"], response.get_data(as_text=True))
    documents = client.post("/sparql", data={"query": body["examples"][0]["query"]}).json
    assert len(documents["results"]["bindings"]) == 5
