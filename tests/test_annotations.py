"""Annotations and claims: the bundled corpus as the store shows it, W3C Web Annotation
exports from annotation tools, and every kind of bad annotation rejected with the store
unchanged."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from dadkhah.errors import LoadError, ShapeViolation
from dadkhah.iris import Minter
from loaders.anchoring import Quote, anchor, utf16_to_code_points
from loaders.commit import Outcome, discover, load_paths
from tests.backends import AnyStore, dump

TINY = Path(__file__).parent / "data" / "tiny"
BASE = "https://dadkhah.example/id/"
DOC = BASE + "document/t1"


def load(store: AnyStore, *paths: Path) -> list[Outcome]:
    return list(load_paths(store, discover([str(p) for p in paths]), Minter(BASE)))


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder


@pytest.fixture
def tiny_store(store: AnyStore, tiny: Path) -> AnyStore:
    """The tiny archive's registry and document, without its annotations."""
    outcomes = load(store, tiny / "registry.yaml", tiny / "t1.txt")
    assert [o.status for o in outcomes] == ["loaded", "loaded"]
    return store


# ---------------------------------------------------------------- the bundled corpus


SELECTORS_AGREE = """
SELECT (COUNT(*) AS ?checked) (SUM(IF(?found = STR(?exact), 0, 1)) AS ?wrong) WHERE {
  ?target oa:hasSource ?doc ; oa:hasSelector ?q , ?p .
  ?q a oa:TextQuoteSelector ; oa:exact ?exact .
  ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
  ?doc dk:capture/dk:normalizedText ?text .
  BIND (SUBSTR(?text, ?start + 1, ?end - ?start) AS ?found)
}
"""


def test_every_stored_quote_is_the_text_at_its_offsets(corpus_store: AnyStore) -> None:
    row = corpus_store.select(SELECTORS_AGREE)[0]
    assert row["checked"] > 400  # segments, mentions and evidence of all five documents
    assert row["wrong"] == 0


def test_every_claim_has_claimant_document_and_evidence(corpus_store: AnyStore) -> None:
    rows = corpus_store.select(
        "SELECT (COUNT(?c) AS ?n) WHERE { ?c a dk:Claim "
        "FILTER NOT EXISTS { ?c dk:claimant ?a ; dk:statedIn ?d ; dk:evidence/oa:hasTarget ?t } }"
    )
    assert rows[0]["n"] == 0
    assert corpus_store.select("SELECT (COUNT(?c) AS ?n) WHERE { ?c a dk:Claim }")[0]["n"] > 100


EXECUTED = """
SELECT ?value ?qualifier ?claimant ?document ?quote WHERE {
  ?claim a dk:QuantityClaim ;
         dk:measure <https://dadkhah.example/id/measure/executed-count> ;
         dk:claimant ?who ; dk:qualifier/skos:prefLabel ?qualifier ;
         schema:value ?value ; dk:statedIn/dcterms:identifier ?document ;
         dk:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote .
  ?who skos:prefLabel ?claimant .
}
ORDER BY ?value ?document ?quote
"""


def test_executed_count_claims_side_by_side(corpus_store: AnyStore) -> None:
    rows = corpus_store.select(EXECUTED)
    assert len({r["document"] for r in rows}) == 4  # 004 states no executed count
    by_value: dict[int, set[str]] = {}
    for row in rows:
        assert str(f"{row['value']:,}") in row["quote"] or row["value"] == 33000
        by_value.setdefault(row["value"], set()).add(row["claimant"])
    assert {30000, 33000, 33700} == set(by_value)
    # 30,000 and 33,700 are separate claims by different claimants.
    assert by_value[33700] and by_value[33700].isdisjoint(by_value[30000])
    mois = [r for r in rows if r["value"] == 33700]
    assert mois[0]["qualifier"] == "more than" and "33,700" in mois[0]["quote"]


def test_relations_carry_evidence_beside_their_direct_triple(corpus_store: AnyStore) -> None:
    rows = corpus_store.select(
        """SELECT ?quote WHERE {
             <https://dadkhah.example/id/entity/raisi> dk:memberOf ?committee .
             ?s rdf:subject <https://dadkhah.example/id/entity/raisi> ; rdf:predicate dk:memberOf ;
                rdf:object ?committee ; dk:evidence/oa:hasTarget/oa:hasSelector/oa:exact ?quote .
           }"""
    )
    assert rows and any("Raesi" in r["quote"] for r in rows)


