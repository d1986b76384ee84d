"""What every write (SPARQL Update, Graph Store PUT/POST/DELETE) goes through.

1. **Who may write.** Writes are off unless ``update_token`` is set (403 "writes are disabled");
   with a token, a request needs ``Authorization: Bearer <token>`` (401 without, 403 wrong;
   compared in constant time). CORS never allows the Authorization header, so a browser page
   from another origin cannot write even with a token at hand.
2. **One writer at a time.** A lock (a thread lock plus an ``flock`` shared by all worker
   processes) covers read-validate-commit, so no write validates against a state that another
   write is about to change.
3. **The same shapes as the loaders.** The new content of every graph a write changes is
   validated with ``dadkhah.validation.check_unit``, together with the context the shapes need
   from the rest of the store (the types of the IRIs it mentions, and the text of documents it
   annotates). Results on context nodes are dropped, as for loaded units. One violation
   rejects the whole write (422), and the store is not touched.
4. **One transaction.** The graphs are then replaced in a single SPARQL UPDATE.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from flask import current_app, request
from rdflib import Graph, URIRef

from dadkhah.errors import DadkhahError
from dadkhah.namespaces import DK
from dadkhah.store import EmbeddedStore, GraphName, Store
from dadkhah.units import LoadUnit
from dadkhah.validation import check_unit

from .state import settings_of
from .stats import statistics_of

_thread_lock = threading.Lock()


class Unauthorized(DadkhahError):
    status = 401
    headers = {"WWW-Authenticate": 'Bearer realm="dadkhah"'}


class Forbidden(DadkhahError):
    status = 403


def require_writer() -> None:
    """Raise unless the request carries the configured bearer token."""
    token = settings_of(current_app).update_token
    if not token:
        raise Forbidden("writes are disabled on this server (no update token is configured)")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized("writes need an 'Authorization: Bearer <token>' header")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Forbidden("the bearer token is not valid for writes")


def _lock_path(location: str) -> Path:
    digest = hashlib.sha256(location.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"dadkhah-write-{digest}.lock"


@contextmanager
def write_lock(store: Store) -> Iterator[None]:
    """Exclusive across this process's threads and across worker processes of one store."""
    with _thread_lock, _lock_path(str(store.path)).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            statistics_of(current_app).invalidate()  # the counts may have changed


def _rdflib(triples: list[ox.Triple]) -> Graph:
    graph = Graph()
    if triples:
        graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def _context(store: Store, written: Graph, excluded: Mapping[GraphName, object]) -> Graph:
    """Types of the IRIs the written graphs mention, and the text of documents among them,
    read from every graph the write leaves alone."""
    iris = {t for triple in written for t in triple if isinstance(t, URIRef)}
    if not iris:
        return Graph()
    names = [g for g in excluded if g is not None]
    skip = f"FILTER (?g NOT IN ({', '.join(f'<{g}>' for g in names)}))" if names else ""
    default = "" if None in excluded else "UNION { ?x a ?t }"
    values = " ".join(f"<{i}>" for i in sorted(iris))
    result = store.query(
        f"""CONSTRUCT {{ ?x a ?t . ?x <{DK.capture}> ?c . ?c <{DK.normalizedText}> ?text }}
        WHERE {{ VALUES ?x {{ {values} }}
          {{ GRAPH ?g {{ ?x a ?t }} {skip} }} {default}
          UNION {{ GRAPH ?g {{ ?x <{DK.capture}> ?c . ?c <{DK.normalizedText}> ?text }} {skip} }}
        }}""",
        union_default_graph=False,
    )
    assert isinstance(result, ox.QueryTriples)
    return _rdflib(list(result))


def validate(store: Store, graphs: Mapping[GraphName, list[ox.Triple] | None], source: str) -> None:
    """Raise ``ShapeViolation`` unless the new content of ``graphs`` conforms."""
    written = Graph()
    for triples in graphs.values():
        if triples:
            written += _rdflib(triples)
    if not len(written):
        return  # emptying or dropping graphs leaves nothing to check
    unit = LoadUnit(
        source=source,
        graph_iri=URIRef("urn:dadkhah:write"),
        provenance_iri=URIRef("urn:dadkhah:write-provenance"),
        graph=written,
        provenance=Graph(),
        fingerprint="",
        kind="write",
        context=_context(store, written, graphs),
    )
    check_unit(unit)


def commit(
    store: Store,
    graphs: Mapping[GraphName, list[ox.Triple] | None],
    source: str,
    *,
    context_store: EmbeddedStore | None = None,
) -> None:
    """Validate, then replace every graph in one transaction (call under ``write_lock``)."""
    validate(context_store or store, graphs, source)
    if graphs:
        store.replace_graphs(graphs)
