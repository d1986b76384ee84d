"""Can one ``bulk_load`` call take its N-Quads as they are produced?
``python -m bench.stream_probe [--quads N]``.

Loads N synthetic quads three ways into fresh stores and prints one JSON line: from one
bytes object; from a file-like reader fed through a queue by this thread; and the same
while this thread also makes a small transactional write per chunk (as a load journal
would) and, halfway, checks whether any streamed quad is visible yet.
"""

from __future__ import annotations

import argparse
import io
import queue
import tempfile
import threading
import time
from typing import Any

import pyoxigraph as ox

from bench.common import emit

CHUNK = 50_000
NQ = ox.RdfFormat.N_QUADS


def quads(start: int, count: int) -> bytes:
    return "".join(
        f'<http://e/{i}> <http://p/{i % 7}> "text number {i} with some words" '
        f"<http://g/{i // 50}> .\n"
        for i in range(start, start + count)
    ).encode()


class QueueReader(io.RawIOBase):
    """Bytes chunks taken from a queue; ``None`` in the queue ends the stream."""

    def __init__(self, chunks: queue.Queue[bytes | None]):
        self.chunks, self.pending, self.ended = chunks, b"", False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            if self.ended:
                return 0
            chunk = self.chunks.get()
            if chunk is None:
                self.ended = True
                return 0
            self.pending = chunk
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def streamed(total: int, *, journal: bool) -> dict[str, Any]:
    store = ox.Store(tempfile.mkdtemp(prefix="dadkhah-probe-"))
    chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=8)
    errors: list[str] = []

    def load() -> None:
        try:
            store.bulk_load(io.BufferedReader(QueueReader(chunks), 1 << 20), format=NQ)
        except Exception as err:  # reported, not raised: the probe says what happened
            errors.append(repr(err))

    started = time.perf_counter()
    loader = threading.Thread(target=load)
    loader.start()
    visible = None
    for at in range(0, total, CHUNK):
        chunks.put(quads(at, CHUNK))
        if journal:
            mark = f"<urn:journal> <urn:pending> <http://g/{at // 50}> <urn:journal> .\n"
            store.load(mark.encode(), format=NQ)
            if visible is None and at >= total // 2:
                first = ox.NamedNode("http://g/0")
                visible = sum(1 for _ in store.quads_for_pattern(None, None, None, first))
    chunks.put(None)
    loader.join()
    result: dict[str, Any] = {
        "wall_s": round(time.perf_counter() - started, 1), "quads": len(store),
    }  # fmt: skip
    if journal:
        result["streamed_quads_visible_halfway"] = visible
    return {**result, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quads", type=int, default=1_000_000)
    total = parser.parse_args().quads
    store = ox.Store(tempfile.mkdtemp(prefix="dadkhah-probe-"))
    started = time.perf_counter()
    store.bulk_load(quads(0, total), format=NQ)
    whole = {"wall_s": round(time.perf_counter() - started, 1), "quads": len(store)}
    emit({
        "one_bytes_object": whole,
        "streamed": streamed(total, journal=False),
        "streamed_with_journal_writes": streamed(total, journal=True),
    })  # fmt: skip


if __name__ == "__main__":
    main()
