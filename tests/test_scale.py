"""Scale: the synthetic archive generator, the parallel load path against the in-process one,
resuming after a kill, and the pieces that keep memory flat (streamed discovery, a bounded
window of work, a constant-memory union export)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from array import array
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from dadkhah import journal
from dadkhah.errors import LoadError, ShapeViolation, Violation
from dadkhah.iris import Minter
from dadkhah.namespaces import DK, ONTOLOGY_IRI
from dadkhah.store import EmbeddedStore
from dadkhah.units import DocumentFacts
from loaders import commit, parallel, work
from loaders.commit import Outcome, discover, load_paths
from loaders.lookups import StoreLookup, WrittenHere

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # bench/ is a folder of scripts, not an installed package

from bench.generate import MANIFEST, generate  # noqa: E402

BASE = "https://dadkhah.example/id/"
FINGERPRINT = ox.NamedNode(str(DK.fingerprint))


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load(store: EmbeddedStore, folder: Path, workers: int | None) -> list[Outcome]:
    return list(load_paths(store, discover([str(folder)]), Minter(BASE), workers=workers))


def content(store: EmbeddedStore) -> list[bytes]:
    """Every quad, sorted, without load times (the one thing two loads may differ in)."""
    data = store.oxigraph.dump(format=ox.RdfFormat.N_QUADS) or b""
    return sorted(line for line in data.splitlines() if b"startedAtTime" not in line)


def copy_first(archive: Path, folder: Path, docs: int) -> Path:
    """The registry and the first ``docs`` documents with their annotation files."""
    for path in archive.rglob("*"):
        if path.is_file() and (path.name == "registry.yaml" or path.name[:7] < f"d{docs:06d}"):
            target = folder / path.relative_to(archive)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    return folder


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scale") / "archive"
    generate(folder, 200, seed=7)
    return folder


# ---------------------------------------------------------------- the generator


def test_the_generator_is_deterministic_and_prefix_stable(tmp_path: Path, archive: Path) -> None:
    generate(tmp_path / "again", 200, seed=7, jobs=2)
    assert tree_digest(tmp_path / "again") == tree_digest(archive)
    generate(tmp_path / "small", 20, seed=7)
    for path in (tmp_path / "small" / "documents").rglob("*.txt"):
        twin = archive / path.relative_to(tmp_path / "small")
        assert twin.read_bytes() == path.read_bytes()


def test_the_generator_starts_where_asked(tmp_path: Path, archive: Path) -> None:
    generate(tmp_path / "tail", 30, seed=7, first=170)
    manifest = json.loads((tmp_path / "tail" / MANIFEST).read_text())
    assert manifest["documents"] == 30
    made = sorted(p for p in (tmp_path / "tail").rglob("*") if p.is_file() and p.name != MANIFEST)
    assert len(made) == 1 + 30 * 3 + 6  # registry, text, notes, annotations; 1 in 5 Web
    for path in made:
        twin = archive / path.relative_to(tmp_path / "tail")
        assert twin.read_bytes() == path.read_bytes(), path.name
    assert not list((tmp_path / "tail" / "documents").rglob("d000169*"))


def test_the_archive_has_the_promised_shape(archive: Path) -> None:
    manifest = json.loads((archive / MANIFEST).read_text())
    assert manifest["documents"] == 200 and manifest["web_annotation_files"] == 40
    assert 20 * 200 <= manifest["annotations"] <= 50 * 200
    registry = (archive / "registry.yaml").read_text(encoding="utf-8")
    assert len(re.findall(r"^  - id: ", registry, re.M)) > 2000  # measures and entities
    files = list((archive / "annotations").rglob("*.yaml"))
    assert len(files) == 200
    text = "".join(f.read_text(encoding="utf-8") for f in files[:20])
    for section in ("mentions:", "claims:", "quotes:", "relations:", "occurrence:"):
        assert section in text


# ---------------------------------------------------------------- loading


@pytest.fixture(scope="module")
def parallel_store(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    store = EmbeddedStore(str(tmp_path_factory.mktemp("parallel") / "store"))
    outcomes = load(store, archive, workers=2)
    assert [o for o in outcomes if o.status != "loaded"] == []
    assert len(outcomes) == 1 + 200 + 200 + 40
    assert [o.source for o in outcomes] == [str(p) for _, p in discover([str(archive)])]
    return store


def test_workers_write_exactly_what_one_process_writes(
    parallel_store: EmbeddedStore, archive: Path, tmp_path: Path
) -> None:
    """The first 30 documents loaded in-process equal the same graphs from the parallel load."""
    subset = copy_first(archive, tmp_path / "subset", 30)
    alone = EmbeddedStore(str(tmp_path / "alone"))
    assert {o.status for o in load(alone, subset, workers=0)} == {"loaded"}
    mine = set(content(alone))
    graphs = {graph_of(q) for q in mine}
    assert len(graphs) == 2 + 2 * (1 + 30 + 30 + 6)  # ontology, registry, units: with provenance
    assert mine == {q for q in content(parallel_store) if graph_of(q) in graphs}


def test_mentions_links_pair_with_identifying_annotations_in_every_graph(
    parallel_store: EmbeddedStore,
) -> None:
    """Curated and Web Annotation files alike: in each graph, one ``schema:mentions`` link
    per document and entity an identifying annotation names, and no other."""
    pairs = "SELECT DISTINCT ?g ?doc ?entity WHERE { GRAPH ?g { %s } }"
    links = parallel_store.select(pairs % "?doc schema:mentions ?entity")
    named = parallel_store.select(
        pairs % "?a oa:motivatedBy oa:identifying ; oa:hasBody ?entity ; "
        "oa:hasTarget/oa:hasSource ?doc"
    )
    assert {tuple(r.values()) for r in links} == {tuple(r.values()) for r in named}
    graphs = {r["g"].rsplit("/", 1)[1] for r in links}
    # a document with a Web Annotation file has its mentions there, not in its curated file
    assert len({g for g in graphs if g.endswith(".webanno")}) == 40
    assert len(graphs) == 200


def graph_of(quad: bytes) -> bytes:
    return quad.rsplit(b" ", 2)[-2]


def test_a_fresh_load_anchors_from_what_it_wrote(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Into an empty store, no document is read back to anchor annotations; into a store that
    held documents already, every look-up asks the store."""
    asked: list[str] = []
    read = StoreLookup._from_capture  # what reads a document's text from the store

    def spied(self: StoreLookup, doc: ox.NamedNode, graph: ox.NamedNode) -> object:
        asked.append(doc.value)
        return read(self, doc, graph)

    monkeypatch.setattr(StoreLookup, "_from_capture", spied)
    store = EmbeddedStore(str(tmp_path / "store"))
    outcomes = load(store, copy_first(archive, tmp_path / "first", 80), workers=2)
    assert {o.status for o in outcomes} == {"loaded"}
    assert sum(o.source.endswith(".jsonld") for o in outcomes) > 0
    assert asked == []
    outcomes = load(store, copy_first(archive, tmp_path / "more", 100), workers=2)
    assert {o.status for o in outcomes} == {"loaded", "unchanged"}
    assert len(asked) >= 20  # the annotation files of the 20 new documents


