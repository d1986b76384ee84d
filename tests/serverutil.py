"""A real `dadkhah serve` for tests: started in a subprocess on a free loopback port with a
store of the test's choosing (a directory, or with ``--store-backend=remote`` the URL of a live
`oxigraph serve`), stopped at teardown; plus `DadkhahServeTarget`, the same server as a target
of the W3C conformance harness in `tests/conformance/`."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Self

import pyoxigraph as ox
import requests
from requests.adapters import HTTPAdapter

from dadkhah.store import EmbeddedStore
from tests.backends import Backend, add
from tests.conformance.targets import GraphStoreTarget, free_loopback_port

TOKEN = "test-token-0123456789"
STARTUP_TIMEOUT_S = 60.0


def dadkhah_command() -> list[str]:
    script = Path(sys.executable).parent / "dadkhah"
    return [str(script)] if script.exists() else [sys.executable, "-m", "dadkhah.cli"]


class LiveServer:
    """`dadkhah --store STORE serve` on 127.0.0.1 (STORE a directory or a server's URL); use
    as a context manager."""

    def __init__(
        self,
        store: Path | str,
        *,
        token: str | None = TOKEN,
        query_timeout: float = 2,
        env: dict[str, str] | None = None,
        threads: int = 4,
        workers: int = 1,
        own_group: bool = False,
    ) -> None:
        self.store = store
        self.own_group = own_group  # a process group of its own, as a shell gives a command
        self.token = token
        self.query_timeout = query_timeout
        self.extra_env = env or {}
        self.threads = threads
        self.workers = workers
        self.port = 0
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.final_log = ""
        self.returncode: int | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    @property
    def graphs(self) -> str:
        return f"{self.url}/rdf-graphs"

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        self.port = free_loopback_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("DADKHAH_")}
        env.update(self.extra_env)
        if self.token:
            env["DADKHAH_UPDATE_TOKEN"] = self.token
        command = [
            *dadkhah_command(),
            "--store", str(self.store),
            "serve",
            "--port", str(self.port),
            "--threads", str(self.threads),
            "--workers", str(self.workers),
            "--query-timeout", str(self.query_timeout),
            "--no-access-log",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=self.own_group,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"dadkhah serve exited at start:\n{self.log_text()}")
            try:
                if requests.get(self.sparql, params={"query": "ASK {}"}, timeout=2).ok:
                    return
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"dadkhah serve did not start:\n{self.log_text()}")
            time.sleep(0.1)

    def log_text(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read()[-6000:].decode("utf-8", "replace")

    def engine_pid(self) -> int | None:
        """PID of the private `oxigraph serve` (a child of the serve process)."""
        if self.process is None:
            return None
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            try:
                children = (task / "children").read_text().split()
                for pid in children:
                    if "oxigraph" in Path(f"/proc/{pid}/comm").read_text():
                        return int(pid)
            except OSError:
                continue
        return None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if not self._log.closed:
            self.final_log = self.log_text()  # what was written until it stopped
            self._log.close()
        if process is not None:
            self.returncode = process.returncode


def seeded_store(path: Path) -> Path:
    """A store with one triple, so `serve` does not load the bundled corpus into it."""
    store = EmbeddedStore(str(path))
    add(store, [ox.Quad(ox.NamedNode("urn:x:seed"), ox.NamedNode("urn:x:p"), ox.Literal("seed"))])
    store.flush()
    del store
    return path


class _BearerAdapter(HTTPAdapter):
    """Adds the token to every request, including prepared ones sent with `Session.send`
    (which skips the session's own headers), as the conformance runner sends them."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def add_headers(self, request: requests.PreparedRequest, **kwargs: object) -> None:
        request.headers["Authorization"] = f"Bearer {self.token}"


def authorised_session(token: str = TOKEN) -> requests.Session:
    session = requests.Session()
    session.mount("http://", _BearerAdapter(token))
    return session


class DadkhahServeTarget(GraphStoreTarget):
    """`dadkhah serve` as a conformance target: `/sparql` for query and update, `/rdf-graphs`
    for the Graph Store, writes authorised with the test token (the session carries it).
    Its store is a seeded directory, or with a remote ``backend`` a live `oxigraph serve`."""

    def __init__(self, *, union_default_graph: bool = False, backend: Backend | None = None):
        super().__init__("dadkhah serve", "", "", "")
        self._tmp = tempfile.mkdtemp(prefix="dadkhah-conformance-")
        self._env = {"DADKHAH_UNION_DEFAULT_GRAPH": "true" if union_default_graph else "false"}
        self._backend = backend
        self._stack = ExitStack()
        self.server: LiveServer | None = None
        self.session = authorised_session()

    def __enter__(self) -> Self:
        if self._backend is not None and self._backend.remote:
            location = self._stack.enter_context(self._backend.empty(Path(self._tmp)))
        else:
            location = str(seeded_store(Path(self._tmp) / "store"))
        self.server = LiveServer(location, env=self._env, query_timeout=10)
        self.server.start()
        self._query_url = self._update_url = self.server.sparql
        self._store_url = self.server.graphs
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
        if self.server is not None:
            self.server.stop()
        self._stack.close()
        shutil.rmtree(self._tmp, ignore_errors=True)