def test_batch_provenance_is_a_graph_of_its_own(corpus_store: AnyStore) -> None:
    rows = corpus_store.select(
        """SELECT ?g ?annotator ?sha ?capture WHERE {
             GRAPH ?pg { ?g prov:wasGeneratedBy ?a . ?a prov:wasAssociatedWith ?who ;
                         dk:inputSha256 ?sha ; prov:used ?capture }
             ?who schema:name ?annotator .
             FILTER (STRSTARTS(STR(?g), "https://dadkhah.example/id/graph/annotations/"))
           }"""
    )
    assert {r["annotator"] for r in rows} == {"Dadkhah", "Dadkhah curators"}  # software, people
    assert len({r["g"] for r in rows}) == 5


# ---------------------------------------------------------------- anchoring


def test_utf16_offsets_convert_around_a_non_bmp_character() -> None:
    text = "Names: 𝔸li of Evin"
    assert utf16_to_code_points(text, 9) == 8  # after "𝔸" (two UTF-16 units, one code point)
    assert utf16_to_code_points(text, 8) is None  # inside the surrogate pair
    found = anchor(text, Quote("li", start=9, end=11), path="x", where="a")
    assert (found.start, found.end) == (8, 10) and found.note == "offsets read as UTF-16 code units"


def test_a_stale_position_is_re_anchored_and_reported() -> None:
    found = anchor("abc Evin def", Quote("Evin", start=0, end=4), path="x", where="mentions[0]")
    assert (found.start, found.end) == (4, 8)
    assert found.note == "mentions[0]: stated position 0-4 re-anchored to 4"


# ---------------------------------------------------------------- rejected annotation files


def write_annotations(folder: Path, body: str) -> Path:
    path = folder / "bad.yaml"
    path.write_text("document: t1\nannotator: Test\n" + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "mentions:\n  - quote: Gohardasht Prison\n    entity: evin\n",
            "bad.yaml: mentions[0]: expected the quote 'Gohardasht Prison' to occur in the "
            "document, found no such text",
        ),
        (
            "mentions:\n  - quote: Evin\n    entity: evin\n",
            "bad.yaml: mentions[0]: expected the quote 'Evin' to occur once (add prefix, suffix "
            "or occurrence), found 2 places: 19-23, 123-127",
        ),
        (
            "mentions:\n  - quote: Evin Prison\n    entity: evin\n    prefix: 'at the '\n",
            "bad.yaml: mentions[0]: expected the quote 'Evin Prison' with the given prefix/suffix, "
            "found it only at 123-134, with other context",
        ),
        (
            "claims:\n  - id: c\n    about: massacre\n    measure: executed-count\n"
            "    value: 4000\n"
            "    quote: more than 4,000 prisoners\n",
            "<https://dadkhah.example/id/claim/bad/c> <https://dadkhah.example/ns#claimant>: "
            "a claim has exactly one claimant",
        ),
        (
            "claims:\n  - id: c\n    claimant: author\n    about: massacre\n    value: 4,000\n"
            "    quote: more than 4,000 prisoners\n",
            "bad.yaml: claims[0].value: expected a number (no thousands separators), found '4,000'",
        ),
        (
            "relations:\n  - id: r\n    subject: judge\n    relation: admired\n    object: evin\n"
            "    quote: Judge Example\n",
            "bad.yaml: relations[0].relation: expected one of member-of",
        ),
    ],
    ids=[
        "quote-not-found",
        "ambiguous-quote",
        "wrong-context",
        "claim-without-claimant",
        "bad-number",
        "unknown-relation",
    ],
)
def test_bad_annotations_are_rejected_whole(
    tiny_store: AnyStore, tiny: Path, body: str, message: str
) -> None:
    before = dump(tiny_store)
    outcomes = load(tiny_store, write_annotations(tiny, body))
    assert [o.status for o in outcomes] == ["rejected"]
    assert message in str(outcomes[0].error)
    assert dump(tiny_store) == before


def test_an_annotation_on_an_unknown_document_is_rejected(tiny_store: AnyStore, tiny: Path) -> None:
    before = dump(tiny_store)
    path = tiny / "bad.yaml"
    path.write_text(
        "document: t9\nmentions:\n  - quote: Evin\n    entity: evin\n", encoding="utf-8"
    )
    outcome = load(tiny_store, path)[0]
    assert isinstance(outcome.error, LoadError)
    assert str(outcome.error).endswith(
        "bad.yaml: file.document: expected the id of a loaded document, found t9"
    )
    assert dump(tiny_store) == before


def test_an_unknown_registry_id_is_caught_by_the_shapes(tiny_store: AnyStore, tiny: Path) -> None:
    outcome = load(
        tiny_store,
        write_annotations(
            tiny,
            "claims:\n  - id: c\n    claimant: nobody\n"
            "    about: massacre\n    measure: executed-count\n    value: 1\n"
            "    quote: Judge Example\n",
        ),
    )[0]
    assert isinstance(outcome.error, ShapeViolation)
    assert "(value https://dadkhah.example/id/entity/nobody) [ClassConstraintComponent]" in str(
        outcome.error
    )


