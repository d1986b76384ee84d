"""Shared fixtures: a temporary store, the bundled corpus loaded once per session, the Flask
app and its test client, and the CLI runner.

``--store-backend=remote`` makes every store a fixture hands out a ``RemoteStore`` on a live
``oxigraph serve`` (see ``tests/backends.py``) and deselects the tests marked
``embedded_only``."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from dadkhah.iris import Minter
from dadkhah.remote import RemoteStore
from dadkhah.resources import corpus_dir
from dadkhah.store import EmbeddedStore, open_any
from loaders.commit import discover, load_paths
from tests.backends import (
    BACKENDS,
    EMBEDDED,
    REMOTE,
    AnyStore,
    Backend,
    ServerPool,
    close,
    nquads,
)
from tests.conformance.targets import OxigraphServeTarget

BASE = "https://dadkhah.example/id/"
REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


# ---------------------------------------------------------------------- the backend option


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store-backend",
        choices=BACKENDS,
        default=EMBEDDED,
        help="embedded: on-disk pyoxigraph stores (default); remote: RemoteStore on a live "
        "`oxigraph serve`, tests marked embedded_only deselected",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "embedded_only(reason=...): about the embedded on-disk store itself; deselected by "
        "--store-backend=remote",
    )


def pytest_report_header(config: pytest.Config) -> str:
    return f"store backend: {config.getoption('--store-backend')}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        marker = item.get_closest_marker("embedded_only")
        if marker is not None and not marker.kwargs.get("reason"):
            raise pytest.UsageError(f"{item.nodeid}: embedded_only needs reason=...")
    if config.getoption("--store-backend") != REMOTE:
        return
    selected = [i for i in items if i.get_closest_marker("embedded_only") is None]
    deselected = [i for i in items if i.get_closest_marker("embedded_only") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(scope="session")
def store_backend(request: pytest.FixtureRequest) -> str:
    """``embedded`` or ``remote`` (``--store-backend``)."""
    value: str = request.config.getoption("--store-backend")
    return value


@pytest.fixture(scope="session")
def server_pool() -> Iterator[ServerPool]:
    pool = ServerPool()
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="session")
def backend(store_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    """Where this run's stores live; the corpus is loaded the first time a test needs it."""
    if store_backend == REMOTE:
        return Backend(REMOTE, remote_corpus)
    return Backend(EMBEDDED, lambda: embedded_corpus(tmp_path_factory.mktemp("corpus") / "store"))


# ---------------------------------------------------------------------- stores


@pytest.fixture
def minter() -> Minter:
    return Minter(BASE)


@pytest.fixture
def new_location(
    backend: Backend, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[], str]:
    """Locations of empty stores, a different one at each call: a directory under the test's
    temporary directory, or the URL of a live server emptied for this test."""
    if not backend.remote:
        numbers = itertools.count()

        def directory() -> str:
            n = next(numbers)
            return str(tmp_path / ("store" if n == 0 else f"store-{n}"))

        return directory
    pool: ServerPool = request.getfixturevalue("server_pool")
    request.addfinalizer(pool.release)
    return lambda: pool.take().base_url


@pytest.fixture
def new_store(
    backend: Backend, new_location: Callable[[], str]
) -> Iterator[Callable[[], AnyStore]]:
    """Empty stores, a different one at each call: in memory, or on a live server."""
    made: list[AnyStore] = []

    def make() -> AnyStore:
        store: AnyStore = open_any(new_location()) if backend.remote else EmbeddedStore(None)
        made.append(store)
        return store

    yield make
    for store in made:
        close(store)


@pytest.fixture
def store_path(new_location: Callable[[], str]) -> str:
    """Where an empty store lives: a directory (created on first use) or a server's URL."""
    return new_location()


@pytest.fixture
def store(store_path: str) -> Iterator[AnyStore]:
    """An empty store: on disk in a temporary directory, or on a live server."""
    opened = open_any(store_path)
    yield opened
    close(opened)


def load_corpus(store: AnyStore) -> None:
    outcomes = list(load_paths(store, discover([str(corpus_dir())]), Minter(BASE)))
    rejected = [o for o in outcomes if o.error]
    assert outcomes and not rejected, rejected


def embedded_corpus(path: Path) -> Path:
    """The corpus loaded into an on-disk store at ``path`` (closed again, so it can be copied)."""
    store = EmbeddedStore(str(path))
    load_corpus(store)
    del store  # release the lock; tests open their own copy
    return path


def remote_corpus() -> bytes:
    """The corpus loaded through a ``RemoteStore`` into a live server, as N-Quads."""
    with OxigraphServeTarget() as server:
        store = RemoteStore(server.base_url)
        try:
            load_corpus(store)
            return nquads(store)
        finally:
            store.close()


@pytest.fixture(scope="session")
def corpus_store_dir(backend: Backend) -> Path:
    """The bundled corpus loaded once into an on-disk store; copy it before writing.
    Embedded runs only: tests reach the corpus through ``corpus_location`` or ``backend``."""
    corpus = backend.loaded_corpus()
    if not isinstance(corpus, Path):
        pytest.fail("corpus_store_dir is an embedded store: use corpus_location or backend")
    return corpus


@pytest.fixture
def corpus_location(backend: Backend, new_location: Callable[[], str]) -> str:
    """Where a private copy of the loaded corpus lives (a directory or a server's URL)."""
    location = new_location()
    backend.fill(location)
    return location


@pytest.fixture
def corpus_store(corpus_location: str) -> Iterator[AnyStore]:
    """A private copy of the loaded corpus store."""
    opened = open_any(corpus_location)
    yield opened
    close(opened)


# ---------------------------------------------------------------------- app and CLI


@pytest.fixture
def app(corpus_store: AnyStore) -> Flask:
    from server import create_app

    return create_app({"store": corpus_store.path, "base_iri": BASE}, store=corpus_store)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def corpus_files() -> list[Path]:
    files = sorted((corpus_dir() / "documents").glob("*.txt"))
    assert len(files) == 5
    return files


@pytest.fixture
def empty_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "inputs"
    path.mkdir()
    yield path
