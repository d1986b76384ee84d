"""Tables for RESULTS.md from ``bench.run``'s JSON: ``python -m bench.report OUT [OUT ...]``
(results of the same size in a later folder replace earlier ones)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

MIB = 1 << 20


def load_results(*folders: Path) -> list[dict[str, Any]]:
    found = {}
    for folder in folders:
        for path in folder.glob("results-*.json"):
            result = json.loads(path.read_text())
            found[result["documents"]] = result
    return [found[size] for size in sorted(found)]


def row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def load_table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        row("documents", "inputs", "quads", "Dadkhah load", "docs/s", "quads/s",
            "raw bulk_load", "raw quads/s", "ratio", "peak RSS main / worker", "raw peak RSS",
            "store on disk", "raw store"),
        row(*["---"] * 13),
    ]  # fmt: skip
    for r in results:
        load, raw, s, disk = r["load"], r["raw"], r["summary"], r["disk"]
        lines.append(row(
            f"{r['documents']:,}", f"{load['inputs']:,}", f"{raw['quads']:,}",
            f"{load['wall_s']:.1f} s", f"{s['docs_per_s']:.1f}", f"{s['quads_per_s']:,}",
            f"{raw['wall_s']:.1f} s", f"{s['raw_quads_per_s']:,}", f"{s['ratio_to_raw']:.2f}×",
            f"{load['peak_rss_mib']:.0f} / {load['children_peak_rss_mib']:.0f} MiB",
            f"{raw['peak_rss_mib']:.0f} MiB", f"{disk['store_bytes'] / MIB:,.0f} MiB",
            f"{disk['raw_store_bytes'] / MIB:,.0f} MiB",
        ))  # fmt: skip
    return lines


def cpu_table(results: list[dict[str, Any]]) -> list[str]:
    lines = [row("documents", "CPU main process", "of which RocksDB compactions",
                 "CPU workers", "CPU raw bulk_load", "of which RocksDB compactions",
                 "steady RSS main (last sample)"), row(*["---"] * 7)]  # fmt: skip
    for r in results:
        load, raw = r["load"], r["raw"]
        last = load["rss_timeline"][-1][1] if load["rss_timeline"] else "n/a"
        lines.append(row(f"{r['documents']:,}", f"{load['cpu_s']:.0f} s", _compacting(load),
                         f"{load['children_cpu_s']:.0f} s", f"{raw['cpu_s']:.0f} s",
                         _compacting(raw), f"{last} MiB"))  # fmt: skip
    return lines


def _compacting(step: dict[str, Any]) -> str:
    threads = step.get("cpu_by_thread_s")  # measured since the thread sampler was added
    return f"{threads['rocksdb_compaction']:.0f} s" if threads else "not measured"


def shacl_table(results: list[dict[str, Any]]) -> list[str]:
    lines = [row("documents", "per document (all its units) p50", "document unit p50",
                 "curated annotations p50", "Web Annotations p50"), row(*["---"] * 5)]  # fmt: skip
    for r in results:
        s = r["shacl"]
        unit = s["per_unit_ms"]

        def cell(kind: str, unit: dict[str, Any] = unit) -> str:
            if kind not in unit:
                return "n/a"
            return f"{unit[kind]['p50']:.1f} ms ({unit[kind]['triples_p50']} triples)"

        per_doc = f"{s['per_document_ms']['p50']:.1f} ms"
        kinds = (cell("document"), cell("annotations"), cell("web-annotations"))
        lines.append(row(f"{r['documents']:,}", per_doc, *kinds))
    return lines


def query_table(results: list[dict[str, Any]]) -> list[str]:
    names = list(results[-1]["queries"]["queries"])  # the largest size's set
    results = [r for r in results if any(n in r["queries"]["queries"] for n in names)]
    head = ["query"] + [f"{r['documents']:,} docs: rows, p50 Dadkhah / raw" for r in results]
    lines = [row(*head), row(*["---"] * len(head))]
    for name in names:
        cells = [name]
        for r in results:
            q = r["queries"]["queries"].get(name)
            if q is None:
                cells.append("n/a")
                continue
            theirs = f"{q['raw']['p50_ms']:.1f}" if q.get("raw") else "n/a"
            cells.append(f"{q['dadkhah']['rows']:,}: {q['dadkhah']['p50_ms']:.1f} / {theirs} ms")
        lines.append(row(*cells))
    return lines


def export_table(results: list[dict[str, Any]]) -> list[str]:
    lines = [row("documents", "export", "time", "lines/s", "MB/s", "peak RSS"), row(*["---"] * 6)]
    for r in results:
        exports = dict(r["exports"])
        if isinstance(r.get("dump"), dict) and not r["dump"].get("teed"):  # the raw side's file
            dump = r["dump"]
            exports["nquads to a file (beside the query timings)"] = {
                **dump, "lines": r["raw"]["quads"],
            }  # fmt: skip
        for way, e in exports.items():
            wall = max(e["wall_s"], 1e-6)
            lines.append(row(f"{r['documents']:,}", way, f"{e['wall_s']:.1f} s",
                             f"{e['lines'] / wall:,.0f}", f"{e['bytes'] / wall / 1e6:.1f}",
                             f"{e['peak_rss_mib']:.0f} MiB"))  # fmt: skip
    return lines


def main() -> None:
    results = load_results(*(Path(arg) for arg in sys.argv[1:]))
    for title, table in (("Load", load_table), ("CPU and memory", cpu_table),
                         ("SHACL", shacl_table), ("Queries", query_table),
                         ("Exports", export_table)):  # fmt: skip
        print(f"### {title}\n")
        print("\n".join(table(results)))
        print()
    print("```json")
    print(json.dumps(results[-1]["machine"], indent=1))
    print("```")


if __name__ == "__main__":
    main()
