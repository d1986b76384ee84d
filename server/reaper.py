"""Stopping the queries that Oxigraph's own timeout does not stop.

Measured on oxigraph 0.5.13: ``--timeout-s`` cancels some queries late (a COUNT over a
3-way cross join with a 2 s limit answered after 3.2 s on 3,000 triples, and was still
running past 4.5 s on the 11,000-triple corpus), and never stopped an ``ORDER BY`` over a
cross join, which kept running, growing by about 1 GB/s, for minutes after its client had
gone. A thread inside another process cannot be stopped on its own, so the only
sure stop is to kill the engine process; ``serve.Engine`` then restarts it on the same port
within a second, and RocksDB's write-ahead log makes the kill safe for committed writes.

Because that interrupts every other request in flight, the kill is reserved for queries
proven to be runaway. Oxigraph's HTTP server evaluates each connection on a thread named
after the client's address (``127.0.0.1:PORT``, truncated to 15 characters by Linux), and
``RemoteStore`` knows the local port of its connection. So when the relay abandons a query
at its deadline, ``watch`` finds that thread in ``/proc/<engine>/task`` *before* closing the
connection, and checks it again ``REAP_AFTER_S`` later: once the connection is closed no new
request can reach that thread, so if it is still there and still using CPU, it is the
abandoned query, and the engine is killed. On a loaded machine a runaway thread may get
little CPU; such a thread is looked at again, up to ``CHECKS`` times. The engine's PID is
read from a file written by ``serve`` at each (re)start, so every worker process finds the
current one.

The supervisor in ``serve`` also kills the engine if its memory grows past a limit, which
covers a runaway that would exhaust memory before its deadline.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

REAP_AFTER_S = 2.0
CHECKS = 5  # a thread alive but barely running (a loaded machine) is looked at again
BUSY_SHARE = 0.1  # share of one core the abandoned thread must still use to count as runaway
_HZ = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class EngineHandle:
    """Where the private engine's current PID is written."""

    pid_file: Path

    def pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def threads(self) -> int | None:
        """How many threads the engine has now (None if it is not running)."""
        pid = self.pid()
        if pid is None:
            return None
        try:
            with Path(f"/proc/{pid}/status").open("rb") as status:
                for line in status:
                    if line.startswith(b"Threads:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None


def thread_serving(pid: int, local_port: int) -> int | None:
    """The engine thread evaluating requests of our connection from ``local_port``."""
    name = f"127.0.0.1:{local_port}"[:15]
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    for task in tasks:
        try:
            if (task / "comm").read_text().strip() == name:
                return int(task.name)
        except OSError:
            continue
    return None


def cpu_ticks(pid: int, tid: int) -> int | None:
    """User plus system CPU time of one thread, in clock ticks; None once it has ended."""
    try:
        stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def watch(handle: EngineHandle, local_port: int) -> None:
    """Call just before closing an abandoned connection to the engine."""
    pid = handle.pid()
    if pid is None:
        return
    tid = thread_serving(pid, local_port)
    if tid is None:
        return
    start = cpu_ticks(pid, tid)
    if start is not None:
        _schedule(handle, pid, tid, start, CHECKS)


def _schedule(handle: EngineHandle, pid: int, tid: int, start: int, left: int) -> None:
    timer = threading.Timer(REAP_AFTER_S, _check, args=(handle, pid, tid, start, left))
    timer.daemon = True
    timer.start()


def _check(handle: EngineHandle, pid: int, tid: int, start: int, left: int) -> None:
    now = cpu_ticks(pid, tid)
    if now is None or handle.pid() != pid:
        return  # the query ended (or the engine was already restarted)
    if now - start >= REAP_AFTER_S * _HZ * BUSY_SHARE:
        log.error(
            "engine thread %d kept running an abandoned query %.0f s past its deadline: "
            "restarting the engine",
            tid,
            REAP_AFTER_S * (CHECKS - left + 1),
        )
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    elif left > 1:
        _schedule(handle, pid, tid, now, left - 1)  # alive but starved of CPU: look again