def test_what_a_load_wrote_answers_only_what_is_certain(tmp_path: Path) -> None:
    written = WrittenHere(tmp_path)
    one = DocumentFacts("urn:d:1", "urn:c:1", "text one", "a" * 64, "http://x.example/same")
    two = DocumentFacts("urn:d:2", "urn:c:2", "text two", "b" * 64, "http://x.example/same")
    three = DocumentFacts("urn:d:3", "urn:c:3", "text three", "c" * 64, "http://x.example/3")
    for facts in (one, two):
        written.note(facts)
    written.commit()
    written.note(three)
    written.discard()  # its stream was refused
    answer = written.answer("iri urn:d:2")
    assert answer is not None and (answer.text, answer.sha256) == ("text two", "b" * 64)
    assert written.answer("url http://x.example/same") is None  # two documents: the store's
    assert (
        written.answer("iri urn:d:3") is None and written.answer("url http://x.example/3") is None
    )
    written.close()


def test_a_second_load_skips_everything_before_parsing(
    parallel_store: EmbeddedStore, archive: Path
) -> None:
    before = content(parallel_store)
    outcomes = load(parallel_store, archive, workers=2)
    assert {o.status for o in outcomes} == {"unchanged"}
    assert content(parallel_store) == before


def test_workers_skip_by_fingerprint_and_every_skip_is_confirmed(
    archive: Path, tmp_path: Path
) -> None:
    """The keys workers skip by stand for fingerprints alone. A stored fingerprint arriving
    with a graph the store does not hold (a key that matched another unit) is not taken as
    unchanged: the input is prepared again and loaded."""
    folder = copy_first(archive, tmp_path / "archive", 3)
    store = EmbeddedStore(str(tmp_path / "store"))
    first = sorted(folder.rglob("*.txt"))[:2]
    assert {o.status for o in load(store, first[0], workers=0)} == {"loaded"}
    stored = {
        q.object.value
        for q in store.oxigraph.quads_for_pattern(None, FINGERPRINT, None)
        if isinstance(q.object, ox.Literal)
    }
    keys = commit.stored_keys(store)
    assert len(keys) == len(stored) and list(keys) == sorted(keys)
    known = work.key_filter(keys)
    assert all(known("urn:any:graph", fingerprint) for fingerprint in stored)
    assert not known("urn:any:graph", "0" * 64)
    run = commit._Run(store, Minter(BASE), False, 0)
    try:
        forged = work.Skipped(str(first[1]), BASE + "graph/document/never-stored", min(stored))
        outcomes = [*run.settle("document", forged), *run.flush()]
    finally:
        run.close()
    assert [o.status for o in outcomes] == ["loaded"], outcomes
    assert len(stored) < sum(1 for _ in store.oxigraph.quads_for_pattern(None, FINGERPRINT, None))


