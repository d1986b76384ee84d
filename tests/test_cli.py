"""The ``dadkhah`` command end to end on a temporary store, as a user runs it."""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph

from dadkhah.cli import cli
from dadkhah.resources import corpus_dir
from dadkhah.store import EmbeddedStore
from tests.backends import opened


def run(runner: CliRunner, store: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["--store", store, *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def loaded(runner: CliRunner, store_path: str) -> str:
    code, out, err = run(runner, store_path, "load", str(corpus_dir()))
    assert code == 0, err
    assert out.strip() == "11 inputs: 11 loaded; 10594 triples written"
    return store_path


def triples(runner: CliRunner, store: str) -> int:
    code, out, _ = run(runner, store, "stats", "--union")
    assert code == 0
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("triples")))


def test_load_twice_then_stats(runner: CliRunner, loaded: str) -> None:
    code, out, _ = run(runner, loaded, "load", str(corpus_dir()))
    assert (code, out.strip()) == (0, "11 inputs: 11 unchanged; 0 triples written")
    code, out, _ = run(runner, loaded, "stats")
    stats = dict(line.split()[:2] for line in out.splitlines())
    assert stats["documents"] == "5" and stats["entities"] == "76" and int(stats["claims"]) > 100
    assert "triples" not in stats  # the union graph is counted only when asked: --union
    assert int(stats["quads"]) > triples(runner, loaded)  # some triples stand in several graphs


def test_load_shows_progress_with_rate_and_eta(runner: CliRunner, store_path: str) -> None:
    """Off a terminal, a line every ten seconds and one when every input is settled (before
    the last kind's stream is written, so the line counts inputs, not committed ones)."""
    code, _, err = run(runner, store_path, "load", str(corpus_dir()))
    assert code == 0, err
    last = err.strip().splitlines()[-1]
    assert re.fullmatch(
        r"loading 11/11 \(100%\) [\d.]+ inputs/s [\d,]+ triples/s ETA 0:00:00 \S+", last
    ), err


@pytest.mark.parametrize(
    ("name", "content", "sidecar", "message"),
    [
        (
            "empty.txt",
            b"",
            None,
            "empty.txt: expected a non-empty UTF-8 text document, found an empty file",
        ),
        (
            "latin.txt",
            "Évin".encode("latin-1"),
            None,
            "latin.txt: byte 0 (line 1): expected UTF-8 text, found byte 0xc9",
        ),
        (
            "dated.txt",
            b"Title\n\nText.\n",
            "date: 1988-13-45\n",
            "dated.meta.yaml: date: expected a date as YYYY-MM-DD, found '1988-13-45'",
        ),
    ],
)
def test_bad_input_exits_non_zero_and_changes_nothing(
    runner: CliRunner,
    loaded: str,
    tmp_path: Path,
    name: str,
    content: bytes,
    sidecar: str | None,
    message: str,
) -> None:
    before = triples(runner, loaded)
    path = tmp_path / name
    path.write_bytes(content)
    if sidecar:
        path.with_name(path.stem + ".meta.yaml").write_text(sidecar, encoding="utf-8")
    code, out, err = run(runner, loaded, "load", str(path))
    assert code == 1
    assert message in err and "rejected:" in err
    assert out.strip() == "1 inputs: 1 rejected; 0 triples written"
    assert triples(runner, loaded) == before


def test_validate_writes_nothing(runner: CliRunner, store_path: str, tmp_path: Path) -> None:
    code, out, err = run(runner, store_path, "validate", str(corpus_dir() / "documents"))
    assert (code, out.strip()) == (0, "5 inputs: 5 valid"), err
    with opened(store_path) as store:
        assert store.quad_count() == 0


def test_query_formats(runner: CliRunner, loaded: str) -> None:
    count = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a dk:SourceDocument }"
    code, out, _ = run(runner, loaded, "query", count)
    assert code == 0 and out.splitlines()[2].strip() == "5"
    code, out, _ = run(runner, loaded, "query", "--format", "json", count)
    assert json.loads(out)["results"]["bindings"][0]["n"]["value"] == "5"
    code, out, _ = run(runner, loaded, "query", "--format", "csv", count)
    assert out.splitlines() == ["n", "5"]
    code, out, _ = run(
        runner,
        loaded,
        "query",
        "CONSTRUCT { ?d a dk:SourceDocument } WHERE { ?d a dk:SourceDocument }",
    )
    assert len(Graph().parse(data=out, format="turtle")) == 5