def test_a_mention_of_an_unknown_entity_is_caught_by_the_shapes(
    tiny_store: AnyStore, tiny: Path
) -> None:
    before = dump(tiny_store)
    outcome = load(
        tiny_store,
        write_annotations(tiny, "mentions:\n  - quote: Evin Prison\n    entity: nosuch\n"),
    )[0]
    assert isinstance(outcome.error, ShapeViolation)
    assert str(outcome.error) == (
        f"{tiny / 'bad.yaml'}: <{BASE}annotation/bad/mention-123-134-nosuch> "
        "<http://www.w3.org/ns/oa#hasBody>: an identifying annotation names an entity of the "
        f"registry (value {BASE}entity/nosuch) [SPARQLConstraintComponent]"
    )
    assert dump(tiny_store) == before


# ---------------------------------------------------------------- W3C Web Annotation JSON-LD

NON_BMP_TEXT = "Testimony of 𝔸li\n\nThe prisoners were taken to Evin at night.\nEvin was full.\n"


@pytest.fixture
def jsonld_store(tiny_store: AnyStore, tiny: Path) -> AnyStore:
    doc = tiny / "t2.txt"
    doc.write_text(NON_BMP_TEXT, encoding="utf-8")
    (tiny / "t2.meta.yaml").write_text(
        "id: t2\nurl: https://news.example.org/t2\n", encoding="utf-8"
    )
    assert [o.status for o in load(tiny_store, doc)] == ["loaded"]
    return tiny_store


def utf16_offset(text: str, code_points: int) -> int:
    return len(text[:code_points].encode("utf-16-le")) // 2


def recogito_export() -> dict[str, Any]:
    """The shape Recogito exports: an identifying SpecificResource body, a tag, both selectors."""
    start = NON_BMP_TEXT.index("Evin at")
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "https://recogito.example/annotation/1",
        "type": "Annotation",
        "body": [
            {"type": "SpecificResource", "purpose": "identifying", "source": BASE + "entity/evin"},
            {"type": "TextualBody", "purpose": "tagging", "value": "PLACE"},
        ],
        "target": {
            "source": BASE + "document/t2",
            "selector": [
                {"type": "TextQuoteSelector", "exact": "Evin"},
                {"type": "TextPositionSelector", "start": start, "end": start + 4},
            ],
        },
        "x-recogito": {"unknown": "kept out of the graph, never fatal"},
    }


def hypothesis_export() -> list[dict[str, Any]]:
    """The shape Hypothesis exports: the page URL as source, a RangeSelector, UTF-16 offsets
    (the browser counts the non-BMP letter as two units), a comment and a tag."""
    second = NON_BMP_TEXT.index("Evin was")
    return [
        {
            "@context": ["http://www.w3.org/ns/anno.jsonld", {"hyp": "https://hypothes.is/ns#"}],
            "@id": "https://hypothes.is/a/abc123",
            "@type": "oa:Annotation",
            "motivation": "oa:commenting",
            "creator": "acct:archivist@hypothes.is",
            "created": "2024-05-01T10:00:00.000000+00:00",
            "body": [
                {
                    "type": "TextualBody",
                    "value": "Second mention of the prison",
                    "format": "text/markdown",
                },
                {"type": "TextualBody", "purpose": "tagging", "value": "Evin"},
            ],
            "target": [
                {
                    "source": "https://news.example.org/t2",
                    "selector": [
                        {
                            "type": "RangeSelector",
                            "startSelector": {"type": "XPathSelector", "value": "/p[2]"},
                        },
                        {
                            "type": "TextPositionSelector",
                            "start": utf16_offset(NON_BMP_TEXT, second),
                            "end": utf16_offset(NON_BMP_TEXT, second) + 4,
                        },
                        {
                            "type": "TextQuoteSelector",
                            "exact": "Evin",
                            "prefix": "night.\n",
                            "suffix": " was full",
                        },
                    ],
                }
            ],
        }
    ]


def stored_positions(store: AnyStore) -> list[tuple[int, int, str]]:
    rows = store.select(
        """SELECT ?start ?end ?exact WHERE {
             GRAPH ?g { ?a oa:hasTarget ?t . ?t oa:hasSelector ?p , ?q .
                        ?p oa:start ?start ; oa:end ?end . ?q oa:exact ?exact }
             FILTER (STRSTARTS(STR(?g), "https://dadkhah.example/id/graph/annotations/"))
           } ORDER BY ?start"""
    )
    return [(r["start"], r["end"], r["exact"]) for r in rows]


