"""The ontology is data tested like code: parsed, self-consistent, documented, and in step
with the closed namespace in ``dadkhah.namespaces``."""

from __future__ import annotations

from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from dadkhah.namespaces import DK
from dadkhah.resources import ontology_files, shapes_dir
from dadkhah.validation import ontology_graph


def declared_terms() -> set[str]:
    g = ontology_graph()
    ns = str(DK)
    return {str(s) for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(ns)}


def test_every_module_is_imported_by_the_umbrella() -> None:
    files = ontology_files()
    assert len(files) >= 4 and files[0].name == "dadkhah.ttl"
    umbrella = Graph().parse(files[0])
    imported = {str(o) for o in umbrella.objects(None, OWL.imports)}
    modules = set()
    for path in files[1:]:
        g = Graph().parse(path)
        modules |= {str(s) for s in g.subjects(RDF.type, OWL.Ontology)}
    assert modules and imported == modules


def test_namespace_class_matches_ontology_both_ways() -> None:
    in_code = {str(DK[name]) for name in DK.__annotations__}
    assert in_code == declared_terms()


def test_closed_namespace_rejects_misspelt_terms() -> None:
    try:
        _ = DK.claimnat
    except AttributeError:
        return
    raise AssertionError("DK accepted an undeclared term")


def test_ontology_conforms_to_meta_shapes() -> None:
    shapes = Graph().parse(shapes_dir() / "meta.ttl")
    conforms, _, text = validate(ontology_graph(), shacl_graph=shapes)
    assert conforms, text


def test_meta_shapes_catch_an_undocumented_term() -> None:
    g = Graph()
    g += ontology_graph()
    g.add((DK.Person, RDF.type, OWL.Class))
    g.remove((DK.Person, RDFS.comment, None))
    shapes = Graph().parse(shapes_dir() / "meta.ttl")
    conforms, report, _ = validate(g, shacl_graph=shapes)
    assert not conforms
    assert isinstance(report, Graph)
    focus = set(report.objects(None, URIRef("http://www.w3.org/ns/shacl#focusNode")))
    assert focus == {DK.Person}