def test_a_query_with_from_reads_the_graphs_it_names(runner: CliRunner, loaded: str) -> None:
    """Without FROM the default graph is the union of every graph; a FROM names it instead
    (the union, asked for, would override it), and FROM NAMED alone leaves it empty."""
    registry = "https://dadkhah.example/id/graph/registry/registry"

    def counted(where: str, dataset: str = "") -> int:
        query = f"SELECT (COUNT(*) AS ?n) {dataset} WHERE {{ {where} }}"
        code, out, err = run(runner, loaded, "query", "--format", "csv", query)
        assert code == 0, err
        return int(out.splitlines()[1])

    in_registry = counted(f"GRAPH <{registry}> {{ ?s ?p ?o }}")
    assert 0 < counted("?s ?p ?o", f"FROM <{registry}>") == in_registry < counted("?s ?p ?o")
    assert counted("?s ?p ?o", f"FROM NAMED <{registry}>") == 0
    assert counted("?s ?p ?o", "FROM <https://nowhere.example/graph>") == 0


def test_a_malformed_query_says_where(runner: CliRunner, loaded: str) -> None:
    code, _, err = run(runner, loaded, "query", "SELECT * WHERE { ?s ?p }")
    assert code == 1
    assert err.startswith("error: SPARQL syntax error: error at 1:25")


def test_export_holds_the_union_graph(runner: CliRunner, loaded: str, tmp_path: Path) -> None:
    out = tmp_path / "dump.ttl"
    code, _, err = run(runner, loaded, "export", "-o", str(out))
    assert code == 0, err
    graph = Graph().parse(out, format="turtle")
    assert len(graph) == triples(runner, loaded)
    with opened(loaded) as store:
        assert len(graph) == store.union_triple_count()


@pytest.mark.parametrize("name", ["keep.nq", "keep.nq.gz"])
@pytest.mark.parametrize(
    "scope", [("--document", "typo"), ("--entity", "nobody"), ("--graph", "graph/none")]
)
def test_a_failed_export_leaves_the_output_file_as_it_was(
    runner: CliRunner, loaded: str, tmp_path: Path, name: str, scope: tuple[str, str]
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / name
    code, _, err = run(runner, loaded, "export", "--format", "nquads", "-o", str(out))
    assert code == 0, err
    before = out.read_bytes()
    code, _, err = run(runner, loaded, "export", "--format", "nquads", *scope, "-o", str(out))
    assert code == 1 and err.startswith("error: no "), err
    assert out.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [name]  # no partial file left
    gc.collect()  # the store's lock goes with the failed run's traceback
    code, _, err = run(runner, loaded, "export", "--format", "trig", "-o", str(out))
    assert code == 0, err
    assert out.read_bytes() != before  # a good export still replaces it
    assert sorted(p.name for p in folder.iterdir()) == [name]


def test_an_export_that_fails_while_writing_leaves_the_output_file_as_it_was(
    runner: CliRunner, loaded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dadkhah import export
    from dadkhah.errors import DadkhahError

    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "dump.nq"
    out.write_bytes(b"kept")
    written = export.chunks

    def failing(*args: object, **kwargs: object) -> Iterator[bytes]:
        for number, chunk in enumerate(written(*args, **kwargs)):  # type: ignore[arg-type]
            if number == 2:
                raise DadkhahError("the store went away")
            yield chunk

    monkeypatch.setattr(export, "chunks", failing)
    code, _, err = run(runner, loaded, "export", "--format", "nquads", "-o", str(out))
    assert code == 2 and "the store went away" in err
    assert out.read_bytes() == b"kept"
    assert [p.name for p in folder.iterdir()] == ["dump.nq"]


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--graph", "https://x.example/a b"),
        ("--entity", "https://x.example/a>b"),
        ("--document", "https://x.example/a b"),
        ("--document", 'a"b'),
        ("--entity", "a{b}"),
    ],
)
def test_a_scope_that_is_no_iri_is_a_usage_error_naming_the_option(
    runner: CliRunner, loaded: str, tmp_path: Path, option: str, value: str
) -> None:
    out = tmp_path / "keep.ttl"
    out.write_bytes(b"kept")
    code, _, err = run(runner, loaded, "export", option, value, "-o", str(out))
    assert code == 2, err
    assert f"'{option}'" in err and "absolute IRI" in err and value in err
    assert "Traceback" not in err and "syntax error" not in err
    assert out.read_bytes() == b"kept"


def test_an_export_into_a_missing_folder_is_an_error_not_a_traceback(
    runner: CliRunner, loaded: str, tmp_path: Path
) -> None:
    code, _, err = run(runner, loaded, "export", "-o", str(tmp_path / "no" / "dump.ttl"))
    assert code == 2 and err.startswith("error: ") and "dump.ttl" in err, err


def test_the_environment_names_the_store(loaded: str) -> None:
    result = CliRunner().invoke(cli, ["stats"], env={"DADKHAH_STORE": loaded})
    assert result.exit_code == 0 and "documents    5" in result.stdout


@pytest.mark.embedded_only(reason="a directory is created on first use")
def test_a_new_store_directory_is_created(tmp_path: Path) -> None:
    store = tmp_path / "env-store"
    result = CliRunner().invoke(cli, ["stats"], env={"DADKHAH_STORE": str(store)})
    assert result.exit_code == 0 and store.is_dir()


