"""From paths to committed graphs: find inputs, prepare and validate them, write them.

Each input file is one unit, committed all or nothing: a unit that fails to parse or to
validate is rejected whole and reported, the units before and after it are unaffected, and
the store never holds part of a unit, even if the process is killed mid-load. The new units
of each kind are written through one call of Oxigraph's bulk loader, fed as they are
prepared and made all-or-nothing by a journal (``dadkhah.journal``); replacing a stored unit
is one transaction. Inputs whose fingerprint
is already stored are skipped before they are parsed, so loading the same files twice
changes nothing and a killed load, run again, resumes where it stopped.

Inputs are committed kind by kind (registries, documents, curated annotations, Web
Annotations), so an annotation file finds the documents loaded earlier in the same run. The
one exception: a stored document whose text changes while stored annotations anchor to it
waits until the annotation files of the run are prepared against its new text, and is then
written in one transaction with those that re-anchor every such graph, or rejected with them
(``_Run.settle_changes``): stored selectors always point at the words they quote. A
large folder is streamed, never listed in memory; each kind with many inputs is prepared
by worker processes (``loaders.parallel``) while this process, the only one that opens the
store, looks up what they need and commits their units in input order.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import sqlite3
import tempfile
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain, groupby
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from dadkhah import __version__
from dadkhah.errors import DadkhahError, LoadError, QueryError
from dadkhah.iris import Minter
from dadkhah.journal import Stream
from dadkhah.namespaces import DK, ONTOLOGY_IRI, bind_prefixes
from dadkhah.ntriples import from_graph
from dadkhah.resources import ontology_files
from dadkhah.units import LoadUnit, PreparedUnit
from dadkhah.validation import check_prepared, check_unit

from . import text, work
from .context import DocumentText
from .discovery import KINDS, Inputs, discover, kind_of
from .inputs import sha256_hex
from .lookups import StoreLookup, WrittenHere, hints, prefetch
from .parallel import Workers, default_workers

__all__ = ["KINDS", "Inputs", "Outcome", "StoreLookup", "discover", "kind_of", "load_paths"]

PARALLEL_MIN = 64
"""A kind with fewer inputs is prepared in this process: starting workers costs seconds."""
REFUSED = (SyntaxError, ValueError, OSError, QueryError)
"""What a store raises when it refuses a unit's triples (its transaction then left nothing
behind); QueryError: a remote store refused the update. Anything else stops the load."""
ANNOTATION_KINDS = ("annotations", "web-annotations")
BATCH_BYTES = 32 << 20
"""New units join their kind's bulk-load stream in batches of about this much N-Quads text,
each journaled in one transaction (``dadkhah.journal``); a few batches are in memory at once."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one input."""

    source: str
    status: str  # loaded | replaced | unchanged | valid | rejected
    triples: int = 0
    error: DadkhahError | None = None
    notes: tuple[str, ...] = ()


