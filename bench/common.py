"""Shared helpers for the benchmarks: the machine they ran on, child processes that report
JSON, sizes on disk, percentiles and resource usage."""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("pyoxigraph", "rdflib", "shacl", "pyshacl", "PyYAML")


def machine() -> dict[str, Any]:
    """What the numbers depend on: cores, memory, CPU, Python and package versions."""
    mem = next(
        (int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal")), 0,
    )  # fmt: skip
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_mib": mem,
        "cpu": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "packages": {p: metadata.version(p) for p in PACKAGES},
    }


def usage() -> dict[str, float]:
    """CPU seconds and peak RSS (MiB) of this process and of its finished children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu_s": round(me.ru_utime + me.ru_stime, 2),
        "children_cpu_s": round(kids.ru_utime + kids.ru_stime, 2),
        "peak_rss_mib": round(me.ru_maxrss / 1024, 1),
        "children_peak_rss_mib": round(kids.ru_maxrss / 1024, 1),
    }


def thread_cpu() -> dict[int, tuple[str, float]]:
    """CPU seconds so far of each live thread of this process, with its name: RocksDB names
    its compaction threads ``rocksdb:low`` and its flush thread ``rocksdb:high``."""
    tick = os.sysconf("SC_CLK_TCK")
    threads: dict[int, tuple[str, float]] = {}
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            stat = (task / "stat").read_text()
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            threads[int(task.name)] = (name, (int(fields[11]) + int(fields[12])) / tick)
    return threads


class _Mallinfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                     "uordblks", "fordblks", "keepcost")
    ]  # fmt: skip


def _mallinfo2() -> Callable[[], _Mallinfo2] | None:
    try:
        found = ctypes.CDLL("libc.so.6").mallinfo2  # glibc ≥ 2.33
    except (OSError, AttributeError):
        return None
    found.restype = _Mallinfo2
    return found  # type: ignore[no-any-return]


_MALLINFO2 = _mallinfo2()


def heap_mib() -> tuple[float, float] | None:
    """glibc's arenas now, in MiB: the bytes allocated from them and in use, and all they
    span, in use or free (pages handed back to the system still count). Blocks large enough
    to be mapped on their own are in neither. ``None`` without glibc."""
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return round(info.uordblks / 2**20, 1), round(info.arena / 2**20, 1)


class ThreadSampler:
    """Samples this process's RSS, glibc's arenas (``heap_mib``) and its threads' CPU every
    half second, so a step can say where its memory and its CPU went: the main thread,
    RocksDB's compactions and flushes, and the rest (threads too short-lived to be sampled,
    such as the bulk loader's, are in the rest)."""

    def __init__(self) -> None:
        self.rss: list[tuple[float, float]] = []
        self.heap: list[tuple[float, float, float]] = []  # elapsed, in use, arenas
        self.cpu: list[tuple[float, float, float]] = []  # elapsed, process, compactions
        self.seen: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            elapsed = round(time.perf_counter() - self._started, 1)
            self.rss.append((elapsed, round(rss_mib(), 1)))
            if (heap := heap_mib()) is not None:
                self.heap.append((elapsed, *heap))
            self.seen.update(thread_cpu())
            me = resource.getrusage(resource.RUSAGE_SELF)
            compacting = compaction_cpu(self.seen)
            self.cpu.append((elapsed, round(me.ru_utime + me.ru_stime, 1), round(compacting, 1)))

    def stop(self) -> dict[str, Any]:
        """The RSS and CPU timelines (at most about 60 points each) and CPU seconds by
        thread kind."""
        self._stop.set()
        self._thread.join()
        self.seen.update(thread_cpu())
        me = resource.getrusage(resource.RUSAGE_SELF)
        total = me.ru_utime + me.ru_stime
        kinds = {"main": 0.0, "rocksdb_compaction": 0.0, "rocksdb_flush": 0.0}
        for tid, (name, cpu) in self.seen.items():
            if tid == os.getpid():
                kinds["main"] += cpu
            elif _compaction(name):
                kinds["rocksdb_compaction"] += cpu
            elif name.startswith("rocksdb:high"):
                kinds["rocksdb_flush"] += cpu
        kinds["other"] = max(0.0, total - sum(kinds.values()))
        return {
            "rss_timeline": self.rss[:: max(1, len(self.rss) // 60)],
            "heap_timeline": self.heap[:: max(1, len(self.heap) // 60)],
            "cpu_timeline": self.cpu[:: max(1, len(self.cpu) // 60)],
            "cpu_by_thread_s": {k: round(v, 1) for k, v in kinds.items()},
        }


def _compaction(thread_name: str) -> bool:
    return thread_name.startswith(("rocksdb:low", "rocksdb:bottom"))


def compaction_cpu(threads: dict[int, tuple[str, float]] | None = None) -> float:
    """CPU seconds of RocksDB's compaction threads among ``threads`` (``thread_cpu()``'s
    answer; by default, the live threads now)."""
    found = thread_cpu() if threads is None else threads
    return sum(cpu for name, cpu in found.values() if _compaction(name))


def rss_mib() -> float:
    """This process's resident set now, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(module: str, *args: str, timeout: float | None = None) -> dict[str, Any]:
    """Run ``python -m module args`` (fresh process, its own peak RSS) and return the JSON it
    prints on its last line."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True, text=True, timeout=timeout, check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class Background:
    """``python -m module args`` started now, its JSON read by ``result()``: for a step that
    runs beside others on the second core."""

    def __init__(self, module: str, *args: str):
        self.what = f"{module} {' '.join(args)}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )  # fmt: skip

    def result(self) -> dict[str, Any]:
        out, err = self.proc.communicate()
        if self.proc.returncode != 0:
            raise RuntimeError(f"{self.what} failed:\n{err[-4000:]}")
        found: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return found


def dir_size(path: str | Path) -> int:
    """Bytes of every file under ``path``."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):  # a file RocksDB just removed
                total += (Path(root) / name).stat().st_size
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def emit(result: dict[str, Any]) -> None:
    """Print a child's result as one JSON line (what ``child`` reads)."""
    print(json.dumps(result))
