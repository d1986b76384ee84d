"""What an annotation loader needs to know about the store: the text of the document it
anchors to, and which registry entities exist (with their types). ``commit`` supplies a
lookup backed by the store; worker processes get one answered from what the committing
process looked up for them (``loaders.work``); tests can supply one backed by a dictionary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from rdflib import URIRef

from dadkhah.namespaces import DK
from dadkhah.ntriples import Triples


@dataclass(frozen=True)
class DocumentText:
    iri: URIRef
    capture: URIRef
    text: str
    sha256: str


class Lookup(Protocol):
    def document(self, iri: URIRef) -> DocumentText | None:
        """The loaded document with this IRI."""

    def document_by_url(self, url: str) -> DocumentText | None:
        """The loaded document whose stated URL (schema:url) is ``url``."""

    def types(self, iris: Iterable[URIRef]) -> dict[URIRef, set[URIRef]]:
        """The rdf:types the store holds for each IRI that has any."""


def context_triples(
    lookup: Lookup, documents: Iterable[DocumentText], referenced: Iterable[URIRef]
) -> Triples:
    """The facts SHACL needs beside an annotation graph: the annotated documents with their
    text, and the types of every entity the graph refers to."""
    g = Triples()
    for doc in documents:
        g.a(doc.iri, str(DK.SourceDocument))
        g.iri(doc.iri, str(DK.capture), doc.capture)
        g.text(doc.capture, str(DK.normalizedText), doc.text)
    for iri, types in lookup.types(referenced).items():
        for t in types:
            g.a(iri, t)
    return g