def test_a_bad_file_among_many_is_the_only_one_rejected(
    archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commit._Held, "CHUNK", 3)  # outcomes, errors too, wait on disk
    folder = copy_first(archive, tmp_path / "mixed", 40)
    sidecar = next(folder.rglob("d000003_*.meta.yaml"))
    lines = [line for line in sidecar.read_text().splitlines() if not line.startswith("url:")]
    sidecar.write_text("\n".join([*lines, 'url: "http://bad host.example/x"', ""]))
    # A target named by "id" instead of "source": the committing process cannot foresee the
    # lookup, so the worker hands the file back and it is loaded there (same result).
    doc = next(folder.rglob("d000001_*.txt"))
    text = doc.read_text(encoding="utf-8")
    (folder / "annotations" / "000" / "by-id.jsonld").write_text(json.dumps({
        "type": "Annotation", "id": "urn:x:1", "motivation": "highlighting",
        "target": {"id": f"{BASE}document/{doc.stem}", "selector": {
            "type": "TextQuoteSelector", "exact": text.split("\n", 1)[0]}},
    }))  # fmt: skip
    store = EmbeddedStore(str(tmp_path / "store"))
    outcomes = load(store, folder, workers=2)
    by_id = [o for o in outcomes if o.source.endswith("by-id.jsonld")]
    assert [o.status for o in by_id] == ["loaded"], by_id
    rejected = [o for o in outcomes if o.status == "rejected"]
    assert [Path(o.source).stem for o in rejected] == [sidecar.name.split(".")[0]] * 2
    assert "url: expected an absolute IRI" in str(rejected[0].error)
    assert "the id of a loaded document" in str(rejected[1].error)
    assert {o.status for o in outcomes} == {"loaded", "rejected"}
    assert [o.source for o in outcomes] == [str(p) for _, p in discover([str(folder)])]


DYING = """
import os, signal, sys, time
sys.path.insert(0, REPO)
from dadkhah import journal
from loaders import commit

commit.BATCH_BYTES = 1 << 20  # many small batches
real, seen = journal.Stream.add, []


def dying(self, units):
    real(self, units)
    if "annotations" in units[0].source:
        seen.append(1)
    if len(seen) == 2:
        # the annotations' stream: two batches journaled, read by the bulk loader, not ingested
        while not self._batches.empty():
            time.sleep(0.01)
        time.sleep(0.2)
        os.kill(os.getpid(), signal.SIGKILL)


journal.Stream.add = dying
if __name__ == "__main__":
    from dadkhah.cli import main

    sys.argv = ["dadkhah", "--store", STORE, "load", ARCHIVE]
    main()
"""