def test_recogito_and_hypothesis_exports_load(jsonld_store: AnyStore, tiny: Path) -> None:
    (tiny / "recogito.jsonld").write_text(json.dumps(recogito_export()), encoding="utf-8")
    (tiny / "hypothesis.json").write_text(json.dumps(hypothesis_export()), encoding="utf-8")
    outcomes = load(jsonld_store, tiny / "recogito.jsonld", tiny / "hypothesis.json")
    assert [o.status for o in outcomes] == ["loaded", "loaded"], [str(o.error) for o in outcomes]
    assert outcomes[1].notes == ("annotation 1: offsets read as UTF-16 code units",)
    first, second = NON_BMP_TEXT.index("Evin at"), NON_BMP_TEXT.index("Evin was")
    assert stored_positions(jsonld_store) == [
        (first, first + 4, "Evin"),
        (second, second + 4, "Evin"),
    ]
    row = jsonld_store.select(
        """SELECT ?motivation ?tag WHERE { ?a dcterms:identifier "https://hypothes.is/a/abc123" ;
             oa:motivatedBy ?motivation ; oa:hasBody ?b .
             ?b oa:hasPurpose oa:tagging ; rdf:value ?tag }"""
    )
    assert row == [{"motivation": "http://www.w3.org/ns/oa#commenting", "tag": "Evin"}]
    mention = jsonld_store.select(
        'SELECT ?m WHERE { ?a dcterms:identifier "https://recogito.example/annotation/1" ; '
        "oa:motivatedBy ?m ; "
        "oa:hasBody <https://dadkhah.example/id/entity/evin> }"
    )
    assert mention == [{"m": "http://www.w3.org/ns/oa#identifying"}]
    # the identifying annotation links its document to the entity, in its own graph; the
    # comment with a tag does not
    links = jsonld_store.select(
        "SELECT ?g ?doc ?entity WHERE { GRAPH ?g { ?doc schema:mentions ?entity } }"
    )
    assert links == [
        {"g": BASE + "graph/annotations/recogito", "doc": BASE + "document/t2",
         "entity": BASE + "entity/evin"}
    ]  # fmt: skip


def test_refined_by_chains_and_plain_iri_bodies(jsonld_store: AnyStore, tiny: Path) -> None:
    start = NON_BMP_TEXT.index("Evin at")
    collection = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "type": "AnnotationCollection",
        "first": {
            "type": "AnnotationPage",
            "items": [
                {
                    "type": "Annotation",
                    "motivation": "identifying",
                    "body": BASE + "entity/evin",
                    "target": {
                        "source": BASE + "document/t2",
                        "selector": {
                            "type": "FragmentSelector",
                            "value": "para-2",
                            "refinedBy": {
                                "type": "TextPositionSelector",
                                "start": start,
                                "end": start + 4,
                                "refinedBy": {"type": "TextQuoteSelector", "exact": "Evin"},
                            },
                        },
                    },
                }
            ],
        },
    }
    (tiny / "collection.jsonld").write_text(json.dumps(collection), encoding="utf-8")
    outcome = load(jsonld_store, tiny / "collection.jsonld")[0]
    assert outcome.status == "loaded", outcome.error
    assert stored_positions(jsonld_store) == [(start, start + 4, "Evin")]
    assert jsonld_store.select("SELECT ?doc ?e WHERE { ?doc schema:mentions ?e }") == [
        {"doc": BASE + "document/t2", "e": BASE + "entity/evin"}
    ]


def test_a_web_annotation_may_identify_a_resource_outside_the_archive(
    jsonld_store: AnyStore, tiny: Path
) -> None:
    export = recogito_export()
    export["body"][0]["source"] = "http://www.wikidata.org/entity/Q1359476"
    (tiny / "wikidata.jsonld").write_text(json.dumps(export), encoding="utf-8")
    outcome = load(jsonld_store, tiny / "wikidata.jsonld")[0]
    assert outcome.status == "loaded", outcome.error
    assert jsonld_store.select("SELECT ?e WHERE { ?doc schema:mentions ?e }") == [
        {"e": "http://www.wikidata.org/entity/Q1359476"}
    ]


def test_a_web_annotation_on_an_unknown_document_is_rejected(
    jsonld_store: AnyStore, tiny: Path
) -> None:
    export = recogito_export()
    export["target"]["source"] = "https://elsewhere.example/page"
    (tiny / "elsewhere.jsonld").write_text(json.dumps(export), encoding="utf-8")
    before = dump(jsonld_store)
    outcome = load(jsonld_store, tiny / "elsewhere.jsonld")[0]
    assert str(outcome.error).endswith(
        "elsewhere.jsonld: annotation 1.target.source: expected a loaded document, found https://elsewhere.example/page"
    )
    assert dump(jsonld_store) == before


