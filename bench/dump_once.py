"""Oxigraph's N-Quads writer over a whole store, timed: ``python -m bench.dump_once STORE OUT``.

Writes every quad of STORE to the file OUT and prints one JSON line (wall time, bytes, CPU,
peak RSS). The file is what the raw side bulk-loads, so both sides hold the same quads."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pyoxigraph as ox

from bench.common import emit, usage


def main() -> None:
    store, out = sys.argv[1], Path(sys.argv[2])
    started = time.perf_counter()
    ox.Store.read_only(store).dump(str(out), format=ox.RdfFormat.N_QUADS)
    wall = time.perf_counter() - started
    emit({"wall_s": round(wall, 2), "bytes": out.stat().st_size, **usage()})


if __name__ == "__main__":
    main()
