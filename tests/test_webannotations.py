"""Annotations out as W3C Web Annotations: ``dadkhah annotations`` and the collection at
``/id/document/ID/annotations``, and back in through the Web Annotation loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from flask.testing import FlaskClient

from dadkhah.cli import cli
from dadkhah.iris import Minter
from dadkhah.resources import corpus_dir
from dadkhah.webannotations import (
    CONTEXT,
    MEDIA_TYPE,
    collection,
    collection_bytes,
    collection_iri,
)
from loaders.commit import discover, load_paths
from tests.backends import AnyStore, opened

BASE = "https://dadkhah.example/id/"
DOCUMENTS = sorted(p.stem for p in (corpus_dir() / "documents").glob("*.txt"))
WA_MOTIVATIONS = ("identifying", "classifying")

# what an annotation says about the words it points at, graph by graph apart from the
# document's own (the spans the text loader marks there are not exported)
MADE_ON = """
SELECT ?motivation ?body ?exact ?prefix ?suffix ?start ?end WHERE { GRAPH ?g {
  ?a oa:hasTarget ?t ; oa:motivatedBy ?motivation ; oa:hasBody ?body .
  ?t oa:hasSource <DOC> ; oa:hasSelector ?q , ?p .
  ?q oa:exact ?exact . OPTIONAL { ?q oa:prefix ?prefix } OPTIONAL { ?q oa:suffix ?suffix }
  ?p oa:start ?start ; oa:end ?end .
  FILTER(?motivation IN (oa:identifying, oa:classifying))
  FILTER NOT EXISTS { GRAPH ?g { <DOC> a dk:SourceDocument } }
} }"""


def made_on(store: AnyStore, doc_id: str) -> list[tuple[Any, ...]]:
    rows = store.select(MADE_ON.replace("DOC", f"{BASE}document/{doc_id}"))
    return sorted(tuple(str(v) for v in row.values()) for row in rows)


def test_a_documents_collection_loads_into_another_archive_as_the_same_annotations(
    corpus_store: AnyStore, store: AnyStore, tmp_path: Path
) -> None:
    """Export every bundled document's annotations, load them with the registry and the
    documents alone into an empty store: each document carries the same identifying and
    classifying annotations, quote, prefix, suffix and position alike."""
    folder = tmp_path / "wa"
    folder.mkdir()
    for doc_id in DOCUMENTS:
        document = f"{BASE}document/{doc_id}"
        data = collection(corpus_store, document, collection_iri(document))
        assert data["@context"] == CONTEXT and data["type"] == "AnnotationCollection"
        assert data["total"] == len(data["first"]["items"]) > 0
        (folder / f"{doc_id}.jsonld").write_text(json.dumps(data), encoding="utf-8")
    inputs = [str(corpus_dir() / "registry.yaml"), str(corpus_dir() / "documents"), str(folder)]
    outcomes = list(load_paths(store, discover(inputs), Minter(BASE)))
    assert [str(o.error) for o in outcomes if o.error] == []
    for doc_id in DOCUMENTS:
        original = made_on(corpus_store, doc_id)
        assert original, doc_id
        assert made_on(store, doc_id) == original, doc_id


def as_rows(items: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """``made_on``'s rows, read from exported annotations."""
    rows = []
    for item in items:
        if item["motivation"] not in WA_MOTIVATIONS:
            continue
        quote, position = item["target"]["selector"]
        motivation = "http://www.w3.org/ns/oa#" + item["motivation"]
        words = (quote["exact"], quote.get("prefix", "None"), quote.get("suffix", "None"))
        span = (str(position["start"]), str(position["end"]))
        rows.append((motivation, item["body"], *words, *span))
    return sorted(rows)


def test_the_export_says_what_the_store_holds(corpus_store: AnyStore) -> None:
    for doc_id in DOCUMENTS:
        document = f"{BASE}document/{doc_id}"
        items = collection(corpus_store, document, collection_iri(document))["first"]["items"]
        assert as_rows(items) == made_on(corpus_store, doc_id), doc_id


def test_every_exported_annotation_has_the_model_s_required_parts(
    corpus_store: AnyStore,
) -> None:
    document = f"{BASE}document/{DOCUMENTS[0]}"
    items = collection(corpus_store, document, collection_iri(document))["first"]["items"]
    positions = []
    for item in items:
        assert item["type"] == "Annotation" and item["id"].startswith(f"{BASE}annotation/")
        target = item["target"]
        assert target["source"] == document
        quote, position = target["selector"]
        assert quote["type"] == "TextQuoteSelector" and quote["exact"]
        assert position["type"] == "TextPositionSelector"
        assert position["end"] - position["start"] == len(quote["exact"])
        positions.append(position["start"])
    assert positions == sorted(positions)
    motivations = {item["motivation"] for item in items}
    assert "identifying" in motivations
    assert "https://dadkhah.example/ns#evidencing" in motivations  # not WA's: a full IRI


