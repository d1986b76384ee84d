"""SPARQL servers the conformance harness (and the benchmark) can drive over HTTP.

`SparqlTarget` is the small interface the runners need: three URLs (query, update, Graph
Store), `reset()` to empty the store and `load()` to preload a file into a graph.
`GraphStoreTarget` implements `reset`/`load` with plain SPARQL Update + Graph Store Protocol
requests, so any standard server only has to supply its URLs. `OxigraphServeTarget` starts a
real `oxigraph serve` process on a free loopback port in a temporary directory.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Protocol, Self, runtime_checkable

import requests

HTTP_TIMEOUT_S = 30.0

# File extension -> media type for loading data files through the Graph Store Protocol.
DATA_MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".nq": "application/n-quads",
    ".trig": "application/trig",
}

START_ATTEMPTS = 3

_RDF_XML_ROOT = re.compile(rb"<rdf:RDF\b")


class ServerExitedError(RuntimeError):
    """The server process ended before it answered."""


@runtime_checkable
class SparqlTarget(Protocol):
    """What the conformance runners need from a server under test."""

    @property
    def name(self) -> str: ...

    @property
    def query_url(self) -> str: ...

    @property
    def update_url(self) -> str: ...

    @property
    def store_url(self) -> str: ...

    def reset(self) -> None:
        """Empty the store: no triples in the default graph and no named graphs."""

    def load(self, file_path: Path, graph_iri: str | None) -> None:
        """Add the RDF file to `graph_iri` (None: the default graph)."""


def data_with_base(file_path: Path) -> bytes:
    """The file's bytes, made to resolve relative IRIs against the file's own URI.

    The W3C data files use relative IRIs (`<a>`, `rdf:resource=""`) that resolve against the
    file; over HTTP the server cannot know that URI, so it is written into the payload.
    """
    raw = file_path.read_bytes()
    base = file_path.resolve().as_uri()
    suffix = file_path.suffix.lower()
    if suffix in (".ttl", ".trig"):
        return f"@base <{base}> .\n".encode() + raw
    if suffix == ".rdf" and b"xml:base" not in raw:
        return _RDF_XML_ROOT.sub(f'<rdf:RDF xml:base="{base}"'.encode(), raw, count=1)
    return raw


class GraphStoreTarget:
    """A standard server: reset with `DROP ALL`, load with Graph Store PUT (first) / POST."""

    def __init__(self, name: str, query_url: str, update_url: str, store_url: str) -> None:
        self._name = name
        self._query_url = query_url
        self._update_url = update_url
        self._store_url = store_url
        self._loaded: set[str | None] = set()
        self.session = requests.Session()

    @property
    def name(self) -> str:
        return self._name

    @property
    def query_url(self) -> str:
        return self._query_url

    @property
    def update_url(self) -> str:
        return self._update_url

    @property
    def store_url(self) -> str:
        return self._store_url

    def reset(self) -> None:
        response = self.session.post(
            self.update_url,
            data=b"DROP ALL",
            headers={"Content-Type": "application/sparql-update"},
            timeout=HTTP_TIMEOUT_S,
        )
        if response.status_code // 100 != 2:
            raise RuntimeError(
                f"reset of {self.name} failed: {response.status_code} {response.text[:500]}")
        self._loaded.clear()

    def load(self, file_path: Path, graph_iri: str | None) -> None:
        media_type = DATA_MEDIA_TYPES.get(file_path.suffix.lower())
        if media_type is None:
            raise ValueError(f"no known RDF media type for {file_path}")
        # PUT the first file of a graph, POST (merge) any further file into the same graph.
        method = "POST" if graph_iri in self._loaded else "PUT"
        response = self.session.request(
            method,
            self.store_url,
            params={"default": ""} if graph_iri is None else {"graph": graph_iri},
            data=data_with_base(file_path),
            headers={"Content-Type": media_type},
            timeout=HTTP_TIMEOUT_S,
        )
        if response.status_code // 100 != 2:
            raise RuntimeError(
                f"loading {file_path} into {graph_iri or 'the default graph'} on {self.name} "
                f"failed: {response.status_code} {response.text[:500]}"
            )
        self._loaded.add(graph_iri)

    def close(self) -> None:
        self.session.close()


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def oxigraph_executable() -> str:
    """`oxigraph` next to the running interpreter (the venv), else on PATH."""
    candidate = Path(sys.executable).parent / "oxigraph"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("oxigraph")
    if found is None:
        raise FileNotFoundError("the `oxigraph` CLI (PyPI package `oxigraph`) is not installed")
    return found


class OxigraphServeTarget(GraphStoreTarget):
    """`oxigraph serve` on a free loopback port with its store in a temporary directory
    (or, with ``in_memory``, in the server's memory: emptied and refilled many times, an
    on-disk store slows down as RocksDB collects deletion markers).

    Use as a context manager; the process is stopped (terminate, then kill on timeout) and
    the directory removed on exit.
    """

    def __init__(
        self,
        executable: str | None = None,
        *,
        startup_timeout_s: float = 30.0,
        extra_args: tuple[str, ...] = (),
        in_memory: bool = False,
    ) -> None:
        super().__init__("oxigraph serve", "", "", "")
        self._executable = executable or oxigraph_executable()
        self._startup_timeout_s = startup_timeout_s
        self._extra_args = extra_args
        self._in_memory = in_memory
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.base_url = ""

    def __enter__(self) -> Self:
        self._tmpdir = tempfile.TemporaryDirectory(prefix="dadkhah-oxigraph-")
        try:
            for attempt in range(1, START_ATTEMPTS + 1):
                try:
                    self._start(Path(self._tmpdir.name) / f"run-{attempt}")
                    return self
                except ServerExitedError:
                    self._stop_process()  # most likely the free port was taken meanwhile
                    if attempt == START_ATTEMPTS:
                        raise
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _start(self, workdir: Path) -> None:
        workdir.mkdir()
        port = free_loopback_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self._query_url = f"{self.base_url}/query"
        self._update_url = f"{self.base_url}/update"
        self._store_url = f"{self.base_url}/store"
        self._log = (workdir / "oxigraph.log").open("wb")
        location = () if self._in_memory else ("--location", str(workdir / "store"))
        command = [
            self._executable, "serve",
            *location,
            "--bind", f"127.0.0.1:{port}",
            *self._extra_args,
        ]
        self._process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "RUST_BACKTRACE": "1"},
        )
        deadline = time.monotonic() + self._startup_timeout_s
        while True:
            if self._process.poll() is not None:
                raise ServerExitedError(f"oxigraph serve exited with "
                                        f"{self._process.returncode}: {self.log_text(workdir)}")
            try:
                status = self.session.get(
                    self.query_url, params={"query": "ASK {}"}, timeout=2.0).status_code
            except requests.ConnectionError:
                status = 0
            if status == 200:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"oxigraph serve did not answer on {self.base_url} within "
                                   f"{self._startup_timeout_s} s: {self.log_text(workdir)}")
            time.sleep(0.05)

    @staticmethod
    def log_text(workdir: Path) -> str:
        """The tail of what the server wrote to stdout/stderr (for error messages)."""
        log = workdir / "oxigraph.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else ""

    def stop(self) -> None:
        """Stop the server and clean up; safe to call more than once."""
        self.close()
        self._stop_process()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def _stop_process(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait(timeout=10)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