def test_resume_after_sigkill_mid_stream(
    parallel_store: EmbeddedStore, archive: Path, tmp_path: Path
) -> None:
    """A load killed while a bulk-load stream is half fed leaves no half unit behind, and the
    next load finishes with exactly what an uninterrupted load writes."""
    store_dir = tmp_path / "killed"
    scratch = tmp_path / "tmp"  # the loads' temporary folders, watched
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    script = tmp_path / "dying.py"
    script.write_text(
        DYING.replace("REPO", repr(str(REPO)))
        .replace("STORE", repr(str(store_dir)))
        .replace("ARCHIVE", repr(str(archive)))
    )
    killed = subprocess.run(
        [sys.executable, str(script)], capture_output=True, timeout=300, env=env
    )
    assert killed.returncode == -9, killed.stderr[-3000:]
    left = {p.name for p in scratch.glob("dadkhah-load-*")}
    assert left  # the killed load could not remove its folder
    half_written = EmbeddedStore(str(store_dir))  # opening undoes the unfinished stream
    assert half_written.recovered and not half_written.holds("urn:dadkhah:load-journal")
    assert all(half_written.fingerprint(g) is None for g in half_written.recovered)
    del half_written
    resumed = subprocess.run(
        [sys.executable, "-m", "dadkhah.cli", "--store", str(store_dir), "load", str(archive)],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert not left & {p.name for p in scratch.glob("dadkhah-load-*")}  # the next load did
    found = re.fullmatch(
        r"441 inputs: (\d+) loaded, (\d+) unchanged; \d+ triples written", resumed.stdout.strip()
    )
    assert found and int(found[1]) > 0 and int(found[2]) > 0, resumed.stdout
    assert content(EmbeddedStore(str(store_dir))) == content(parallel_store)


class FakeUnit:
    """What a stream needs of a unit: its graphs, fingerprint and quads."""

    def __init__(self, name: str, body: str):
        self.graph_iri = f"https://dadkhah.example/id/graph/{name}"
        self.provenance_iri = f"{self.graph_iri}/provenance"
        self.fingerprint, self.body, self.source = "f" * 64, body, name

    def nquads(self, *, with_fingerprint: bool = True) -> str:
        return self.body.replace("GRAPH", f"<{self.graph_iri}>")


GOOD = '<https://dadkhah.example/id/s> <https://dadkhah.example/id/p> "ok" GRAPH .\n'


def test_a_stream_shows_nothing_until_closed_then_every_unit(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "store"))
    stream = journal.Stream(store)
    stream.add([FakeUnit("a", GOOD), FakeUnit("b", GOOD)])
    stream.add([FakeUnit("c", GOOD)])
    listed = [q.object.value.split() for q in store]  # the journal only: a quad per batch
    assert sorted(map(len, listed)) == [2, 4]  # each unit's graph and provenance graph
    stream.close()
    graphs = {q.graph_name.value for q in store}
    assert not store.contains_named_graph(ox.NamedNode(journal.JOURNAL))
    assert {f"https://dadkhah.example/id/graph/{n}" for n in "abc"} <= graphs
    assert len(list(store.quads_for_pattern(None, ox.NamedNode(str(DK.fingerprint)), None))) == 3


def test_fingerprints_wait_in_a_file_and_land_in_bounded_transactions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "MARKS", 2)
    store = ox.Store(str(tmp_path / "store"))
    stream = journal.Stream(store)
    stream.add([FakeUnit(n, GOOD) for n in "abc"])
    stream.add([FakeUnit(n, GOOD) for n in "de"])
    assert stream._marks.tell() > 0  # on disk, not in a list
    assert [len(chunk.splitlines()) for chunk in stream._chunks_of_marks()] == [2, 2, 1]
    stream.close()
    assert stream._marks.closed
    marks = store.quads_for_pattern(None, ox.NamedNode(str(DK.fingerprint)), None)
    graphs = [q.subject for q in marks]
    assert all(isinstance(g, ox.NamedNode) for g in graphs)  # so none is left out below
    names = [g.value.rsplit("/", 1)[1] for g in graphs if isinstance(g, ox.NamedNode)]
    assert sorted(names) == list("abcde")