def test_an_ambiguous_web_annotation_is_rejected(jsonld_store: AnyStore, tiny: Path) -> None:
    export = recogito_export()
    export["target"]["selector"] = {"type": "TextQuoteSelector", "exact": "Evin"}
    (tiny / "vague.jsonld").write_text(json.dumps(export), encoding="utf-8")
    outcome = load(jsonld_store, tiny / "vague.jsonld")[0]
    assert "found 2 places" in str(outcome.error)


def test_an_independent_range_fits_beside_the_other_figures(
    tiny_store: AnyStore, tiny: Path
) -> None:
    """A later source's range ("2,800 to 5,000") is one more claim: no schema change."""
    (tiny / "t3.txt").write_text(
        "Report\n\nAn organisation estimated that between 2,800 and 5,000 prisoners"
        " were executed.\n",
        encoding="utf-8",
    )
    (tiny / "t3.yaml").write_text(
        "document: t3\nannotator: Test\nclaims:\n  - id: range\n    claimant: committee\n"
        "    about: massacre\n    measure: executed-count\n    min: 2800\n    max: 5000\n"
        "    qualifier: range\n    quote: between 2,800 and 5,000 prisoners were executed\n",
        encoding="utf-8",
    )
    outcomes = load(tiny_store, tiny / "t3.txt", tiny / "t3.yaml", tiny / "t1.yaml")
    assert [o.status for o in outcomes] == ["loaded"] * 3, [str(o.error) for o in outcomes]
    rows = tiny_store.select(
        """SELECT ?doc ?value ?min ?max ?qualifier WHERE {
             ?c dk:measure <https://dadkhah.example/id/measure/executed-count> ;
                dk:statedIn/dcterms:identifier ?doc ; dk:qualifier/skos:prefLabel ?qualifier .
             OPTIONAL { ?c schema:value ?value }
             OPTIONAL { ?c schema:minValue ?min ; schema:maxValue ?max }
           } ORDER BY ?doc"""
    )
    assert rows == [
        {"doc": "t1", "value": 4000, "min": None, "max": None, "qualifier": "more than"},
        {"doc": "t3", "value": None, "min": 2800, "max": 5000, "qualifier": "range"},
    ]


# ---------------------------------------------------------------- malformed values, located


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "claims:\n  - id: c\n    claimant: witness\n    about: massacre\n"
            "    measure: executed count\n    value: 1\n    quote: Judge Example\n",
            "bad.yaml: claims[0].measure: expected a registry id, found 'executed count'",
        ),
        (
            "mentions:\n  - quote: Evin Prison\n    entity: evin\n    id: bad id\n",
            "bad.yaml: mentions[0].id: expected an id of 1-128 characters of A-Z a-z 0-9 . _ -, "
            "starting with a letter or digit, found 'bad id'",
        ),
    ],
    ids=["measure-with-space", "mention-id-with-space"],
)
def test_an_id_that_cannot_make_an_iri_is_named(
    tiny_store: AnyStore, tiny: Path, body: str, message: str
) -> None:
    before = dump(tiny_store)
    outcomes = load(tiny_store, write_annotations(tiny, body))
    assert [o.status for o in outcomes] == ["rejected"]
    assert isinstance(outcomes[0].error, LoadError)
    assert str(outcomes[0].error).endswith(message)
    assert dump(tiny_store) == before


def test_an_annotator_named_in_any_script_is_an_agent(tiny_store: AnyStore, tiny: Path) -> None:
    path = tiny / "fa.yaml"
    path.write_text(
        "document: t1\nannotator: گروه دادخواه\nmentions:\n  - quote: Evin Prison\n"
        "    entity: evin\n",
        encoding="utf-8",
    )
    outcome = load(tiny_store, path)[0]
    assert outcome.status == "loaded", outcome.error
    rows = tiny_store.select('SELECT ?agent WHERE { ?agent schema:name "گروه دادخواه" }')
    assert len(rows) == 1 and rows[0]["agent"].startswith(BASE + "agent/")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("my notes.yaml", "document: t1\nmentions:\n  - quote: Evin Prison\n    entity: evin\n"),
        ("registry new.yaml", "entities:\n  - id: x\n    type: Place\n    label: X\n"),
        ("my notes.jsonld", "RECOGITO"),
    ],
    ids=["curated", "registry", "web-annotations"],
)
def test_a_file_name_that_cannot_name_a_graph_is_rejected(
    jsonld_store: AnyStore, tiny: Path, name: str, content: str
) -> None:
    path = tiny / name
    text = json.dumps(recogito_export()) if content == "RECOGITO" else content
    path.write_text(text, encoding="utf-8")
    before = dump(jsonld_store)
    outcome = load(jsonld_store, path)[0]
    assert outcome.status == "rejected"
    assert str(outcome.error) == (
        f"{path}: file name: expected a name of 1-128 characters of A-Z a-z 0-9 . _ -, "
        f"starting with a letter or digit, before its extension (it names the file's graph), "
        f"found {path.stem!r}"
    )
    assert dump(jsonld_store) == before


