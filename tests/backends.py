"""The store the suite runs against: ``embedded`` (the default) or ``remote``.

``pytest --store-backend=remote`` gives every test that asks for a store (the ``store``,
``store_path``, ``corpus_store``, ``new_store`` and ``new_location`` fixtures, and the
module-wide stores made by ``Backend.empty`` and ``Backend.corpus``) a ``RemoteStore`` on a
live ``oxigraph serve`` instead of an on-disk ``EmbeddedStore``, so loading, querying,
exporting, the CLI, the server and SHACL rejections run over HTTP exactly as they run in
process.

Speed: a session keeps a small pool of servers (``ServerPool``). A test takes the first one
it needs, a second one if it needs two stores at once, and so on; each is emptied with
``DROP ALL`` when taken. A store that outlives a test (module-scoped fixtures) gets a server of
its own. The bundled corpus is loaded once per session *through* a ``RemoteStore`` (the remote
load path), dumped as N-Quads, and restored into a server with one Graph Store POST.

Tests that are about the embedded store itself carry ``@pytest.mark.embedded_only``; the
remote run deselects them (``conftest.pytest_collection_modifyitems``) and pytest reports
how many.

Helpers that read a store do it through the ``Store`` protocol (``dump``) or SPARQL Update
(``add``), never through ``EmbeddedStore.oxigraph``.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import requests

from dadkhah.remote import RemoteStore
from dadkhah.store import EmbeddedStore, open_any
from tests.conformance.targets import HTTP_TIMEOUT_S, OxigraphServeTarget

EMBEDDED = "embedded"
REMOTE = "remote"
BACKENDS = (EMBEDDED, REMOTE)

AnyStore = EmbeddedStore | RemoteStore


# ---------------------------------------------------------------------- store-neutral reads


def nquads(store: AnyStore) -> bytes:
    """Every quad of the store as N-Quads (``Store.dump``), in the store's own order."""
    out = io.BytesIO()
    store.dump(out)
    return out.getvalue()


def dump(store: AnyStore) -> bytes:
    """Every quad, one N-Quads line each, sorted: two equal dumps mean two equal stores."""
    return b"\n".join(sorted(nquads(store).splitlines()))


def quads(store: AnyStore) -> set[ox.Quad]:
    """Every quad of the store, as pyoxigraph terms."""
    return set(ox.parse(nquads(store), ox.RdfFormat.N_QUADS))


def add(store: AnyStore, items: Iterable[ox.Quad]) -> None:
    """Add quads with one SPARQL ``INSERT DATA`` (both stores run it in one transaction)."""
    lines = []
    for quad in items:
        triple = f"{quad.subject} {quad.predicate} {quad.object} ."
        graph = quad.graph_name
        lines.append(
            triple if isinstance(graph, ox.DefaultGraph) else f"GRAPH {graph} {{ {triple} }}"
        )
    store.update("INSERT DATA {\n" + "\n".join(lines) + "\n}")


def close(store: AnyStore) -> None:
    """Close a remote store's connections (the embedded store closes when collected)."""
    if isinstance(store, RemoteStore):
        store.close()


@contextmanager
def opened(location: str) -> Iterator[AnyStore]:
    """The store at ``location`` (a directory or a server's URL), closed on exit."""
    store = open_any(location)
    try:
        yield store
    finally:
        close(store)


# ---------------------------------------------------------------------- live servers


class ServerPool:
    """Live ``oxigraph serve`` processes (in-memory stores), started on demand and reused by
    test after test; each is replaced by a new process after ``RECYCLE_AFTER`` uses, as
    emptying a store with DROP ALL slowly gets dearer."""

    RECYCLE_AFTER = 50

    def __init__(self) -> None:
        self._servers: list[OxigraphServeTarget] = []
        self._uses: list[int] = []
        self._taken = 0

    def take(self) -> OxigraphServeTarget:
        """The next server not in use by the current test, emptied."""
        index = self._taken
        if index == len(self._servers):
            self._servers.append(OxigraphServeTarget(in_memory=True).__enter__())
            self._uses.append(0)
        elif self._uses[index] >= self.RECYCLE_AFTER:
            self._servers[index].stop()
            self._servers[index] = OxigraphServeTarget(in_memory=True).__enter__()
            self._uses[index] = 0
        server = self._servers[index]
        self._taken += 1
        self._uses[index] += 1
        server.reset()
        return server

    def release(self) -> None:
        """The test is over: every server may be taken again."""
        self._taken = 0

    def close(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers.clear()
        self._uses.clear()


# ---------------------------------------------------------------------- the backend


class Backend:
    """Where stores live for this run: directories, or live SPARQL servers."""

    def __init__(self, name: str, corpus: Callable[[], Path | bytes]):
        """``corpus`` gives, once asked, the loaded corpus: an embedded store's directory
        (embedded runs) or the N-Quads a remote store holds after loading it (remote runs)."""
        if name not in BACKENDS:
            raise ValueError(f"store backend {name!r}: expected one of {', '.join(BACKENDS)}")
        self.name = name
        self._corpus = corpus
        self._loaded: Path | bytes | None = None

    def loaded_corpus(self) -> Path | bytes:
        if self._loaded is None:
            self._loaded = self._corpus()
        return self._loaded

    @property
    def remote(self) -> bool:
        return self.name == REMOTE

    def fill(self, location: str) -> None:
        """Put the corpus into an empty store at ``location`` (a fresh directory path or
        the URL of an emptied server)."""
        corpus = self.loaded_corpus()
        if isinstance(corpus, bytes):
            response = requests.post(
                location.rstrip("/") + "/store",
                data=corpus,
                headers={"Content-Type": "application/n-quads"},
                timeout=HTTP_TIMEOUT_S,
            )
            response.raise_for_status()
        else:
            shutil.copytree(corpus, location)

    @contextmanager
    def empty(self, folder: Path, *, timeout_s: float | None = None) -> Iterator[str]:
        """A store of its own (for fixtures wider than one test), empty: a directory under
        ``folder``, or a new server, stopped on exit. ``timeout_s`` sets the server's own
        query time limit (``oxigraph serve --timeout-s``)."""
        if not self.remote:
            yield str(folder / "store")
            return
        args = ("--timeout-s", f"{timeout_s:g}") if timeout_s else ()
        with OxigraphServeTarget(extra_args=args, in_memory=True) as server:
            yield server.base_url

    @contextmanager
    def corpus(self, folder: Path, *, timeout_s: float | None = None) -> Iterator[str]:
        """Like ``empty``, holding a private copy of the loaded corpus."""
        with self.empty(folder, timeout_s=timeout_s) as location:
            self.fill(location)
            yield location

    def open(self, location: str) -> AnyStore:
        return open_any(location)
