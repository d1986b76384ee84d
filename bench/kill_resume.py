"""Acceptance: a load killed with SIGKILL and run again ends with exactly the expected
documents and no duplicates.

    python -m bench.kill_resume --docs 10000 --out /tmp/dadkhah-kill [--kills 2]

Generates (or reuses) the archive, starts ``dadkhah load`` in a process group of its own,
SIGKILLs the whole group (the committing process and its workers) at chosen moments, then
runs ``dadkhah load`` again until it completes. The result is checked against the archive's
manifest (every document once, one capture each, every annotation file's graph with its
fingerprint, no journal left) and, with ``--reference``, quad for quad against an
uninterrupted load of the same archive (load times aside).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.generate import MANIFEST, generate
from dadkhah.store import EmbeddedStore

DADKHAH = [sys.executable, "-m", "dadkhah.cli"]


def start_load(store: Path, archive: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*DADKHAH, "--store", str(store), "load", str(archive)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def kill_group(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def check(store_dir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    store = EmbeddedStore(str(store_dir), read_only=True)
    one = store.select  # rows as Python values

    def count(query: str) -> int:
        return int(one(query)[0]["n"])

    found = {
        "documents": count("SELECT (COUNT(?d) AS ?n) WHERE { ?d a dk:SourceDocument }"),
        "document_identifiers": count(
            "SELECT (COUNT(DISTINCT ?id) AS ?n) WHERE { ?d a dk:SourceDocument ; "
            "dcterms:identifier ?id }"
        ),
        "captures": count("SELECT (COUNT(?c) AS ?n) WHERE { ?d dk:capture ?c }"),
        "annotation_graphs": count(
            "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?p { ?g dk:fingerprint ?f } "
            'FILTER(CONTAINS(STR(?g), "/graph/annotations/")) }'
        ),
        "graphs_with_two_fingerprints": count(
            "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?g (COUNT(?f) AS ?k) WHERE { "
            "?g dk:fingerprint ?f } GROUP BY ?g } FILTER(?k > 1) }"
        ),
        "journal_left": store.holds("urn:dadkhah:load-journal"),
        "quads": store.quad_count(),
    }
    expected = manifest["annotation_files"] + manifest["web_annotation_files"]
    found["ok"] = (
        found["documents"] == found["document_identifiers"] == found["captures"]
        == manifest["documents"]
        and found["annotation_graphs"] == expected
        and found["graphs_with_two_fingerprints"] == 0
        and not found["journal_left"]
    )  # fmt: skip
    return found


def content(store_dir: Path) -> list[bytes]:
    data = ox.Store.read_only(str(store_dir)).dump(format=ox.RdfFormat.N_QUADS) or b""
    return sorted(line for line in data.splitlines() if b"startedAtTime" not in line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/dadkhah-kill"))
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument(
        "--first-kill", type=float, default=0.2,
        help="fraction of an estimated full load before the first kill",
    )  # fmt: skip
    parser.add_argument(
        "--reference", action="store_true",
        help="also compare quad for quad with an uninterrupted load",
    )  # fmt: skip
    args = parser.parse_args()
    archive, store = args.out / f"archive-{args.docs}", args.out / f"store-{args.docs}"
    if not (archive / MANIFEST).exists():
        generate(archive, args.docs, seed=1988, jobs=2)
    manifest = json.loads((archive / MANIFEST).read_text())
    shutil.rmtree(store, ignore_errors=True)
    estimate = 5 + args.docs / 35  # seconds: a slow 10^4 load on 2 cores (a fast one: 116 s)
    report: dict[str, Any] = {"docs": args.docs, "kills": []}
    for k in range(args.kills):
        after = estimate * args.first_kill / (k + 1)
        proc = start_load(store, archive)
        time.sleep(after)
        if proc.poll() is not None:
            report["kills"].append({"after_s": after, "note": "finished before the kill"})
            break
        kill_group(proc)
        report["kills"].append({"after_s": round(after, 1), "killed": True})
    started = time.perf_counter()
    final = start_load(store, archive)
    out, err = final.communicate()
    report["resume"] = {"exit": final.returncode, "summary": out.strip(),
                        "wall_s": round(time.perf_counter() - started, 1)}  # fmt: skip
    if final.returncode != 0:
        report["resume"]["stderr"] = err[-2000:]
    report["check"] = check(store, manifest)
    if args.reference:
        clean = args.out / f"clean-{args.docs}"
        shutil.rmtree(clean, ignore_errors=True)
        subprocess.run([*DADKHAH, "--store", str(clean), "load", str(archive)], check=True,
                       capture_output=True)  # fmt: skip
        report["same_as_uninterrupted_load"] = content(store) == content(clean)
    killed = all(k.get("killed") for k in report["kills"])  # else nothing was tested
    if not killed:
        report["note"] = "a load finished before its kill: run again with a lower --first-kill"
    ok = killed and report["check"]["ok"] and report.get("same_as_uninterrupted_load", True)
    print(json.dumps(report, indent=1))
    sys.exit(0 if ok and final.returncode == 0 else 1)


if __name__ == "__main__":
    main()
