"""The unit of loading: one named graph and its provenance graph, committed all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef

from .namespaces import DK
from .ntriples import Triples


@dataclass(frozen=True)
class DocumentFacts:
    """What annotation files ask of a document unit once it is stored: its IRI, its capture,
    the capture's normalized text and digest, and the URL it states (``loaders.lookups``)."""

    iri: str
    capture: str
    text: str
    sha256: str
    url: str | None = None


@dataclass
class LoadUnit:
    """What a loader produces and ``commit`` writes.

    ``graph`` holds what the input asserts and goes into the named graph ``graph_iri``;
    ``provenance`` describes the load and goes into ``provenance_iri``. ``fingerprint``
    covers everything the load read, so a unit already stored with the same fingerprint
    is skipped. ``context`` is extra data validation may need (types of referenced
    entities, the text of the annotated document); it is never written.
    """

    source: str
    graph_iri: URIRef
    provenance_iri: URIRef
    graph: Graph
    provenance: Graph
    fingerprint: str
    kind: str = "document"
    context: Graph | None = None
    notes: list[str] = field(default_factory=list)
    """Things worth telling the user that are not errors (re-anchored quotes, UTF-16 offsets)."""

    def triple_count(self) -> int:
        return len(self.graph) + len(self.provenance)


@dataclass
class PreparedUnit:
    """A unit as the load path carries it: N-Triples lines instead of rdflib graphs.

    Produced by the loaders' ``prepare_*`` functions (which the public ``load_*`` functions
    wrap), validated by ``dadkhah.validation.check_prepared`` and written by
    ``EmbeddedStore.replace``. It pickles small, so a worker process can hand it back.
    """

    source: str
    graph_iri: str
    provenance_iri: str
    graph: Triples
    provenance: Triples
    fingerprint: str
    kind: str = "document"
    context: Triples | None = None
    notes: list[str] = field(default_factory=list)
    document: DocumentFacts | None = None
    """For a document unit: what later annotation files of the same load will ask of it."""

    def triple_count(self) -> int:
        return len(self.graph) + len(self.provenance)

    def byte_size(self) -> int:
        """About the size of ``nquads()`` (for batching writes)."""
        lines = len(self.graph) + len(self.provenance)
        chars = sum(map(len, self.graph)) + sum(map(len, self.provenance))
        return chars + lines * (len(self.graph_iri) + 12)

    def nquads(self, *, with_fingerprint: bool = True) -> str:
        """Both graphs as N-Quads, ready for Oxigraph's parser; without the fingerprint
        triple when a bulk write adds it last (``dadkhah.journal``)."""
        if with_fingerprint:
            prov = self.provenance.nquads(self.provenance_iri)
        else:
            mark = f'<{self.graph_iri}> <{DK.fingerprint}> "{self.fingerprint}"'
            tail = f" <{self.provenance_iri}> .\n"
            prov = "".join(line + tail for line in self.provenance if line != mark)
        return self.graph.nquads(self.graph_iri) + prov

    def to_load_unit(self) -> LoadUnit:
        """The same unit with rdflib graphs (for tests and callers that inspect graphs)."""
        return LoadUnit(
            source=self.source,
            graph_iri=URIRef(self.graph_iri),
            provenance_iri=URIRef(self.provenance_iri),
            graph=self.graph.to_graph(),
            provenance=self.provenance.to_graph(),
            fingerprint=self.fingerprint,
            kind=self.kind,
            context=self.context.to_graph() if self.context is not None else None,
            notes=list(self.notes),
        )
