"""Bulk writes that stay all-or-nothing per unit, even when the process is killed.

Why: on this archive's triples (long literals: every document's text twice, every quote with
its context) Oxigraph's transactional ``Store.load`` writes about 25-30k quads per CPU
second and ``Store.bulk_load`` about 50-70k. And each ``bulk_load`` call adds its sorted
files to the store when it returns; files from many calls overlap each other, and RocksDB
spends ever more time merging them as the store grows (bench/RESULTS.md: at 10⁵ documents,
one call per 32 MiB spent 62 % of the loading process's CPU on those merges). So a load
writes each kind of input through one ``bulk_load`` call, a ``Stream`` fed batch by batch
while the units are still being prepared:

1. before a batch is handed to the stream, one transaction records the graphs it will write
   in a journal graph, as one quad whose literal lists them (a quad per graph would cost
   about 2 KiB of RocksDB write buffer each, written again as a tombstone when the journal
   is emptied: at 10⁵ documents, hundreds of MiB held until the end of the load);
2. ``bulk_load`` reads the batches' quads, except each unit's fingerprint, from a reader the
   committing thread fills; nothing it reads is visible until the call returns, and then all
   of it is (pyoxigraph ≥ 0.5.1);
3. when the stream is closed, transactions of at most ``MARKS`` quads add the fingerprints,
   another empties the journal, and the write buffers are flushed to disk. Until then the
   fingerprints wait in a temporary file, not in memory, so what the process holds does
   not grow with the number of units loaded (nor does what the bulk loader frees:
   ``memory.release`` every ``RELEASE_EVERY`` batches and at the end).

A unit counts as stored once its fingerprint is (``EmbeddedStore.fingerprint``). If the
process dies at any point before the journal is emptied, the journal names every graph the
stream may have written; ``recover`` drops them (with any fingerprint already added: it is
in the unit's provenance graph), and a writable ``EmbeddedStore`` runs it whenever it opens
the store, so a crashed load leaves no trace of a half-written unit before anything else
reads or writes the store. Loading again then writes those units afresh.
"""

from __future__ import annotations

import io
import queue
import tempfile
import threading
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any, BinaryIO, Protocol

import pyoxigraph as ox

from . import memory
from .namespaces import DK
from .ntriples import literal

JOURNAL = "urn:dadkhah:load-journal"
PENDING = "urn:dadkhah:pending"
_JOURNAL = ox.NamedNode(JOURNAL)
_NQ = ox.RdfFormat.N_QUADS
_END = None
MARKS = 20_000
"""Fingerprints added per transaction when a stream closes."""
RELEASE_EVERY = 4
"""Batches between two calls of ``memory.release`` (a bulk-loader thread takes a million
quads: about eight batches of this archive's N-Quads)."""


