"""How many SPARQL and Graph Store requests one server process runs at once, and how many
threads the private query engine may hold.

A request past the limit is answered at once with 503 and ``Retry-After`` instead of
queueing behind slow queries; pages and self-description are not counted, so the site stays
usable while the endpoint is saturated. A streamed result holds its slot until the body has
been sent (the WSGI server closes it), since the engine works for as long as it streams.

The engine (``oxigraph serve --timeout-s N``) starts a thread for every query that sleeps N
seconds and then cancels it, finished or not, so it holds about (queries per second) × N
threads. Two clients crawling the pages drove it past 7,000 within the 30 s limit, and
every thread takes a process id from the whole machine (32,768 by default on Linux). So
before each query is sent, ``EngineThreads`` reads the engine's thread count (from
``/proc``: 51 µs with the PID file, against 1.5 ms for the smallest query through the
server) and, at the limit, waits up to ``WAIT_S`` for old threads to end,
then refuses the query with 503 and ``Retry-After``: a crawler is slowed, and the machine
keeps process ids for everything else.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Flask, Response, after_this_request, current_app

from dadkhah.errors import DadkhahError

from .reaper import EngineHandle

WAIT_S = 1.0
"""How long a query waits for the engine's threads to fall below the limit."""


class Saturated(DadkhahError):
    """Every query slot is busy."""

    status = 503
    headers = {"Retry-After": "1"}


def init_app(app: Flask, slots: int) -> None:
    app.extensions["dadkhah.slots"] = threading.BoundedSemaphore(slots)


def take_slot() -> None:
    """Hold a slot for the current request, or raise ``Saturated``."""
    slots: threading.BoundedSemaphore = current_app.extensions["dadkhah.slots"]
    if not slots.acquire(blocking=False):
        raise Saturated("the endpoint is busy with other queries; retry in a moment")
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            slots.release()

    @after_this_request
    def _hold_until_sent(response: Response) -> Response:
        if response.is_streamed:
            response.call_on_close(release)  # the work goes on while the body streams
        else:
            release()
        return response


class EngineBusy(DadkhahError):
    """The query engine holds as many threads as it may."""

    status = 503
    headers = {"Retry-After": "5"}


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def thread_ceiling() -> int:
    """The most threads this machine lets one process have: process ids are shared by every
    thread of every process, each thread's stack is a memory mapping (and a guard page),
    and a user may be limited in processes."""
    limits = [
        _read_int("/proc/sys/kernel/pid_max"),
        _read_int("/proc/sys/kernel/threads-max"),
        (_read_int("/proc/sys/vm/max_map_count") or 0) // 2 or None,
    ]
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
        limits.append(soft if soft != resource.RLIM_INFINITY else None)
    except (ImportError, ValueError, OSError):
        pass
    return min((n for n in limits if n), default=32_768)


class EngineThreads:
    """Called before each query goes to the private engine: see the module's docstring."""

    def __init__(self, handle: EngineHandle, limit: int = 0, wait_s: float = WAIT_S):
        self.handle = handle
        self.limit = limit or thread_ceiling() // 2
        self.wait_s = wait_s

    def __call__(self) -> None:
        deadline = time.monotonic() + self.wait_s
        while True:
            held = self.handle.threads()
            if held is None or held < self.limit:
                return
            if time.monotonic() >= deadline:
                raise EngineBusy(
                    f"the query engine holds {held} threads, its limit of {self.limit} "
                    "(one per query of the last time limit); retry in a few seconds"
                )
            time.sleep(0.05)
