"""Worked queries, timed: ``python -m bench.queries STORE [--raw RAWSTORE] [--runs 11]``.

The README's queries (every executed-count figure side by side, the Tehran committee's
members with their evidence, the fixity of every document) plus an entity's mentions (a
frequent and a rare entity) and one document's fixity. Each runs once to warm the caches,
then ``--runs`` times; every row is read and turned into Python values, as the CLI and the
pages do. With ``--raw`` the same text runs on raw pyoxigraph over a store bulk-loaded with
the same quads, so the two columns differ only by Dadkhah's own layer.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import pyoxigraph as ox

from bench.common import emit, median, percentile, usage
from dadkhah.namespaces import PREFIXES
from dadkhah.store import EmbeddedStore

BASE = "https://dadkhah.example/id/"

QUERIES = {
    "executed-count side by side": """
SELECT ?value ?qualifier ?claimant ?document ?quote WHERE {
  ?claim a dk:QuantityClaim ;
         dk:measure <https://dadkhah.example/id/measure/executed-count> ;
         dk:claimant/skos:prefLabel ?claimant ;
         dk:qualifier/skos:prefLabel ?qualifier ;
         schema:value ?value ;
         dk:statedIn/dcterms:identifier ?document ;
         dk:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote .
}
ORDER BY ?value ?document""",
    "mentions of a frequent entity (raisi)": """
SELECT ?document ?quote WHERE {
  ?mention oa:hasBody <https://dadkhah.example/id/entity/raisi> ;
           oa:motivatedBy oa:identifying ; oa:hasTarget ?target .
  ?target oa:hasSource/dcterms:identifier ?document ; oa:hasSelector/oa:exact ?quote .
} ORDER BY ?document""",
    "mentions of a rare entity": """
SELECT ?document ?quote WHERE {
  ?mention oa:hasBody <ENTITY> ;
           oa:motivatedBy oa:identifying ; oa:hasTarget ?target .
  ?target oa:hasSource/dcterms:identifier ?document ; oa:hasSelector/oa:exact ?quote .
} ORDER BY ?document""",
    "Tehran committee members": """
SELECT ?member ?quote WHERE {
  ?statement rdf:subject ?m ; rdf:predicate dk:memberOf ;
             rdf:object <https://dadkhah.example/id/entity/tehran-death-committee> ;
             dk:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote .
  ?m skos:prefLabel ?member .
}""",
    "fixity of every document": """
SELECT ?document ?sha256 ?bytes WHERE {
  ?d dcterms:identifier ?document ; dk:capture ?c .
  ?c dk:sha256 ?sha256 ; premis:size ?bytes .
}""",
    "fixity of one document": """
SELECT ?sha256 ?bytes WHERE {
  ?d dcterms:identifier "DOCUMENT" ; dk:capture ?c .
  ?c dk:sha256 ?sha256 ; premis:size ?bytes .
}""",
}


def _timed(run: Any, runs: int) -> dict[str, Any]:
    rows = run()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = run()
        times.append((time.perf_counter() - started) * 1000)
    return {"rows": rows, "p50_ms": round(median(times), 2),
            "p90_ms": round(percentile(times, 0.9), 2), "min_ms": round(min(times), 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("--raw")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--entity", default="p-roya-rahimi", help="the rare entity's id")
    parser.add_argument("--document", default="d000000", help="a document id (prefix)")
    args = parser.parse_args()
    store = EmbeddedStore(args.store, read_only=True)
    doc = store.select(
        f'SELECT ?id WHERE {{ ?d dcterms:identifier ?id FILTER STRSTARTS(?id, "{args.document}") }}'
        " LIMIT 1"
    )[0]["id"]
    texts = {
        name: q.replace("<ENTITY>", f"<{BASE}entity/{args.entity}>").replace("DOCUMENT", doc)
        for name, q in QUERIES.items()
    }
    raw = ox.Store.read_only(args.raw) if args.raw else None
    results: dict[str, Any] = {}
    for name, text in texts.items():
        entry = {"dadkhah": _timed(lambda t=text: len(store.select(t)), args.runs)}
        if raw is not None:

            def on_raw(t: str = text) -> int:
                solutions = raw.query(t, use_default_graph_as_union=True, prefixes=dict(PREFIXES))
                assert isinstance(solutions, ox.QuerySolutions)
                count = 0
                for row in solutions:  # read every value, as the Dadkhah side does
                    _ = [v.value for v in row if v is not None]
                    count += 1
                return count

            entry["raw"] = _timed(on_raw, args.runs)
        results[name] = entry
    emit({"queries": results, "runs": args.runs, **usage()})


if __name__ == "__main__":
    main()
