"""One end-to-end load, measured:
``python -m bench.load_once STORE ARCHIVE [--workers N] [--batch-mib M] [--tee NQ]``.

Runs exactly what ``dadkhah load ARCHIVE`` runs (discovery, parse, anchor, SHACL, commit)
in a fresh process and prints one JSON line: wall time, outcomes, triples written, CPU of this
process and of its workers, and peak RSS of each, plus the RSS and CPU over time (every
0.5 s) and this process's CPU by thread (``bench.common.ThreadSampler``), so a reader can
see whether memory climbs with the number of inputs and how much of the CPU went to
RocksDB's compactions.

``--tee NQ`` writes a copy of every quad the load streams into the bulk loader, and every
fingerprint, to the file NQ as the load goes: what ``bench.rawload`` needs to load the same
quads without a dump of the store afterwards (which, right after a large load, is slow). The
copy costs the load its writing; the few quads written in transactions instead (the
ontology's graphs) are not in it.
"""

from __future__ import annotations

import argparse
import time
from typing import BinaryIO

from bench.common import ThreadSampler, emit, usage
from dadkhah import journal
from dadkhah.iris import Minter
from dadkhah.store import EmbeddedStore
from loaders import commit
from loaders.commit import discover, load_paths


class TeeStore(EmbeddedStore):
    """An embedded store whose bulk streams copy what they write to ``tee``."""

    def __init__(self, path: str, tee: BinaryIO):
        super().__init__(path)
        self._tee = tee

    def bulk_stream(self) -> journal.Stream:
        return journal.Stream(self._store, tee=self._tee)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("archive")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--base-iri", default="https://dadkhah.example/id/")
    parser.add_argument(
        "--batch-mib", type=int, default=None,
        help="N-Quads per batch handed to the bulk-load stream (default: BATCH_BYTES)",
    )  # fmt: skip
    parser.add_argument("--tee", default=None, help="copy the streamed N-Quads to this file")
    args = parser.parse_args()
    if args.batch_mib is not None:
        commit.BATCH_BYTES = args.batch_mib << 20
    started = time.perf_counter()
    sampler = ThreadSampler()
    tee = open(args.tee, "wb") if args.tee else None  # noqa: SIM115 (closed below)
    store = EmbeddedStore(args.store) if tee is None else TeeStore(args.store, tee)
    items = discover([args.archive])
    statuses: dict[str, int] = {}
    triples = 0
    rejected: list[str] = []
    for outcome in load_paths(store, items, Minter(args.base_iri), workers=args.workers):
        statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
        triples += outcome.triples
        if outcome.error is not None and len(rejected) < 20:
            rejected.append(str(outcome.error)[:300])
    wall = time.perf_counter() - started
    sampled = sampler.stop()
    quads = store.quad_count()
    del store
    if tee is not None:
        tee.close()
    emit({
        "wall_s": round(wall, 2), "inputs": len(items), "statuses": statuses,
        "triples_written": triples, "quads_in_store": quads, "rejected": rejected,
        **usage(), **sampled,
    })  # fmt: skip


if __name__ == "__main__":
    main()
