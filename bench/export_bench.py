"""Export throughput, one way per process (so each reports its own peak RSS):
``python -m bench.export_bench STORE WAY``.

Ways: ``nquads`` (``EmbeddedStore.dump``: Oxigraph's N-Quads writer, every graph),
``union-ntriples`` (``EmbeddedStore.export_union``: the union graph, each triple once, in
constant memory), ``deterministic-nquads`` and ``deterministic-turtle`` (``dadkhah.export``,
the sorted dumps of ``dadkhah export``). Output goes to a byte counter, so disk speed is not
measured.
"""

from __future__ import annotations

import io
import sys
import time

import pyoxigraph as ox

from bench.common import emit, usage
from dadkhah.store import EmbeddedStore


class Counter(io.RawIOBase):
    """A writable sink that only counts bytes and lines."""

    def __init__(self) -> None:
        self.bytes = self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.bytes += len(data)
        self.lines += bytes(data).count(b"\n")
        return len(data)


def main() -> None:
    path, way = sys.argv[1], sys.argv[2]
    store = EmbeddedStore(path, read_only=True)
    sink = Counter()
    started = time.perf_counter()
    if way == "nquads":
        store.dump(sink)
    elif way == "union-ntriples":
        store.export_union(sink, ox.RdfFormat.N_TRIPLES)
    elif way.startswith("deterministic-"):
        from dadkhah.export import write

        write(store, sink, way.split("-", 1)[1])
    else:
        raise SystemExit(f"unknown way {way!r}")
    wall = time.perf_counter() - started
    emit({"way": way, "wall_s": round(wall, 2), "bytes": sink.bytes, "lines": sink.lines,
          **usage()})  # fmt: skip


if __name__ == "__main__":
    main()
