"""Run every benchmark at the given sizes, side by side with raw pyoxigraph:

    python -m bench.run --sizes 100 1000 10000 --out /tmp/dadkhah-bench

For each size: generate the archive (``bench.generate``), load it end to end
(``bench.load_once``: parse, anchor, SHACL, store), dump what Dadkhah wrote as N-Quads and
bulk-load that file into a fresh store with raw pyoxigraph (``bench.rawload``), compare sizes
on disk, time the worked queries on both stores (``bench.queries``), time the exports
(``bench.export_bench``) and SHACL per document (``bench.shacl_sample``). Each step runs in a
process of its own, so each peak RSS is its own. Results go to ``OUT/results-N.json``;
``python -m bench.report OUT`` turns them into the tables of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.common import child, dir_size, machine
from bench.generate import MANIFEST, generate
from bench.registry_gen import build_registry

SEED = 1988


def rare_entity() -> str:
    """A victim far down the popularity tail: mentioned in a handful of documents."""
    return build_registry(SEED).by_role["victim"][400].id


def one_size(out: Path, docs: int, *, runs: int, keep: bool) -> dict[str, Any]:
    archive = out / f"archive-{docs}"
    result: dict[str, Any] = {"documents": docs, "machine": machine()}
    if not (archive / MANIFEST).exists():
        started = time.perf_counter()
        generate(archive, docs, seed=SEED, jobs=2)
        result["generate_s"] = round(time.perf_counter() - started, 1)
    result["manifest"] = json.loads((archive / MANIFEST).read_text())
    store, raw, dump = out / f"store-{docs}", out / f"raw-{docs}", out / f"dump-{docs}.nq"
    shutil.rmtree(store, ignore_errors=True)
    print(f"[{docs}] loading", flush=True)
    result["load"] = child("bench.load_once", str(store), str(archive))
    started = time.perf_counter()
    ox.Store.read_only(str(store)).dump(str(dump), format=ox.RdfFormat.N_QUADS)
    result["dump_s"] = round(time.perf_counter() - started, 2)
    print(f"[{docs}] raw bulk load", flush=True)
    result["raw"] = child("bench.rawload", str(dump), str(raw))
    result["disk"] = {"store_bytes": dir_size(store), "raw_store_bytes": dir_size(raw),
                      "nquads_bytes": dump.stat().st_size}  # fmt: skip
    print(f"[{docs}] queries", flush=True)
    result["queries"] = child(
        "bench.queries", str(store), "--raw", str(raw), "--runs", str(runs),
        "--entity", rare_entity(),
    )  # fmt: skip
    print(f"[{docs}] exports", flush=True)
    ways = ["nquads", "union-ntriples"]
    if docs <= 1000:  # these sort the whole store in memory (dadkhah.export)
        ways += ["deterministic-nquads", "deterministic-turtle"]
    result["exports"] = {way: child("bench.export_bench", str(store), way) for way in ways}
    print(f"[{docs}] shacl sample", flush=True)
    result["shacl"] = child("bench.shacl_sample", str(store), str(archive), "--docs", "200")
    load, rawr = result["load"], result["raw"]
    quads = rawr["quads"]
    result["summary"] = {
        "docs_per_s": round(docs / load["wall_s"], 1),
        "quads_per_s": round(quads / load["wall_s"]),
        "raw_quads_per_s": round(quads / rawr["wall_s"]),
        "ratio_to_raw": round(rawr["wall_s"] / load["wall_s"], 3),
    }
    if not keep:
        dump.unlink()
        shutil.rmtree(raw, ignore_errors=True)
    (out / f"results-{docs}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"[{docs}] {result['summary']}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--out", type=Path, default=Path("/tmp/dadkhah-bench"))
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each query")
    parser.add_argument("--keep", action="store_true", help="keep the dump and the raw store")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for docs in args.sizes:
        one_size(args.out, docs, runs=args.runs, keep=args.keep)


if __name__ == "__main__":
    main()