@pytest.mark.parametrize("context", [["executed at "], 7, {"text": "x"}])
@pytest.mark.parametrize("key", ["prefix", "suffix"])
def test_a_selector_context_that_is_not_text_is_named(
    jsonld_store: AnyStore, tiny: Path, key: str, context: object
) -> None:
    export = recogito_export()
    export["target"]["selector"][0][key] = context
    (tiny / "odd.jsonld").write_text(json.dumps(export), encoding="utf-8")
    before = dump(jsonld_store)
    outcome = load(jsonld_store, tiny / "odd.jsonld")[0]
    assert outcome.status == "rejected"
    assert str(outcome.error).endswith(
        f"odd.jsonld: annotation 1.target.selector.{key}: expected a string, "
        f"found {json.dumps(context)}"
    )
    assert dump(jsonld_store) == before


@pytest.mark.parametrize(
    "iri", ["javascript:alert(document.cookie)", "JavaScript:void(0)", "data:text/html,x"]
)
def test_a_body_that_would_run_code_is_refused(
    jsonld_store: AnyStore, tiny: Path, iri: str
) -> None:
    """Pages link only to http(s) URLs whatever the store holds; the loader also refuses to
    store an entity IRI whose scheme runs code or embeds content where it is followed."""
    export = recogito_export()
    export["body"][0]["source"] = iri
    (tiny / "odd.jsonld").write_text(json.dumps(export), encoding="utf-8")
    before = dump(jsonld_store)
    outcome = load(jsonld_store, tiny / "odd.jsonld")[0]
    assert outcome.status == "rejected"
    assert "expected an IRI that names a resource (not javascript:" in str(outcome.error)
    assert str(outcome.error).endswith(f"found {iri!r}")
    assert dump(jsonld_store) == before


# ---------------------------------------------------------------- duplicate keys


@pytest.mark.parametrize(
    ("name", "content", "where", "found"),
    [
        (
            "bad.yaml",
            "document: t1\nmentions:\n  - quote: Judge Example\n    entity: judge\n"
            "claims: []\nmentions:\n  - quote: Evin Prison\n    entity: evin\n",
            "line 6, column 1",
            "'mentions' again (first on line 2)",
        ),
        (
            "bad.yaml",
            "document: t1\nmentions:\n  - quote: Evin Prison\n    entity: judge\n"
            "    entity: evin\n",
            "line 5, column 5",
            "'entity' again (first on line 4)",
        ),
        (
            "registry-2.yaml",
            "entities:\n  - id: x\n    type: Place\n    label: One\n    label: Two\n",
            "line 5, column 5",
            "'label' again (first on line 4)",
        ),
    ],
    ids=["top-level", "in-a-mention", "registry"],
)
def test_a_yaml_key_given_twice_is_rejected_with_its_line(
    tiny_store: AnyStore, tiny: Path, name: str, content: str, where: str, found: str
) -> None:
    path = tiny / name
    path.write_text(content, encoding="utf-8")
    before = dump(tiny_store)
    outcome = load(tiny_store, path)[0]
    assert outcome.status == "rejected"
    assert (
        str(outcome.error) == f"{path}: {where}: expected each key once in a mapping, found {found}"
    )
    assert dump(tiny_store) == before


def test_a_json_key_given_twice_is_rejected(jsonld_store: AnyStore, tiny: Path) -> None:
    text = json.dumps(recogito_export())
    text = text.replace('"exact": "Evin"', '"exact": "Evin", "exact": "Evin at"', 1)
    (tiny / "twice.jsonld").write_text(text, encoding="utf-8")
    before = dump(jsonld_store)
    outcome = load(jsonld_store, tiny / "twice.jsonld")[0]
    assert outcome.status == "rejected"
    assert str(outcome.error).endswith(
        "twice.jsonld: expected each key once in a JSON object, found 'exact' twice"
    )
    assert dump(jsonld_store) == before


# ---------------------------------------------------------------- Unicode forms of quotes

ACCENTED = "Report\n\nThe witness, René, was taken to Évin at night.\n"


