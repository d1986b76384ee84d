"""The alignment file maps declared Dadkhah terms, classes to classes and properties to
properties, into schema.org, CIDOC-CRM and RiC-O (plus Dublin Core), and nothing else."""

from __future__ import annotations

from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from dadkhah.namespaces import DK
from dadkhah.resources import ontology_dir, ontology_files
from dadkhah.validation import ontology_graph

TARGETS = (
    "https://schema.org/",
    "http://www.cidoc-crm.org/cidoc-crm/",
    "https://www.ica.org/standards/RiC/ontology#",
    "http://purl.org/dc/terms/",
)
CLASS_LINKS = {RDFS.subClassOf, OWL.equivalentClass}
PROPERTY_LINKS = {RDFS.subPropertyOf, OWL.equivalentProperty}


def alignment() -> Graph:
    return Graph().parse(ontology_dir() / "alignment.ttl", format="turtle")


def test_alignment_is_kept_out_of_the_ontology_modules() -> None:
    assert "alignment.ttl" not in {p.name for p in ontology_files()}


def test_every_mapping_links_a_declared_term_to_a_target_vocabulary() -> None:
    ontology = ontology_graph()
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty)) | set(
        ontology.subjects(RDF.type, OWL.DatatypeProperty)
    )
    mappings = [(s, p, o) for s, p, o in alignment() if p in CLASS_LINKS | PROPERTY_LINKS]
    assert len(mappings) >= 40
    for s, p, o in mappings:
        assert isinstance(s, URIRef) and str(s).startswith(str(DK)), s
        assert str(o).startswith(TARGETS), (s, o)
        assert s in (classes if p in CLASS_LINKS else properties), (s, p)
    mapped = {s for s, _, _ in mappings}
    for term in (DK.SourceDocument, DK.Person, DK.Organization, DK.Place, DK.Event, DK.Claim):
        targets = {str(o) for o in alignment().objects(term, RDFS.subClassOf)}
        assert any(t.startswith(TARGETS[1]) for t in targets), term  # CIDOC-CRM
        assert term in mapped
    for vocabulary in TARGETS[:3]:
        assert any(str(o).startswith(vocabulary) for _, _, o in mappings), vocabulary


def test_pejorative_labels_never_become_names() -> None:
    assert not list(alignment().triples((DK.pejorativeLabel, None, None)))


def test_alignment_is_served(client: FlaskClient) -> None:
    response = client.get("/ontology/alignment.ttl")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    assert len(Graph().parse(data=response.get_data(as_text=True), format="turtle")) >= 40
