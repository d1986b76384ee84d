"""SHACL time per document: ``python -m bench.shacl_sample STORE ARCHIVE [--docs 200]``.

Prepares the units of the first documents of a loaded archive (document, curated annotations
and Web Annotations, with the context the load gives them) and times validation alone with
the compiled shapes, one unit at a time, in one process: the cost a worker pays per input.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from bench.common import emit, median, percentile, usage
from dadkhah.iris import Minter
from dadkhah.store import EmbeddedStore
from dadkhah.validation import check_prepared, compiled_shapes, ontology_ntriples
from loaders import curated, text, web_annotation
from loaders.lookups import StoreLookup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("archive")
    parser.add_argument("--docs", type=int, default=200)
    args = parser.parse_args()
    store = EmbeddedStore(args.store, read_only=True)
    lookup = StoreLookup(store)
    minter = Minter("https://dadkhah.example/id/")
    now = datetime.now(UTC)
    compiled_shapes(), ontology_ntriples()
    docs = sorted((Path(args.archive) / "documents").rglob("*.txt"))[: args.docs]
    times: dict[str, list[float]] = defaultdict(list)
    per_doc: list[float] = []
    triples: dict[str, list[int]] = defaultdict(list)
    for doc in docs:
        stem = doc.stem
        folder = Path(args.archive) / "annotations" / doc.parent.name
        units = [
            (
                "document",
                text.prepare_text(
                    doc.read_bytes(), source=text.source_for(doc), minter=minter, loaded_at=now
                ),
            )
        ]
        yaml_path = folder / f"{stem}.yaml"
        units.append(
            (
                "annotations",
                curated.prepare_annotations(
                    yaml_path.read_bytes(),
                    path=str(yaml_path),
                    minter=minter,
                    lookup=lookup,
                    loaded_at=now,
                ),
            )
        )
        web = folder / f"{stem}.webanno.jsonld"
        if web.exists():
            units.append(
                (
                    "web-annotations",
                    web_annotation.prepare_web_annotations(
                        web.read_bytes(), path=str(web), minter=minter, lookup=lookup, loaded_at=now
                    ),
                )
            )
        total = 0.0
        for kind, unit in units:
            started = time.perf_counter()
            check_prepared(unit)
            spent = (time.perf_counter() - started) * 1000
            times[kind].append(spent)
            triples[kind].append(unit.triple_count())
            total += spent
        per_doc.append(total)
    emit({
        "documents": len(docs),
        "per_document_ms": {"p50": round(median(per_doc), 2), "mean": round(
            sum(per_doc) / len(per_doc), 2), "p90": round(percentile(per_doc, 0.9), 2)},
        "per_unit_ms": {k: {"p50": round(median(v), 2), "units": len(v),
                            "triples_p50": int(median(triples[k]))} for k, v in times.items()},
        **usage(),
    })  # fmt: skip


if __name__ == "__main__":
    main()
