"""Worker processes for a large load: parse, anchor and validate on every core while the
one process that owns the store commits.

Why processes: parsing, anchoring and SHACL are Python and hold the GIL; the store's lock
lets only one process write, so workers never open it. Inputs go out in chunks (one round
trip per chunk) through a bounded window, so memory stays flat however many files a folder
holds: at most ``window`` chunks are read ahead, and results come back in the order the
inputs were given, which keeps outcomes and commits deterministic.

Workers start with ``spawn``: the parent has RocksDB's threads running, and forking a
threaded process is unsafe (and deprecated from Python 3.12).
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from . import work

CHUNK = 8
"""Inputs per round trip: enough to hide the pickling, few enough to keep order cheap."""
WINDOW = 48
"""Chunks in flight: enough that workers stay busy while the committing process spends a
second or two in a bulk write (which releases the GIL, so the pool keeps feeding them)."""


def default_workers() -> int:
    """Worker processes for a large load: one per core the process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class Workers:
    """A process pool fed through a bounded window; results in submission order."""

    def __init__(self, count: int, ctx: work.RunContext, stored: array):  # type: ignore[type-arg]
        self.count = count
        self._pool = ProcessPoolExecutor(
            count,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=work.init_worker,
            initargs=(ctx, stored.tobytes()),
        )

    def run(
        self, jobs: Iterable[work.Job], types_path: str | None, *, window: int | None = None
    ) -> Iterator[work.Result]:
        """Run ``jobs`` (consumed lazily, as the window frees up) and yield their results."""
        limit = window or WINDOW
        source = iter(jobs)
        pending: deque[Future[list[work.Result]]] = deque()

        def submit() -> bool:
            chunk = list(islice(source, CHUNK))
            if chunk:
                pending.append(self._pool.submit(work.run_chunk, chunk, types_path))
            return bool(chunk)

        while len(pending) < limit and submit():
            pass
        try:
            while pending:
                results = pending.popleft().result()
                submit()
                yield from results
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