def test_held_outcomes_come_back_in_order_with_their_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(commit._Held, "CHUNK", 3)
    violation = Violation("urn:x:f", "urn:x:p", "a message", "urn:x:shape", "sh:MinCount")
    errors = [LoadError("a.yaml", "line 3", "a date", "soon"), ShapeViolation("b", [violation])]
    outcomes = [
        Outcome(f"in-{n}", "rejected", error=errors[n % 2]) if n % 4 == 1
        else Outcome(f"in-{n}", "loaded", n, notes=(f"note {n}",))
        for n in range(8)
    ]  # fmt: skip
    held = commit._Held()
    for outcome in outcomes:
        held.append(outcome)
    first = held.drain()
    assert not held
    held.append(Outcome("later", "loaded"))  # does not join what was drained
    back = list(first)
    assert [(o.source, o.status, o.triples, o.notes) for o in back] == [
        (o.source, o.status, o.triples, o.notes) for o in outcomes
    ]
    assert [(type(o.error), str(o.error)) for o in back] == [
        (type(o.error), str(o.error)) for o in outcomes
    ]
    assert [o.source for o in held.drain()] == ["later"]


def test_recovery_drops_every_graph_a_journal_lists(tmp_path: Path) -> None:
    """Both journal forms: a literal per batch, and a graph IRI per quad (earlier versions)."""
    store = ox.Store(str(tmp_path / "store"))
    stream = journal.Stream(store)
    stream.add([FakeUnit("a", GOOD), FakeUnit("b", GOOD)])
    stream._put(journal._END)  # the bulk load returns; the process dies before close()
    stream._thread.join()
    stream._marks.close()  # as the process's death would
    old = FakeUnit("c", GOOD)
    store.load(
        f"<{journal.JOURNAL}> <{journal.PENDING}> <{old.graph_iri}> <{journal.JOURNAL}> .\n"
        + GOOD.replace("GRAPH", f"<{old.graph_iri}>")
        + GOOD.replace("GRAPH", "<https://dadkhah.example/id/graph/kept>"),
        format=ox.RdfFormat.N_QUADS,
    )
    dropped = journal.recover(store)
    assert len(dropped) == 5 and old.graph_iri in dropped
    assert [q.graph_name.value for q in store] == ["https://dadkhah.example/id/graph/kept"]


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_refused_stream_leaves_nothing(tmp_path: Path, on_disk: bool) -> None:
    store = ox.Store(str(tmp_path / "store")) if on_disk else ox.Store()
    stream = journal.Stream(store, journaled=on_disk)
    stream.add([FakeUnit("a", GOOD)])
    stream.add([FakeUnit("b", GOOD.replace("<https://dadkhah.example/id/s>", "<relative>"))])
    stream.add([FakeUnit("c", GOOD)])  # after the refusal: dropped, close() reports it
    with pytest.raises(SyntaxError):
        stream.close()
    assert len(store) == 0


