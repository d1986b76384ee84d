"""Whole-store counts stay off the request path: a page never waits for a slow count, shows
the last finished one, and a write makes the next request count again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from server import create_app, stats
from tests.backends import AnyStore, add

TOKEN = "s3cret-token"
EX = "http://example.org/"


def void_triples(client: FlaskClient) -> int | None:
    body = client.get("/void", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
    for line in body.splitlines():
        if "<http://rdfs.org/ns/void#triples>" in line:
            return int(line.split('"')[1])
    return None


def test_a_slow_count_never_holds_a_page_and_a_write_counts_again(
    new_store: Callable[[], AnyStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_store()
    add(store, [ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), ox.Literal("o"),
                        ox.NamedNode(f"{EX}g0"))])  # fmt: skip
    release = threading.Event()
    passes: list[float] = []
    real_count = stats.count

    def slow_count(counted: AnyStore) -> dict[str, int]:
        passes.append(time.monotonic())
        assert release.wait(30)
        return real_count(counted)

    monkeypatch.setattr(stats, "count", slow_count)
    monkeypatch.setattr(stats, "WAIT_S", 1.0)
    client = create_app({"store": "/nonexistent", "update_token": TOKEN}, store=store).test_client()

    started = time.monotonic()
    page = client.get("/").get_data(as_text=True)
    assert 1.0 <= time.monotonic() - started < 5  # waited for the pass it started, no longer
    assert "being counted" in page
    started = time.monotonic()
    assert void_triples(client) is None
    assert time.monotonic() - started < 0.8  # a pass is running: no wait
    assert len(passes) == 1  # one pass, however many requests ask meanwhile

    release.set()
    deadline = time.monotonic() + 10
    while void_triples(client) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert void_triples(client) == 1
    assert "triples in them" in client.get("/").get_data(as_text=True)
    assert len(passes) == 1  # fresh counts are not counted again

    auth = {"Authorization": f"Bearer {TOKEN}"}
    triple = f'<{EX}a> <{EX}b> "c" .\n'
    put = client.put(f"/rdf-graphs?graph={EX}g1", data=triple, content_type="text/turtle",
                     headers=auth)  # fmt: skip
    assert put.status_code == 201
    deadline = time.monotonic() + 10
    while void_triples(client) != 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert void_triples(client) == 2 and len(passes) == 2


def test_a_failing_count_is_not_tried_again_on_every_request(
    new_store: Callable[[], AnyStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    passes: list[float] = []

    def failing(counted: AnyStore) -> dict[str, int]:
        passes.append(time.monotonic())
        raise TimeoutError("the engine's time limit")

    monkeypatch.setattr(stats, "count", failing)
    app = create_app({"store": "/nonexistent"}, store=new_store())
    client = app.test_client()
    for _ in range(3):
        assert "being counted" in client.get("/").get_data(as_text=True)
    assert len(passes) == 1 and "time limit" in stats.statistics_of(app).error
    stats.statistics_of(app).due = 0.0  # as when MAX_AGE_S has passed, or after a write
    client.get("/")
    assert len(passes) == 2
