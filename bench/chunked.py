"""Load archives part by part, each part in a fresh process, and report each part's memory:
``python -m bench.chunked STORE ARCHIVE... [--part 10000] [--anchor-from-load]
[--no-store-reads]``.

A question about memory, not a way to load: does the peak RSS of a load follow the length of
the run (what one process has done so far) or the size of the store it writes into? Each
ARCHIVE (a ``bench.generate`` folder) is split into parts of ``--part`` documents, whole
shard folders of 1,000 each, hard-linked (copied across file systems) under a temporary
folder with the registry and the documents' annotation files; each part runs through
``bench.load_once`` in a process of its own, one after the other, into STORE. One JSON line
per part: how many documents the parts before it loaded, and ``load_once``'s wall time, peak
RSS and CPU by thread.

Two switches take a part's reads of the store out of the picture. Both are exact only for
the synthetic archive loaded in order, where each annotation file names one document of its
own part and no input of a part is stored yet:

- ``--anchor-from-load``: annotation files find their documents in what the part itself
  wrote, as they do in a load into an empty store (``loaders.lookups.WrittenHere``), not by
  reading them back from the store;
- ``--no-store-reads``: besides, no scan of the stored fingerprints for the workers, and no
  look-up of whether a document's or an annotation file's graph exists.

An open-file cap is set from the shell: ``(ulimit -n 148; python -m bench.chunked ...)``
leaves Oxigraph 100 files (it keeps 48 descriptors back).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from array import array
from pathlib import Path

from bench.common import emit

SHARD = 1000


def parts(archive: Path, size: int) -> list[list[str]]:
    """The shard folders of ``archive``, in order, grouped ``size // SHARD`` to a part."""
    shards = sorted(p.name for p in (archive / "documents").iterdir() if p.is_dir())
    step = max(1, size // SHARD)
    return [shards[i : i + step] for i in range(0, len(shards), step)]


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copyfile(source, target)


def link_part(archive: Path, shards: list[str], into: Path) -> int:
    """Fill ``into`` with the registry and ``shards`` of ``archive``, as hard links; return
    how many documents (texts) it holds."""
    into.mkdir(parents=True)
    texts = 0
    _link(archive / "registry.yaml", into / "registry.yaml")
    for kind in ("documents", "annotations"):
        for shard in shards:
            source = archive / kind / shard
            if not source.is_dir():
                continue
            target = into / kind / shard
            target.mkdir(parents=True)
            for file in source.iterdir():
                _link(file, target / file.name)
                texts += kind == "documents" and file.suffix == ".txt"
    return texts


def child(store: str, part: str, anchor_from_load: bool, no_store_reads: bool) -> None:
    """Run ``bench.load_once`` on one part, with the switches applied in this process."""
    if anchor_from_load or no_store_reads:
        from loaders.lookups import StoreLookup

        StoreLookup.holds_documents = lambda self: False  # type: ignore[method-assign]
    if no_store_reads:
        from dadkhah.store import EmbeddedStore
        from loaders import commit

        commit.stored_keys = lambda store: array("Q")
        held = EmbeddedStore.holds

        def holds(self: EmbeddedStore, graph: str) -> bool:
            new = "/graph/document/" in graph or "/graph/annotations/" in graph
            return False if new else held(self, graph)

        EmbeddedStore.holds = holds  # type: ignore[method-assign]
    from bench import load_once

    sys.argv = ["bench.load_once", store, part]
    load_once.main()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("archives", nargs="+", type=Path)
    parser.add_argument("--part", type=int, default=10_000, help="documents a part")
    parser.add_argument("--anchor-from-load", action="store_true")
    parser.add_argument("--no-store-reads", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.store, str(args.archives[0]), args.anchor_from_load, args.no_store_reads)
        return
    flags = [f for f, on in (("--anchor-from-load", args.anchor_from_load),
                             ("--no-store-reads", args.no_store_reads)) if on]  # fmt: skip
    stored = 0
    with tempfile.TemporaryDirectory(prefix="chunked-", dir=args.archives[0].parent) as tmp:
        number = 0
        for archive in args.archives:
            for shards in parts(archive, args.part):
                folder = Path(tmp) / f"part-{number:03d}"
                texts = link_part(archive, shards, folder)
                run = subprocess.run(
                    [sys.executable, "-m", "bench.chunked", "--child", *flags, args.store,
                     str(folder)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                result = json.loads(run.stdout.strip().splitlines()[-1])
                emit({
                    "part": number, "archive": str(archive), "shards": f"{shards[0]}-{shards[-1]}",
                    "documents_from_earlier_parts": stored, "wall_s": result["wall_s"],
                    "statuses": result["statuses"], "quads_in_store": result["quads_in_store"],
                    "peak_rss_mib": result["peak_rss_mib"],
                    "cpu_by_thread_s": result.get("cpu_by_thread_s"),
                })  # fmt: skip
                stored += texts
                number += 1


if __name__ == "__main__":
    main()