class _Held:
    """Outcomes waiting for a stream to close, in input order. All but the last ``CHUNK``
    wait pickled in a temporary file: a stream of 10⁵ inputs would otherwise hold tens of
    MiB of outcomes until it closes."""

    CHUNK = 1024

    def __init__(self) -> None:
        self._tail: list[Outcome] = []
        self._file: IO[bytes] | None = None
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def append(self, outcome: Outcome) -> None:
        self._tail.append(outcome)
        self.count += 1
        if len(self._tail) >= self.CHUNK:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 (drain or close)
            pickle.dump(self._tail, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._tail = []

    def close(self) -> None:
        """Let go of what is held (a load that stops before its stream is closed)."""
        if self._file is not None:
            self._file.close()
        self._file, self._tail, self.count = None, [], 0

    def drain(self) -> Iterator[Outcome]:
        """Every outcome held, oldest first; this object is empty again when this returns."""
        file, tail = self._file, self._tail
        self._file, self._tail, self.count = None, [], 0
        return _unpickled(file, tail)


def _unpickled(file: IO[bytes] | None, tail: list[Outcome]) -> Iterator[Outcome]:
    if file is not None:
        with file:
            file.seek(0)
            while True:
                try:
                    chunk: list[Outcome] = pickle.load(file)  # noqa: S301 (our own file)
                except EOFError:
                    break
                yield from chunk
    yield from tail


def ontology_unit(minter: Minter, now: datetime) -> PreparedUnit:
    """The ontology itself, kept in the store (graph named by the ontology IRI) so queries can
    use its labels, concept schemes and class hierarchy."""
    g = bind_prefixes(Graph())
    hashes = []
    for path in ontology_files():
        data = path.read_bytes()
        hashes.append(sha256_hex(data))
        g.parse(data=data, format="turtle")
    fingerprint = sha256_hex(" ".join([*hashes, __version__]).encode())
    graph = URIRef(ONTOLOGY_IRI)
    prov = text.provenance_triples(minter, graph, fingerprint, hashes, "ontology/", now)
    return PreparedUnit(
        "ontology/", str(graph), str(minter.provenance_graph(graph)), from_graph(g), prov,
        fingerprint, "ontology",
    )  # fmt: skip


def commit(store: Any, unit: LoadUnit | PreparedUnit, *, dry_run: bool = False) -> Outcome:
    """Validate ``unit`` and replace its graphs in the store, unless it is already there."""
    existing = store.fingerprint(URIRef(str(unit.graph_iri)))
    if existing == unit.fingerprint:
        return Outcome(unit.source, "unchanged")
    if isinstance(unit, PreparedUnit):
        check_prepared(unit)
    else:
        check_unit(unit)
    return _write(store, unit, existing, dry_run)


def _write(
    store: Any, unit: LoadUnit | PreparedUnit, existing: str | None, dry_run: bool
) -> Outcome:
    notes = tuple(unit.notes)
    if dry_run:
        return Outcome(unit.source, "valid", unit.triple_count(), notes=notes)
    try:
        store.replace(unit)
    except REFUSED as err:
        found = " ".join(str(err).split())
        error = LoadError(unit.source, None, "triples the store accepts", found)
        return Outcome(unit.source, "rejected", error=error)
    status = "replaced" if existing else "loaded"
    return Outcome(unit.source, status, unit.triple_count(), notes=notes)


def stored_keys(store: Any) -> array:  # type: ignore[type-arg]
    """``work.fingerprint_key`` of every unit in the store, sorted: one pass over the
    fingerprints, eight bytes per unit.

    Only the fingerprints are asked for. Listing whole quads made Oxigraph turn four ids
    back into strings per unit, each a look-up of its own: 15.1 s against 3.4 s for 290,402
    units (bench/RESULTS.md, "Memory")."""
    keys = array("Q")
    oxi: ox.Store | None = getattr(store, "oxigraph", None)
    if oxi is not None:
        found = oxi.query(f"SELECT ?fp WHERE {{ GRAPH ?p {{ ?g <{DK.fingerprint}> ?fp }} }}")
        assert isinstance(found, ox.QuerySolutions)
        for solution in found:
            fingerprint = solution[0]
            if isinstance(fingerprint, ox.Literal):
                keys.append(work.fingerprint_key(fingerprint.value))
    else:
        for row in store.select("SELECT ?fp WHERE { GRAPH ?p { ?g dk:fingerprint ?fp } }"):
            keys.append(work.fingerprint_key(row["fp"]))
    return array("Q", sorted(keys))


class _Claims:
    """The graph each input of a load maps to, with the first input that mapped to it, in a
    SQLite file in the load's temporary folder: a load of 10⁵ documents and their
    annotation files would otherwise keep tens of MiB of IRIs and paths in memory."""

    def __init__(self, folder: Path):
        self._db = sqlite3.connect(folder / "claims.sqlite")
        self._db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            "CREATE TABLE claim (graph TEXT PRIMARY KEY, source TEXT)"
        )

    def first(self, graph: str, source: str) -> str | None:
        """The input that claimed ``graph`` before ``source``, or None (``source`` claims it)."""
        row = self._db.execute("SELECT source FROM claim WHERE graph = ?", (graph,)).fetchone()
        if row is not None:
            return str(row[0])
        self._db.execute("INSERT INTO claim VALUES (?, ?)", (graph, source))
        return None

    def close(self) -> None:
        self._db.close()


