"""A real `dadkhah serve` (gunicorn + private oxigraph engine, or with
``--store-backend=remote`` gunicorn in front of a live `oxigraph serve` given by URL) over a
copy of the corpus, driven by real clients: SPARQLWrapper in every format, rdflib's SPARQLStore and
SPARQLUpdateStore, curl; plus time limits, refusals and readers during a write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, JSONLD, TSV, TURTLE, XML, SPARQLWrapper

from dadkhah.resources import corpus_dir
from tests.backends import Backend
from tests.serverutil import TOKEN, LiveServer, seeded_store

pytestmark = pytest.mark.server

LIMIT_S = 2
DOCS = "PREFIX dk: <https://dadkhah.example/ns#> SELECT ?doc WHERE { ?doc a dk:SourceDocument }"
CROSS = "{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


@pytest.fixture(scope="module")
def live(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with (
        backend.corpus(tmp_path_factory.mktemp("live"), timeout_s=LIMIT_S) as store,
        LiveServer(store, query_timeout=LIMIT_S) as server,
    ):
        yield server


# ---------------------------------------------------------------- clients


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_formats(live: LiveServer, fmt: str) -> None:
    client = SPARQLWrapper(live.sparql)
    client.setQuery(DOCS)
    client.setReturnFormat(fmt)
    result = client.query()
    body = result.response.read()
    media = result.response.headers["Content-Type"].split(";")[0]
    expected = {
        JSON: "application/sparql-results+json",
        XML: "application/sparql-results+xml",
        CSV: "text/csv",
        TSV: "text/tab-separated-values",
    }
    assert media == expected[fmt]
    assert body.count(b"https://dadkhah.example/id/") >= 5


@pytest.mark.parametrize(
    ("fmt", "ox_format"), [(TURTLE, ox.RdfFormat.TURTLE), (JSONLD, ox.RdfFormat.JSON_LD)]
)
def test_sparqlwrapper_construct_formats(
    live: LiveServer, fmt: str, ox_format: ox.RdfFormat
) -> None:
    client = SPARQLWrapper(live.sparql)
    client.setQuery(
        "PREFIX dk: <https://dadkhah.example/ns#> "
        "CONSTRUCT { ?doc a dk:SourceDocument } WHERE { ?doc a dk:SourceDocument }"
    )
    client.setReturnFormat(fmt)
    body = client.query().response.read()
    assert len(list(ox.parse(body, ox_format))) == 5


def test_sparqlwrapper_converts_json(live: LiveServer) -> None:
    client = SPARQLWrapper(live.sparql)
    client.setQuery(DOCS)
    client.setReturnFormat(JSON)
    client.setMethod("POST")
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert len(rows) == 5


def test_rdflib_sparqlstore_reads(live: LiveServer) -> None:
    graph = Graph(store=SPARQLStore(live.sparql))
    rows = list(graph.query(DOCS))
    assert len(rows) == 5


def test_rdflib_sparqlupdatestore_writes_with_token(live: LiveServer) -> None:
    name = URIRef("http://example.org/live/updatestore")
    store = SPARQLUpdateStore(
        live.sparql, live.sparql, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    graph = Graph(store=store, identifier=name)
    graph.add((URIRef("http://example.org/a"), URIRef("http://example.org/b"), Literal("c")))
    assert len(list(graph.triples((None, None, None)))) == 1
    graph.remove((None, None, None))
    assert len(list(graph.triples((None, None, None)))) == 0


def test_rdflib_sparqlupdatestore_without_token_is_refused(live: LiveServer) -> None:
    name = URIRef("http://example.org/live/anonymous")
    graph = Graph(store=SPARQLUpdateStore(live.sparql, live.sparql), identifier=name)
    with pytest.raises(Exception, match="401"):
        graph.add((URIRef("http://example.org/a"), URIRef("http://example.org/b"), Literal("c")))
    assert requests.get(live.graphs, params={"graph": str(name)}, timeout=10).status_code == 404


def curl(*args: str) -> tuple[int, str]:
    done = subprocess.run(
        ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


def test_curl_get_post_and_errors(live: LiveServer) -> None:
    status, body = curl("-G", live.sparql, "--data-urlencode", f"query={DOCS}")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
    status, body = curl(
        "-H", "Content-Type: application/sparql-query", "-H", "Accept: text/csv",
        "--data-binary", DOCS, live.sparql,
    )  # fmt: skip
    assert status == 200 and body.splitlines()[0] == "doc"
    status, body = curl("-G", live.sparql, "--data-urlencode", "query=SELECT * { ?s ?p }")
    assert status == 400 and "error at 1:" in body
    assert curl("-X", "PUT", live.sparql)[0] == 405
    assert curl("-H", "Content-Type: text/plain", "--data-binary", "ASK {}", live.sparql)[0] == 415
    assert (
        curl("-G", live.sparql, "--data-urlencode", "query=ASK {}", "-H", "Accept: image/png")[0]
        == 406
    )


def test_head_of_a_streamed_result_leaves_the_engine_connection_usable(live: LiveServer) -> None:
    """HEAD never reads a streamed body; the engine's answer must still be let go, or the
    worker thread's next query finds its engine connection busy (500)."""
    query = (
        "SELECT * WHERE { ?s ?p ?o . ?x a <https://dadkhah.example/ns#SourceDocument> } LIMIT 40000"
    )
    for _ in range(8):
        head = requests.head(live.sparql, params={"query": query}, timeout=60)
        assert head.status_code == 200, live.log_text()
        assert head.headers["Content-Type"] == "application/sparql-results+json"
        assert "Content-Length" not in head.headers  # streamed, as GET is
    statuses = [
        requests.get(live.sparql, params={"query": "ASK {}"}, timeout=30).status_code
        for _ in range(12)
    ]
    assert statuses == [200] * 12


