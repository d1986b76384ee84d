"""Acceptance: curl against a real ``dadkhah serve`` (gunicorn in front of ``oxigraph serve``,
so pages and descriptions go through the remote store) gets, for an entity, a document, a
claim and an annotation IRI, the right Content-Type and parseable content for each Accept
value, and the HTML page of the same IRI shows its label."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.backends import Backend

BASE = "https://dadkhah.example/id/"
CASES = {
    "/id/entity/evin-prison": "Evin Prison",
    "/id/document/003_0b376dec0ab0c89d": "The Unyielding Struggle for Justice",
    "/id/claim/001_80b7eb5d3f2c6833/executed-more-than-30000": "more than 30,000",
    "/id/annotation/001_80b7eb5d3f2c6833/executed-more-than-30000": (
        "ordered the execution of more than 30,000 political prisoners"
    ),
}
FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with backend.corpus(tmp_path_factory.mktemp("served")) as store:
        yield from _serve(store, tmp_path_factory)


def _serve(store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    script = Path(sys.executable).parent / "dadkhah"
    log = tmp_path_factory.mktemp("log") / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(script), "--store", str(store), "serve", "--port", str(port), "--threads", "4",
             "--no-access-log"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
            assert time.monotonic() < deadline, log.read_text()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def curl(url: str, accept: str, tmp_path: Path) -> tuple[dict[str, str], bytes]:
    headers, body = tmp_path / "headers", tmp_path / "body"
    subprocess.run(
        ["curl", "-sS", "--max-time", "30", "-H", f"Accept: {accept}", "-D", str(headers),
         "-o", str(body), url],
        check=True,
    )  # fmt: skip
    found = {}
    for line in headers.read_text(encoding="latin-1").splitlines()[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            found[key.strip().lower()] = value.strip()
    return found, body.read_bytes()


@pytest.mark.server
@pytest.mark.parametrize("path", sorted(CASES))
def test_curl_gets_every_format_and_the_page(served: str, path: str, tmp_path: Path) -> None:
    iri = BASE + path.removeprefix("/id/")
    for media, fmt in FORMATS.items():
        headers, body = curl(served + path, media, tmp_path)
        assert headers["content-type"].split(";")[0] == media, (path, media)
        assert "accept" in headers["vary"].lower()
        triples = list(ox.parse(body, fmt, base_iri=BASE))
        assert any(t.subject == ox.NamedNode(iri) for t in triples), (path, media)
    headers, body = curl(served + path, "text/html", tmp_path)
    assert headers["content-type"].startswith("text/html")
    assert CASES[path] in body.decode("utf-8")