def test_a_refused_stream_is_written_again_unit_by_unit(
    parallel_store: EmbeddedStore, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the store refuses a stream, its inputs are prepared again and written one by one:
    only the refused ones would be rejected, and here none is."""
    subset = copy_first(archive, tmp_path / "subset", 20)
    real = journal.Stream.add
    bad = FakeUnit("bad", GOOD.replace("<https://dadkhah.example/id/s>", "<relative>"))
    refused = []

    def poisoned(self: journal.Stream, units: list[FakeUnit]) -> None:
        if "annotations" in units[0].source:
            refused.append(units[0].source)
            units = [*units, bad]
        real(self, units)

    monkeypatch.setattr(journal.Stream, "add", poisoned)
    store = EmbeddedStore(str(tmp_path / "store"))
    outcomes = load(store, subset, workers=0)
    assert refused  # the stream of curated annotations was refused
    assert {o.status for o in outcomes} == {"loaded"} and len(outcomes) == 1 + 20 + 20 + 4
    assert not store.holds(journal.JOURNAL) and not store.holds(bad.graph_iri)
    mine = set(content(store))
    graphs = {graph_of(q) for q in mine}
    assert mine == {q for q in content(parallel_store) if graph_of(q) in graphs}


# ---------------------------------------------------------------- flat memory


def test_discovery_walks_instead_of_listing(archive: Path) -> None:
    items = discover([str(archive)])
    assert not hasattr(items, "__getitem__")  # nothing held per file
    assert len(items) == 441 and items.counts == {
        "registry": 1, "document": 200, "annotations": 200, "web-annotations": 40,
    }  # fmt: skip
    assert list(items) == list(items)
    assert [k for k, _ in items][:2] == ["registry", "document"]


FREED = """
import ctypes, sys, threading
sys.path.insert(0, REPO)
from dadkhah import memory

libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_void_p]


def rss():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) // 1024


def churn():  # like a bulk-load batch: many buffers, filled, freed when the thread ends
    blocks = [libc.malloc(60_000) for _ in range(5_000)]
    for block in blocks:
        ctypes.memset(block, 1, 60_000)
    for block in blocks[:-1]:
        libc.free(block)  # the last one keeps the arena's top in use


thread = threading.Thread(target=churn)
thread.start()
thread.join()
before = rss()
print(before, memory.release(), rss())
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's allocator is Linux's")
def test_release_hands_freed_heap_back() -> None:
    """What a finished thread freed stays in the process until ``memory.release``."""
    script = FREED.replace("REPO", repr(str(REPO)))
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    before, asked, after = ran.stdout.split()
    assert asked == "True"
    assert int(before) > 250 and int(after) < int(before) - 200, ran.stdout


def test_workers_read_ahead_a_bounded_window(archive: Path) -> None:
    pulled = 0

    def jobs() -> Iterator[work.Job]:
        nonlocal pulled
        for path in sorted((archive / "documents").rglob("*.txt")):
            pulled += 1
            yield work.Job("document", str(path))

    pool = parallel.Workers(2, work.RunContext(BASE, datetime(2026, 1, 1, tzinfo=UTC)), array("Q"))
    try:
        results = pool.run(jobs(), None, window=3)
        first = next(results)
        assert isinstance(first, work.Ready)
        assert pulled <= 4 * parallel.CHUNK  # three chunks out, one more after the first
        assert sum(1 for _ in results) == 199
    finally:
        pool.close()


def test_the_union_export_streams_each_triple_once(tmp_path: Path) -> None:
    store = EmbeddedStore(str(tmp_path / "store"))
    s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    for value, graph in [("x", None), ("x", "g2"), ("y", "g2"), ("y", "g1"), ("z", "g3")]:
        name = ox.DefaultGraph() if graph is None else ox.NamedNode(f"http://e/{graph}")
        store.oxigraph.add(ox.Quad(s, p, ox.Literal(value), name))
    out = tmp_path / "union.nt"
    with out.open("wb") as handle:
        store.export_union(handle, ox.RdfFormat.N_TRIPLES)
    lines = sorted(out.read_text().splitlines())
    assert lines == [f'<http://e/s> <http://e/p> "{v}" .' for v in "xyz"]
    assert store.union_triple_count() == 3


def test_no_worker_outlives_its_load(archive: Path, tmp_path: Path) -> None:
    store = EmbeddedStore(str(tmp_path / "store"))
    before = set(os.listdir("/proc"))
    outcomes = load_paths(store, discover([str(archive)]), Minter(BASE), workers=2)
    next(outcomes)
    next(outcomes)
    outcomes.close()  # the consumer stops early: the pool is shut down, nothing is left
    alive = []
    for pid in {p for p in set(os.listdir("/proc")) - before if p.isdigit()}:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # gone
        parent = next((ln.split()[1] for ln in status.splitlines() if ln.startswith("PPid:")), "")
        if parent != str(os.getpid()):
            continue  # another program on the machine, not one of this load's workers
        if "State:\tZ" not in status and b"resource_tracker" not in command:
            alive.append(command)
    assert alive == []


