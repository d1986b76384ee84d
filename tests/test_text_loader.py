"""The plain-text loader on the bundled corpus and on small literal inputs."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DC, DCTERMS, RDF, XSD

from dadkhah.errors import LoadError
from dadkhah.iris import Minter
from dadkhah.namespaces import DK, OA, PREMIS
from loaders.segments import analyse
from loaders.text import SourceInfo, load_text, normalize, source_for

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def load(data: bytes, minter: Minter, doc_id: str = "t1", **meta: object) -> Graph:
    source = SourceInfo(f"{doc_id}.txt", doc_id, meta)
    return load_text(data, source=source, minter=minter, loaded_at=NOW).graph


def segments_of(graph: Graph) -> dict[str, list[str]]:
    """Segment kind name -> the exact texts marked with it."""
    found: dict[str, list[str]] = {}
    for ann in graph.subjects(RDF.type, DK.SegmentAnnotation):
        kind = str(graph.value(ann, OA.hasBody)).rsplit("#", 1)[1].removesuffix("Segment")
        exacts = [
            str(graph.value(sel, OA.exact))
            for sel in graph.objects(graph.value(ann, OA.hasTarget), OA.hasSelector)
            if graph.value(sel, OA.exact) is not None
        ]
        assert len(exacts) == 1
        found.setdefault(kind, []).append(exacts[0])
    return found


EXPECTED_TITLES = {
    "000": "Iran’s 1988 massacre: Survivors unmask regime’s dishonesty, seek justice for hidden "
    "genocide",
    "001": "The 1988 massacre: How the Iranian regime tried—and failed—to destroy the MEK",
    "002": "Iranian regime’s repression signals opposition making progress",
    "003": "(Video) The Unyielding Struggle for Justice: The 1988 Massacre in Iran and the Fight "
    "for Freedom",
    "004": "The Massacre of the MEK: Part 1",
}

EXPECTED_ARTEFACTS = {
    "000": {"Duplicate": 2, "Filler": 9, "Boilerplate": 1},
    "001": {"AdBanner": 1, "Duplicate": 1},
    "002": {"Navigation": 1},
    "003": {"LinkMarkup": 16, "Boilerplate": 4},
    "004": {"Breadcrumb": 1, "Navigation": 1},
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED_TITLES))
def test_bundled_document(prefix: str, corpus_files: list[Path], minter: Minter) -> None:
    path = next(p for p in corpus_files if p.name.startswith(prefix))
    data = path.read_bytes()
    unit = load_text(data, source=source_for(path), minter=minter, loaded_at=NOW)
    g = unit.graph
    doc = minter.document(path.stem)
    cap = g.value(doc, DK.capture)
    assert g.value(doc, DCTERMS.title) == Literal(EXPECTED_TITLES[prefix])
    # Fixity: the digest is the file's SHA-256, twice (shortcut and PREMIS), and the original
    # text encodes back to the exact bytes.
    digest = hashlib.sha256(data).hexdigest()
    assert g.value(cap, DK.sha256) == Literal(digest)
    assert g.value(g.value(cap, PREMIS.fixity), RDF.value) == Literal(digest)
    assert g.value(cap, PREMIS.size) == Literal(len(data))
    assert str(g.value(cap, DK.originalText)).encode("utf-8") == data
    # Artefacts are marked, never removed: the normalized text still holds them.
    text = str(g.value(cap, DK.normalizedText))
    marked = segments_of(g)
    counts = {k: len(v) for k, v in marked.items() if k not in {"Title", "Dateline", "Byline"}}
    assert counts == EXPECTED_ARTEFACTS[prefix]
    for exacts in marked.values():
        for exact in exacts:
            assert exact in text
    # Offsets: every position selector cuts exactly its quote out of the normalized text.
    positions = list(g.subjects(RDF.type, OA.TextPositionSelector))
    assert positions
    for pos in positions:
        target = next(g.subjects(OA.hasSelector, pos))
        quote = next(s for s in g.objects(target, OA.hasSelector) if s != pos)
        start, end = int(g.value(pos, OA.start)), int(g.value(pos, OA.end))  # type: ignore[arg-type]
        assert text[start:end] == str(g.value(quote, OA.exact))


def test_datelines_and_bylines_from_the_text(corpus_files: list[Path], minter: Minter) -> None:
    facts = {p.name[:3]: analyse(normalize(p.read_text(encoding="utf-8"))) for p in corpus_files}
    assert facts["001"].dateline == "Iran, July 24, 2020"
    assert str(facts["001"].date) == "2020-07-24"
    assert facts["001"].publisher == "PMOI/MEK"
    assert facts["003"].dateline == "PARIS, FRANCE, February 3, 2025"
    assert facts["003"].publisher == "EINPresswire.com"
    assert facts["000"].dateline is None and facts["002"].publisher is None


def test_sidecar_metadata(corpus_files: list[Path], minter: Minter) -> None:
    path = next(p for p in corpus_files if p.name.startswith("003"))
    g = load_text(path.read_bytes(), source=source_for(path), minter=minter, loaded_at=NOW).graph
    doc = minter.document(path.stem)
    assert g.value(doc, DCTERMS.date) == Literal("2025-02-03", datatype=XSD.date)
    assert g.value(doc, DC.publisher) == Literal("EIN Presswire")
    assert g.value(doc, DCTERMS.language) == Literal("en")


def test_normalization_is_exactly_bom_newlines_nfc() -> None:
    assert normalize("\ufeffa\r\nb\rc\n") == "a\nb\nc\n"
    assert normalize("Rey\u0308") == "Reÿ"  # NFD -> NFC: two code points become one
    assert normalize("x\u00a0y") == "x\u00a0y"  # no-break spaces are kept
    assert normalize("a\ufeffb") == "a\ufeffb"  # only a leading BOM is removed


def test_offsets_count_code_points_of_the_normalized_text(minter: Minter) -> None:
    data = "\ufeffTitle 𝔸\r\n\r\n728 x 90\r\nBody\r\n".encode()
    g = load(data, minter)
    marked = segments_of(g)
    assert marked["Title"] == ["Title 𝔸"] and marked["AdBanner"] == ["728 x 90"]
    starts = sorted(
        int(g.value(p, OA.start)) for p in g.subjects(RDF.type, OA.TextPositionSelector)
    )  # type: ignore[arg-type]
    # "Title 𝔸" is 7 code points (the non-BMP letter counts once), then two LFs.
    assert starts == [0, 9]
    cap = next(g.subjects(RDF.type, DK.Capture))
    assert str(g.value(cap, DK.originalText)).encode() == data


def test_same_input_same_iris(minter: Minter) -> None:
    data = b"A title\n\nSome text.\n"
    first, second = load(data, minter), load(data, minter)
    assert set(first) == set(second)


@pytest.mark.parametrize(
    ("data", "where", "expected"),
    [
        (b"", None, "a non-empty UTF-8 text document"),
        (b"ok\n\xff\xfe bad", "byte 3 (line 2)", "UTF-8 text"),
        (b" \n\t\n", None, "a document with some text"),
    ],
)
def test_bad_bytes_are_refused_clearly(
    data: bytes, where: str | None, expected: str, minter: Minter
) -> None:
    with pytest.raises(LoadError) as info:
        load(data, minter)
    assert info.value.where == where and info.value.expected == expected
    assert str(info.value).startswith("t1.txt")


def test_sidecar_errors_name_file_and_key(tmp_path: Path) -> None:
    doc = tmp_path / "d.txt"
    doc.write_text("Title\n")
    (tmp_path / "d.meta.yaml").write_text("id: d\npublsher: X\n")
    with pytest.raises(LoadError, match=r"d\.meta\.yaml: key 'publsher': expected one of"):
        source_for(doc)
    (tmp_path / "d.meta.yaml").write_text("id: [unclosed\n")
    with pytest.raises(LoadError, match=r"d\.meta\.yaml: line 2, column 1: expected valid YAML"):
        source_for(doc)
    (tmp_path / "d.meta.yaml").write_text("id: 'bad id'\n")
    with pytest.raises(LoadError, match="document id"):
        source_for(doc)


def test_a_sidecar_key_given_twice_is_named_with_its_line(tmp_path: Path) -> None:
    doc = tmp_path / "d.txt"
    doc.write_text("Title\n")
    (tmp_path / "d.meta.yaml").write_text("id: d\nlanguage: en\nid: e\n")
    with pytest.raises(LoadError) as info:
        source_for(doc)
    assert str(info.value) == (
        f"{tmp_path / 'd.meta.yaml'}: line 3, column 1: expected each key once in a mapping, "
        "found 'id' again (first on line 1)"
    )


@pytest.mark.parametrize(
    ("sidecar", "where", "expected", "found"),
    [
        ("publisher: {name: Gazette}\n", "publisher", "a string", "{'name': 'Gazette'}"),
        ("dateline: [Tehran, 1988]\n", "dateline", "a string", "['Tehran', 1988]"),
        ("notes: [a, b]\n", "notes", "a string", "['a', 'b']"),
        ("language: [en, fa]\n", "language", "a string", "['en', 'fa']"),
        ("url: true\n", "url", "a string", "True"),
        ("language: English\n", "language", "a BCP 47 language tag such as en or fa", "'English'"),
        ("date: July 1988\n", "date", "a date as YYYY-MM-DD", "'July 1988'"),
        ("date: 1988-02-30\n", "date", "a date as YYYY-MM-DD", "'1988-02-30'"),
        (
            "id: 'a b'\n",
            "id",
            "a document id of 1-128 characters of A-Z a-z 0-9 . _ -, starting with a letter "
            "or digit",
            "'a b'",
        ),
    ],
    ids=[
        "publisher",
        "dateline",
        "notes",
        "language",
        "url",
        "language name",
        "date in words",
        "no such day",
        "id",
    ],  # fmt: skip
)
def test_a_sidecar_value_of_the_wrong_type_is_named_in_the_sidecar(
    tmp_path: Path, sidecar: str, where: str, expected: str, found: str
) -> None:
    doc = tmp_path / "d.txt"
    doc.write_text("Title\n\nText.\n")
    (tmp_path / "d.meta.yaml").write_text(sidecar)
    with pytest.raises(LoadError) as info:
        source_for(doc)
    assert (
        str(info.value)
        == f"{tmp_path / 'd.meta.yaml'}: {where}: expected {expected}, found {found}"
    )
