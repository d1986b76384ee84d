"""The worked queries in ``queries/`` over the bundled corpus: each one parses with only the
prefixes it declares, gives the same rows in process and through the SPARQL endpoint, and
answers its question with evidence that holds up: every quoted word is in the document it is
said to come from, at the place it is said to stand, and every cross-check done with a
simpler query agrees."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from dadkhah.namespaces import PREFIXES
from dadkhah.resources import queries_dir
from dadkhah.store import rows_of
from tests.backends import AnyStore, Backend, opened

BASE = "https://dadkhah.example/id/"
ENTITY = BASE + "entity/"
EXPECTED = {
    "committee-members.rq",
    "documents-mentioning-both.rq",
    "executed-figures.rq",
    "place-mentions.rq",
    "quotes-by-person.rq",
}
Rows = list[dict[str, Any]]


def query_files() -> list[Path]:
    return sorted(queries_dir().glob("*.rq"))


def text_of(name: str) -> str:
    return (queries_dir() / name).read_text(encoding="utf-8")


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def location(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One private copy of the loaded corpus for the module (every query here only reads)."""
    with backend.corpus(tmp_path_factory.mktemp("worked")) as where:
        yield where


@pytest.fixture(scope="module")
def corpus(location: str) -> Iterator[AnyStore]:
    with opened(location) as store:
        yield store


@pytest.fixture(scope="module")
def endpoint(location: str, corpus: AnyStore) -> FlaskClient:
    from server import create_app

    return create_app({"store": location, "base_iri": BASE}, store=corpus).test_client()


@pytest.fixture(scope="module")
def results(corpus: AnyStore) -> dict[str, Rows]:
    """Every worked query's rows, run exactly as written: no predeclared prefixes."""
    return {p.name: rows_of(corpus.query(text_of(p.name))) for p in query_files()}


@pytest.fixture(scope="module")
def texts(corpus: AnyStore) -> dict[str, str]:
    """Each document's identifier and its stored (normalized) text."""
    rows = corpus.select(
        "SELECT ?document ?text WHERE "
        "{ ?d dcterms:identifier ?document ; dk:capture/dk:normalizedText ?text }"
    )
    found = {r["document"]: r["text"] for r in rows}
    assert len(found) == len(rows) == 5
    return found


def names_of(store: AnyStore, entity: str) -> set[str]:
    """Every name an entity goes by: label, aliases, transliterations."""
    rows = store.select(
        f"SELECT ?name WHERE {{ <{entity}> skos:prefLabel|skos:altLabel|dk:transliteration ?name }}"
    )
    return {r["name"] for r in rows}


def grouped(rows: Rows, key: str) -> dict[Any, Rows]:
    out: dict[Any, Rows] = {}
    for row in rows:
        out.setdefault(row[key], []).append(row)
    return out


# ---------------------------------------------------------------- the folder and the files


def test_the_folder_holds_exactly_the_worked_queries() -> None:
    assert {p.name for p in queries_dir().iterdir()} == EXPECTED


def strip_for_prefix_use(sparql: str) -> str:
    """The query without IRIs, string literals and comments, where ``p:name`` can only be a
    prefixed name."""
    sparql = re.sub(r"<[^<>\s]*>", " ", sparql)
    sparql = re.sub(r'"(?:[^"\\]|\\.)*"', " ", sparql)
    return re.sub(r"#[^\n]*", " ", sparql)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_has_a_header_its_prefixes_and_one_values_block(name: str) -> None:
    sparql = text_of(name)
    lines = sparql.splitlines()
    assert lines[0].startswith("# ") and len(lines[0]) > 20, "no comment header"
    declared = dict(re.findall(r"^PREFIX\s+([\w-]*):\s*<([^>]*)>", sparql, re.M))
    assert declared, "no PREFIX lines"
    # the same IRI Dadkhah binds the prefix to: a wrong one would silently match nothing
    assert {p: iri for p, iri in declared.items() if PREFIXES.get(p) != iri} == {}
    body = strip_for_prefix_use(re.sub(r"^PREFIX[^\n]*", " ", sparql, flags=re.M))
    used = set(re.findall(r"(?<![\w?$])([A-Za-z][\w-]*):[A-Za-z_]", body))
    assert used, "no prefixed names found; the check is broken"
    assert used - declared.keys() == set(), "used but not declared"
    assert declared.keys() - used == set(), "declared but not used"
    assert len(re.findall(r"\bVALUES\b", body)) == 1  # the parameter, in one place


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_query_runs_without_predeclared_prefixes(corpus: AnyStore, name: str) -> None:
    # ``query`` adds no prefixes unless asked (``select`` would predeclare Dadkhah's)
    rows = rows_of(corpus.query(text_of(name), known_prefixes=False))
    assert rows, f"{name} answers nothing on the bundled corpus"


