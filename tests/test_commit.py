"""Committing units: idempotent reloads, replacing changed files, all-or-nothing writes,
and bad input rejected with the store exactly as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from dadkhah.errors import LoadError
from dadkhah.iris import Minter
from dadkhah.resources import corpus_dir
from dadkhah.units import LoadUnit
from loaders.commit import Outcome, discover, load_paths
from tests.backends import AnyStore, dump
from tests.test_annotations import SELECTORS_AGREE

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


def test_an_invalid_sidecar_date_rejects_the_changed_document_naming_the_sidecar(
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
    assert isinstance(error, LoadError)
    assert str(error) == (
        f"{tiny_copy / 't1.meta.yaml'}: date: expected a date as YYYY-MM-DD, found '1988-13-45'"
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


# ---------------------------------------------------------------- a document's text changes

BASE = "https://dadkhah.example/id/"
ANNOTATIONS = BASE + "graph/annotations/t1"


def outcomes_of(store: AnyStore, *paths: Path, workers: int | None = None) -> list[Outcome]:
    found = discover([str(p) for p in paths])
    return list(load_paths(store, found, Minter(BASE), workers=workers))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def selectors_agree(store: AnyStore) -> int:
    row = store.select(SELECTORS_AGREE)[0]
    assert row["wrong"] == 0
    return int(row["checked"])


def test_a_changed_text_alone_is_rejected_naming_its_annotations(
    store: AnyStore, tiny_copy: Path
) -> None:
    """Stored annotations anchor to the stored text: replacing it alone would leave their
    offsets pointing at other words."""
    load(store, tiny_copy)
    before = dump(store)
    edit(tiny_copy / "t1.txt", "Witness account of Evin\n", "Witness account of the Evin prison\n")
    outcomes = outcomes_of(store, tiny_copy / "t1.txt")
    assert [o.status for o in outcomes] == ["rejected"]
    assert str(outcomes[0].error) == (
        f"{tiny_copy / 't1.txt'}: expected the annotation files anchored to its stored text "
        f"loaded with it and re-anchored to its changed text: t1.yaml (<{ANNOTATIONS}>), "
        "found t1.yaml not in this load"
    )
    assert dump(store) == before


@pytest.mark.parametrize("workers", [0, 2])
def test_a_changed_text_and_its_annotations_are_stored_together(
    store: AnyStore, tiny_copy: Path, workers: int
) -> None:
    load(store, tiny_copy)
    checked = selectors_agree(store)
    edit(tiny_copy / "t1.txt", "Witness account of Evin\n", "Witness account of the Evin prison\n")
    outcomes = outcomes_of(store, tiny_copy, workers=workers)
    assert {Path(o.source).name: o.status for o in outcomes} == {
        "registry.yaml": "unchanged",
        "t1.txt": "replaced",
        "t1.yaml": "replaced",
    }
    assert selectors_agree(store) == checked
    assert [o.status for o in outcomes_of(store, tiny_copy)] == ["unchanged"] * 3


@pytest.mark.parametrize("workers", [0, 2])
def test_a_changed_text_whose_annotations_no_longer_anchor_is_rejected_with_them(
    store: AnyStore, tiny_copy: Path, workers: int
) -> None:
    load(store, tiny_copy)
    before = dump(store)
    edit(tiny_copy / "t1.txt", "Judge Example", "Judge Sample")
    outcomes = {Path(o.source).name: o for o in outcomes_of(store, tiny_copy, workers=workers)}
    assert outcomes["t1.yaml"].status == "rejected"
    assert "the quote 'Judge Example' to occur" in str(outcomes["t1.yaml"].error)
    assert outcomes["t1.txt"].status == "rejected"
    assert str(outcomes["t1.txt"].error).endswith("found t1.yaml rejected")
    assert dump(store) == before


def test_a_new_annotation_file_on_a_rejected_change_is_rejected_too(
    store: AnyStore, tiny_copy: Path
) -> None:
    """A file anchored to the new text cannot be stored while the old text stays."""
    load(store, tiny_copy)
    before = dump(store)
    edit(tiny_copy / "t1.txt", "Witness account of Evin\n", "Witness account of the Evin prison\n")
    extra = tiny_copy / "t1-extra.yaml"
    extra.write_text(
        "document: t1\nmentions:\n  - quote: the Evin prison\n    entity: evin\n",
        encoding="utf-8",
    )
    outcomes = {Path(o.source).name: o for o in outcomes_of(store, tiny_copy / "t1.txt", extra)}
    assert outcomes["t1.txt"].status == "rejected"
    assert outcomes["t1-extra.yaml"].status == "rejected"
    assert str(outcomes["t1-extra.yaml"].error) == (
        f"{extra}: expected the changed document it anchors to stored with it, "
        f"found the change of {tiny_copy / 't1.txt'} rejected"
    )
    assert dump(store) == before


def test_a_change_that_keeps_the_text_needs_no_annotations(
    store: AnyStore, tiny_copy: Path
) -> None:
    load(store, tiny_copy)
    checked = selectors_agree(store)
    edit(tiny_copy / "t1.meta.yaml", "publisher: Example Gazette", "publisher: Another Gazette")
    assert [o.status for o in outcomes_of(store, tiny_copy / "t1.txt")] == ["replaced"]
    assert selectors_agree(store) == checked


# ---------------------------------------------------------------- one graph, one input

WEB_ANNOTATION = {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    "id": "urn:example:a1",
    "type": "Annotation",
    "body": BASE + "entity/evin",
    "motivation": "identifying",
    "target": {
        "source": BASE + "document/t1",
        "selector": {"type": "TextQuoteSelector", "exact": "Evin Prison"},
    },
}


def claims(store: AnyStore) -> int:
    return int(store.select("SELECT (COUNT(?c) AS ?n) WHERE { ?c a dk:Claim }")[0]["n"])


def test_two_annotation_files_of_one_graph_never_replace_each_other(
    store: AnyStore, tiny_copy: Path
) -> None:
    (tiny_copy / "t1.jsonld").write_text(json.dumps(WEB_ANNOTATION), encoding="utf-8")
    outcomes = {Path(o.source).name: o for o in outcomes_of(store, tiny_copy)}
    assert [outcomes[n].status for n in ("t1.yaml", "t1.jsonld")] == ["loaded", "rejected"]
    assert str(outcomes["t1.jsonld"].error) == (
        f"{tiny_copy / 't1.jsonld'}: expected a graph no other input of this load has "
        "(a registry or annotation file's graph is named by its file name without extension), "
        f"found <{ANNOTATIONS}>, the graph of {tiny_copy / 't1.yaml'} too"
    )
    assert claims(store) == 2
    before = dump(store)
    again = {Path(o.source).name: o.status for o in outcomes_of(store, tiny_copy)}
    assert again == {
        "registry.yaml": "unchanged",
        "t1.txt": "unchanged",
        "t1.yaml": "unchanged",
        "t1.jsonld": "rejected",
    }
    assert dump(store) == before


def test_two_files_of_one_name_in_two_folders_are_two_inputs_of_one_graph(
    store: AnyStore, tiny_copy: Path
) -> None:
    load(store, tiny_copy / "registry.yaml", tiny_copy / "t1.txt")
    (tiny_copy / "a").mkdir()
    (tiny_copy / "b").mkdir()
    shutil.move(tiny_copy / "t1.yaml", tiny_copy / "a" / "t1.yaml")
    (tiny_copy / "b" / "t1.yaml").write_text(
        "document: t1\nmentions:\n  - quote: Judge Example\n    entity: judge\n", encoding="utf-8"
    )
    outcomes = outcomes_of(store, tiny_copy / "a", tiny_copy / "b")
    assert [o.status for o in outcomes] == ["loaded", "rejected"]
    assert f"the graph of {tiny_copy / 'a' / 't1.yaml'} too" in str(outcomes[1].error)
    assert claims(store) == 2
    assert [o.status for o in outcomes_of(store, tiny_copy / "a", tiny_copy / "b")] == [
        "unchanged",
        "rejected",
    ]


def test_two_documents_of_one_id_are_not_both_loaded(store: AnyStore, tmp_path: Path) -> None:
    for name, words in (("a", "First text"), ("b", "Second text")):
        (tmp_path / f"{name}.txt").write_text(f"{words}\n\nWords.\n", encoding="utf-8")
        (tmp_path / f"{name}.meta.yaml").write_text("id: same\n", encoding="utf-8")
    outcomes = outcomes_of(store, tmp_path)
    assert [o.status for o in outcomes] == ["loaded", "rejected"]
    assert str(outcomes[1].error) == (
        f"{tmp_path / 'b.txt'}: document id: expected an id no other input of this load has, "
        f"found 'same', the id of {tmp_path / 'a.txt'} too"
    )
    before = dump(store)
    assert [o.status for o in outcomes_of(store, tmp_path)] == ["unchanged", "rejected"]
    assert dump(store) == before
    title = store.select("SELECT ?t WHERE { ?d a dk:SourceDocument ; dcterms:title ?t }")
    assert [r["t"] for r in title] == ["First text"]


def test_a_file_named_twice_is_one_input(store: AnyStore, tiny_copy: Path) -> None:
    statuses = [s for _, s in load(store, tiny_copy, tiny_copy / "t1.yaml")]
    assert "rejected" not in statuses


# ---------------------------------------------------------------- validate gives load's verdicts

VERDICT = {"loaded": "valid", "replaced": "valid", "valid": "valid"}


def verdicts(outcomes: list[Outcome]) -> list[tuple[str, str, str]]:
    return [
        (Path(o.source).name, VERDICT.get(o.status, o.status), str(o.error or "")) for o in outcomes
    ]


def validate_then_load(store: AnyStore, *paths: Path, workers: int | None = None) -> None:
    """``validate`` writes nothing and says what ``load`` of the same inputs then does."""
    before = dump(store)
    found = discover([str(p) for p in paths])
    checked = list(load_paths(store, found, Minter(BASE), dry_run=True, workers=workers))
    assert dump(store) == before
    assert verdicts(checked) == verdicts(outcomes_of(store, *paths, workers=workers))


def extra_registry(folder: Path) -> None:
    """An entity of a second registry, named by an annotation file of the same load."""
    (folder / "registry-more.yaml").write_text(
        "entities:\n  - id: gazette\n    type: Organization\n    label: Example Gazette\n",
        encoding="utf-8",
    )
    (folder / "t1-more.yaml").write_text(
        "document: t1\nmentions:\n  - quote: Judge Example\n    entity: gazette\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("workers", [0, 2])
def test_validate_on_an_empty_store_sees_the_documents_and_entities_of_the_run(
    store: AnyStore, tiny_copy: Path, workers: int
) -> None:
    extra_registry(tiny_copy)
    (tiny_copy / "t1.jsonld").write_text(json.dumps(WEB_ANNOTATION), encoding="utf-8")
    validate_then_load(store, tiny_copy, corpus_dir(), workers=workers)
    assert len(store.select("SELECT ?d WHERE { ?d a dk:SourceDocument }")) == 6


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Judge Example", "Judge Sample"),  # a quote is gone: the document and t1.yaml fail
        ("Witness account of Evin\n", "Witness account of the Evin prison\n"),  # re-anchored
    ],
    ids=["quote-gone", "quote-moved"],
)
def test_validate_on_a_loaded_store_gives_the_verdicts_of_load(
    store: AnyStore, tiny_copy: Path, old: str, new: str
) -> None:
    load(store, tiny_copy)
    edit(tiny_copy / "t1.txt", old, new)
    extra_registry(tiny_copy)
    validate_then_load(store, tiny_copy)
    validate_then_load(store, tiny_copy / "t1.txt")


# ---------------------------------------------------------------- registry ids


def test_an_id_of_another_registry_file_is_rejected(store: AnyStore, tiny_copy: Path) -> None:
    """Two descriptions of one id would merge into one resource with two types."""
    extra = tiny_copy / "registry2.yaml"  # after registry.yaml in path order
    extra.write_text(
        "entities:\n  - id: evin\n    type: Person\n    label: Someone Else\n", encoding="utf-8"
    )
    outcomes = outcomes_of(store, tiny_copy)
    assert [(Path(o.source).name, o.status) for o in outcomes][:2] == [
        ("registry.yaml", "loaded"),
        ("registry2.yaml", "rejected"),
    ]
    rejected = next(o for o in outcomes if o.status == "rejected")
    assert str(rejected.error) == (
        f"{extra}: entity id: expected an id no other registry file declares, "
        f"found 'evin', declared by {tiny_copy / 'registry.yaml'} too"
    )
    types = store.select(f"SELECT ?t WHERE {{ <{BASE}entity/evin> a ?t }}")
    assert [r["t"] for r in types] == ["https://dadkhah.example/ns#Place"]
    before = dump(store)
    again = outcomes_of(store, extra)
    assert str(again[0].error) == (
        f"{extra}: entity id: expected an id no other registry file declares, found 'evin', "
        f"declared by registry.yaml (stored in <{BASE}graph/registry/registry>) too"
    )
    assert dump(store) == before


def test_an_id_may_move_to_another_registry_file_in_one_load(
    store: AnyStore, tiny_copy: Path
) -> None:
    load(store, tiny_copy)
    edit(tiny_copy / "registry.yaml", "  - id: committee\n", "  - id: committee-old\n")
    (tiny_copy / "registry-z.yaml").write_text(
        "entities:\n  - id: committee\n    type: Organization\n    label: Example committee\n",
        encoding="utf-8",
    )
    statuses = {n: s for n, s in load(store, tiny_copy)}
    assert statuses["registry.yaml"] == "replaced" and statuses["registry-z.yaml"] == "loaded"


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
