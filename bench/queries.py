"""Worked queries, timed: ``python -m bench.queries STORE [--raw] [--runs 11] [--pages-only]``.

The worked queries are the files in ``queries/`` (the README's), run as they are written and
with their parameter pointed at a frequent and at a rare entity of the synthetic archive.
Each also runs as its first page (``LIMIT 50``, the size of the entity and linked-data
pages), sorted as written and unsorted (rows in the engine's order), which is how the pages
and a client paging through an answer ask for it: a query whose whole answer grows with the
archive (every figure for the number executed) cannot answer in constant time; a first page
can, if it need not sort everything. One document's fixity, and every document's, complete
the set.

Each runs once to warm the caches, then ``--runs`` times (see ``_timed`` for slow ones);
every row is read and turned into Python values, as the CLI and the pages do. With
``--raw`` STORE is a store bulk-loaded by raw pyoxigraph with the same quads and the same
text runs on pyoxigraph alone, so the two columns differ only by Dadkhah's own layer.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.common import emit, median, percentile, usage
from bench.registry_gen import build_registry
from dadkhah.namespaces import PREFIXES
from dadkhah.store import EmbeddedStore

BASE = "https://dadkhah.example/id/"
SEED = 1988
FOLDER = Path(__file__).resolve().parent.parent / "queries"
PAGE = 50
SLOW_S = 20.0

FIXITY_ONE = """
SELECT ?sha256 ?bytes WHERE {
  ?d dcterms:identifier "DOCUMENT" ; dk:capture ?c .
  ?c dk:sha256 ?sha256 ; premis:size ?bytes .
}"""
FIXITY_ALL = """
SELECT ?document ?sha256 ?bytes WHERE {
  ?d dcterms:identifier ?document ; dk:capture ?c .
  ?c dk:sha256 ?sha256 ; premis:size ?bytes .
}"""


def entity(entity_id: str) -> str:
    return f"<{BASE}entity/{entity_id}>"


def parameters() -> dict[str, dict[str, str]]:
    """For each query file, the VALUES rows it runs with: as written (the bundled corpus's
    entities, which the synthetic archive uses as its most frequent ones) and a rare one."""
    reg = build_registry(SEED)
    rare = {role: reg.by_role[role][len(reg.by_role[role]) // 2].id
            for role in ("prison", "witness", "committee", "perpetrator")}  # fmt: skip
    frequent_witness = reg.by_role["witness"][0].id
    return {
        "executed-figures": {"": ""},
        "committee-members": {"": "", "rare": f"VALUES ?body {{ {entity(rare['committee'])} }}"},
        # a few dozen prisons share every prison mention: none is rare
        "place-mentions": {
            "": "",
            "another prison": f"VALUES ?place {{ {entity(rare['prison'])} }}",
        },
        "quotes-by-person": {
            "frequent": f"VALUES ?speaker {{ {entity(frequent_witness)} }}",
            "rare": f"VALUES ?speaker {{ {entity(rare['witness'])} }}",
        },
        "documents-mentioning-both": {
            "": "",
            "rare": "VALUES (?first ?second) "
            f"{{ ({entity(rare['perpetrator'])} {entity('evin-prison')}) }}",
        },
    }


def with_values(text: str, values: str) -> str:
    """``text`` with its (first) VALUES block replaced by ``values``."""
    if not values:
        return text
    replaced, found = re.subn(r"^[ \t]*VALUES[^{\n]*\{[^{}]*\}", "  " + values, text, count=1,
                              flags=re.MULTILINE)  # fmt: skip
    if not found:
        raise ValueError("the query has no VALUES block to replace")
    return replaced


def first_page(text: str) -> str:
    return text.rstrip() + f"\nLIMIT {PAGE}\n"


def unordered(text: str) -> str:
    """``text`` without its ORDER BY: rows stream in the engine's order, so a first page
    costs what its rows cost, not what sorting the whole answer costs."""
    return re.sub(r"\nORDER BY [^\n]*\n?", "\n", text)


def worked_queries(document: str, *, pages_only: bool = False) -> dict[str, str]:
    """Every timed query by name. A query that aggregates (GROUP BY) computes its whole
    answer before its first row, so its first page is not timed apart from it.
    ``pages_only``: only what does not grow with the archive (unsorted first pages, rare
    entities, one document)."""
    texts: dict[str, str] = {}
    for name, variants in parameters().items():
        text = (FOLDER / f"{name}.rq").read_text(encoding="utf-8")
        for label, values in variants.items():
            shown = f"{name} ({label})" if label else name
            query = with_values(text, values)
            if not pages_only or label == "rare":
                texts[shown] = query
            if "GROUP BY" in query:
                continue
            if not pages_only:
                texts[f"{shown}, first page"] = first_page(query)
            texts[f"{shown}, first page unsorted"] = first_page(unordered(query))
    texts["fixity of one document"] = FIXITY_ONE.replace("DOCUMENT", document)
    if not pages_only:
        texts["fixity of every document"] = FIXITY_ALL
    return texts


def _timed(run: Any, runs: int) -> dict[str, Any]:
    """``runs`` timed runs after a warm-up; fewer for a query of seconds (three runs), and
    for a query of more than ``SLOW_S`` its warm-up is its one measurement."""
    started = time.perf_counter()
    rows = run()  # warm-up
    first = time.perf_counter() - started
    if first > SLOW_S:
        times, runs = [first * 1000], 1
    else:
        if first > 2.0:
            runs = min(runs, 3)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            rows = run()
            times.append((time.perf_counter() - started) * 1000)
    return {"rows": rows, "runs": runs, "p50_ms": round(median(times), 2),
            "p90_ms": round(percentile(times, 0.9), 2), "min_ms": round(min(times), 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument(
        "--raw",
        action="store_true",
        help="STORE is a raw pyoxigraph store: query it with pyoxigraph alone",
    )
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--document", default="d000000", help="a document id (prefix)")
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="only the queries whose answer does not grow with the archive",
    )
    args = parser.parse_args()
    run: Any
    if args.raw:
        raw = ox.Store.read_only(args.store)

        def run(text: str) -> int:
            solutions = raw.query(text, use_default_graph_as_union=True, prefixes=dict(PREFIXES))
            assert isinstance(solutions, ox.QuerySolutions)
            count = 0
            for row in solutions:  # read every value, as the Dadkhah side does
                _ = [v.value for v in row if v is not None]
                count += 1
            return count
    else:
        store = EmbeddedStore(args.store, read_only=True)

        def run(text: str) -> int:
            return len(store.select(text))

    doc = f"{args.document}"
    if not args.raw:
        doc = store.select(
            f'SELECT ?id WHERE {{ ?d dcterms:identifier ?id FILTER STRSTARTS(?id, "{doc}") }}'
            " LIMIT 1"
        )[0]["id"]
    results = {
        name: _timed(lambda t=text: run(t), args.runs)
        for name, text in worked_queries(doc, pages_only=args.pages_only).items()
    }
    emit({"queries": results, "document": doc, "runs": args.runs, **usage()})


if __name__ == "__main__":
    main()
