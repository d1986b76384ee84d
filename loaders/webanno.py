"""Building W3C Web Annotation RDF, shared by the curated and the JSON-LD loaders."""

from __future__ import annotations

from rdflib.namespace import DCTERMS

from dadkhah.namespaces import OA
from dadkhah.ntriples import Triples

from .anchoring import Anchor
from .context import DocumentText
from .text import add_text_target

_ANNOTATION, _MOTIVATED_BY, _HAS_BODY = str(OA.Annotation), str(OA.motivatedBy), str(OA.hasBody)
_CREATOR, _CREATED = str(DCTERMS.creator), str(DCTERMS.created)


def add_annotation(
    g: Triples,
    iri: str,
    *,
    motivation: str,
    bodies: list[str],
    document: DocumentText,
    anchor: Anchor,
    creator: str | None = None,
    created: str | None = None,
) -> str:
    """An ``oa:Annotation`` on a verified span, with both selectors; ``created`` is a literal
    in N-Triples syntax."""
    g.a(iri, _ANNOTATION)
    g.iri(iri, _MOTIVATED_BY, motivation)
    for body in bodies:
        g.iri(iri, _HAS_BODY, body)
    add_text_target(g, iri, document.iri, document.text, anchor.start, anchor.end)
    if creator is not None:
        g.iri(iri, _CREATOR, creator)
    if created is not None:
        g.raw(iri, _CREATED, created)
    return iri
