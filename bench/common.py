"""Shared helpers for the benchmarks: the machine they ran on, child processes that report
JSON, sizes on disk, percentiles and resource usage."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
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
