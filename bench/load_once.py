"""One end-to-end load, measured: ``python -m bench.load_once STORE ARCHIVE [--workers N]``.

Runs exactly what ``dadkhah load ARCHIVE`` runs (discovery, parse, anchor, SHACL, commit)
in a fresh process and prints one JSON line: wall time, outcomes, triples written, CPU of this
process and of its workers, and peak RSS of each, plus the RSS over time (every 0.5 s) so a
reader can see that memory does not climb with the number of inputs.
"""

from __future__ import annotations

import argparse
import threading
import time
from pathlib import Path

from bench.common import emit, usage
from dadkhah.iris import Minter
from dadkhah.store import EmbeddedStore
from loaders.commit import discover, load_paths


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("archive")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--base-iri", default="https://dadkhah.example/id/")
    args = parser.parse_args()
    samples: list[tuple[float, float]] = []
    stop = threading.Event()
    started = time.perf_counter()

    def sample() -> None:
        while not stop.wait(0.5):
            samples.append((round(time.perf_counter() - started, 1), round(rss_mib(), 1)))

    threading.Thread(target=sample, daemon=True).start()
    store = EmbeddedStore(args.store)
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
    stop.set()
    quads = store.quad_count()
    del store
    emit({
        "wall_s": round(wall, 2), "inputs": len(items), "statuses": statuses,
        "triples_written": triples, "quads_in_store": quads, "rejected": rejected,
        **usage(), "rss_timeline": samples[:: max(1, len(samples) // 60)],
    })  # fmt: skip


if __name__ == "__main__":
    main()
