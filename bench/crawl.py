"""A crawl of a running server, and the threads its query engine holds meanwhile:
``python -m bench.crawl URL [--pages 400] [--clients 2]``.

Follows the links of the pages (``/id/…``, ``/claims``, ``/documents``) breadth first from
the landing page, with ``--clients`` clients at once, until ``--pages`` pages are read.
Every 50 ms it counts the threads of each ``oxigraph serve`` process on the machine (the
engine ``dadkhah serve`` starts), since that engine keeps a thread for every query until
the query's time limit has passed. Prints one JSON line: pages, seconds, statuses and the
engines' peak thread count. Loopback only, bounded by ``--pages``.
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import emit

LINK = re.compile(r'href="(/(?:id|claims|documents)[^"#]*)"')
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def engine_threads() -> int:
    """Threads of every ``oxigraph serve`` process now running."""
    total = 0
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            if len(command) > 1 and command[0].endswith(b"oxigraph") and command[1] == b"serve":
                total += len(os.listdir(proc / "task"))
        except OSError:  # gone, or not a process
            continue
    return total


class Crawl:
    def __init__(self, base: str, pages: int):
        self.base, self.pages = base.rstrip("/"), pages
        self.seen = {"/"}
        self.todo: queue.Queue[str] = queue.Queue()
        self.todo.put("/")
        self.lock = threading.Lock()
        self.statuses: dict[int, int] = {}
        self.peak = 0
        self.stop = threading.Event()

    def sample(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, engine_threads())
            time.sleep(0.05)

    def client(self) -> None:
        while True:
            try:
                path = self.todo.get(timeout=2)
            except queue.Empty:
                return
            try:
                with urllib.request.urlopen(self.base + path, timeout=60) as answer:
                    body, status = answer.read().decode("utf-8", "replace"), answer.status
            except urllib.error.HTTPError as err:
                body, status = "", err.code
            with self.lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                for link in LINK.findall(body):
                    link = link.replace("&amp;", "&")
                    if link not in self.seen and len(self.seen) < self.pages:
                        self.seen.add(link)
                        self.todo.put(link)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the server, on loopback: http://127.0.0.1:8000")
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    if urlsplit(args.url).hostname not in LOOPBACK:
        parser.error(f"{args.url}: expected a server on loopback")
    crawl = Crawl(args.url, args.pages)
    sampler = threading.Thread(target=crawl.sample)
    clients = [threading.Thread(target=crawl.client) for _ in range(args.clients)]
    started = time.perf_counter()
    sampler.start()
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    seconds = time.perf_counter() - started
    crawl.stop.set()
    sampler.join()
    emit({
        "pages": sum(crawl.statuses.values()), "seconds": round(seconds, 2),
        "statuses": crawl.statuses, "engine_threads_peak": crawl.peak,
    })  # fmt: skip


if __name__ == "__main__":
    main()
