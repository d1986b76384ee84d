"""Whole-store counts (the landing page's figures, VoID's ``void:triples``), kept off the
request path.

Every one of them is a scan of the store. At 10⁴ documents the counts by class took 1.0 s,
the named graphs 0.8 s, the quads 2.2 s, and the distinct triples of the union graph 262 s;
each grows with the archive. So no request computes them: the first request that wants them
starts a thread that does, and pages show the counts of the last finished pass, with the
time it started, or none yet. A write through this server makes a new pass due at once;
otherwise one is due ``MAX_AGE_S`` after the last one ended, whether it counted or failed
(another process may have written; a store that cannot count is not asked on every
request). The next request starts it. The request that starts a pass waits a little for it
(``WAIT_S``), which is the whole pass on a small store; the others never wait.

The triples are counted as quads (each named graph's triples, summed), which is what the
dumps hold, one line each; the union graph's distinct triples would cost a look-up of every
other graph for every quad.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from dadkhah.store import Store

MAX_AGE_S = 600.0
WAIT_S = 2.0

CLASSES = """
SELECT ?what (COUNT(DISTINCT ?x) AS ?n) WHERE {
  VALUES (?what ?class) {
    ("documents" dk:SourceDocument) ("persons" dk:Person) ("organizations" dk:Organization)
    ("places" dk:Place) ("events" dk:Event) ("works" dk:Work) ("claims" dk:Claim)
    ("quantity claims" dk:QuantityClaim) ("relation claims" dk:RelationClaim)
    ("quotes" dk:Quote) ("annotations" oa:Annotation)
  }
  ?x a ?class .
} GROUP BY ?what
"""


@dataclass
class Counts:
    """The counts of one pass, and when it started."""

    values: dict[str, int]
    as_of: datetime


def count(store: Store) -> dict[str, int]:
    """Every count, computed now (a scan of the store)."""
    values = {str(r["what"]): int(r["n"]) for r in store.select(CLASSES)}
    values["graphs"] = sum(1 for _ in store.named_graphs())
    values["triples"] = store.quad_count()
    return values


@dataclass
class Statistics:
    """The counts of one app's store, refreshed in a thread of their own."""

    store: Store
    latest: Counts | None = None
    error: str = ""
    due: float = 0.0
    """When (``time.monotonic``) the next request starts a pass: at once at first and after
    a write, ``MAX_AGE_S`` after a pass ends otherwise, failed or not (a store that cannot
    count, a remote one timing out, is not asked again on every request)."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pass: threading.Thread | None = None

    def current(self, *, wait: float = WAIT_S) -> Counts | None:
        """The latest counts, starting a pass if one is due (and then waiting up to ``wait``
        seconds for it; a request that finds a pass running does not wait)."""
        with self._lock:
            started = None
            running = self._pass is not None and self._pass.is_alive()
            if not running and time.monotonic() >= self.due:
                started = threading.Thread(target=self._run, name="dadkhah-counts", daemon=True)
                self._pass = started
                started.start()
        if started is not None and wait > 0:  # only the request that started it waits
            started.join(wait)
        return self.latest

    def invalidate(self) -> None:
        """The store has changed: the next request starts a new pass (after the running one,
        if any, has ended)."""
        with self._lock:
            self.due = 0.0

    def _run(self) -> None:
        started = datetime.now(UTC).replace(microsecond=0)
        begun = time.monotonic()
        with self._lock:  # a write from now on asks for another pass
            self.due = begun + MAX_AGE_S
        try:
            values, error = count(self.store), ""
        except Exception as failed:  # pages show the last counts until the next pass
            values, error = None, f"{type(failed).__name__}: {failed}"
        with self._lock:
            if values is not None:
                values["seconds"] = round(time.monotonic() - begun)
                self.latest = Counts(values, started)
            self.error = error
            if self.due:  # no write during the pass: the next one when this one is old
                self.due = time.monotonic() + MAX_AGE_S


def init_app(app: Flask, store: Store) -> None:
    app.extensions["dadkhah.statistics"] = Statistics(store)


def statistics_of(app: Flask) -> Statistics:
    found = app.extensions["dadkhah.statistics"]
    assert isinstance(found, Statistics)
    return found


def counts_of(app: Flask) -> dict[str, Any]:
    """What a page shows: the counts (empty until a first pass ends) and their time."""
    latest = statistics_of(app).current()
    if latest is None:
        return {"values": {}, "as_of": None}
    return {"values": latest.values, "as_of": latest.as_of}
