"""Shared fixtures: a temporary store, the bundled corpus loaded once per session, the Flask
app and its test client, and the CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from dadkhah.iris import Minter
from dadkhah.resources import corpus_dir
from dadkhah.store import EmbeddedStore
from loaders.commit import discover, load_paths

BASE = "https://dadkhah.example/id/"
REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def minter() -> Minter:
    return Minter(BASE)


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    return str(tmp_path / "store")


@pytest.fixture
def store(store_path: str) -> EmbeddedStore:
    """An empty on-disk store in a temporary directory."""
    return EmbeddedStore(store_path)


def load_corpus(store: EmbeddedStore) -> None:
    outcomes = list(load_paths(store, discover([str(corpus_dir())]), Minter(BASE)))
    rejected = [o for o in outcomes if o.error]
    assert outcomes and not rejected, rejected


@pytest.fixture(scope="session")
def corpus_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus loaded once into an on-disk store; copy it before writing."""
    path = tmp_path_factory.mktemp("corpus") / "store"
    store = EmbeddedStore(str(path))
    load_corpus(store)
    del store  # release the lock; tests open their own copy
    return path


@pytest.fixture
def corpus_store(corpus_store_dir: Path, tmp_path: Path) -> EmbeddedStore:
    """A private copy of the loaded corpus store."""
    copy = tmp_path / "corpus-store"
    shutil.copytree(corpus_store_dir, copy)
    return EmbeddedStore(str(copy))


@pytest.fixture
def app(corpus_store: EmbeddedStore) -> Flask:
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