# ---------------------------------------------------------------- limits and refusals


def test_slow_aggregate_is_stopped_with_503(live: LiveServer) -> None:
    started = time.monotonic()
    response = requests.get(
        live.sparql, params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {CROSS}"}, timeout=30
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "time limit" in response.text
    assert elapsed < LIMIT_S + 1.5


@pytest.mark.embedded_only(
    reason="the private engine serve starts for a directory is killed and restarted; a server "
    "given by URL has no engine to restart"
)
def test_runaway_sort_is_stopped_and_the_engine_recovers(live: LiveServer) -> None:
    """Oxigraph's own timeout misses ORDER BY over a cross join; the reaper kills the engine
    and serve restarts it, so the CPU is freed and later queries work."""
    before = live.engine_pid()
    started = time.monotonic()
    response = requests.get(
        live.sparql, params={"query": f"SELECT * WHERE {CROSS} ORDER BY ?a"}, timeout=30
    )
    assert response.status_code == 503
    assert time.monotonic() - started < LIMIT_S + 1.5
    deadline = time.monotonic() + 15
    while live.engine_pid() in (before, None) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert live.engine_pid() not in (before, None), live.log_text()
    after = requests.get(live.sparql, params={"query": DOCS}, timeout=30)
    assert after.status_code == 200


def test_large_results_stream_complete(live: LiveServer) -> None:
    query = (
        "SELECT * WHERE { ?s ?p ?o . ?x a <https://dadkhah.example/ns#SourceDocument> } LIMIT 40000"
    )
    response = requests.get(live.sparql, params={"query": query}, stream=True, timeout=60)
    assert response.status_code == 200
    assert "Content-Length" not in response.headers  # over the spool: streamed
    rows = json.loads(response.content)["results"]["bindings"]
    assert len(rows) == 40000


def test_update_without_token_leaves_the_store_unchanged(live: LiveServer) -> None:
    count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"}
    before = requests.get(live.sparql, params=count, timeout=10).json()
    anonymous = requests.post(live.sparql, data={"update": "DROP ALL"}, timeout=10)
    wrong = requests.post(
        live.sparql, data={"update": "DROP ALL"}, headers={"Authorization": "Bearer x"}, timeout=10
    )
    assert (anonymous.status_code, wrong.status_code) == (401, 403)
    assert requests.get(live.sparql, params=count, timeout=10).json() == before


def test_service_is_refused(live: LiveServer) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = requests.get(live.sparql, params={"query": query}, timeout=10)
    assert response.status_code == 400 and "SERVICE" in response.text


def test_oversized_body_is_413(live: LiveServer) -> None:
    body = b"ASK {} #" + b"x" * (17 * 1024 * 1024)
    response = requests.post(
        live.sparql, data=body, headers={"Content-Type": "application/sparql-query"}, timeout=30
    )
    assert response.status_code == 413


def test_readers_keep_working_during_a_write(live: LiveServer) -> None:
    graph = "http://example.org/live/big"
    data = "".join(
        f'<http://example.org/s{i}> <http://example.org/p> "{i}" .\n' for i in range(20000)
    )
    result: dict[str, int] = {}

    def write() -> None:
        response = requests.put(
            live.graphs, params={"graph": graph}, data=data.encode(),
            headers={"Content-Type": "application/n-triples", **live.auth()}, timeout=120,
        )  # fmt: skip
        result["status"] = response.status_code

    writer = threading.Thread(target=write)
    writer.start()
    latencies = []
    while writer.is_alive():
        started = time.monotonic()
        assert requests.get(live.sparql, params={"query": DOCS}, timeout=10).status_code == 200
        latencies.append(time.monotonic() - started)
    writer.join()
    assert result["status"] == 201
    assert latencies and max(latencies) < 1.0
    check = requests.get(
        live.sparql,
        params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        timeout=10,
    ).json()
    assert check["results"]["bindings"][0]["n"]["value"] == "20000"
    requests.delete(live.graphs, params={"graph": graph}, headers=live.auth(), timeout=30)


@pytest.mark.server
def test_serve_fills_an_empty_store_and_its_workers_exit_cleanly(tmp_path: Path) -> None:
    """An empty store gets the bundled corpus before the workers start, and every gunicorn
    worker exits on its own when ``serve`` is stopped: none is killed by a signal (RocksDB's
    threads, had ``serve`` opened the store before forking, made each die with SIGSEGV)."""
    server = LiveServer(tmp_path / "store", workers=2)
    with server:
        query = (
            "SELECT (COUNT(DISTINCT ?d) AS ?n) "
            "WHERE { GRAPH ?g { ?d a <https://dadkhah.example/ns#SourceDocument> } }"
        )
        answer = requests.get(server.sparql, params={"query": query}, timeout=30,
                              headers={"Accept": "application/sparql-results+json"})  # fmt: skip
        assert answer.ok, answer.text
        assert answer.json()["results"]["bindings"][0]["n"]["value"] == str(
            len(list(corpus_dir().rglob("*.txt")))
        )
        # stop once both workers handle signals: one still booting would miss the stop
        deadline = time.monotonic() + 60
        while server.log_text().count("Worker ready") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    log = server.final_log
    assert "empty store: loading the bundled corpus first" in log
    assert log.count("Worker ready") == 2 and log.count("Worker exiting") == 2, log
    assert "SIG" not in log and "signal" not in log.replace("Handling signal: term", ""), log
    assert server.returncode == 0, log


@pytest.mark.server
def test_ctrl_c_to_the_process_group_stops_serve_and_its_engine_without_a_restart(
    tmp_path: Path,
) -> None:
    """Ctrl-C in a terminal (or ``timeout``) signals every process of the foreground group.
    The engine is in a session of its own, so only ``serve`` gets the signal and stops the
    engine itself: no restart of an engine that merely got the same signal."""
    server = LiveServer(seeded_store(tmp_path / "store"), own_group=True)
    server.start()
    assert server.process is not None
    engine = server.engine_pid()
    assert engine is not None
    os.killpg(server.process.pid, signal.SIGINT)
    server.process.wait(timeout=30)
    server.stop()
    log = server.final_log
    assert "engine exited" not in log and "restart" not in log, log
    assert not _running(engine)


@pytest.mark.server
def test_the_engine_dies_with_a_killed_serve(tmp_path: Path) -> None:
    """Outside serve's process group, the engine still goes when serve is killed outright
    (no ``finally`` runs): the kernel signals it when its parent dies."""
    server = LiveServer(seeded_store(tmp_path / "store"))
    server.start()
    assert server.process is not None
    engine = server.engine_pid()
    assert engine is not None
    server.process.kill()
    server.process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _running(engine) and time.monotonic() < deadline:
        time.sleep(0.1)
    server.stop()
    assert not _running(engine)


def _running(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


@pytest.mark.server
def test_queries_wait_then_get_503_when_the_engine_holds_its_thread_limit(tmp_path: Path) -> None:
    """The engine keeps a thread per query until the time limit has passed: past
    DADKHAH_ENGINE_MAX_THREADS a query waits a second for old ones to end, then gets 503
    with Retry-After (pages too), and once the threads have ended queries run again."""
    limit, seconds = 40, 8  # no thread ends within the test's first eight seconds
    server = LiveServer(
        tmp_path / "store", env={"DADKHAH_ENGINE_MAX_THREADS": str(limit)}, query_timeout=seconds
    )
    with server, requests.Session() as client:
        ask = {"query": "ASK { ?s ?p ?o }"}
        started = time.monotonic()
        answers = []
        while len(answers) < 2 * limit and (not answers or answers[-1].ok):
            answers.append(client.get(server.sparql, params=ask, timeout=30))
        *ran, refused = answers
        assert all(a.ok for a in ran) and len(ran) > limit // 2  # the engine's own threads
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
        assert f"its limit of {limit}" in refused.text
        assert 1.0 <= time.monotonic() - started < seconds  # it waited for threads to end
        page = client.get(f"{server.url}/id/entity/raisi", timeout=30)
        assert page.status_code == 503
        time.sleep(max(0.0, started + seconds + 1 - time.monotonic()))
        assert client.get(server.sparql, params=ask, timeout=30).ok
        assert client.get(f"{server.url}/id/entity/raisi", timeout=30).ok
