"""Building W3C Web Annotation RDF, shared by the curated and the JSON-LD loaders."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from dadkhah.namespaces import OA

from .anchoring import Anchor
from .context import DocumentText
from .text import add_text_target


def add_annotation(
    g: Graph,
    iri: URIRef,
    *,
    motivation: URIRef,
    bodies: list[URIRef],
    document: DocumentText,
    anchor: Anchor,
    creator: URIRef | None = None,
    created: Literal | None = None,
) -> URIRef:
    """An ``oa:Annotation`` on a verified span, with both selectors."""
    g.add((iri, RDF.type, OA.Annotation))
    g.add((iri, OA.motivatedBy, motivation))
    for body in bodies:
        g.add((iri, OA.hasBody, body))
    add_text_target(g, iri, document.iri, document.text, anchor.start, anchor.end)
    if creator is not None:
        g.add((iri, DCTERMS.creator, creator))
    if created is not None:
        g.add((iri, DCTERMS.created, created))
    return iri