def test_an_unreachable_server_is_an_environment_error(runner: CliRunner) -> None:
    from tests.conformance.targets import free_loopback_port

    url = f"http://127.0.0.1:{free_loopback_port()}"
    code, _, err = run(runner, url, "stats")
    assert code == 2 and "connection refused" in err


@pytest.mark.embedded_only(reason="RocksDB's lock on a store directory; a server has none")
def test_a_store_in_use_is_named_not_crashed(loaded: str) -> None:
    holder = EmbeddedStore(loaded)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "dadkhah.cli", "--store", loaded, "stats"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    finally:
        del holder
    assert result.returncode == 2
    assert "the store is in use by another process" in result.stderr
    assert "Traceback" not in result.stderr


def sorted_dump(location: str) -> list[bytes]:
    with opened(location) as store:
        assert isinstance(store, EmbeddedStore)
        return sorted((store.oxigraph.dump(format=ox.RdfFormat.N_QUADS) or b"").splitlines())


def test_optimize_compacts_the_store_and_keeps_every_quad(runner: CliRunner, loaded: str) -> None:
    if loaded.startswith("http"):  # the remote backend: the server owns its storage
        code, _, err = run(runner, loaded, "optimize")
        assert code != 0 and "manages its own storage" in err
        return
    before = sorted_dump(loaded)
    gc.collect()  # the store's lock goes with its last reference
    tables = len(list(Path(loaded).glob("*.sst")))
    code, out, err = run(runner, loaded, "optimize")
    assert code == 0, err
    assert out.startswith(f"compacted {loaded} in ")
    assert len(list(Path(loaded).glob("*.sst"))) <= tables
    gc.collect()
    after = sorted_dump(loaded)
    assert after == before and len(after) > 10_000


def test_re_anchored_positions_are_printed_and_kept_in_provenance(
    runner: CliRunner, store_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stale position moves to where the quote is: the load says so (a bounded number of
    lines) and the provenance keeps it."""
    tiny = Path(__file__).parent / "data" / "tiny"
    code, _, err = run(
        runner, store_path, "load", str(tiny / "registry.yaml"), str(tiny / "t1.txt")
    )
    assert code == 0, err

    def stale(n: int, exact: str, start: int) -> dict[str, object]:
        return {
            "id": f"urn:example:{n}",
            "type": "Annotation",
            "body": "https://dadkhah.example/id/entity/judge",
            "motivation": "identifying",
            "target": {
                "source": "https://dadkhah.example/id/document/t1",
                "selector": [
                    {"type": "TextQuoteSelector", "exact": exact},
                    {"type": "TextPositionSelector", "start": start, "end": start + len(exact)},
                ],
            },
        }

    path = tmp_path / "stale.jsonld"
    path.write_text(
        json.dumps([stale(1, "Judge Example", 5), stale(2, "A committee member", 0)]),
        encoding="utf-8",
    )
    monkeypatch.setattr("dadkhah.cli.MAX_NOTES", 1)
    code, out, err = run(runner, store_path, "load", str(path))
    assert code == 0 and out.strip() == "1 inputs: 1 loaded; 49 triples written", err
    lines = [line for line in err.splitlines() if line.startswith("note:")]
    assert lines == [
        f"note: {path}: annotation 1: stated position 5-18 re-anchored to 156",
        "note: 1 more notes (rdfs:comment in provenance)",
    ]
    with opened(store_path) as store:
        rows = store.select("SELECT ?c WHERE { ?a dk:sourceFile 'stale.jsonld' ; rdfs:comment ?c }")
    assert sorted(r["c"] for r in rows) == [
        "annotation 1: stated position 5-18 re-anchored to 156",
        "annotation 2: stated position 0-18 re-anchored to 136",
    ]


def test_a_store_that_is_a_file_is_an_environment_error(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "store"
    path.write_text("not a store\n", encoding="utf-8")
    code, _, err = run(runner, str(path), "stats")
    assert code == 2
    assert err == f"error: {path}: expected a store directory, found a file\n"
    assert path.read_text(encoding="utf-8") == "not a store\n"


def test_a_large_load_ends_with_a_word_about_optimize(
    runner: CliRunner, store_path: str, monkeypatch: pytest.MonkeyPatch, store_backend: str
) -> None:
    """The threshold is a million triples; the bundled corpus writes 10,594. A remote
    store merges its files as its server decides: no word there."""
    from dadkhah import cli as cli_module

    code, _, err = run(runner, store_path, "load", str(corpus_dir() / "registry.yaml"))
    assert code == 0 and "optimize" not in err
    monkeypatch.setattr(cli_module, "OPTIMIZE_HINT_TRIPLES", 100)
    code, _, err = run(runner, store_path, "load", str(corpus_dir() / "documents"))
    assert code == 0
    assert ("`dadkhah optimize` merges them" in err) is (store_backend == "embedded"), err
