"""Generate a synthetic archive shaped like the bundled one, in the formats the loaders read.

    python -m bench.generate OUT --docs 10000 [--first 0] [--seed 1988] [--entities 2000] [--jobs 2]

OUT receives ``registry.yaml`` (the bundled entities plus made-up ones, ~2,000 in all),
``documents/NNN/<id>.txt`` with a ``<id>.meta.yaml`` sidecar, ``annotations/NNN/<id>.yaml``
(curated mentions, quantity claims, quotes and relations: 20-50 items per document) and, for
every fifth document, ``annotations/NNN/<id>.webanno.jsonld``: its mentions as W3C Web
Annotations the way Recogito or Hypothesis export them (by document IRI or by stated URL; in
UTF-16 code units when the text holds characters outside the BMP). Folders hold at most 1,000
documents each, as archives on disk usually do. ``MANIFEST`` (JSON) records what was written
so a benchmark can check a load against it.

Output depends only on the seed and the index of each document: the first 100 documents of
a 10^4 archive are the 10^2 archive, and ``--jobs`` changes speed, not bytes. ``--first N``
starts at document N, so an archive can be grown by parts that share no document.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from bench.docgen import Ann, Document, compose
from bench.registry_gen import Registry, build_registry, q, registry_yaml

MANIFEST = "MANIFEST"  # no suffix a loader claims: loading OUT skips it
SHARD = 1000
DEFAULT_BASE = "https://dadkhah.example/id/"
CONTEXT = 32  # characters of prefix and suffix in exported selectors, as tools send them


def shard(index: int) -> str:
    return f"{index // SHARD:03d}"


def sidecar_yaml(doc: Document) -> str:
    lines = ["# Synthetic sidecar (bench/generate.py)"]
    for key, value in doc.sidecar.items():
        lines.append(f"{key}: {q(value) if key not in ('id', 'date') else value}")
    return "\n".join(lines) + "\n"


def _anchor_lines(ann: Ann, indent: str = "  ") -> list[str]:
    lines = [f"{indent}quote: {q(ann.data['quote'])}"]
    if ann.data.get("occurrence"):
        lines.append(f"{indent}occurrence: {ann.data['occurrence']}")
    return lines


def annotations_yaml(doc: Document, *, with_mentions: bool) -> str:
    """The curated annotation file, written by hand rather than by a YAML library (faster, and
    the layout curators use)."""
    lines = ["# Synthetic annotations (bench/generate.py)", f"document: {doc.doc_id}",
             f"annotator: {q(doc.curator)}", "created: 2026-11-23"]  # fmt: skip
    if doc.author:
        lines.append(f"author: {doc.author}")
    sections: dict[str, list[str]] = {"mentions": [], "claims": [], "quotes": [], "relations": []}
    counters = {"claim": 0, "quote": 0, "relation": 0}
    for ann in doc.annotations:
        d = ann.data
        if ann.kind == "mention":
            if with_mentions:
                sections["mentions"] += [f"- entity: {d['entity']}", *_anchor_lines(ann)]
            continue
        counters[ann.kind] += 1
        local = f"{ann.kind[0]}{counters[ann.kind]}"
        if ann.kind == "claim":
            item = [f"- id: {local}", f"  claimant: {d['claimant']}", f"  about: {d['about']}",
                    f"  measure: {d['measure']}"]  # fmt: skip
            item += [f"  {k}: {d[k]}" for k in ("value", "min", "max") if k in d]
            item += [f"  qualifier: {d['qualifier']}", f"  rank: {d['rank']}"]
            sections["claims"] += item + _anchor_lines(ann)
        elif ann.kind == "quote":
            sections["quotes"] += [
                f"- id: {local}",
                f"  speaker: {d['speaker']}",
                *_anchor_lines(ann),
            ]
        else:
            item = [f"- id: {local}", f"  subject: {d['subject']}", f"  relation: {d['relation']}",
                    f"  object: {d['object']}"]  # fmt: skip
            if d.get("claimant"):
                item.append(f"  claimant: {d['claimant']}")
            sections["relations"] += item + _anchor_lines(ann)
    for name, items in sections.items():
        if items:
            lines += [f"{name}:", *items]
    return "\n".join(lines) + "\n"


def utf16(text: str, offset: int) -> int:
    return offset + sum(1 for c in text[:offset] if ord(c) > 0xFFFF)


def web_annotations(doc: Document, base: str) -> Any:
    """The document's mentions as a Web Annotation export (a collection or a bare list)."""
    text = doc.text
    wide = any(ord(c) > 0xFFFF for c in text)  # browser tools then count UTF-16 units
    source = doc.sidecar["url"] if doc.by_url else f"{base}document/{doc.doc_id}"
    items = []
    for n, ann in enumerate(a for a in doc.annotations if a.kind == "mention"):
        start, end = (
            (utf16(text, ann.start), utf16(text, ann.end)) if wide else (ann.start, ann.end)
        )
        selector: list[dict[str, Any]] = [
            {"type": "TextQuoteSelector", "exact": ann.data["quote"],
             "prefix": text[max(0, ann.start - CONTEXT) : ann.start],
             "suffix": text[ann.end : ann.end + CONTEXT]},
            {"type": "TextPositionSelector", "start": start, "end": end},
        ]  # fmt: skip
        items.append({
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "id": f"https://annotations.example.org/{doc.doc_id}/{n + 1}",
            "type": "Annotation",
            "motivation": "identifying",
            "creator": {"id": "https://annotations.example.org/user/curator", "name": doc.curator},
            "created": "2026-11-23T10:00:00Z",
            "body": [{"type": "SpecificResource", "purpose": "identifying",
                      "source": f"{base}entity/{ann.data['entity']}"}],
            "target": {"source": source, "selector": selector},
        })  # fmt: skip
    if len(doc.doc_id) % 2:
        return items
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection",
            "items": items}  # fmt: skip