class StreamUnit(Protocol):
    """What a stream needs of a unit: its two graphs' names, its fingerprint and its quads
    (``units.PreparedUnit`` is one)."""

    @property
    def graph_iri(self) -> str: ...

    @property
    def provenance_iri(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...

    def nquads(self, *, with_fingerprint: bool = True) -> str: ...


def recover(store: ox.Store) -> list[str]:
    """Drop every graph an interrupted bulk write may have left half-written; return them."""
    if not store.contains_named_graph(_JOURNAL):
        return []
    listed: set[str] = set()
    for quad in store.quads_for_pattern(None, None, None, _JOURNAL):
        if isinstance(quad.object, ox.Literal):  # one batch: its graphs, one per line
            listed.update(quad.object.value.split())
        elif isinstance(quad.object, ox.NamedNode):  # one graph (journals of earlier versions)
            listed.add(quad.object.value)
    graphs = sorted(listed)
    drops = [f"DROP SILENT GRAPH <{g}>" for g in graphs]
    store.update(" ;\n".join([*drops, f"DROP SILENT GRAPH <{JOURNAL}>"]))
    return graphs


class _Batches(io.RawIOBase):
    """The N-Quads of the batches put in a queue, read on demand (by ``bulk_load``'s thread,
    so the text is built there); ``_END`` in the queue ends the stream. With ``tee``, every
    byte handed on is also written there."""

    def __init__(
        self, batches: queue.Queue[Sequence[StreamUnit] | None], tee: BinaryIO | None = None
    ):
        self._batches = batches
        self._tee = tee
        self._chunk = memoryview(b"")
        self._ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._chunk:
            if self._ended:
                return 0
            units = self._batches.get()
            if units is _END:
                self._ended = True
                return 0
            text = "".join(u.nquads(with_fingerprint=False) for u in units).encode()
            if self._tee is not None:
                self._tee.write(text)
            self._chunk = memoryview(text)
        n = min(len(buffer), len(self._chunk))
        buffer[:n] = self._chunk[:n]
        self._chunk = self._chunk[n:]
        return n


class Stream:
    """New units (graphs the store does not hold) written by one ``bulk_load`` call, batch by
    batch (see the module docstring). ``add`` returns once the batch is journaled and queued;
    the store shows nothing of the stream until ``close`` returns. If the store refuses any of
    it, ``close`` undoes the whole stream (``recover``) and raises the error: the caller can
    then write the units one by one to find which one the store refuses.

    ``journaled=False`` is for an in-memory store, which nothing outlives to recover and
    which takes no transaction while its bulk load runs: the graphs are listed in memory
    instead, and dropped if the stream fails.

    ``tee`` receives a copy of every quad the stream writes, journal aside: the bulk-loaded
    N-Quads as they are read, then the fingerprints (``bench.load_once --tee`` uses it to
    give raw pyoxigraph the very same quads without dumping the store)."""

    def __init__(
        self,
        store: ox.Store,
        *,
        journaled: bool = True,
        depth: int = 2,
        tee: BinaryIO | None = None,
    ):
        self._store, self._journaled, self._tee = store, journaled, tee
        self._batches: queue.Queue[Sequence[StreamUnit] | None] = queue.Queue(depth)
        self._marks = tempfile.TemporaryFile()  # noqa: SIM115 (close() closes it)
        self._graphs: list[str] = []  # what an unjournaled stream drops if it fails
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, name="dadkhah-bulk-load", daemon=True)
        self._thread.start()
        self.units = self.batches = 0

    def _load(self) -> None:
        try:
            reader = io.BufferedReader(_Batches(self._batches, self._tee), 1 << 20)
            self._store.bulk_load(reader, format=_NQ)
        except BaseException as err:  # raised again by close()
            self._error = err

    def _put(self, item: Sequence[StreamUnit] | None) -> None:
        """Queue ``item`` unless the load has stopped (then nobody would ever take it)."""
        while self._thread.is_alive():
            try:
                self._batches.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def add(self, units: Sequence[StreamUnit]) -> None:
        if not units or self._error is not None:
            return  # after a refusal the stream is undone anyway: close() says so
        if self._journaled:
            graphs = "\n".join(g for u in units for g in (u.graph_iri, u.provenance_iri))
            pending = f"<{JOURNAL}> <{PENDING}> {literal(graphs)} <{JOURNAL}> .\n"
            self._store.load(pending.encode(), format=_NQ)
        else:
            self._graphs.extend(g for u in units for g in (u.graph_iri, u.provenance_iri))
        self._marks.write(
            "".join(
                f"<{u.graph_iri}> <{DK.fingerprint}> {literal(u.fingerprint)} "
                f"<{u.provenance_iri}> .\n"
                for u in units
            ).encode()
        )
        self.units += len(units)
        self.batches += 1
        self._put(list(units))
        if self.batches % RELEASE_EVERY == 0:
            memory.release()  # what the bulk loader's finished threads freed

    def close(self) -> None:
        """End the stream: wait for ``bulk_load`` to return, then mark its units stored."""
        self._put(_END)
        self._thread.join()
        try:
            if self._error is not None:
                raise self._error
            for chunk in self._chunks_of_marks():
                self._store.load(chunk, format=_NQ)
                if self._tee is not None:
                    self._tee.write(chunk)
            if self._journaled:
                self._store.update(f"DROP SILENT GRAPH <{JOURNAL}>")
                self._store.flush()
            memory.release()
        except BaseException:
            if self._journaled:
                recover(self._store)
            elif self._graphs:
                self._store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in self._graphs))
            raise
        finally:
            self._marks.close()

    def _chunks_of_marks(self) -> Iterator[bytes]:
        """The fingerprints written so far, ``MARKS`` lines at a time."""
        self._marks.seek(0)
        while chunk := b"".join(islice(self._marks, MARKS)):
            yield chunk