def test_a_quote_in_another_unicode_form_anchors_as_the_text_does(
    tiny_store: AnyStore, tiny: Path
) -> None:
    """Documents are stored in NFC; a quote copied from a decomposed (NFD) copy of the same
    text names the same words and is normalized the same way, in what is stored too."""
    (tiny / "t4.txt").write_text(ACCENTED, encoding="utf-8")
    decomposed = unicodedata.normalize("NFD", "taken to Évin")
    assert decomposed != "taken to Évin"
    (tiny / "t4.yaml").write_text(
        "document: t4\nannotator: Test\n"
        f"mentions:\n  - quote: {unicodedata.normalize('NFD', 'Évin')}\n    entity: evin\n"
        f"    prefix: {unicodedata.normalize('NFD', 'René, was taken to ')!r}\n"
        f"quotes:\n  - id: q\n    speaker: witness\n    quote: {decomposed}\n",
        encoding="utf-8",
    )
    export = recogito_export()
    export["target"] = {
        "source": BASE + "document/t4",
        "selector": {
            "type": "TextQuoteSelector",
            "exact": unicodedata.normalize("NFD", "Évin"),
            "suffix": unicodedata.normalize("NFD", " at night"),
        },
    }
    (tiny / "t4-web.jsonld").write_text(json.dumps(export), encoding="utf-8")
    outcomes = load(tiny_store, tiny / "t4.txt", tiny / "t4.yaml", tiny / "t4-web.jsonld")
    assert [o.status for o in outcomes] == ["loaded"] * 3, [str(o.error) for o in outcomes]
    start = ACCENTED.index("Évin")
    assert sorted(stored_positions(tiny_store)) == [
        (start - 9, start + 4, "taken to Évin"),
        (start, start + 4, "Évin"),
        (start, start + 4, "Évin"),
    ]
    words = tiny_store.select("SELECT ?w WHERE { ?q a dk:Quote ; schema:text ?w }")
    assert words == [{"w": "taken to Évin"}]


# ---------------------------------------------------------------- creation dates


@pytest.mark.parametrize("created", ["1988-13-45", "yesterday", "2026-11-23T10:00:00Z"])
def test_a_curated_creation_date_is_a_valid_date(
    tiny_store: AnyStore, tiny: Path, created: str
) -> None:
    path = tiny / "bad.yaml"
    path.write_text(
        f"document: t1\ncreated: {created}\nmentions:\n  - quote: Evin Prison\n    entity: evin\n",
        encoding="utf-8",
    )
    before = dump(tiny_store)
    outcome = load(tiny_store, path)[0]
    assert str(outcome.error) == (
        f"{path}: file.created: expected a date, YYYY-MM-DD, found {created!r}"
    )
    assert dump(tiny_store) == before


@pytest.mark.parametrize(
    ("created", "stored"),
    [
        ("2024-05-01T10:00:00.123456789Z", "2024-05-01T10:00:00.123456789Z"),
        ("2024-05-01", "2024-05-01"),
        ("yesterday", None),
        ("2024-02-30T10:00:00Z", None),
        ("20240501T100000", None),
        (1714557600, None),
    ],
)
def test_a_web_annotation_creation_time_is_a_valid_xsd_time(
    jsonld_store: AnyStore, tiny: Path, created: object, stored: str | None
) -> None:
    export = recogito_export()
    export["created"] = created
    (tiny / "dated.jsonld").write_text(json.dumps(export), encoding="utf-8")
    before = dump(jsonld_store)
    outcome = load(jsonld_store, tiny / "dated.jsonld")[0]
    if stored is None:
        assert str(outcome.error).endswith(
            "dated.jsonld: annotation 1.created: expected an xsd:dateTime such as "
            f"2024-05-01T10:00:00Z, or an xsd:date, found {json.dumps(created)}"
        )
        assert dump(jsonld_store) == before
        return
    assert outcome.status == "loaded", outcome.error
    rows = jsonld_store.select(
        "SELECT (STR(?c) AS ?lexical) (DATATYPE(?c) AS ?type) WHERE { ?a dcterms:created ?c }"
    )
    kind = "dateTime" if "T" in stored else "date"
    assert rows == [{"lexical": stored, "type": f"http://www.w3.org/2001/XMLSchema#{kind}"}]


# ---------------------------------------------------------------- registry labels by language


def test_registry_labels_in_other_languages_are_preferred_labels(
    store: AnyStore, tiny: Path
) -> None:
    (tiny / "registry.yaml").write_text(
        (tiny / "registry.yaml")
        .read_text(encoding="utf-8")
        .replace("    aliases: [Evin]\n", "    aliases: [Evin]\n    labels: {fa: زندان اوین}\n"),
        encoding="utf-8",
    )
    outcome = load(store, tiny / "registry.yaml")[0]
    assert outcome.status == "loaded", outcome.error
    rows = store.select(
        "SELECT ?label (LANG(?label) AS ?lang) WHERE { "
        "<https://dadkhah.example/id/entity/evin> skos:prefLabel ?label } ORDER BY ?lang"
    )
    assert rows == [{"label": "Evin Prison", "lang": "en"}, {"label": "زندان اوین", "lang": "fa"}]


