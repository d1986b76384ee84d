"""The baseline: raw pyoxigraph ``Store.bulk_load`` of an N-Quads file into a fresh on-disk
store. ``python -m bench.rawload DUMP STORE`` prints one JSON line (wall time, quads, CPU,
peak RSS). The dump is what Dadkhah wrote, so both sides hold the very same quads."""

from __future__ import annotations

import shutil
import sys
import time

import pyoxigraph as ox

from bench.common import ThreadSampler, emit, usage


def main() -> None:
    dump, target = sys.argv[1], sys.argv[2]
    shutil.rmtree(target, ignore_errors=True)
    store = ox.Store(target)
    started = time.perf_counter()
    sampler = ThreadSampler()
    store.bulk_load(path=dump, format=ox.RdfFormat.N_QUADS)
    store.flush()
    wall = time.perf_counter() - started
    sampled = sampler.stop()
    emit({"wall_s": round(wall, 2), "quads": len(store), **usage(), **sampled})


if __name__ == "__main__":
    main()