_REGISTRY: Registry | None = None


def _init(seed: int, entities: int) -> None:
    global _REGISTRY  # noqa: PLW0603 (one registry per worker process)
    _REGISTRY = build_registry(seed, entities)


def write_range(args: tuple[Path, int, int, int, str]) -> dict[str, int]:
    """Write documents ``first``..``last - 1``; return counts for the manifest."""
    out, seed, first, last, base = args
    assert _REGISTRY is not None
    counts = {"documents": 0, "annotation_files": 0, "web_annotation_files": 0, "annotations": 0}
    made: set[str] = set()
    for index in range(first, last):
        doc = compose(seed, index, _REGISTRY)
        docs = out / "documents" / shard(index)
        anns = out / "annotations" / shard(index)
        for folder in (docs, anns):
            if str(folder) not in made:
                folder.mkdir(parents=True, exist_ok=True)
                made.add(str(folder))
        (docs / f"{doc.doc_id}.txt").write_text(doc.text, encoding="utf-8")
        (docs / f"{doc.doc_id}.meta.yaml").write_text(sidecar_yaml(doc), encoding="utf-8")
        (anns / f"{doc.doc_id}.yaml").write_text(
            annotations_yaml(doc, with_mentions=not doc.jsonld), encoding="utf-8"
        )
        if doc.jsonld:
            data = json.dumps(web_annotations(doc, base), ensure_ascii=False, indent=1)
            (anns / f"{doc.doc_id}.webanno.jsonld").write_text(data, encoding="utf-8")
            counts["web_annotation_files"] += 1
        counts["documents"] += 1
        counts["annotation_files"] += 1
        counts["annotations"] += len(doc.annotations)
    return counts


def generate(
    out: Path, docs: int, *, seed: int = 1988, entities: int = 2000, jobs: int = 1,
    base: str = DEFAULT_BASE, first: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """Write the archive (documents ``first`` to ``first + docs - 1``); return (and write)
    its manifest."""
    out.mkdir(parents=True, exist_ok=True)
    registry = build_registry(seed, entities)
    (out / "registry.yaml").write_text(registry_yaml(registry), encoding="utf-8")
    step = 500
    end = first + docs
    tasks = [(out, seed, i, min(end, i + step), base) for i in range(first, end, step)]
    totals = {"documents": 0, "annotation_files": 0, "web_annotation_files": 0, "annotations": 0}
    if jobs > 1:
        with Pool(jobs, initializer=_init, initargs=(seed, entities)) as pool:
            parts = pool.map(write_range, tasks)
    else:
        _init(seed, entities)
        parts = [write_range(t) for t in tasks]
    for part in parts:
        for key, value in part.items():
            totals[key] += value
    manifest = {"seed": seed, "entities": len(registry.entities), **totals,
                "inputs": 1 + totals["documents"] + totals["annotation_files"]
                + totals["web_annotation_files"]}  # fmt: skip
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--first", type=int, default=0, help="index of the first document")
    parser.add_argument("--seed", type=int, default=1988)
    parser.add_argument("--entities", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--base-iri", default=DEFAULT_BASE)
    args = parser.parse_args()
    started = time.perf_counter()
    manifest = generate(args.out, args.docs, seed=args.seed, entities=args.entities,
                        jobs=args.jobs, base=args.base_iri, first=args.first)  # fmt: skip
    print(json.dumps(manifest), f"in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
