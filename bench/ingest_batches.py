"""What writing in batches costs Oxigraph, loader aside:
``python -m bench.ingest_batches DUMP STORE one|MIB [--settle S]``.

Bulk-loads the N-Quads file DUMP into a fresh store at STORE either in one ``bulk_load``
call (``one``) or in one call per MIB mebibytes of it (cut at line ends, as
``loaders.commit`` cuts its batches), then keeps the store open for S seconds (default
120) to see how much compaction the load left behind. Prints one JSON line: wall time of
the load, CPU by thread during it, RocksDB compaction CPU at the load's return and during
the settling time, and peak RSS.

Each ``bulk_load`` call ingests its sorted files into the store when it returns; files
ingested one batch after another overlap the ones before, and RocksDB merges them in the
background while the next batches are written.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time

import pyoxigraph as ox

from bench.common import ThreadSampler, compaction_cpu, emit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dump")
    parser.add_argument("store")
    parser.add_argument("batch", help="'one' or mebibytes per bulk_load call")
    parser.add_argument("--settle", type=float, default=120.0)
    args = parser.parse_args()
    shutil.rmtree(args.store, ignore_errors=True)
    store = ox.Store(args.store)
    sampler = ThreadSampler()
    started = time.perf_counter()
    calls = 0
    if args.batch == "one":
        store.bulk_load(path=args.dump, format=ox.RdfFormat.N_QUADS)
        calls = 1
    else:
        size = int(args.batch) << 20
        with open(args.dump, "rb") as handle:
            while chunk := handle.read(size):
                store.bulk_load(chunk + handle.readline(), format=ox.RdfFormat.N_QUADS)
                calls += 1
    wall = time.perf_counter() - started
    at_return = compaction_cpu()
    time.sleep(args.settle)
    after = compaction_cpu()
    sampled = sampler.stop()
    emit({
        "batch": args.batch, "calls": calls, "wall_s": round(wall, 1), "quads": len(store),
        "compaction_at_return_s": round(at_return, 1),
        "compaction_while_settling_s": round(after - at_return, 1),
        "cpu_by_thread_s": sampled["cpu_by_thread_s"],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    })  # fmt: skip


if __name__ == "__main__":
    main()
