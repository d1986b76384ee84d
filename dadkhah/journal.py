"""Bulk writes that stay all-or-nothing per unit, even when the process is killed.

Why: on this archive's triples (long literals: every document's text twice, every quote with
its context) Oxigraph's transactional ``Store.load`` writes about 25-30k quads per CPU
second and ``Store.bulk_load`` about 50-70k, and the committing process is the one that
cannot be parallelised. ``bulk_load`` is not atomic, so a batch of new units is written in
three steps:

1. one transaction records the graphs the batch will write in a journal graph;
2. ``bulk_load`` writes the units' quads, except each unit's fingerprint;
3. one transaction adds the fingerprints and empties the journal.

A unit counts as stored once its fingerprint is (``EmbeddedStore.fingerprint``), and step 3
adds them all at once. If the process dies before step 3, the journal still names every
graph step 2 may have touched; ``recover`` drops them, and a writable ``EmbeddedStore``
runs it whenever it opens the store, so a crashed load leaves no trace of a half-written
unit before anything else reads or writes the store. Loading again then writes those units
afresh.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

from .namespaces import DK
from .ntriples import literal
from .units import PreparedUnit

JOURNAL = "urn:dadkhah:load-journal"
PENDING = "urn:dadkhah:pending"
_JOURNAL = ox.NamedNode(JOURNAL)


def _fingerprint_data(unit: PreparedUnit) -> str:
    """The unit's fingerprint triple in its provenance graph, as INSERT DATA content."""
    triple = f"<{unit.graph_iri}> <{DK.fingerprint}> {literal(unit.fingerprint)}"
    return f"GRAPH <{unit.provenance_iri}> {{ {triple} }}\n"


def recover(store: ox.Store) -> list[str]:
    """Drop every graph an interrupted bulk write may have left half-written; return them."""
    if not store.contains_named_graph(_JOURNAL):
        return []
    graphs = sorted(
        q.object.value
        for q in store.quads_for_pattern(None, None, None, _JOURNAL)
        if isinstance(q.object, ox.NamedNode)
    )
    drops = [f"DROP SILENT GRAPH <{g}>" for g in graphs]
    store.update(" ;\n".join([*drops, f"DROP SILENT GRAPH <{JOURNAL}>"]))
    return graphs


def bulk_write(store: ox.Store, units: Sequence[PreparedUnit]) -> None:
    """Write units whose graphs the store does not hold (see the module docstring).

    On any error the batch is rolled back (``recover``) and the error raised: the caller can
    then write the units one by one to find which one the store refuses.
    """
    if not units:
        return
    pending = "".join(
        f"<{JOURNAL}> <{PENDING}> <{g}> <{JOURNAL}> .\n"
        for u in units
        for g in (u.graph_iri, u.provenance_iri)
    )
    store.load(pending.encode(), format=ox.RdfFormat.N_QUADS)
    try:
        body = "".join(u.nquads(with_fingerprint=False) for u in units)
        store.bulk_load(body.encode(), format=ox.RdfFormat.N_QUADS)
        marks = "".join(_fingerprint_data(u) for u in units)
        store.update(f"INSERT DATA {{\n{marks}}} ;\nDROP SILENT GRAPH <{JOURNAL}>")
    except BaseException:
        recover(store)
        raise