# ---------------------------------------------------------------- the raw baseline's input


def test_a_teed_stream_copies_exactly_what_it_stored(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "store"))
    with (tmp_path / "copy.nq").open("wb") as tee:
        stream = journal.Stream(store, tee=tee)
        stream.add([FakeUnit("a", GOOD), FakeUnit("b", GOOD)])
        stream.add([FakeUnit("c", GOOD)])
        stream.close()
    again = ox.Store()
    again.bulk_load(path=str(tmp_path / "copy.nq"), format=ox.RdfFormat.N_QUADS)
    assert len(again) == 6  # three units: a quad and a fingerprint each, no journal
    assert set(again) == set(store)


def test_the_load_benchmark_tees_the_quads_the_raw_load_reads(
    archive: Path, tmp_path: Path
) -> None:
    folder = copy_first(archive, tmp_path / "archive", 12)
    copy = tmp_path / "copy.nq"
    run = subprocess.run(
        [sys.executable, "-m", "bench.load_once", str(tmp_path / "store"), str(folder),
         "--tee", str(copy)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["statuses"] == {"loaded": report["inputs"]}
    raw = ox.Store()
    raw.bulk_load(path=str(copy), format=ox.RdfFormat.N_QUADS)
    ours = EmbeddedStore(str(tmp_path / "store"), read_only=True).oxigraph
    only_ours = {q.graph_name.value for q in set(ours) - set(raw)}
    ontology = {ONTOLOGY_IRI, str(Minter(BASE).provenance_graph(URIRef(ONTOLOGY_IRI)))}
    assert only_ours == ontology  # written in a transaction, not streamed
    assert set(raw) <= set(ours)
    assert len(ours) - len(raw) == sum(1 for q in ours if q.graph_name.value in ontology)


@pytest.mark.parametrize("switch", ["--anchor-from-load", "--no-store-reads"])
def test_a_load_in_parts_ends_as_one_load(tmp_path: Path, switch: str) -> None:
    """``bench.chunked`` loads one shard folder per process; with either switch that takes
    the store's reads away, the store it leaves is the one a single load leaves."""
    whole = tmp_path / "whole"
    generate(whole, 8, seed=7)
    generate(whole, 8, seed=7, first=1000)  # a second shard folder
    run = subprocess.run(
        [sys.executable, "-m", "bench.chunked", str(tmp_path / "parts"), str(whole),
         "--part", "1000", switch],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    reports = [json.loads(line) for line in run.stdout.splitlines()]
    assert [(r["shards"], r["documents_from_earlier_parts"]) for r in reports] == [
        ("000-000", 0), ("001-001", 8)
    ]  # fmt: skip

    def inputs(shard: str) -> int:  # texts, annotation files, Web Annotation files
        texts = list((whole / "documents" / shard).glob("*.txt"))
        return len(texts) + len(list((whole / "annotations" / shard).iterdir()))

    assert reports[0]["statuses"] == {"loaded": 1 + inputs("000")}  # and the registry
    assert reports[1]["statuses"] == {"unchanged": 1, "loaded": inputs("001")}
    assert reports[1]["peak_rss_mib"] > 0
    single = EmbeddedStore(str(tmp_path / "single"))
    assert all(o.status == "loaded" for o in load(single, whole, workers=0))
    parts = EmbeddedStore(str(tmp_path / "parts"), read_only=True)
    assert content(parts) == content(single)


def test_the_heap_sample_sees_small_blocks_allocated_and_freed() -> None:
    import ctypes

    from bench.common import heap_mib

    before = heap_mib()
    assert before is not None  # glibc, as on every machine these benchmarks run on
    blocks = [ctypes.create_string_buffer(4096) for _ in range(10_000)]  # 40 MiB, malloc'd
    during = heap_mib()
    del blocks
    after = heap_mib()
    assert during is not None and after is not None
    assert during[0] - before[0] >= 35 and during[1] >= during[0]
    assert during[0] - after[0] >= 35
