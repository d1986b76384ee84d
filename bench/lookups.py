"""What one index look-up costs in a store, against what a worked query needs of them:
``python -m bench.lookups STORE [--runs 11]``.

``committee-members`` for the synthetic archive's rare committee answers one row per claim,
and Oxigraph finds each row by a look-up per triple pattern. This times, on STORE (opened
read-only, so a store another process writes cannot be measured):

- the query as written and a variant that reads each claim's pattern inside its graph
  (``GRAPH ?g``: the claim, its evidence, target and selector share one graph, which the
  shapes validate together), both with the union default graph, as the CLI and pages run;
- the same look-up (one statement's ``dk:evidence``) repeated, with and without its graph,
  through ``quads_for_pattern``: once the blocks are cached, this is the floor per pattern;
- that look-up for every claim of the answer, after a first pass warms the caches.

Prints one JSON line: milliseconds (p50 of ``--runs``), microseconds per look-up, the rows
and the sorted-string tables in the store. ``oxigraph query --explain --stats`` shows the
plan: a look-up per pattern and row.
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from bench.common import emit, median
from bench.queries import FOLDER, parameters, with_values

RDF_OBJECT = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#object")
EVIDENCE = ox.NamedNode("https://dadkhah.example/ns#evidence")
REPEAT = 2000
_S = re.S


def in_graph(text: str) -> str:
    """``committee-members`` with the claim's patterns, evidence to quote, in ``GRAPH ?g``."""
    claim = re.search(
        r"  \?statement rdf:object \?body ;.*?dk:evidence \?evidence \.\n", text, re.S
    )
    quote = re.search(
        r"  \?evidence oa:hasTarget \?target \.\n.*?oa:exact \?quote \.\n", text, re.S
    )
    if claim is None or quote is None:
        raise ValueError("committee-members.rq no longer has the patterns this variant moves")
    inner = "".join("  " + line + "\n" for line in (claim[0] + quote[0]).splitlines())
    return text.replace(quote[0], "").replace(claim[0], "  GRAPH ?g {\n" + inner + "  }\n")


def _timed(store: ox.Store, query: str, runs: int) -> tuple[float, int]:
    def run() -> int:
        result = store.query(query, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        return len(list(result))

    rows = run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return round(median(times), 1), rows


def _per_lookup(store: ox.Store, subjects: list[Any], graph: Any = None) -> float:
    started = time.perf_counter()
    for subject in subjects:
        for _ in store.quads_for_pattern(subject, EVIDENCE, None, graph):
            pass
    return round((time.perf_counter() - started) / len(subjects) * 1e6, 1)


def measure(path: str, runs: int) -> dict[str, Any]:
    store = ox.Store.read_only(path)
    text = (FOLDER / "committee-members.rq").read_text(encoding="utf-8")
    values = parameters()["committee-members"]["rare"]
    written, rows = _timed(store, with_values(text, values), runs)
    graphed, rows_graphed = _timed(store, with_values(in_graph(text), values), runs)
    body = ox.NamedNode(re.findall(r"<([^>]+)>", values)[0])
    claims = [q.subject for q in store.quads_for_pattern(None, RDF_OBJECT, body, None)]
    first = next(store.quads_for_pattern(claims[0], EVIDENCE, None, None))
    _per_lookup(store, claims)  # warm
    return {
        "store": path,
        "sst_files": len(list(Path(path).glob("*.sst"))),
        "rows": rows,
        "rows_graph_variant": rows_graphed,
        "committee_members_rare_ms": written,
        "committee_members_rare_in_graph_ms": graphed,
        "lookup_every_claim_us": _per_lookup(store, claims),
        "lookup_repeated_us": _per_lookup(store, [first.subject] * REPEAT),
        "lookup_repeated_with_graph_us": _per_lookup(
            store, [first.subject] * REPEAT, first.graph_name
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    emit(measure(args.store, args.runs))


if __name__ == "__main__":
    main()
