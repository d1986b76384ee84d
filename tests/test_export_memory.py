"""The union dumps (Turtle, N-Triples, RDF/XML) sort by an external merge sort: the same bytes
whether the union fits one in-memory run or is spilled in many, temporary files closed
whatever happens, and memory that stays bounded on a store bigger than one run. Plus the
remote store's ``export_union``, which streams the server's answer.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox
import pytest
import requests

from dadkhah import chunked
from dadkhah import export as dumps
from dadkhah.export import Scope, chunks, prefix_header, scoped_graphs, sort_key, to_bytes
from dadkhah.namespaces import PREFIXES
from dadkhah.remote import RemoteStore
from dadkhah.store import EmbeddedStore, Store
from tests.backends import AnyStore
from tests.conformance.targets import OxigraphServeTarget

BASE = "https://dadkhah.example/id/"
DOC = f"{BASE}document/000_db2d29c75dffccd4"
UNION = ("turtle", "ntriples", "rdfxml")
SCOPES = (
    Scope(),
    Scope(graph=f"{BASE}graph/document/000_db2d29c75dffccd4"),
    Scope(document=DOC),
    Scope(entity=f"{BASE}entity/evin-prison"),
)

TRICKY = r"""
<http://e/a> <http://e/p> "a" <http://e/g1> .
<http://e/a> <http://e/p> "a" <http://e/g2> .
<http://e/a> <http://e/p> "a"@en <http://e/g1> .
<http://e/a> <http://e/p> "a b" <http://e/g2> .
<http://e/a> <http://e/p> "a"^^<http://www.w3.org/2001/XMLSchema#integer> <http://e/g2> .
<http://e/a> <http://e/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <http://e/g2> .
<http://e/a> <http://e/p> "q\"uote back\\slash\ttab\nline \u0001 é ☃ \U0001F600" <http://e/g3> .
<http://e/a> <http://e/p2> <http://e/a/b> <http://e/g3> .
<http://e/a> <http://e/p> <http://e/ab> <http://e/g3> .
<http://e/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/T> <http://e/g1> .
<http://e/a/b> <http://e/p> "x" <http://e/g1> .
<http://e/ab> <http://e/p> "x" .
<http://e/ab> <http://e/p> "x" <http://e/g4> .
<http://e/é> <http://e/p> "x" <http://e/g4> .
<https://dadkhah.example/ns#T> <http://www.w3.org/2000/01/rdf-schema#label> "t"@fa <http://e/g4> .
_:x <http://e/p> "b1" <http://e/g5> .
_:x <http://e/p> _:y <http://e/g5> .
_:y <http://e/p> "b2" <http://e/g5> .
_:z <http://e/p> "b1" <http://e/g6> .
<http://e/a> <http://e/q> _:w <http://e/g6> .
<http://e/c> <http://e/p> "" <http://e/g7> .
<http://e/c> <http://e/r> <<( <http://e/a> <http://e/p> "q\"t" )>> <http://e/g7> .
<http://e/c> <http://e/r> <<( <http://e/a> <http://e/p> "q\"t" )>> <http://e/g8> .
<http://e/c> <http://e/r> <http://e/a> <http://e/g8> .
<http://e/c> <http://e/r> "<http://e/a> <http://e/p> \"z\"" <http://e/g8> .
"""
"""Terms whose text is a prefix of another's, escapes, blank nodes (canonicalized per graph),
triple terms (whose text is not their N-Triples form), and triples in several graphs."""


def in_memory(store: Store, fmt: str, scope: Scope) -> bytes:
    """The union as the export wrote it before the external sort (the whole union sorted in
    memory): the oracle the streaming export must match byte for byte."""
    triples = {q.triple for _, quads in scoped_graphs(store, scope) for q in quads}
    ordered = sorted(triples, key=sort_key)
    if fmt == "turtle":
        return prefix_header() + dumps.turtle_like(ordered, ox.RdfFormat.TURTLE)
    return to_bytes(ordered, dumps.UNION_FORMATS[fmt], dict(PREFIXES))


class Spills:
    """Counts the runs an export spills to temporary files and keeps them to check they are
    closed afterwards."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[IO[bytes]] = []
        spill = dumps._spill

        def counting(records: Iterator[bytes]) -> IO[bytes]:
            run = spill(records)
            self.files.append(run)
            return run

        monkeypatch.setattr(dumps, "_spill", counting)

    def all_closed(self) -> bool:
        return all(f.closed for f in self.files)