def cells(rows: Rows) -> list[tuple[tuple[str, str | None], ...]]:
    return sorted(
        tuple(sorted((k, None if v is None else str(v)) for k, v in row.items())) for row in rows
    )


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_endpoint_gives_the_same_rows(
    endpoint: FlaskClient, results: dict[str, Rows], name: str
) -> None:
    response = endpoint.post(
        "/sparql",
        data={"query": text_of(name)},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body is not None
    names = body["head"]["vars"]
    over_http = [
        {v: (b[v]["value"] if v in b else None) for v in names} for b in body["results"]["bindings"]
    ]
    direct = results[name]
    assert len(over_http) == len(direct) > 0
    assert names == list(direct[0])
    assert cells(over_http) == cells(direct)


# ---------------------------------------------------------------- what each query answers


def test_executed_figures_keep_disagreeing_claims_apart(
    results: dict[str, Rows], texts: dict[str, str]
) -> None:
    rows = results["executed-figures.rq"]
    by_value = grouped(rows, "value")
    assert {30000, 33700} <= by_value.keys()
    claimants_30000 = {r["claimant"] for r in by_value[30000]}
    claimants_33700 = {r["claimant"] for r in by_value[33700]}
    assert claimants_30000 and claimants_33700
    assert claimants_30000.isdisjoint(claimants_33700)
    for row in rows:
        assert row["claimant"] and row["qualifier"] and row["document"] in texts
        figures = [row[k] for k in ("value", "min", "max") if row[k] is not None]
        assert figures, row
        for figure in figures:  # as the source writes it: 30,000 / 33,700
            assert f"{figure:,}" in row["quote"], row
        assert row["quote"] in texts[row["document"]], row


def test_committee_members_name_raisi_in_the_quoted_words(
    corpus: AnyStore, results: dict[str, Rows], texts: dict[str, str]
) -> None:
    rows = results["committee-members.rq"]
    raisi = [r for r in rows if r["member"] == "Ebrahim Raisi"]
    assert raisi
    names = names_of(corpus, ENTITY + "raisi")
    assert "Ebrahim Raisi" in names
    for row in raisi:
        assert any(n in row["quote"] for n in names), row  # the source spells him "Raesi"
        assert row["document"] in texts
    members = {
        r["label"]: r["m"]
        for r in corpus.select("SELECT ?m ?label WHERE { ?m a dk:Person ; skos:prefLabel ?label }")
    }
    for row in rows:
        assert row["committee"] and row["claimant"], row
        assert row["quote"] in texts[row["document"]], row
        assert any(n in row["quote"] for n in names_of(corpus, members[row["member"]])), row


def test_place_mentions_cut_whole_sentences_at_the_stated_offsets(
    corpus: AnyStore, results: dict[str, Rows], texts: dict[str, str]
) -> None:
    rows = results["place-mentions.rq"]
    assert rows
    names = names_of(corpus, ENTITY + "evin-prison")
    for row in rows:
        text, start = texts[row["document"]], row["start"]
        exact, sentence = row["exact"], row["sentence"]
        assert exact in names and "Evin" in exact, row
        assert text[start : start + len(exact)] == exact, row
        assert exact in sentence, row
        # the sentence is the text around the mention, not words put together elsewhere
        cuts = [
            m.start()
            for m in re.finditer(re.escape(sentence), text)
            if m.start() <= start and start + len(exact) <= m.start() + len(sentence)
        ]
        assert len(cuts) == 1, row
        before, after = text[: cuts[0]], text[cuts[0] + len(sentence) :]
        assert before == "" or re.search(r"[.!?\n]\s*$", before), row
        assert sentence.endswith((".", "!", "?")) or after == "" or after.startswith("\n"), row
    # every mention of the place whose words stand at its offsets is shown, none dropped
    mentions = corpus.select(
        f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m oa:hasBody <{ENTITY}evin-prison> ; "
        "oa:motivatedBy oa:identifying }"
    )
    assert len(rows) == mentions[0]["n"]


def test_quotes_by_person_come_from_their_documents(
    corpus: AnyStore, results: dict[str, Rows], texts: dict[str, str]
) -> None:
    rows = results["quotes-by-person.rq"]
    assert rows
    assert any("waging war on God" in r["words"] for r in rows)
    anchors = {
        r["a"]: r
        for r in corpus.select(
            "SELECT ?a ?exact ?document WHERE { ?a oa:hasTarget ?t . "
            "?t oa:hasSelector/oa:exact ?exact ; oa:hasSource/dcterms:identifier ?document }"
        )
    }
    for row in rows:
        assert row["document"] in texts, row
        assert row["words"] in texts[row["document"]], row
        anchor = anchors[row["evidence"]]  # the annotation exists and anchors these words
        assert anchor["exact"] == row["words"] and anchor["document"] == row["document"], row


def mention_counts(store: AnyStore, entity: str) -> dict[str, int]:
    rows = store.select(
        f"SELECT ?document (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a oa:hasBody <{ENTITY}{entity}> ; "
        "oa:motivatedBy oa:identifying ; oa:hasTarget/oa:hasSource/dcterms:identifier ?document "
        "} GROUP BY ?document"
    )
    return {r["document"]: r["n"] for r in rows}


def test_documents_mentioning_both_are_exactly_those_that_do(
    corpus: AnyStore, results: dict[str, Rows], texts: dict[str, str]
) -> None:
    rows = results["documents-mentioning-both.rq"]
    assert rows
    # counted from the annotations themselves, not from the schema:mentions shortcut
    raisi, evin = mention_counts(corpus, "raisi"), mention_counts(corpus, "evin-prison")
    assert [r["document"] for r in rows] == sorted(raisi.keys() & evin.keys())
    assert raisi.keys() ^ evin.keys(), "no document names only one: the check is too easy"
    for row in rows:
        assert row["document"] in texts and row["title"], row


def test_every_mentions_link_stands_beside_its_annotation(corpus: AnyStore) -> None:
    """Each ``schema:mentions`` link and each identifying annotation on a resource come in
    pairs in one graph: no link without words that name the entity, no mention left out."""
    links = corpus.select(
        "SELECT DISTINCT ?g ?doc ?entity WHERE { GRAPH ?g { ?doc schema:mentions ?entity } }"
    )
    annotated = corpus.select(
        "SELECT DISTINCT ?g ?doc ?entity WHERE { GRAPH ?g { ?a oa:motivatedBy oa:identifying ;"
        " oa:hasBody ?entity ; oa:hasTarget/oa:hasSource ?doc } }"
    )
    assert len(links) > 20
    assert {tuple(r.values()) for r in links} == {tuple(r.values()) for r in annotated}


def test_changing_the_values_line_asks_about_something_else(
    corpus: AnyStore, results: dict[str, Rows]
) -> None:
    sparql = text_of("place-mentions.rq")
    other = sparql.replace(f"<{ENTITY}evin-prison>", f"<{ENTITY}gohardasht-prison>")
    assert other != sparql
    rows = rows_of(corpus.query(other))
    assert rows and rows != results["place-mentions.rq"]
    names = names_of(corpus, ENTITY + "gohardasht-prison")
    assert all(r["exact"] in names for r in rows)


# ---------------------------------------------------------------- the README


def test_the_readme_lists_every_query_and_shows_one_as_it_is() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Example queries") :]
    listed = set(re.findall(r"^\| `([\w-]+\.rq)` \|", section, re.M))
    assert listed == EXPECTED
    shown = re.findall(r"```sparql\n(.*?)```", section, re.S)
    assert shown == [text_of("executed-figures.rq")]


def test_names_in_other_languages_add_no_rows(corpus_store: AnyStore) -> None:
    """A registry may give an entity a preferred label in each language (``labels:``): the
    worked queries and the query page's examples still give one row per answer, named in
    English, and the index of persons still sorts by the English names."""
    from server import create_app
    from server.pages import EXAMPLES, prologue

    queries = {p.name: text_of(p.name) for p in query_files()}
    queries |= {name: prologue() + query for name, _, query in EXAMPLES}
    before = {name: rows_of(corpus_store.query(q)) for name, q in queries.items()}
    persons = create_app({"store": corpus_store.path, "base_iri": BASE}, store=corpus_store)
    page = persons.test_client().get("/persons").get_data(as_text=True)
    corpus_store.update(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "INSERT { GRAPH ?g { ?e skos:prefLabel ?fa } } WHERE { GRAPH ?g { ?e skos:prefLabel ?l } "
        'BIND(STRLANG(CONCAT("ف ", STR(?l)), "fa") AS ?fa) }'
    )
    labels = corpus_store.select(f"SELECT ?l WHERE {{ <{ENTITY}raisi> skos:prefLabel ?l }}")
    assert sorted(str(r["l"]) for r in labels) == ["Ebrahim Raisi", "ف Ebrahim Raisi"]
    assert {name: rows_of(corpus_store.query(q)) for name, q in queries.items()} == before
    again = persons.test_client().get("/persons").get_data(as_text=True)
    assert re.findall(r"<td>.*?</td>", again) == re.findall(r"<td>.*?</td>", page)
