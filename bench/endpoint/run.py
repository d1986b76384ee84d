"""Benchmark: the same SPARQL requests against `dadkhah serve` and `oxigraph serve`, side by
side in one run, on the bundled corpus and on a synthetic dataset.

    python bench/endpoint/run.py [--synthetic 300000] [--seconds 3] [--clients 4]
                                 [--workers 1] [--out bench/endpoint/RESULTS.md]

Both servers run on 127.0.0.1 over two copies of the same store (RocksDB directories loaded
with the same quads); queries see the union of the named graphs on both. For each dataset
and query, each server gets a warm-up, then `--clients` keep-alive client threads send the
query for `--seconds` (bounded also by `--max-requests`); we record requests/s and the p50
and p99 latency. Servers alternate per query so both see the same machine state.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.serverutil import LiveServer  # noqa: E402

EX = "http://bench.example/"
DK = "https://dadkhah.example/ns#"
JSON = "application/sparql-results+json"
NT = "application/n-triples"
MIN_PER_CLIENT = 3


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    accept: str


def synthetic_quads(triples: int) -> list[ox.Quad]:
    """People with names, ages, an organisation and two acquaintances, in 100 named graphs."""
    people = max(10, triples // 7)
    orgs = 100
    quads: list[ox.Quad] = []
    p = ox.NamedNode
    for i in range(people):
        s, g = p(f"{EX}person/{i}"), p(f"{EX}graph/{i % 100}")
        quads += [
            ox.Quad(s, p("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), p(f"{EX}Person"), g),
            ox.Quad(s, p(f"{EX}name"), ox.Literal(f"Person {i}"), g),
            ox.Quad(
                s,
                p(f"{EX}age"),
                ox.Literal(str(i % 80), datatype=p("http://www.w3.org/2001/XMLSchema#integer")),
                g,
            ),
            ox.Quad(s, p(f"{EX}memberOf"), p(f"{EX}org/{i % orgs}"), g),
            ox.Quad(s, p(f"{EX}knows"), p(f"{EX}person/{(i * 7 + 1) % people}"), g),
            ox.Quad(s, p(f"{EX}knows"), p(f"{EX}person/{(i * 13 + 5) % people}"), g),
            ox.Quad(p(f"{EX}org/{i % orgs}"), p(f"{EX}label"), ox.Literal(f"Org {i % orgs}"), g),
        ]
    return quads


SYNTHETIC_QUERIES = [
    Query("lookup", f"SELECT ?p ?o WHERE {{ <{EX}person/42> ?p ?o }}", JSON),
    Query(
        "join3",
        f"SELECT ?a ?b ?c WHERE {{ ?a <{EX}knows> ?b . ?b <{EX}knows> ?c . "
        f"?c <{EX}memberOf> <{EX}org/3> }}",
        JSON,
    ),
    Query(
        "aggregate",
        f"SELECT ?org (COUNT(?x) AS ?n) (AVG(?age) AS ?avg) WHERE {{ ?x <{EX}memberOf> ?org ; "
        f"<{EX}age> ?age }} GROUP BY ?org",
        JSON,
    ),
    Query(
        "construct",
        f"CONSTRUCT {{ ?x <{EX}name> ?n ; <{EX}knows> ?y }} WHERE {{ ?x <{EX}memberOf> "
        f"<{EX}org/7> ; <{EX}name> ?n ; <{EX}knows> ?y }}",
        NT,
    ),
]


def corpus_queries(document: str) -> list[Query]:
    return [
        Query("lookup", f"SELECT ?p ?o WHERE {{ <{document}> ?p ?o }}", JSON),
        Query(
            "join3",
            f"SELECT ?claim ?doc ?t WHERE {{ ?claim a ?type ; <{DK}statedIn> ?doc . "
            "?doc <http://purl.org/dc/terms/title> ?t }",
            JSON,
        ),
        Query("aggregate", "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c", JSON),
        Query(
            "construct",
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s a <{DK}SourceDocument> ; ?p ?o }}",
            NT,
        ),
    ]


def corpus_quads(workdir: Path) -> list[ox.Quad]:
    from dadkhah.iris import Minter
    from dadkhah.resources import corpus_dir
    from dadkhah.store import EmbeddedStore
    from loaders.commit import discover, load_paths

    store = EmbeddedStore(str(workdir / "corpus-load"))
    list(load_paths(store, discover([str(corpus_dir())]), Minter("https://dadkhah.example/id/")))
    return list(store.oxigraph)


def fill(path: Path, quads: list[ox.Quad]) -> None:
    store = ox.Store(str(path))
    store.bulk_extend(quads)
    store.flush()
    del store


class Client(threading.Thread):
    def __init__(self, host: str, port: int, target: str, accept: str, until: float, cap: int):
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection(host, port, timeout=60)
        self.target, self.accept, self.until, self.cap = target, accept, until, cap
        self.latencies: list[float] = []
        self.minimum = MIN_PER_CLIENT
        self.errors = 0

    def run(self) -> None:
        # at least MIN_PER_CLIENT requests, so slow queries still give a p50 and a rate
        while len(self.latencies) < self.minimum or (
            time.monotonic() < self.until and len(self.latencies) < self.cap
        ):
            started = time.perf_counter()
            self.conn.request("GET", self.target, headers={"Accept": self.accept})
            response = self.conn.getresponse()
            response.read()
            if response.status != 200:
                self.errors += 1
            self.latencies.append(time.perf_counter() - started)
        self.conn.close()


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_cpu(int(child))
    except OSError:
        pass
    return total


def measure(
    url: str,
    query: Query,
    *,
    union_param: bool,
    seconds: float,
    clients: int,
    max_requests: int,
    pid: int,
) -> dict[str, float]:
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    path = "/" + url.removeprefix("http://").split("/", 1)[1]
    params = {"query": query.text}
    target = f"{path}?{urlencode(params)}" + ("&union-default-graph" if union_param else "")
    warm = Client(host, int(port), target, query.accept, time.monotonic() + 30, 2)
    warm.minimum = 1
    warm.run()
    until = time.monotonic() + seconds
    cpu_before = tree_cpu(pid)
    threads = [
        Client(host, int(port), target, query.accept, until, max_requests // clients)
        for _ in range(clients)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    cpu = tree_cpu(pid) - cpu_before
    latencies = sorted(x for t in threads for x in t.latencies)
    errors = sum(t.errors for t in threads) + warm.errors
    if errors:
        raise RuntimeError(f"{url}: {errors} failed requests for {query.name}")
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "n": len(latencies),
        "cpu": cpu / len(latencies) * 1000,
    }


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    """The round with the highest throughput (the least disturbed by other load)."""
    return max(runs, key=lambda r: r["rps"])


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 2**20
    version = subprocess.run(
        [str(Path(sys.executable).parent / "oxigraph"), "--version"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}, {version}, pyoxigraph {ox.__version__}"
    )


def run(args: argparse.Namespace) -> str:
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="dadkhah-bench-") as tmp:
        work = Path(tmp)
        corpus = corpus_quads(work)
        document = next(
            q.subject.value for q in corpus if q.object == ox.NamedNode(f"{DK}SourceDocument")
        )
        datasets = [
            (f"corpus ({len(corpus):,} quads)", corpus, corpus_queries(document)),
            (
                f"synthetic ({args.synthetic:,} triples)",
                synthetic_quads(args.synthetic),
                SYNTHETIC_QUERIES,
            ),
        ]
        for label, quads, queries in datasets:
            key = label.split()[0]
            fill(work / f"{key}-dadkhah", quads)
            env = {"DADKHAH_MAX_CONCURRENT": "64"}
            with (
                _oxigraph(work / f"{key}-oxigraph", quads) as oxi,
                LiveServer(
                    work / f"{key}-dadkhah",
                    query_timeout=60,
                    env=env,
                    threads=args.threads,
                    workers=args.workers,
                ) as dad,
            ):
                for query in queries:
                    runs: dict[str, list[dict[str, float]]] = {"o": [], "d": []}
                    for round_ in range(args.rounds):  # alternate who goes first
                        for who in ("o", "d") if round_ % 2 == 0 else ("d", "o"):
                            url = f"{oxi.base_url}/query" if who == "o" else dad.sparql
                            runs[who].append(
                                measure(
                                    url,
                                    query,
                                    union_param=who == "o",
                                    seconds=args.seconds,
                                    clients=args.clients,
                                    max_requests=args.max_requests,
                                    pid=oxi.pid if who == "o" else dad.pid,
                                )
                            )
                    o, d = best(runs["o"]), best(runs["d"])
                    overhead = d["p50"] - o["p50"]
                    rows.append(
                        f"| {label} | {query.name} | {o['rps']:.0f} | {o['p50']:.2f} | "
                        f"{o['p99']:.2f} | {d['rps']:.0f} | {d['p50']:.2f} | {d['p99']:.2f} | "
                        f"**{d['rps'] / o['rps']:.2f}×** | {overhead:+.2f} | "
                        f"{o['cpu']:.2f} | {d['cpu']:.2f} |"
                    )
                    print(rows[-1], flush=True)
    return "\n".join(rows)


class _oxigraph:  # noqa: N801 - a context manager named like the command it runs
    """`oxigraph serve` over a directory filled with ``quads``."""

    def __init__(self, location: Path, quads: list[ox.Quad]) -> None:
        fill(location, quads)
        self.location = location
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> _oxigraph:
        from tests.conformance.targets import free_loopback_port, oxigraph_executable

        port = free_loopback_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [
                oxigraph_executable(),
                "serve",
                "--location",
                str(self.location),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/query?query=ASK%7B%7D")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                time.sleep(0.05)
        raise TimeoutError("oxigraph serve did not start")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=300_000, help="synthetic triples")
    parser.add_argument("--seconds", type=float, default=3.0, help="per query and server")
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=1, help="dadkhah serve --workers")
    parser.add_argument("--threads", type=int, default=8, help="dadkhah serve --threads")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds; best kept")
    parser.add_argument("--out", type=Path, help="write a Markdown report here")
    args = parser.parse_args()
    header = (
        "| dataset | query | oxigraph req/s | p50 ms | p99 ms | dadkhah req/s | p50 ms | "
        "p99 ms | dadkhah/oxigraph | p50 overhead ms | oxigraph CPU ms/req | "
        "dadkhah CPU ms/req |\n|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    table = run(args)
    minutes = (time.monotonic() - started) / 60
    command = " ".join(["python", "bench/endpoint/run.py", *sys.argv[1:]])
    report = (
        f"{machine()}\n\n`{command}` ({minutes:.1f} min; 1-minute load average "
        f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after)\n\n{header}\n{table}\n"
    )
    if args.out:
        args.out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
