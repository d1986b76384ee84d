"""The unit of loading: one named graph and its provenance graph, committed all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef


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