def _redeclared(unit: PreparedUnit, iri: str, other: str) -> LoadError:
    what = "measure id" if iri.rsplit("/", 2)[1] == "measure" else "entity id"
    name = iri.rsplit("/", 1)[1]
    expected = "an id no other registry file declares"
    return LoadError(unit.source, what, expected, f"{name!r}, declared by {other} too")


def _same_file(a: str, b: str) -> bool:
    """One file named twice (a folder and a file in it): not two inputs."""
    return a == b or Path(a).resolve() == Path(b).resolve()


@dataclass(frozen=True)
class _Change:
    """A stored document whose text a load changes, and the stored annotation graphs
    (with the file each was loaded from) that anchor to its stored text."""

    unit: PreparedUnit
    existing: str | None
    anchored: dict[str, str]


@dataclass(frozen=True)
class _Waiting:
    """An annotation unit waiting for the changed documents it anchors to."""

    unit: PreparedUnit
    documents: frozenset[str]


_USED = f"<{PROV.used}> <"
_TYPED = f"> <{RDF.type}> <"


def _types_of(unit: PreparedUnit) -> dict[str, set[str]]:
    """Every subject a unit's graph gives a type, with its types."""
    types: dict[str, set[str]] = {}
    for line in unit.graph:
        subject, at, kind = line.partition(_TYPED)
        if at and kind.endswith(">"):
            types.setdefault(subject[1:], set()).add(kind[:-1])
    return types


def _used(unit: PreparedUnit) -> Iterator[str]:
    """The captures a unit's provenance says its load used."""
    for line in unit.provenance:
        at = line.find(_USED)
        if at != -1:
            yield line[at + len(_USED) : line.rindex(">")]


