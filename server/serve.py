"""``dadkhah serve``: a private Oxigraph engine plus gunicorn in front of it.

pyoxigraph cannot stop a query once started (oxigraph#1926), and one process owns an on-disk
store. So ``serve`` starts ``oxigraph serve --location STORE --timeout-s N`` on a free loopback
port as the only owner of the store, and runs the Flask app under gunicorn (gthread workers)
with ``store = http://127.0.0.1:PORT``: every request reaches the engine through
``dadkhah.remote.RemoteStore``. Consequences, all intended:

- a runaway query is cancelled by the engine or cut off by the relay (``server.engine``);
- several gunicorn worker *processes* can share one store (``--workers``);
- reads keep flowing while a Graph Store or Update write commits (Oxigraph's transactions
  give readers a snapshot);
- the engine listens on 127.0.0.1 only, on a port chosen at start, and dies with ``serve``
  (``PR_SET_PDEATHSIG`` on Linux, plus a ``finally`` on normal exit).

Measured cost (``bench/endpoint/RESULTS.md``, 2 cores): a URI lookup takes 1.5 ms at p50
against 0.3 ms from ``oxigraph serve`` directly (+1.2 ms: Flask and gunicorn ≈0.6, the
loopback hop ≈0.3, the engine's timeout thread ≈0.15), so tiny queries reach 0.15–0.2× of
its rate; execution-bound queries reach 0.8–1.0× with one client, 0.75–1.0× when four
clients saturate both cores (the relay spends ≈2 ms of CPU per 300 KB of result). With
``store`` already an ``http(s)://`` URL there is no engine to start: the app talks to that
server directly.
The Flask development server runs only with ``--dev``.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from dadkhah.config import Settings
from dadkhah.errors import ConfigError

from . import limits, reaper

log = logging.getLogger(__name__)

STARTUP_TIMEOUT_S = 60.0


def oxigraph_executable() -> str:
    """The ``oxigraph`` CLI (PyPI package ``oxigraph``) beside this Python, else on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.exists():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise ConfigError("the `oxigraph` command is missing: pip install oxigraph")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Engine:
    """``oxigraph serve`` owning ``location`` on a private loopback port, kept alive.

    A supervisor thread restarts the engine on the same port if it dies (``reaper`` kills it
    to stop a runaway query) and kills it first if its memory passes ``max_rss_mb``.
    """

    def __init__(self, location: str, *, timeout_s: float, max_rss_mb: int | None = None):
        self.location = location
        self.timeout_s = max(1, math.ceil(timeout_s))
        self.max_rss_mb = max_rss_mb or default_max_rss_mb()
        self.url = ""
        self.port = 0
        self.restarts = 0
        self._workdir = tempfile.TemporaryDirectory(prefix="dadkhah-engine-")
        self.handle = reaper.EngineHandle(Path(self._workdir.name) / "engine.pid")
        self._log = (Path(self._workdir.name) / "engine.log").open("w+b")
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    def start(self) -> str:
        Path(self.location).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._spawn()
        self._supervisor = threading.Thread(target=self._supervise, name="engine", daemon=True)
        self._supervisor.start()
        return self.url

    def _spawn(self) -> None:
        command = [
            oxigraph_executable(),
            "serve",
            "--location",
            self.location,
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout-s",
            str(self.timeout_s),
        ]
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only async-signal-safe work
            # out of the terminal's process group: Ctrl-C (or `timeout`) signals every
            # process of that group, and the engine would die with serve's workers and be
            # restarted while serve stops. serve stops it; if serve dies, PDEATHSIG does.
            start_new_session=True,
        )
        self._wait_ready()
        self.handle.pid_file.write_text(str(self._process.pid))

    def _supervise(self) -> None:
        while not self._stopping.wait(0.2):
            process = self._process
            if process is None:
                continue
            if process.poll() is None and _rss_mb(process.pid) > self.max_rss_mb:
                log.error("engine memory over %d MiB: restarting it", self.max_rss_mb)
                process.kill()
                process.wait()
            if process.poll() is not None and not self._stopping.is_set():
                log.warning("engine exited (%s): restarting it", process.returncode)
                self.restarts += 1
                try:
                    self._spawn()
                except (ConfigError, OSError) as err:
                    if self._stopping.is_set():  # a signal to the whole group: all are stopping
                        return
                    log.error("engine restart failed: %s", err)
                    time.sleep(1)

    def _output(self) -> str:
        self._log.flush()
        self._log.seek(0)
        return self._log.read()[-2000:].decode("utf-8", "replace")

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        probe = f"{self.url}/query?query=ASK%7B%7D"
        while True:
            if self._process.poll() is not None:
                raise ConfigError(
                    f"oxigraph serve stopped at start ({self._process.returncode}); is the store "
                    f"in use by another process? {self._output()}"
                )
            try:
                with urllib.request.urlopen(probe, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self._process.kill()
                raise ConfigError(f"oxigraph serve did not answer within {STARTUP_TIMEOUT_S} s")
            time.sleep(0.05)

    def stop(self) -> None:
        self._stopping.set()
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._log.close()
        self._workdir.cleanup()


def default_max_rss_mb() -> int:
    """Half the machine's memory: the engine is killed (and restarted) beyond it."""
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return int(pages / 2 / 2**20)


def _rss_mb(pid: int) -> float:
    try:
        resident = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return resident * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(
    settings: Settings,
    *,
    host: str,
    port: int,
    threads: int,
    workers: int = 1,
    access_log: bool = True,
    dev: bool = False,
) -> None:
    """Serve until interrupted; the engine (if any) stops with the server."""
    engine = None if settings.remote else Engine(settings.store, timeout_s=settings.query_timeout)
    overrides = dataclasses.asdict(settings)
    try:
        if engine is not None:
            overrides["store"] = engine.start()
        _serve(
            overrides,
            engine.handle if engine else None,
            host=host,
            port=port,
            threads=threads,
            workers=workers,
            access_log=access_log,
            dev=dev,
        )
    finally:
        if engine is not None:
            engine.stop()


def _serve(
    overrides: dict[str, Any],
    handle: reaper.EngineHandle | None,
    *,
    host: str,
    port: int,
    threads: int,
    workers: int,
    access_log: bool,
    dev: bool,
) -> None:
    from . import create_app

    def make_app() -> Any:
        app = create_app(overrides)
        if handle is not None:
            app.extensions["dadkhah.engine"] = handle
            store = app.extensions["dadkhah.store"]
            limit = app.config["DADKHAH"].engine_max_threads
            store.before_query = limits.EngineThreads(handle, limit)
        return app

    if dev:
        make_app().run(host=host, port=port, threaded=True)
        return

    from gunicorn.app.base import BaseApplication

    def _worker_ready(worker: Any) -> None:
        worker.log.info("Worker ready (pid: %s)", worker.pid)

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": 0,
                "graceful_timeout": 5,
                "accesslog": "-" if access_log else None,
                "limit_request_line": 0,  # long GET queries; the app enforces its own limit
                "control_socket_disable": True,  # one fixed path shared by every gunicorn
                # said once a worker handles signals itself: a stop signal that reaches a
                # worker still booting is lost, and gunicorn kills it after graceful_timeout
                "post_worker_init": _worker_ready,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return make_app()

    _Gunicorn().run()
