"""Building W3C Web Annotation RDF, shared by the curated and the JSON-LD loaders."""

from __future__ import annotations

from collections.abc import Sequence

from rdflib.namespace import DCTERMS

from dadkhah.namespaces import OA, SCHEMA
from dadkhah.ntriples import Triples

from .anchoring import Anchor
from .context import DocumentText
from .text import add_text_target

_ANNOTATION, _MOTIVATED_BY, _HAS_BODY = str(OA.Annotation), str(OA.motivatedBy), str(OA.hasBody)
_CREATOR, _CREATED = str(DCTERMS.creator), str(DCTERMS.created)
_IDENTIFYING, _MENTIONS = str(OA.identifying), str(SCHEMA.mentions)


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
    more_motivations: Sequence[str] = (),
) -> str:
    """An ``oa:Annotation`` on a verified span, with both selectors; ``created`` is a literal
    in N-Triples syntax. An identifying annotation also links its document to what it
    identifies (see ``add_mentions``)."""
    g.a(iri, _ANNOTATION)
    motivations = [str(m) for m in (motivation, *more_motivations)]  # URIRef != str
    for name in motivations:
        g.iri(iri, _MOTIVATED_BY, name)
    for body in bodies:
        g.iri(iri, _HAS_BODY, body)
    if _IDENTIFYING in motivations:
        add_mentions(g, iri, bodies, document)
    add_text_target(g, iri, document.iri, document.text, anchor.start, anchor.end)
    if creator is not None:
        g.iri(iri, _CREATOR, creator)
    if created is not None:
        g.raw(iri, _CREATED, created)
    return iri


def add_mentions(g: Triples, iri: str, bodies: list[str], document: DocumentText) -> None:
    """``document schema:mentions entity`` beside identifying annotation ``iri``, for each of
    its bodies that is a resource of its own (not a node of the annotation, such as a textual
    body). A shortcut, in the same graph as the annotation that is its evidence (a shape
    holds every one to that), so that "which documents name X and Y" is two look-ups per
    document instead of a walk through every annotation of each."""
    for body in bodies:
        if not body.startswith(iri):
            g.iri(document.iri, _MENTIONS, body)
