"""Pages, timed: ``python -m bench.pages STORE [--runs 5]``.

Renders the linked-data page of frequent and rare entities of the synthetic archive, through
the Flask app on the store opened read-only (the same SPARQL the server sends its engine,
without the HTTP hop): the first page of every section, and a later page of the mentions
and of the claims; then the lists of documents and claims, the figures compared about the
1988 massacre (first and later pages), two index pages of a class, two searches, and the
landing page. (The landing page's counts are made in a thread of their own, which starts
with its first request: a run times what a reader waits for, not the count, and times the
landing page last.) Prints one JSON line: per page, p50 and max of the wall time over
``--runs`` after one warm-up, the size of the HTML, and the counts the page shows.
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Any

from bench.common import emit, median, usage
from bench.registry_gen import build_registry
from dadkhah.store import EmbeddedStore
from server import create_app

BASE = "https://dadkhah.example/id/"
SEED = 1988


def pages(store: EmbeddedStore) -> dict[str, str]:
    """Name → path: the corpus's entities (the archive's most frequent) and rare ones, a
    document of the archive, one of its quotes and its annotation, the registry's graph, and
    the lists, searches and landing page."""
    reg = build_registry(SEED)
    rare = {role: reg.by_role[role][len(reg.by_role[role]) // 2].id
            for role in ("prison", "witness", "perpetrator")}  # fmt: skip
    found = {
        "evin-prison": "/id/entity/evin-prison",
        "khomeini": "/id/entity/khomeini",
        "massacre-1988": "/id/entity/massacre-1988",
        "evin-prison, mentions page 40": "/id/entity/evin-prison?mentions_page=40",
        "massacre-1988, claims page 40": "/id/entity/massacre-1988?about_page=40",
        "documents, page 1": "/documents",
        "documents, page 50": "/documents?page=50",
        "claims, page 1": "/claims",
        "figures about massacre-1988, page 1": "/claims?about=massacre-1988",
        "figures about massacre-1988, page 20": "/claims?about=massacre-1988&page=20",
        "persons": "/persons",
        "places": "/places",
        "search for a frequent name": "/search?q=evin",
        "search for a rare word": "/search?q=lajevardi",
        "the registry's graph": "/id/graph/registry/registry",
    }
    quoted = store.select(
        "SELECT ?q ?a WHERE { ?q a dk:Quote ; dk:evidence ?a } LIMIT 1"
    )  # a quote (the first in the engine's order), its document and its annotation
    if quoted:
        quote, annotation = (str(quoted[0][k]).removeprefix(BASE) for k in ("q", "a"))
        document = "document/" + quote.split("/")[1]
        found |= {"a document": f"/id/{document}", "a quote": f"/id/{quote}",
                  "its annotation": f"/id/{annotation}"}  # fmt: skip
    for role, entity_id in rare.items():
        found[f"rare {role}"] = f"/id/entity/{entity_id}"
    found["landing page"] = "/"
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("store")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    store = EmbeddedStore(args.store, read_only=True)
    app = create_app({"store": args.store, "base_iri": BASE}, store=store)
    client = app.test_client()
    results: dict[str, Any] = {}
    for name, path in pages(store).items():
        times = []
        html = ""
        for _ in range(args.runs + 1):  # the first warms the caches
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
            html = response.get_data(as_text=True)
        timed = times[1:]
        results[name] = {
            "path": path,
            "p50_ms": round(median(timed) * 1000, 1),
            "max_ms": round(max(timed) * 1000, 1),
            "html_bytes": len(html.encode()),
            "counts": re.findall(r"<h2>([^<]+)<small>\(([^)]+)\)</small>", html),
        }
        print(name, results[name]["p50_ms"], "ms", flush=True)
    emit({"runs": args.runs, "pages": results, **usage()})


if __name__ == "__main__":
    main()