def test_the_collection_over_http(client: FlaskClient, corpus_store: AnyStore) -> None:
    doc_id = DOCUMENTS[1]
    document = f"{BASE}document/{doc_id}"
    response = client.get(f"/id/document/{doc_id}/annotations")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == MEDIA_TYPE
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'inline; filename="{doc_id}.annotations.jsonld"'
    assert response.get_data() == collection_bytes(corpus_store, document, collection_iri(document))
    assert json.loads(response.get_data())["id"] == f"{document}/annotations"
    again = client.get(
        f"/id/document/{doc_id}/annotations", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    page = client.get(f"/id/document/{doc_id}").get_data(as_text=True)
    assert f'href="/id/document/{doc_id}/annotations"' in page
    assert client.get("/id/document/nope/annotations").status_code == 404
    assert client.get("/id/document/a%20b/annotations").status_code == 404


def test_the_cli_writes_the_same_bytes_or_keeps_the_file(
    runner: CliRunner, corpus_location: str, tmp_path: Path
) -> None:
    doc_id = DOCUMENTS[1]
    document = f"{BASE}document/{doc_id}"
    out = tmp_path / "a.jsonld"
    result = runner.invoke(cli, ["--store", corpus_location, "annotations", doc_id, "-o", str(out)])
    assert result.exit_code == 0, result.output
    by_iri = runner.invoke(cli, ["--store", corpus_location, "annotations", document])
    assert by_iri.exit_code == 0 and by_iri.stdout_bytes == out.read_bytes()
    assert json.loads(out.read_bytes())["id"] == f"{document}/annotations"
    out.write_bytes(b"before")
    result = runner.invoke(cli, ["--store", corpus_location, "annotations", "nope", "-o", str(out)])
    assert result.exit_code == 1 and "no document" in result.output
    assert out.read_bytes() == b"before"


ANNO = f'application/ld+json; profile="{CONTEXT}"'


def test_an_annotation_iri_answers_in_the_web_annotation_profile_when_asked(
    client: FlaskClient, corpus_store: AnyStore
) -> None:
    """The Web Annotation Protocol: an annotation's IRI, asked for JSON-LD in the
    ``anno.jsonld`` profile, answers with the annotation as the collection holds it; plain
    JSON-LD stays the RDF description."""
    document = f"{BASE}document/{DOCUMENTS[2]}"
    items = collection(corpus_store, document, collection_iri(document))["first"]["items"]
    for item in (items[0], items[-1]):
        path = item["id"].removeprefix(BASE.removesuffix("id/"))
        response = client.get(path, headers={"Accept": ANNO})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["Content-Type"] == MEDIA_TYPE
        assert response.headers["Vary"] == "Accept"
        assert json.loads(response.get_data()) == {"@context": CONTEXT, **item}
        assert client.head(path, headers={"Accept": ANNO}).headers["Content-Type"] == MEDIA_TYPE
    path = items[0]["id"].removeprefix(BASE.removesuffix("id/"))
    plain = client.get(path, headers={"Accept": "application/ld+json"})
    assert plain.headers["Content-Type"].startswith("application/ld+json")
    assert CONTEXT not in plain.get_data(as_text=True)
    refused = client.get(path, headers={"Accept": f"{ANNO}; q=0, text/turtle"})
    assert refused.headers["Content-Type"].startswith("text/turtle")
    entity = client.get("/id/entity/evin-prison", headers={"Accept": ANNO})
    assert entity.status_code == 200 and CONTEXT not in entity.get_data(as_text=True)


def test_every_collection_at_once_loads_as_a_folder(
    runner: CliRunner, corpus_location: str, store: AnyStore, tmp_path: Path
) -> None:
    """``--all DIR`` writes one file per annotated document, named so that the folder
    loads as it is."""
    folder = tmp_path / "out"
    result = runner.invoke(cli, ["--store", corpus_location, "annotations", "--all", str(folder)])
    assert result.exit_code == 0, result.output
    assert f"{len(DOCUMENTS)} annotation collections written" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{doc_id}.annotations.jsonld" for doc_id in DOCUMENTS
    ]
    inputs = [str(corpus_dir() / "registry.yaml"), str(corpus_dir() / "documents"), str(folder)]
    outcomes = list(load_paths(store, discover(inputs), Minter(BASE)))
    assert [str(o.error) for o in outcomes if o.error] == []
    with opened(corpus_location) as original:
        for doc_id in DOCUMENTS:
            assert made_on(store, doc_id) == made_on(original, doc_id), doc_id
    usage = runner.invoke(cli, ["--store", corpus_location, "annotations"])
    assert usage.exit_code == 2 and "--all DIR" in usage.output