@pytest.mark.parametrize(
    ("labels", "where", "expected", "found"),
    [
        (
            "[زندان اوین]",
            "labels",
            "a mapping of language tags to labels, such as {fa: …}",
            "['زندان اوین']",
        ),
        (
            "{Persian: زندان اوین}",
            "labels.Persian",
            "a BCP 47 language tag such as fa",
            "'Persian'",
        ),
        ("{fa: [a, b]}", "labels.fa", "one label, a non-empty string", "['a', 'b']"),
        ("{en: Evin}", "labels.en", "no second English label beside label", "'Evin'"),
    ],
    ids=["list", "tag", "not-text", "second-english"],
)
def test_bad_registry_labels_are_named(
    store: AnyStore, tiny: Path, labels: str, where: str, expected: str, found: str
) -> None:
    path = tiny / "registry.yaml"
    path.write_text(
        f"entities:\n  - id: evin\n    type: Place\n    label: Evin Prison\n    labels: {labels}\n",
        encoding="utf-8",
    )
    outcome = load(store, path)[0]
    assert str(outcome.error) == f"{path}: entities[0].{where}: expected {expected}, found {found}"


def test_a_web_annotation_id_given_twice_is_named(jsonld_store: AnyStore, tiny: Path) -> None:
    first, second = recogito_export(), recogito_export()
    second["target"]["selector"] = {"type": "TextQuoteSelector", "exact": "Evin was"}
    (tiny / "twice.jsonld").write_text(json.dumps([first, second]), encoding="utf-8")
    before = dump(jsonld_store)
    outcome = load(jsonld_store, tiny / "twice.jsonld")[0]
    assert str(outcome.error).endswith(
        "twice.jsonld: annotation 2.id: expected each annotation id once in the file, "
        "found 'https://recogito.example/annotation/1' again (annotation 1 has it)"
    )
    del first["id"], second["id"]
    (tiny / "twice.jsonld").write_text(json.dumps([first, first]), encoding="utf-8")
    outcome = load(jsonld_store, tiny / "twice.jsonld")[0]
    assert str(outcome.error).endswith(
        "twice.jsonld: annotation 2: expected each annotation once in the file, "
        "found a copy of annotation 1"
    )
    assert dump(jsonld_store) == before


def test_the_quote_decides_over_a_position_that_contradicts_its_context() -> None:
    """A position is used only where the exact words and their prefix and suffix all fit:
    elsewhere it is stale, and the quote is re-anchored (and the move reported)."""
    text = (TINY / "t1.txt").read_text(encoding="utf-8")
    assert text[19:23] == "Evin" and text[123:127] == "Evin"
    quote = Quote("Evin", prefix="executed at ", suffix=" Prison", start=19, end=23)
    found = anchor(text, quote, path="x", where="annotation 1")
    assert (found.start, found.end) == (123, 127)
    assert found.note == "annotation 1: stated position 19-23 re-anchored to 123"
    # among places that all fit, the position picks one
    both = anchor(text, Quote("Evin", start=123, end=127), path="x", where="annotation 1")
    assert (both.start, both.end, both.note) == (123, 127, None)


def test_a_web_annotation_lands_where_its_quote_fits(tiny_store: AnyStore, tiny: Path) -> None:
    export = recogito_export()
    export["target"] = {
        "source": DOC,
        "selector": [
            {"type": "TextQuoteSelector", "exact": "Evin", "prefix": "executed at ",
             "suffix": " Prison"},
            {"type": "TextPositionSelector", "start": 19, "end": 23},
        ],
    }  # fmt: skip
    (tiny / "conflict.jsonld").write_text(json.dumps(export), encoding="utf-8")
    outcome = load(tiny_store, tiny / "conflict.jsonld")[0]
    assert outcome.status == "loaded", outcome.error
    assert len(outcome.notes) == 1
    assert outcome.notes[0].endswith("annotation 1: stated position 19-23 re-anchored to 123")
    assert stored_positions(tiny_store) == [(123, 127, "Evin")]
    prefix = tiny_store.select('SELECT ?p WHERE { ?q oa:exact "Evin" ; oa:prefix ?p }')
    assert [r["p"].endswith("executed at ") for r in prefix] == [True]


def test_a_json_file_may_begin_with_a_byte_order_mark(jsonld_store: AnyStore, tiny: Path) -> None:
    """As documents and YAML files may: editors on Windows write one."""
    (tiny / "bom.jsonld").write_bytes(b"\xef\xbb\xbf" + json.dumps(recogito_export()).encode())
    outcome = load(jsonld_store, tiny / "bom.jsonld")[0]
    assert outcome.status == "loaded", outcome.error
    assert len(stored_positions(jsonld_store)) == 1
