"""Acceptance: a load killed with SIGKILL and run again ends with exactly the expected
documents and no duplicates.

    python -m bench.kill_resume --docs 10000 --out /tmp/dadkhah-kill [--kill-at 0.5 0.8]

Generates (or reuses) the archive, starts ``dadkhah load`` in a process group of its own and
SIGKILLs the whole group (the committing process and its workers) once its progress line
shows the given share of the inputs settled; one start and kill per ``--kill-at`` share, on
the same store; then runs ``dadkhah load`` again until it completes. Kills follow the load's
own progress, not a clock, so they land in the same phase on a fast machine and a slow one.
The result is checked against the archive's manifest (every document once, one capture
each, every annotation file's graph with its fingerprint, no journal left) and, with
``--reference``, quad for quad against an uninterrupted load of the same archive (load times
aside). A start that ends before its kill fails the run: nothing would have been tested.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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


PROGRESS = re.compile(r"loading (\d+)/(\d+) ")


def kill_at(proc: subprocess.Popen[str], share: float) -> dict[str, Any]:
    """SIGKILL ``proc``'s group at its first progress line (stderr, every ten seconds off a
    terminal) with at least ``share`` of the inputs settled; say so if it ended first."""
    started = time.perf_counter()
    assert proc.stderr is not None
    for line in proc.stderr:
        found = PROGRESS.match(line)
        if found and int(found[1]) >= share * int(found[2]) and int(found[1]) < int(found[2]):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"at": line.split(" ETA")[0], "after_s": round(time.perf_counter() - started, 1),
                    "killed": True}  # fmt: skip
    proc.communicate()
    return {"share": share, "note": "finished before the kill"}


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
    parser.add_argument(
        "--kill-at", type=float, nargs="+", default=[0.5, 0.8],
        help="share of the inputs settled at which each start is killed",
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
    report: dict[str, Any] = {"docs": args.docs, "kills": []}
    for share in args.kill_at:
        report["kills"].append(kill_at(start_load(store, archive), share))
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
        report["note"] = "a load finished before its kill: run again with lower --kill-at"
    ok = killed and report["check"]["ok"] and report.get("same_as_uninterrupted_load", True)
    print(json.dumps(report, indent=1))
    sys.exit(0 if ok and final.returncode == 0 else 1)


if __name__ == "__main__":
    main()
