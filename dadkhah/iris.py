"""Minting IRIs: the same input always gets the same IRI.

Every IRI is the configured base plus a path built from curated identifiers (document ids,
registry ids, annotation ids), never from load time or position in a batch, so reloads and
exports are stable and diff clean.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import URIRef

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")
ID_FORM = "1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit"
"""What ``is_valid_id`` accepts, in the words error messages use."""


def is_valid_id(value: str) -> bool:
    """Identifiers are 1-128 characters of ``A-Z a-z 0-9 . _ -``, starting alphanumeric."""
    return bool(_ID.match(value))


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def has_scheme(value: str) -> bool:
    """Whether ``value`` starts with an IRI's scheme and colon (RFC 3987), as ``urn:x:1``
    and ``https://…`` do: given where an id or a path under the base IRI is also accepted,
    such a value is taken as an absolute IRI. Ids and those paths hold no colon."""
    return bool(_SCHEME.match(value))


def is_iri(value: str) -> bool:
    """Whether ``value`` is an absolute IRI (as Oxigraph reads one), so that ``<value>`` may
    be written into a query as it is. Values from requests and command lines are checked
    here first: the characters that would end the IRI or start SPARQL syntax there (space,
    ``>``, ``"``, ``{``, ``\\``) make a value no IRI, which then names nothing."""
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return True


class Minter:
    """Mints Dadkhah IRIs under one base."""

    def __init__(self, base: str):
        self.base = base

    def _iri(self, *parts: str) -> URIRef:
        for part in parts:
            if not is_valid_id(part):
                raise ValueError(f"not a valid identifier for an IRI: {part!r}")
        return URIRef(self.base + "/".join(parts))

    # documents
    def document(self, doc_id: str) -> URIRef:
        return self._iri("document", doc_id)

    def capture(self, doc_id: str, sha256: str) -> URIRef:
        return self._iri("document", doc_id, "capture", sha256[:16])

    def author(self, doc_id: str) -> URIRef:
        return self._iri("document", doc_id, "author")

    def segment(self, doc_id: str, start: int, end: int) -> URIRef:
        return self._iri("document", doc_id, "segment", f"{start}-{end}")

    # registry
    def entity(self, entity_id: str) -> URIRef:
        return self._iri("entity", entity_id)

    def measure(self, measure_id: str) -> URIRef:
        return self._iri("measure", measure_id)

    def measure_scheme(self) -> URIRef:
        return self._iri("measure")

    # annotations and what they evidence
    def annotation(self, batch_id: str, local_id: str) -> URIRef:
        return self._iri("annotation", batch_id, local_id)

    def claim(self, batch_id: str, local_id: str) -> URIRef:
        return self._iri("claim", batch_id, local_id)

    def quote(self, batch_id: str, local_id: str) -> URIRef:
        return self._iri("quote", batch_id, local_id)

    # graphs and provenance
    def document_graph(self, doc_id: str) -> URIRef:
        return self._iri("graph", "document", doc_id)

    def annotations_graph(self, batch_id: str) -> URIRef:
        return self._iri("graph", "annotations", batch_id)

    def registry_graph(self, registry_id: str = "registry") -> URIRef:
        return self._iri("graph", "registry", registry_id)

    @staticmethod
    def provenance_graph(graph: URIRef) -> URIRef:
        """The provenance of a graph lives in a graph of its own, as in a nanopublication."""
        return URIRef(str(graph) + "/provenance")

    def load_activity(self, graph: URIRef, fingerprint: str) -> URIRef:
        return URIRef(str(graph) + "/provenance#load-" + fingerprint[:16])

    def agent(self, slug: str) -> URIRef:
        """A person or team that annotates or curates."""
        return self._iri("agent", slug)

    def software_agent(self) -> URIRef:
        return self._iri("agent", "dadkhah")