def forced_runs(monkeypatch: pytest.MonkeyPatch) -> Spills:
    """Small runs (some 80 records each), small output pieces, and runs merged four at a
    time, so every part of the external sort is exercised on a small store."""
    monkeypatch.setattr(dumps, "RUN_BYTES", 16384)
    monkeypatch.setattr(dumps, "CHUNK_BYTES", 512)
    monkeypatch.setattr(dumps, "MERGE_WIDTH", 4)
    return Spills(monkeypatch)


def export(store: Store, fmt: str, scope: Scope) -> bytes:
    return b"".join(chunks(store, fmt, scope))


def test_one_run_and_many_runs_give_the_same_bytes_on_the_corpus(
    corpus_store: AnyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    one_run = Spills(monkeypatch)
    single = {(f, s): export(corpus_store, f, s) for f in UNION for s in SCOPES}
    assert one_run.files == []  # the corpus fits one run: no temporary file
    for (fmt, scope), data in single.items():
        assert data == in_memory(corpus_store, fmt, scope), (fmt, scope)
    spills = forced_runs(monkeypatch)
    for (fmt, scope), data in single.items():
        assert export(corpus_store, fmt, scope) == data, (fmt, scope)
    assert len(spills.files) > 100 and spills.all_closed()
    assert single[("turtle", Scope())].count(b"\n") > 3000


def test_many_runs_match_the_in_memory_sort_on_awkward_terms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = EmbeddedStore(None)
    store.oxigraph.load(TRICKY.encode(), ox.RdfFormat.N_QUADS)
    scopes = (Scope(), Scope(graph="http://e/g6"))
    expected = {(f, s): in_memory(store, f, s) for f in UNION for s in scopes}
    assert b"<<( <http://e/a>" in expected[("ntriples", Scope())]
    assert b"_:c14n0" in expected[("turtle", Scope())]
    monkeypatch.setattr(dumps, "RUN_BYTES", 1)  # one record per run
    monkeypatch.setattr(dumps, "CHUNK_BYTES", 1)  # one subject per serializer call
    monkeypatch.setattr(dumps, "MERGE_WIDTH", 2)
    spills = Spills(monkeypatch)
    for (fmt, scope), data in expected.items():
        assert export(store, fmt, scope) == data, (fmt, scope)
    assert len(spills.files) > 50 and spills.all_closed()


def test_an_empty_union_is_the_bare_header_and_an_unknown_scope_writes_nothing() -> None:
    store = EmbeddedStore(None)
    for fmt in UNION:
        assert export(store, fmt, Scope()) == in_memory(store, fmt, Scope())
        out = io.BytesIO()
        with pytest.raises(dumps.ExportError):
            dumps.write(store, out, fmt, Scope(entity="http://e/nothing"))
        assert out.getvalue() == b""


def test_temporary_files_close_when_the_export_is_abandoned_or_fails(
    corpus_store: AnyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    spills = forced_runs(monkeypatch)
    stream = chunks(corpus_store, "turtle", Scope())
    assert isinstance(stream, Generator)
    assert next(stream) == prefix_header()
    assert next(stream)
    assert spills.files and not spills.all_closed()  # merging
    stream.close()  # the client went away
    assert spills.all_closed()

    def failing() -> Iterator[bytes]:
        yield from (b'<http://e/s%d>\0<http://e/p>\0"x"\n' % i for i in range(50))
        raise OSError("the store went away")

    before = len(spills.files)
    with pytest.raises(OSError, match="went away"):
        list(dumps.sorted_union(failing(), run_bytes=100))
    assert len(spills.files) > before and spills.all_closed()


# ---------------------------------------------------------------------- memory

MEASURE = r"""
import io, json, sys
import pyoxigraph as ox
from dadkhah import export
from dadkhah.store import EmbeddedStore

def status(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024

class Sink(io.RawIOBase):
    size = 0
    def writable(self): return True
    def write(self, data):
        self.size += len(data)
        return len(data)

spilled = []
spill = export._spill
export._spill = lambda records: spilled.append(1) or spill(records)
store = EmbeddedStore(sys.argv[1], read_only=True)
for _ in store.oxigraph.quads_for_pattern(None, None, None, None):
    pass  # RocksDB's cache fills as the store is read, whatever reads it: not the export's
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from the current RSS
before = status("VmRSS")
sink = Sink()
export.write(store, sink, "turtle")
peak = status("VmHWM")
print(json.dumps({"before_mib": before, "growth_mib": peak - before, "bytes": sink.size,
                  "runs": len(spilled)}))
"""
"""Peak RSS growth of a whole-store Turtle export into a byte counter, in a process of its own:
Linux's high-water mark (VmHWM), reset once the store has been read through (its cache is
RocksDB's, and grows with whatever reads the store), minus the RSS at that moment."""

TRIPLES = 150_000
GRAPHS = 300
LITERAL = 300
GROWTH_LIMIT_MIB = 100
"""Measured (pyoxigraph 0.5.13, Python 3.11): 39 MiB with the default ``RUN_BYTES``; the
in-memory sort this replaced grew by 286 MiB on the same store."""


def synthetic(path: Path) -> int:
    """``TRIPLES`` triples of about 360 bytes of N-Triples each over ``GRAPHS`` graphs, one in
    ten also in a second graph: some 60 MB to sort, two runs."""
    pad = "x" * LITERAL

    def lines() -> Iterator[str]:
        for i in range(TRIPLES):
            triple = f'<https://e.example/s/{i // 4}> <https://e.example/p/{i % 4}> "{pad} {i}"'
            yield f"{triple} <https://e.example/g/{i % GRAPHS}> .\n"
            if i % 10 == 0:
                yield f"{triple} <https://e.example/g/{(i + 1) % GRAPHS}> .\n"

    store = EmbeddedStore(str(path))
    store.oxigraph.bulk_load("".join(lines()).encode(), ox.RdfFormat.N_QUADS)
    count = len(store.oxigraph)
    del store  # release RocksDB's lock for the measuring process
    return count


@pytest.mark.embedded_only(reason="measures the embedded store's export in a subprocess")
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")
def test_the_whole_store_turtle_export_stays_within_bounded_memory(tmp_path: Path) -> None:
    quads = synthetic(tmp_path / "store")
    assert quads == TRIPLES + TRIPLES // 10
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tmp_path / "store")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    measured = json.loads(done.stdout)
    assert measured["runs"] >= 2  # the default run size was exceeded: the sort spilled
    assert measured["bytes"] > TRIPLES * LITERAL
    assert measured["growth_mib"] < GROWTH_LIMIT_MIB, measured


# ---------------------------------------------------------------------- the remote store


@pytest.mark.server
def test_the_remote_union_export_streams_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []

    class Counting(chunked.BodyReader):
        def read(self) -> bytes:
            reads.append(1)
            return super().read()

    monkeypatch.setattr(chunked, "BodyReader", Counting)

    class Sink(io.BytesIO):
        reads_before_first_write: int | None = None

        def write(self, data: bytes) -> int:  # type: ignore[override]
            if self.reads_before_first_write is None:
                self.reads_before_first_write = len(reads)
            return super().write(data)

    pad = "y" * 100
    nquads = "".join(
        f'<http://e/s{i}> <http://e/p> "{pad} {i}" <http://e/g{i % 3 + extra}> .\n'
        for i in range(20_000)
        for extra in (0, 1)  # every triple in two graphs
    )
    with OxigraphServeTarget(in_memory=True) as server:
        requests.post(
            f"{server.base_url}/store",
            data=nquads.encode(),
            headers={"Content-Type": "application/n-quads"},
            timeout=60,
        ).raise_for_status()
        store = RemoteStore(server.base_url)
        try:
            sink = Sink()
            store.export_union(sink, ox.RdfFormat.N_TRIPLES)
            lines = sink.getvalue().splitlines()
            assert len(lines) == len(set(lines)) == 20_000  # each triple once
            assert sink.reads_before_first_write is not None
            assert sink.reads_before_first_write < len(reads) - 1  # written while reading
            turtle = io.BytesIO()
            store.export_union(turtle, ox.RdfFormat.TURTLE)  # the connection is reusable
            assert turtle.getvalue().startswith(b"@prefix ")
            assert len(list(ox.parse(turtle.getvalue(), ox.RdfFormat.TURTLE))) == 20_000
        finally:
            store.close()