def _groups(
    changes: dict[str, _Change], waiting: list[_Waiting], by_graph: dict[str, _Waiting]
) -> list[list[PreparedUnit]]:
    """Changed documents and waiting units that must be decided together: a document with
    the graphs anchored to it, a unit with the documents it anchors to (documents first)."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    def join(a: str, b: str) -> None:
        parent[root(a)] = root(b)

    for iri, change in changes.items():
        root(iri)
        for graph in change.anchored:
            if graph in by_graph:
                join(graph, iri)
    for item in waiting:
        root(item.unit.graph_iri)
        for iri in item.documents:
            join(item.unit.graph_iri, iri)
    groups: dict[str, list[PreparedUnit]] = {}
    for iri, change in changes.items():
        groups.setdefault(root(iri), []).append(change.unit)
    for item in waiting:
        groups.setdefault(root(item.unit.graph_iri), []).append(item.unit)
    return list(groups.values())


class _Run:
    """One call of ``load_paths``: the store, the shared context, the stream of new units
    being bulk-written with the batch waiting to join it and, once a kind is large enough,
    the worker pool."""

    def __init__(
        self,
        store: Any,
        minter: Minter,
        dry_run: bool,
        workers: int | None,
        progress: Callable[[Outcome], None] | None = None,
    ):
        self.store, self.minter, self.dry_run = store, minter, dry_run
        self.ctx = work.RunContext(minter.base, datetime.now(UTC).replace(microsecond=0))
        self.lookup = StoreLookup(store)
        self.workers = default_workers() if workers is None else workers
        self.auto = workers is None
        self.progress = progress
        self._pool: Workers | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        remove_abandoned_folders()  # of loads killed before they could
        self.bulk = None if dry_run else getattr(store, "bulk_stream", None)
        self.batch: list[PreparedUnit] = []
        self.batch_bytes = 0
        self.stream: Stream | None = None
        # the stream's kind and the hashes of the graphs it writes (a false match only closes
        # the stream early)
        self.streamed: tuple[str, set[int]] = ("", set())
        self.held = _Held()  # outcomes waiting for the stream, in input order
        self.written_off = False  # look-ups of documents have gone back to the store for good
        # changed documents waiting for the annotations anchored to them (settle_changes)
        self.changes: dict[str, _Change] = {}
        self.waiting: list[_Waiting] = []
        self.captures: dict[str, str] = {}  # new capture -> its document
        self.anchored: dict[str, set[str]] = {}  # graph -> changed documents it anchors to
        self.failed: set[str] = set()  # graphs of annotation files rejected in this load
        self.claims: _Claims | None = None  # the graph each input maps to (claim)
        self.registry_errors: dict[str, LoadError] = {}  # see check_registries

    def close(self) -> None:
        try:
            if self.stream is not None:  # what was prepared before a failure is kept
                self.send()
                stream, self.stream = self.stream, None
                stream.close()
        finally:
            self.held.close()
            self.stop_written()
            if self.claims is not None:
                self.claims.close()
            if self._pool is not None:
                self._pool.close()
            if self._tmp is not None:
                self._tmp.cleanup()

    def stored(self, graph: str, fingerprint: str) -> bool:
        return bool(self.store.fingerprint(URIRef(graph)) == fingerprint)

    # -- one kind of input

    def phase(self, kind: str, paths: Iterable[Path], size: int) -> Iterator[Outcome]:
        if kind == "document":
            self.start_written()
        parallel = kind != "registry" and self.workers > 0
        if self.auto:
            parallel = parallel and self.workers > 1 and size >= PARALLEL_MIN
        if parallel:
            types = self.types_file() if kind in ("annotations", "web-annotations") else None
            results: Iterable[work.Result] = self.pool().run(self.jobs(kind, paths), types)
        else:
            results = (self.run_here(kind, path) for path in paths)
        if kind == "registry":  # a few files, each checked against the others first
            results = list(results)
            self.check_registries(results)
        for result in results:
            yield from self.settle(kind, result)
        yield from self.flush()  # the next kind looks up what this one wrote

    def run_here(self, kind: str, path: Path) -> work.Result:
        return work.run(work.Job(kind, str(path)), self.ctx, self.lookup, self.stored)

    def settle(self, kind: str, result: work.Result) -> Iterable[Outcome]:
        """Commit (or report) what a worker, or this process, made of one input; outcomes
        come back in input order, those of streamed units once their stream is closed."""
        if isinstance(result, work.Deferred):
            return self.settle(kind, self.run_here(kind, Path(result.source)))
        if (clash := self.claim(kind, result)) is not None:
            return self.report(Outcome(clash.path, "rejected", error=clash))
        if isinstance(result, work.Skipped):
            if self.stored(result.graph, result.fingerprint):
                return self.report(Outcome(result.source, "unchanged"))
            return self.settle(kind, self.run_here(kind, Path(result.source)))  # key collision
        if isinstance(result, work.Failed):
            if self.changes and kind in ANNOTATION_KINDS:
                self.failed.add(self.annotations_graph(result.source))
            return self.report(Outcome(result.source, "rejected", error=result.error()))
        unit = result.unit
        if kind == "registry" and (clash := self.registry_errors.get(unit.source)) is not None:
            return self.report(Outcome(unit.source, "rejected", error=clash))
        if self.changes and kind in ANNOTATION_KINDS and self.waits(unit):
            return []  # reported by settle_changes
        if hash(unit.graph_iri) in self.streamed[1]:
            done = self.flush()  # one file named twice (claim): written once, then unchanged
            return chain(done, self.settle(kind, result))
        if self.bulk is not None and not (
            self.store.holds(unit.graph_iri) or self.store.holds(unit.provenance_iri)
        ):  # new: no fingerprint to compare (it lives in the provenance graph)
            if self.stream is None:
                self.stream, self.streamed = self.bulk(), (kind, set())
            self.streamed[1].add(hash(unit.graph_iri))
            self.batch.append(unit)
            if self.lookup.written is not None and unit.document is not None:
                self.lookup.written.note(unit.document)
            self.batch_bytes += unit.byte_size()
            if self.batch_bytes >= BATCH_BYTES:
                self.send()
            outcome = Outcome(unit.source, "loaded", unit.triple_count(), notes=tuple(unit.notes))
            return self.report(outcome)
        if unit.document is not None and not self.dry_run:
            self.stop_written()  # a document stored before, or twice in this load
        existing = self.store.fingerprint(URIRef(unit.graph_iri))
        if existing == unit.fingerprint:
            return self.report(Outcome(unit.source, "unchanged"))
        if unit.document is not None and self.text_changed(unit, existing):
            return []  # reported by settle_changes, with the annotations anchored to it
        done = self.flush()  # a replacement: what came before it is written first
        outcome = _write(self.store, unit, existing, self.dry_run)
        if outcome.status == "valid":
            self.plan(unit)
        return chain(done, self.report(outcome))

    def plan(self, unit: PreparedUnit) -> None:
        """In a dry run, let later inputs see ``unit`` as if it were written, so that each
        gets the verdict a load of the same inputs would give: an annotation file finds the
        documents and registry entities of the run. Documents go to ``WrittenHere`` (on
        disk, however many); registries are few and small."""
        if unit.document is not None and self.lookup.written is not None:
            self.lookup.written.note(unit.document, again=True)
            self.lookup.written.commit()
        if unit.kind == "registry":
            self.lookup.plan_types(unit.graph_iri, _types_of(unit))

    def report(self, outcome: Outcome) -> list[Outcome]:
        """``outcome`` now if nothing is waiting for the stream, else once it is closed."""
        if self.progress is not None:
            self.progress(outcome)
        if self.held or self.stream is not None:
            self.held.append(outcome)
            return []
        return [outcome]

    def send(self) -> None:
        """Hand the batch to the stream (whose ``bulk_load`` runs in a thread of its own and
        releases the GIL, so this process goes on settling results while it writes)."""
        if self.batch:
            assert self.stream is not None
            self.stream.add(self.batch)
        self.batch, self.batch_bytes = [], 0

    def flush(self) -> Iterable[Outcome]:
        """Close the stream and return every outcome held back. If the store refused the
        stream (which then left nothing behind), its inputs are prepared again and written
        one by one, so that exactly the refused ones are rejected. Every write is done when
        this returns; only the reading of held outcomes is left to the caller."""
        held = self.held.drain()
        if self.stream is None:
            return held
        self.send()
        stream, self.stream = self.stream, None
        kind, self.streamed = self.streamed[0], ("", set())
        try:
            stream.close()
        except REFUSED:
            self.stop_written()
            return [self.retry(kind, o.source) if o.status == "loaded" else o for o in held]
        if self.lookup.written is not None:
            self.lookup.written.commit()
        return held

    def retry(self, kind: str, source: str) -> Outcome:
        """Prepare one input again and write it in a transaction of its own."""
        result = self.run_here(kind, Path(source))
        if isinstance(result, work.Ready):
            existing = self.store.fingerprint(URIRef(result.unit.graph_iri))
            return _write(self.store, result.unit, existing, False)
        if isinstance(result, work.Failed):
            return Outcome(source, "rejected", error=result.error())
        return Outcome(source, "unchanged")

    # -- one graph, one input

    def claim(self, kind: str, result: work.Result) -> LoadError | None:
        """Note the graph ``result``'s input maps to; an error if an earlier input of this
        load maps to it too (the later one is rejected, so that the two never replace each
        other and a reload of the same files changes nothing). A rejected input claims its
        graph where its name or sidecar tells it, so the verdict does not depend on which
        of the two is valid."""
        if isinstance(result, work.Ready):
            source, graph = result.unit.source, result.unit.graph_iri
        elif isinstance(result, work.Skipped):
            source, graph = result.source, result.graph
        else:
            found = self.graph_of(kind, result.source)
            if found is None:
                return None
            source, graph = result.source, found
        if self.claims is None:
            self.claims = _Claims(self.folder())
        earlier = self.claims.first(graph, source)
        if earlier is None or isinstance(result, work.Failed) or _same_file(earlier, source):
            return None
        if kind == "document":
            doc_id = graph.rsplit("/", 1)[1]
            return LoadError(
                source,
                "document id",
                "an id no other input of this load has",
                f"{doc_id!r}, the id of {earlier} too",
            )
        return LoadError(
            source,
            None,
            "a graph no other input of this load has (a registry or annotation file's graph "
            "is named by its file name without extension)",
            f"<{graph}>, the graph of {earlier} too",
        )

    def check_registries(self, results: list[work.Result]) -> None:
        """Find the registry files of this load that declare an entity or measure id another
        registry file declares, before any is written: the two descriptions would silently
        merge into one resource (two types, two labels). Of two files of this load, the
        later is rejected; a file is also rejected for an id a stored registry graph of
        another file declares, unless that graph is replaced in this load (so an id can
        move from one file to another in one load, in either order). One look-up per id."""
        units = [r.unit for r in results if isinstance(r, work.Ready)]
        scheme = str(self.minter.measure_scheme())
        ids = {u.source: sorted(set(_types_of(u)) - {scheme}) for u in units}
        declared: dict[str, PreparedUnit] = {}
        for unit in units:
            for iri in ids[unit.source]:
                other = declared.get(iri)
                if other is not None and other.graph_iri != unit.graph_iri:
                    self.registry_errors[unit.source] = _redeclared(unit, iri, other.source)
                    break
            else:
                for iri in ids[unit.source]:
                    declared.setdefault(iri, unit)
        prefix = str(self.minter.registry_graph("x"))[:-1]
        stored = self.lookup.declared_in({i for found in ids.values() for i in found}, prefix)
        while True:
            kept = [u for u in units if u.source not in self.registry_errors]
            replaced = {u.graph_iri for u in kept}
            for unit in kept:
                for iri in ids[unit.source]:
                    graphs = stored.get(iri, {}).keys() - replaced
                    if graphs:
                        graph = min(graphs)
                        where = f"{stored[iri][graph] or '?'} (stored in <{graph}>)"
                        self.registry_errors[unit.source] = _redeclared(unit, iri, where)
                        break
            if len(kept) == len(units) - len(self.registry_errors):
                break

    def graph_of(self, kind: str, source: str) -> str | None:
        """The graph a rejected input would have been written to, if that can be told."""
        path = Path(source)
        try:
            if kind == "document":
                return str(self.minter.document_graph(text.source_for(path).doc_id))
            if kind == "registry":
                return str(self.minter.registry_graph(path.stem))
            return str(self.minter.annotations_graph(path.stem))
        except (DadkhahError, OSError, ValueError):
            return None

    # -- changed documents and the annotations anchored to them

    def text_changed(self, unit: PreparedUnit, existing: str | None) -> bool:
        """Whether ``unit`` changes the text of a stored document that stored annotation
        graphs anchor to; if so it waits (``settle_changes``) and, until then, the
        annotation files of this load anchor to its new text. One look-up of the stored
        text and one per annotation targeting the document, for changed documents only."""
        facts = unit.document
        assert facts is not None
        stored = self.lookup.stored_document(URIRef(facts.iri))
        if stored is None or stored.text == facts.text:
            return False  # the stored selectors still point at the same words
        prefix = str(self.minter.annotations_graph("x"))[:-1]
        anchored = self.lookup.anchored_to(facts.iri, prefix)
        if not anchored:
            return False
        self.changes[facts.iri] = _Change(unit, existing, anchored)
        self.captures[facts.capture] = facts.iri
        for graph in anchored:
            self.anchored.setdefault(graph, set()).add(facts.iri)
        text = DocumentText(URIRef(facts.iri), URIRef(facts.capture), facts.text, facts.sha256)
        self.lookup.changed["iri " + facts.iri] = text
        if facts.url:
            self.lookup.changed["url " + facts.url] = text
        return True

    def waits(self, unit: PreparedUnit) -> bool:
        """Whether an annotation unit waits for a changed document: it anchors to the new
        text (its provenance says it used the new capture), or it replaces a graph
        anchored to the stored text."""
        docs = {self.captures[c] for c in _used(unit) if c in self.captures}
        if not docs and unit.graph_iri not in self.anchored:
            return False
        self.waiting.append(_Waiting(unit, frozenset(docs)))
        return True

    def annotations_graph(self, source: str) -> str:
        try:
            return str(self.minter.annotations_graph(Path(source).stem))
        except ValueError:
            return ""  # no graph: the file was rejected for its name

    def settle_changes(self) -> Iterator[Outcome]:
        """Decide the changed documents and the annotation units waiting for them.

        A changed document is stored only together with every stored annotation graph
        that anchors to its text, each re-anchored to the new text in this load; an
        annotation unit anchored to a new text is stored only with that text. What one
        decision ties together is written in one transaction, so the store never holds a
        selector that points at other words than its own."""
        if not self.changes:
            return
        yield from self.flush()
        changes, waiting = self.changes, self.waiting
        self.changes, self.waiting, self.captures, self.anchored = {}, [], {}, {}
        self.lookup.changed.clear()
        by_graph = {w.unit.graph_iri: w for w in waiting}
        refused: dict[str, str] = {}  # document IRI -> why its change is rejected
        while True:
            count = len(refused)
            for iri, change in changes.items():
                if iri not in refused and (why := self.missing(change, by_graph, refused)):
                    refused[iri] = why
            if len(refused) == count:
                break
        groups = _groups(changes, waiting, by_graph)
        outcomes: dict[str, Outcome] = {}
        docs = {w.unit.graph_iri: w.documents for w in waiting}
        for group in groups:
            outcomes.update(self.decide(group, changes, refused, docs))
        for unit in [c.unit for c in changes.values()] + [w.unit for w in waiting]:
            yield from self.report(outcomes[unit.graph_iri])

    def missing(
        self, change: _Change, by_graph: dict[str, _Waiting], refused: dict[str, str]
    ) -> str:
        """Why ``change`` cannot be stored yet, or "" if every graph anchored to its stored
        text is re-anchored in this load, to documents whose change is kept."""
        why = []
        for graph, file in change.anchored.items():
            name = file or f"<{graph}>"
            waiting = by_graph.get(graph)
            if waiting is None:
                found = "rejected" if graph in self.failed else "not in this load"
                why.append(f"{name} {found}")
            elif waiting.documents & refused.keys():
                why.append(f"{name} anchored to another rejected change")
        return ", ".join(why)

    def decide(
        self,
        group: list[PreparedUnit],
        changes: dict[str, _Change],
        refused: dict[str, str],
        docs: dict[str, frozenset[str]],
    ) -> dict[str, Outcome]:
        """Write what is kept of one group of changed documents and annotation units in one
        transaction, and reject the rest."""
        outcomes = {
            u.graph_iri: self.refusal(u, changes, refused)
            for u in group
            if (u.document.iri in refused if u.document else docs[u.graph_iri] & refused.keys())
        }
        group = [u for u in group if u.graph_iri not in outcomes]
        if not group:
            return outcomes
        existing = {
            u.graph_iri: changes[u.document.iri].existing
            if u.document is not None
            else self.store.fingerprint(URIRef(u.graph_iri))
            for u in group
        }
        if not self.dry_run:
            try:
                self.store.replace_together(group)
            except REFUSED as err:
                found = " ".join(str(err).split())
                error = LoadError(group[0].source, None, "triples the store accepts", found)
                return {u.graph_iri: Outcome(u.source, "rejected", error=error) for u in group}
        status = "valid" if self.dry_run else None
        return outcomes | {
            u.graph_iri: Outcome(
                u.source,
                status or ("replaced" if existing[u.graph_iri] else "loaded"),
                u.triple_count(),
                notes=tuple(u.notes),
            )
            for u in group
        }

    def refusal(
        self, unit: PreparedUnit, changes: dict[str, _Change], refused: dict[str, str]
    ) -> Outcome:
        if unit.document is not None:
            change = changes[unit.document.iri]
            files = ", ".join(
                f"{file or '?'} (<{graph}>)" for graph, file in sorted(change.anchored.items())
            )
            error = LoadError(
                unit.source,
                None,
                "the annotation files anchored to its stored text loaded with it and "
                f"re-anchored to its changed text: {files}",
                refused[unit.document.iri],
            )
        else:
            sources = sorted(changes[d].unit.source for d in changes if d in refused)
            error = LoadError(
                unit.source,
                None,
                "the changed document it anchors to stored with it",
                f"the change of {', '.join(sources)} rejected",
            )
        return Outcome(unit.source, "rejected", error=error)

    # -- what workers need

    def pool(self) -> Workers:
        if self._pool is None:
            self._pool = Workers(self.workers, self.ctx, stored_keys(self.store))
        return self._pool

    def jobs(self, kind: str, paths: Iterable[Path]) -> Iterator[work.Job]:
        """Jobs with the document lookups each input will make answered up front."""
        for path in paths:
            found = None
            if kind in ("annotations", "web-annotations"):
                try:
                    keys = hints(kind, path.read_bytes(), self.minter.base)
                except OSError:
                    keys = None  # the worker reports the unreadable file
                found = prefetch(self.lookup, keys or [])
            yield work.Job(kind, str(path), found)

    def folder(self) -> Path:
        """This load's temporary folder, removed when it ends."""
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix=f"dadkhah-load-{os.getpid()}-")
        return Path(self._tmp.name)

    def start_written(self) -> None:
        """Answer annotation files' document look-ups from what this load writes
        (``WrittenHere``), if the store holds no document yet and the load streams, or
        from what a dry run would have written (``plan``)."""
        if self.dry_run and self.lookup.written is None:
            self.lookup.written = WrittenHere(self.folder())
        if self.lookup.written is not None or self.written_off or self.bulk is None:
            return
        if self.lookup.holds_documents():
            self.written_off = True
            return
        self.lookup.written = WrittenHere(self.folder())

    def stop_written(self) -> None:
        """From now on every document look-up asks the store."""
        if self.lookup.written is not None:
            self.lookup.written.close()
        self.lookup.written, self.written_off = None, True

    def types_file(self) -> str:
        """The types of every registry entity, written once per kind for the workers."""
        folder = self.folder()
        path = folder / f"types-{sum(1 for _ in folder.iterdir())}.pickle"
        prefix = str(self.minter.registry_graph("registry")).rsplit("/", 1)[0] + "/"
        with path.open("wb") as handle:
            pickle.dump(self.lookup.registry_types(prefix), handle)
        return str(path)


