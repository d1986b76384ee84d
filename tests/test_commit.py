"""Committing units: idempotent reloads, replacing changed files, all-or-nothing writes,
and bad input rejected with the store exactly as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from dadkhah.errors import LoadError, ShapeViolation
from dadkhah.iris import Minter
from dadkhah.units import LoadUnit
from loaders.commit import discover, load_paths
from tests.backends import AnyStore, dump

TINY = Path(__file__).parent / "data" / "tiny"


def load(store: AnyStore, *paths: Path | str) -> list[tuple[str, str]]:
    outcomes = load_paths(
        store, discover([str(p) for p in paths]), Minter("https://dadkhah.example/id/")
    )
    return [(Path(o.source).name, o.status) for o in outcomes]


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder


def test_loading_twice_changes_nothing(store: AnyStore, tiny_copy: Path) -> None:
    first = load(store, tiny_copy)
    assert [s for _, s in first] == ["loaded"] * 3
    before = dump(store)
    second = load(store, tiny_copy)
    assert [s for _, s in second] == ["unchanged"] * 3
    assert dump(store) == before


def test_a_changed_file_replaces_its_graph(store: AnyStore, tiny_copy: Path) -> None:
    load(store, tiny_copy / "t1.txt")
    old_sha = store.select("SELECT ?sha WHERE { ?c dk:sha256 ?sha }")[0]["sha"]
    (tiny_copy / "t1.txt").write_text(
        "A new title\n\nDifferent words entirely.\n", encoding="utf-8"
    )
    assert load(store, tiny_copy / "t1.txt") == [("t1.txt", "replaced")]
    rows = store.select(
        "SELECT ?sha ?title WHERE { ?d dk:capture/dk:sha256 ?sha ; dcterms:title ?title }"
    )
    assert len(rows) == 1 and rows[0]["sha"] != old_sha and rows[0]["title"] == "A new title"
    assert store.select(f'SELECT * WHERE {{ ?s ?p "{old_sha}" }}') == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "expected a non-empty UTF-8 text document, found an empty file"),
        ("latin1.txt", "Évin prison\n".encode("latin-1"), "byte 0 (line 1): expected UTF-8 text"),
    ],
)
def test_bad_bytes_leave_the_store_unchanged(
    store: AnyStore, tiny_copy: Path, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    load(store, tiny_copy)
    before = dump(store)
    bad = tmp_path / name
    bad.write_bytes(content)
    outcomes = list(load_paths(store, discover([str(bad)]), Minter("https://dadkhah.example/id/")))
    assert [o.status for o in outcomes] == ["rejected"]
    assert isinstance(outcomes[0].error, LoadError)
    assert str(outcomes[0].error) == f"{bad}: {message}" or message in str(outcomes[0].error)
    assert dump(store) == before


def test_a_sidecar_that_violates_a_shape_rejects_the_document(
    store: AnyStore, tiny_copy: Path
) -> None:
    load(store, tiny_copy)
    before = dump(store)
    (tiny_copy / "t1.txt").write_text("Changed text\n", encoding="utf-8")
    (tiny_copy / "t1.meta.yaml").write_text("id: t1\ndate: 1988-13-45\n", encoding="utf-8")
    outcomes = list(
        load_paths(
            store, discover([str(tiny_copy / "t1.txt")]), Minter("https://dadkhah.example/id/")
        )
    )
    error = outcomes[0].error
    assert isinstance(error, ShapeViolation)
    assert str(error) == (
        f"{tiny_copy / 't1.txt'}: <https://dadkhah.example/id/document/t1> "
        "<http://purl.org/dc/terms/date>: a document's date is one valid xsd:date (YYYY-MM-DD) "
        "(value 1988-13-45) [DatatypeConstraintComponent]"
    )
    assert dump(store) == before


def test_one_bad_input_does_not_stop_the_others(store: AnyStore, tiny_copy: Path) -> None:
    (tiny_copy / "broken.txt").write_bytes(b"\xff\xfe")
    statuses = dict(load(store, tiny_copy))
    assert statuses == {
        "registry.yaml": "loaded",
        "t1.txt": "loaded",
        "broken.txt": "rejected",
        "t1.yaml": "loaded",
    }


def test_a_failing_write_keeps_the_previous_graph(store: AnyStore, tiny_copy: Path) -> None:
    """One transaction per unit: a write that fails half-way (here: an IRI Oxigraph refuses)
    leaves the old graph and its provenance in place."""
    load(store, tiny_copy)
    before = dump(store)
    graph = URIRef("https://dadkhah.example/id/graph/document/t1")
    bad = Graph()
    bad.add(
        (
            URIRef("https://dadkhah.example/id/x"),
            URIRef("https://dadkhah.example/id/p"),
            Literal("ok"),
        )
    )
    bad.add((URIRef("relative/iri"), URIRef("https://dadkhah.example/id/p"), Literal("x")))
    unit = LoadUnit("test", graph, URIRef(f"{graph}/provenance"), bad, Graph(), "0" * 64)
    with pytest.raises(SyntaxError):
        store.replace(unit)
    assert dump(store) == before


def test_unknown_and_missing_paths_are_named(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    with pytest.raises(LoadError, match=r"notes\.pdf: expected a document \(\.txt, \.md\)"):
        discover([str(tmp_path / "notes.pdf")])
    with pytest.raises(LoadError, match="nothing there"):
        discover([str(tmp_path / "absent.txt")])


@pytest.mark.parametrize("workers", [0, 2], ids=["serial", "parallel"])
def test_an_unexpected_error_rejects_its_file_by_name(
    store: AnyStore, tiny_copy: Path, workers: int
) -> None:
    """A file that fails in a way no check foresaw (here: JSON nested past Python's recursion
    limit) is rejected, named, with the error's type and text; the files around it load."""
    (tiny_copy / "t1.meta.yaml").write_text(
        "id: t1\nurl: https://news.example.org/t1\n", encoding="utf-8"
    )
    good = json.dumps(
        {
            "type": "Annotation",
            "motivation": "identifying",
            "body": "https://dadkhah.example/id/entity/evin",
            "target": {
                "source": "https://news.example.org/t1",
                "selector": {"type": "TextQuoteSelector", "exact": "Evin Prison"},
            },
        }
    )
    for n in range(6):
        (tiny_copy / f"web-{n}.jsonld").write_text(good, encoding="utf-8")
    (tiny_copy / "web-3.jsonld").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    outcomes = list(
        load_paths(
            store,
            discover([str(tiny_copy)]),
            Minter("https://dadkhah.example/id/"),
            workers=workers,
        )
    )
    statuses = {Path(o.source).name: o.status for o in outcomes}
    assert statuses == {
        "registry.yaml": "loaded",
        "t1.txt": "loaded",
        "t1.yaml": "loaded",
        **{f"web-{n}.jsonld": "loaded" for n in (0, 1, 2, 4, 5)},
        "web-3.jsonld": "rejected",
    }
    error = next(o.error for o in outcomes if o.status == "rejected")
    assert isinstance(error, LoadError)
    assert str(error).startswith(
        f"{tiny_copy / 'web-3.jsonld'}: expected a file Dadkhah can prepare, "
        "found RecursionError: maximum recursion depth exceeded"
    )
    rows = store.select(
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?d schema:mentions ?e } }"
    )
    assert rows[0]["n"] == 6  # t1.yaml and the five good Web Annotation files