def load_paths(
    store: Any,
    items: Iterable[tuple[str, Path]],
    minter: Minter,
    *,
    dry_run: bool = False,
    workers: int | None = None,
    progress: Callable[[Outcome], None] | None = None,
) -> Generator[Outcome, None, None]:
    """Load each discovered input, yielding one outcome per input, in input order (but for
    changed documents and the annotation files anchored to them, which come last).

    ``workers``: processes that prepare inputs (0: all in this process; None: one per core
    for any kind with at least ``PARALLEL_MIN`` inputs). ``progress``: called with each
    input's outcome as soon as it is known, which for a new unit is before its kind's stream
    is closed (a ``loaded`` outcome then means prepared, validated and queued); the yielded
    outcomes are final.
    """
    if not isinstance(items, Inputs):
        items = list(items)
    sizes = _sizes(items)
    run = _Run(store, minter, dry_run, workers, progress)
    try:
        if not dry_run:
            _commit_ontology(store, minter, run.ctx.loaded_at)
        for kind, group in groupby(items, key=lambda item: item[0]):
            yield from run.phase(kind, (path for _, path in group), sizes.get(kind, 0))
        yield from run.settle_changes()
    finally:
        run.close()
        store.flush()


_FOLDER = re.compile(r"dadkhah-load-(\d+)-")


def remove_abandoned_folders() -> list[Path]:
    """Remove the temporary folders of loads whose process has ended without removing its
    own (killed: a load's folder names its process), and say which."""
    removed = []
    for folder in Path(tempfile.gettempdir()).glob("dadkhah-load-*"):
        found = _FOLDER.match(folder.name)
        if not found or not folder.is_dir() or _running(int(found[1])):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _sizes(items: Inputs | list[tuple[str, Path]]) -> dict[str, int]:
    if isinstance(items, Inputs):
        return dict(items.counts)
    sizes: dict[str, int] = {}
    for kind, _ in items:
        sizes[kind] = sizes.get(kind, 0) + 1
    return sizes


def _commit_ontology(store: Any, minter: Minter, now: datetime) -> None:
    """Store the ontology unless this version of it is there already (checked before parsing
    it: every load starts here)."""
    hashes = [sha256_hex(p.read_bytes()) for p in ontology_files()]
    fingerprint = sha256_hex(" ".join([*hashes, __version__]).encode())
    if store.fingerprint(URIRef(ONTOLOGY_IRI)) != fingerprint:
        commit(store, ontology_unit(minter, now))
