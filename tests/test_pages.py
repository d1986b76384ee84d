"""Pages for people: what each page shows, and that untrusted values reach it as text."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from flask.testing import FlaskClient

from dadkhah import __version__
from dadkhah.iris import Minter
from dadkhah.resources import corpus_dir
from dadkhah.store import EmbeddedStore
from loaders.commit import discover, load_paths
from server.highlight import Span, render

BASE = "https://dadkhah.example/id/"
XSS_DATA = Path(__file__).resolve().parent / "data" / "pages-xss"
EVIN = "/id/entity/evin-prison"
DOC = "003_0b376dec0ab0c89d"


@pytest.fixture(params=[2_000, 0], ids=["sorted", "engine order"])
def page_order(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Paged lists ordered by IRI (up to 2,000 items), then in the engine's order (past 0)."""
    from server import description

    monkeypatch.setattr(description, "SORTED_UP_TO", request.param)
    return int(request.param)


def walk(client: FlaskClient, path: str, section: str) -> Iterator[tuple[int, str]]:
    """Each page of a paged section, from ``path`` on, following its "next →" link: the
    page's number and the section's HTML."""
    number = 0
    following: str | None = path
    while following:
        number += 1
        assert number <= 100  # a pager that never ends
        page = text(client, following)
        part = page[page.index(f'<section id="{section}">') :]
        part = part[: part.index("</section>")]
        yield number, part
        found = re.search(r'<a href="([^"]+)">next →</a>', part)
        following = unescape(found.group(1)).split("#")[0] if found else None


def text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


class Collector(HTMLParser):
    """Ids, links and the nesting of a page, checking every element it opens is closed."""

    VOID = {"meta", "link", "br", "input", "img", "hr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.stack: list[str] = []
        self.scripts: list[str] = []
        self.styled: list[str] = []  # elements with a style attribute, which the CSP blocks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if "style" in values or any(name.startswith("on") for name in values):
            self.styled.append(tag)
        if tag == "style":
            self.styled.append(tag)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        if tag == "script":
            self.scripts.append(str(values.get("src")))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def parsed(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    assert collector.stack == []
    return collector


def test_landing_page_has_statistics_and_links_to_everything(client: FlaskClient) -> None:
    page = text(client, "/")
    links = parsed(page).links
    for target in (
        "/dumps/dadkhah.trig",
        "/dumps/dadkhah.nq.gz",
        "/void",
        "/ontology",
        "/shapes",
        "/sparql",
        "/query",
        "/ontology/alignment.ttl",
        "/documents",
        "/persons",
        "/organizations",
        "/places",
        "/events",
        "/works",
        "/claims",
    ):
        assert target in links, target
    assert re.search(r"<b>5</b><a href=\"/documents\">documents</a>", page)
    assert "<b>106</b>" in page and "<b>25</b>" in page  # claims, persons


def test_entity_page_shows_names_links_mentions_and_claims(client: FlaskClient) -> None:
    page = text(client, EVIN)
    found = parsed(page)
    assert "<h1>Evin Prison</h1>" in page
    assert "Also called" in page and ">Evin<" in page
    assert "located in" in page and ">Tehran</a>" in page  # outgoing, by label
    assert "took place at" in page and "1988 mass executions of political prisoners in Iran" in page
    assert "graph/registry/registry" in page  # the graph each statement comes from
    anchors = [link for link in found.links if "#annotation/" in link]
    assert len(anchors) >= 3
    for link in anchors:
        path, fragment = link.split("#", 1)
        assert fragment in parsed(text(client, path)).ids, link
    assert "Claims about Evin Prison" in page
    assert "Prior to him, a senior official" in page  # the sentence of a mention


def test_entity_page_paginates_incoming_links_and_mentions(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = text(client, "/id/agent/dadkhah-curators")  # the annotator of ~460 annotations
    assert "page 1 of 10" in page and "in_page=2#incoming" in page
    last = text(client, "/id/agent/dadkhah-curators?in_page=10")
    assert "page 10 of 10" in last and "in_page=9#incoming" in last


def test_entity_mentions_are_paged_by_document_and_each_shown_once(
    client: FlaskClient,
    corpus_store: EmbeddedStore,
    monkeypatch: pytest.MonkeyPatch,
    page_order: int,
) -> None:
    from server import entity_view
    from server.labels import anchor_id

    monkeypatch.setattr(entity_view, "MENTION_DOCS", 2)
    rows = corpus_store.select(
        f"SELECT DISTINCT ?ann ?doc WHERE {{ ?ann oa:hasBody <{BASE}entity/mek> ; "
        "oa:motivatedBy oa:identifying ; oa:hasTarget/oa:hasSource ?doc }"
    )
    documents = {r["doc"] for r in rows}
    assert len(documents) >= 3  # at least two pages of two
    pages = -(-len(documents) // 2)
    shown: list[str] = []
    seen_docs: list[str] = []
    for number in range(1, pages + 1):
        page = text(client, f"/id/entity/mek?mentions_page={number}")
        section = page[page.index('<section id="mentions">') :]
        section = section[: section.index("</section>")]
        assert f"({len(documents)} documents)" in section
        assert f"page {number} of {pages}" in section
        heads = re.findall(r"<h3><a href=\"([^\"]+)\"", section)
        assert 1 <= len(heads) <= 2
        seen_docs += heads
        shown += re.findall(r'href="[^"#]+#(annotation/[^"]+)" class="in-context"', section)
    assert len(seen_docs) == len(set(seen_docs)) == len(documents)
    with client.application.app_context():
        expected = sorted(anchor_id(r["ann"]) for r in rows)
    assert sorted(shown) == expected


def test_pejorative_labels_are_marked_never_used_as_names(client: FlaskClient) -> None:
    page = text(client, "/id/entity/mek")
    title = page[page.index("<title>") : page.index("</title>")]
    heading = page[page.index("<h1>") : page.index("</h1>")]
    assert "Monafeqin" not in title + heading
    names = page[page.index('<section id="names">') : page.index('<dt class="pejorative">')]
    assert "Monafeqin" not in names
    marked = page[page.index('<dt class="pejorative">') :]
    assert "Monafeqin" in marked[: marked.index("</dd>")]
    assert "not names of this entity" in marked[: marked.index("</dd>")]


def test_document_page_shows_fixity_provenance_and_annotated_text(client: FlaskClient) -> None:
    page = text(client, f"/id/document/{DOC}")
    data = (corpus_dir() / "documents" / f"{DOC}.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() in page
    assert f"{len(data):,} bytes" in page
    assert "text/plain" in page and "Provenance" in page and f"loader {__version__}" in page
    found = parsed(page)
    assert 'class="evidence claim"' in page and 'class="mention"' in page
    assert "artefact" in page  # dimmed scraping artefacts
    assert re.search(r'title="Evin Prison \([^"]*place[^"]*\)"', page)
    assert re.search(r'title="claim: [^"]+"', page)
    assert any(link.startswith("/id/claim/") for link in found.links)
    assert any(i.startswith("annotation/") for i in found.ids)
    assert "Claims stated in this document" in page


def test_claims_compared_side_by_side(client: FlaskClient, corpus_store: EmbeddedStore) -> None:
    page = text(client, "/claims?about=massacre-1988")
    expected = corpus_store.select(
        f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c dk:about <{BASE}entity/massacre-1988> }}"
    )[0]["n"]
    assert page.count('class="figure"') == expected
    assert "number of people executed" in page and "more than 30,000" in page
    assert "“ordered the execution of more than 30,000 political prisoners”" in page
    assert 'class="group"' in page  # grouped by claimant
    assert client.get("/claims?about=nobody").status_code == 404
    index = text(client, "/claims")
    assert "/claims?about=" in index and "page 1 of 2" in index


@pytest.mark.parametrize(
    ("name", "count"),
    [("persons", 25), ("organizations", 22), ("places", 11), ("events", 12), ("works", 6)],
)
def test_index_pages_list_every_entity_of_their_class(
    client: FlaskClient, name: str, count: int
) -> None:
    page = text(client, f"/{name}")
    assert len([a for a in parsed(page).links if a.startswith("/id/entity/")]) == count


def test_index_pages_are_paged_with_counts_from_the_store(
    client: FlaskClient, corpus_store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import pages

    monkeypatch.setattr(pages, "INDEX_PAGE", 10)
    persons = {href(r["e"]) for r in corpus_store.select("SELECT ?e WHERE { ?e a dk:Person }")}
    shown: list[str] = []
    for number in (1, 2, 3):
        page = text(client, f"/persons?page={number}")
        assert f"<small>({len(persons)})</small>" in page and f"page {number} of 3" in page
        rows = re.findall(r'<tr><td><a href="(/id/entity/[^"]+)">.*?</tr>', page, flags=re.S)
        shown += rows
        for row in re.findall(r'<tr><td><a href="/id/entity/[^"]+">.*?</tr>', page, flags=re.S):
            entity = re.search(r'href="/id/entity/([^"]+)"', row)
            assert entity
            naming = corpus_store.select(
                "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE "
                f"{{ ?d schema:mentions <{BASE}entity/{entity[1]}> }}"
            )
            cells = re.findall(r'<td class="num">(?:<a [^>]+>)?(\d+)', row)
            assert int(cells[0]) == int(naming[0]["n"]), entity[1]
    assert len(shown) == len(set(shown)) == len(persons) and set(shown) == persons


def test_documents_index(client: FlaskClient) -> None:
    links = parsed(text(client, "/documents")).links
    assert len([a for a in links if a.startswith("/id/document/")]) == 5


def test_search_ranks_names_first_and_shows_snippets(client: FlaskClient) -> None:
    page = text(client, "/search?q=Evin")
    first = re.search(r'<div class="hit">\s*<a href="([^"]+)"', page)
    assert first and first.group(1) == EVIN
    assert "<mark>Evin</mark>" in page and "occurrence" in page
    raisi = text(client, "/search?q=raeesi")
    assert "/id/entity/raisi" in raisi and "transliteration" in raisi
    slur = text(client, "/search?q=monafeqin")
    assert "/id/entity/mek" in slur and "pejorative label" in slur
    assert "results for" in text(client, "/search?q=%22%3E%3Cscript%3E")


def test_query_page_posts_to_the_endpoint_and_its_examples_run(client: FlaskClient) -> None:
    page = text(client, "/query")
    assert '<form id="query-form" action="/sparql" method="post"' in page
    assert "<textarea" in page and "/static/query.js" in page
    from server.pages import EXAMPLES, prologue

    for name, _, query in EXAMPLES:
        assert text(client, f"/query?example={name}")
        response = client.post(
            "/sparql",
            data={"query": prologue() + query},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, name
        assert response.get_json()["results"]["bindings"], name


@pytest.mark.parametrize("number", ["9223372036854775807", "99999999999999999999", "40"])
@pytest.mark.parametrize(
    ("path", "param", "section"),
    [
        ("/documents", "page", None),
        ("/claims", "page", None),
        ("/claims?about=massacre-1988", "page", None),
        ("/id/entity/raisi", "mentions_page", "mentions"),
        ("/id/entity/raisi", "made_page", "claims-made"),
        ("/id/entity/massacre-1988", "about_page", "claims-about"),
        ("/id/entity/raisi", "in_page", "incoming"),
        (f"/id/document/{DOC}", "in_page", "incoming"),
        ("/search?q=prison", "page", None),
        ("/persons", "page", None),
    ],
)
def test_a_page_past_the_end_is_empty_and_leads_back_to_the_last(
    client: FlaskClient, path: str, param: str, section: str | None, number: str
) -> None:
    """A page number past a list's end, however large, is that list's empty page, whose pager
    leads back to the last page; the page's other lists are unchanged."""
    joined = f"{path}{'&' if '?' in path else '?'}{param}={number}"
    page = text(client, joined)
    previous = [link for link in parsed(page).links if f"{param}=" in link]
    assert previous, joined
    last = {int(parse_qs(urlparse(unescape(link)).query)[param][0]) for link in previous}
    assert max(last) <= 5, (joined, last)  # back to the last page, not to the number - 1
    if section is not None:
        assert f'<section id="{section}">' in page
        part = page[page.index(f'<section id="{section}">') :]
        part = part[: part.index("</section>")]
        assert "/id/claim/" not in part and "#annotation/" not in part, joined  # empty


# ---------------------------------------------------------------------- escaping


@pytest.fixture
def hostile_app(corpus_store: EmbeddedStore) -> Flask:
    """The corpus plus a registry, a document and annotations full of markup."""
    from server import create_app

    outcomes = list(load_paths(corpus_store, discover([str(XSS_DATA)]), Minter(BASE)))
    assert len(outcomes) == 3 and not [o for o in outcomes if o.error]
    return create_app({"store": corpus_store.path, "base_iri": BASE}, store=corpus_store)


HOSTILE_PAGES = [
    "/id/entity/mallory",
    "/id/document/xss-doc",
    "/search?q=mallory",
    "/search?q=window",
    "/persons",
    "/claims?about=mallory",
    "/claims",
    "/id/claim/xss-doc/hostile-claim",
    "/id/quote/xss-doc/hostile-quote",
    "/id/annotation/xss-doc/hostile-claim",
    "/id/agent/script-window---xss-annotator---1--script",
    "/documents",
    "/",
]


def test_markup_in_labels_texts_and_annotations_is_escaped(hostile_app: Flask) -> None:
    client = hostile_app.test_client()
    for path in HOSTILE_PAGES:
        page = text(client, path)
        assert "<script>window" not in page, path
        assert "<img src=x" not in page and "<svg onload" not in page, path
        assert all(src and src.startswith("/static/") for src in parsed(page).scripts), path
    entity = text(client, "/id/entity/mallory")
    assert "&lt;script&gt;window.__xss_label = 1&lt;/script&gt;Mallory" in entity
    assert "&lt;svg onload=" in entity
    doc = text(client, "/id/document/xss-doc")
    assert "&lt;img src=x onerror=" in doc


SCRIPT_IRI = "javascript:alert(document.cookie)"
DATA_IRI = "data:text/html,%3Cscript%3Ex%3C/script%3E"


@pytest.fixture
def scheme_app(corpus_store: EmbeddedStore) -> Flask:
    """The corpus plus, written as SPARQL Update or the Graph Store could write them, a
    mention whose body is a ``javascript:`` IRI (with the document's ``schema:mentions``
    shortcut to it) and an entity whose ``owl:sameAs`` and ``schema:url`` are
    ``javascript:`` and ``data:`` IRIs. Every one is a valid IRI."""
    from server import create_app

    document = f"{BASE}document/{DOC}"
    found = corpus_store.select(
        "SELECT ?a ?g WHERE { GRAPH ?g { ?a oa:motivatedBy oa:identifying ; oa:hasTarget ?t . "
        f"?t oa:hasSource <{document}> }} }} ORDER BY ?a LIMIT 1"
    )
    annotation, graph = found[0]["a"], found[0]["g"]
    corpus_store.update(
        "INSERT DATA { "
        f"GRAPH <{graph}> {{ <{annotation}> <http://www.w3.org/ns/oa#hasBody> <{SCRIPT_IRI}> . "
        f"<{document}> <https://schema.org/mentions> <{SCRIPT_IRI}> }} "
        f"GRAPH <{BASE}graph/registry/registry> {{ <{BASE}entity/evin-prison> "
        f"<http://www.w3.org/2002/07/owl#sameAs> <{SCRIPT_IRI}> ; "
        f"<https://schema.org/url> <{DATA_IRI}> }} }}"
    )
    app = create_app({"store": corpus_store.path, "base_iri": BASE}, store=corpus_store)
    app.config["HOSTILE_ANNOTATION"] = annotation
    return app


def test_iris_of_other_schemes_than_http_are_shown_as_text_never_linked(
    scheme_app: Flask,
) -> None:
    client = scheme_app.test_client()
    annotation = str(scheme_app.config["HOSTILE_ANNOTATION"]).removeprefix(BASE)
    for path in (f"/id/document/{DOC}", f"/id/{annotation}", EVIN, "/search?q=evin"):
        page = text(client, path)
        links = parsed(page).links
        assert links, path
        assert all(re.match(r"(https?://|/(?![/\\])|#|\?)", link) for link in links), path
        assert not any("javascript:" in link or "data:" in link for link in links), path
    for path, shown in (
        (f"/id/document/{DOC}", SCRIPT_IRI),
        (f"/id/{annotation}", SCRIPT_IRI),
        (EVIN, SCRIPT_IRI),
        (EVIN, DATA_IRI),
    ):
        assert f'<span class="unlinked">{shown}</span>' in text(client, path), (path, shown)


@pytest.mark.parametrize(
    ("iri", "expected"),
    [
        (BASE + "entity/raisi", "/id/entity/raisi"),
        ("https://www.wikidata.org/wiki/Q1", "https://www.wikidata.org/wiki/Q1"),
        ("HTTP://example.org/a", "HTTP://example.org/a"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        ("data:text/html,x", None),
        ("vbscript:x", None),
        ("file:///etc/passwd", None),
        ("urn:x:1", None),
        ("mailto:a@example.org", None),
        ("//evil.example/x", None),
    ],
)
def test_links_go_only_to_pages_here_and_http_urls(
    app: Flask, iri: str, expected: str | None
) -> None:
    from server.labels import href, in_text, safe_url

    with app.test_request_context("/"):
        assert href(iri) == expected
        linked = in_text(iri, BASE + "annotation/b/m1")
        assert linked == (f"{expected}#annotation/b/m1" if expected else None)
    assert safe_url("/\\evil.example") is None and safe_url("/id/x") == "/id/x"


def test_html_pages_forbid_inline_script_and_other_origins(client: FlaskClient) -> None:
    for path in ("/", EVIN, f"/id/document/{DOC}", "/claims?about=massacre-1988", "/query",
                 "/id/entity/nobody"):  # fmt: skip
        response = client.get(path)
        policy = response.headers.get("Content-Security-Policy", "")
        assert policy, path
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives.get("default-src") == "'none'", path
        assert directives.get("script-src") == "'self'", path
        assert directives.get("style-src") == "'self'", path
        assert "frame-ancestors" in directives and "base-uri" in directives, path
        # the pages need nothing the policy refuses: no inline style, handler or script
        found = parsed(response.get_data(as_text=True))
        assert found.styled == [], path
        assert all(src.startswith("/static/") for src in found.scripts), path
    turtle = client.get(EVIN, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "Content-Security-Policy" not in turtle.headers


# ---------------------------------------------------------------------- highlighting


def test_highlighting_nests_crossing_spans_and_links_the_innermost_mention() -> None:
    sample = "Ebrahim Raisi ordered <b>30,000</b> killed."
    html = str(render(sample, [
        Span(0, 13, "mention", "m1", "mention", "Raisi (person)", "/id/entity/raisi"),
        Span(8, 34, "evidence", "c1", "evidence claim", 'claim "x"', "/id/claim/b/c"),
        Span(0, len(sample), "segment", "s1", "seg", "title"),
    ]))  # fmt: skip
    found = parsed(html)
    assert found.ids == {"m1", "c1", "s1"}  # each id once, on the first piece
    assert '<a href="/id/entity/raisi" title="Raisi (person) · claim &#34;x&#34;">Raisi</a>' in html
    assert "&lt;b&gt;30,000&lt;/b" in html and "<b>" not in html
    assert re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">") == sample
    assert "<a" not in re.sub(r"<a [^>]*>[^<]*</a>", "", html)  # links hold text only


@pytest.mark.parametrize(
    ("entity", "section", "param", "pattern", "kind"),
    [
        ("khomeini", "claims-about", "about_page",
         "{ ?c dk:about <E> } UNION { ?c rdf:subject <E> } UNION { ?c rdf:object <E> }",
         "dk:Claim"),
        ("massacre-1988", "claims-about", "about_page",
         "{ ?c dk:about <E> } UNION { ?c rdf:subject <E> } UNION { ?c rdf:object <E> }",
         "dk:Claim"),
        ("mek", "claims-made", "made_page", "?c dk:claimant <E> .", "dk:Claim"),
        ("khomeini", "quotes", "quotes_page", "?c dk:speaker <E> .", "dk:Quote"),
    ],
)  # fmt: skip
def test_entity_claims_are_paged_and_each_shown_once(
    client: FlaskClient,
    corpus_store: EmbeddedStore,
    monkeypatch: pytest.MonkeyPatch,
    entity: str,
    section: str,
    param: str,
    pattern: str,
    kind: str,
    page_order: int,
) -> None:
    from server import entity_view

    where = pattern.replace("<E>", f"<{BASE}entity/{entity}>")
    expected = {r["c"] for r in corpus_store.select(f"SELECT ?c WHERE {{ ?c a {kind} . {where} }}")}
    assert len(expected) >= 3
    size = -(-len(expected) // 3)  # two or three pages
    monkeypatch.setattr(entity_view, "CLAIM_PAGE", size)
    pages = -(-len(expected) // size)
    about = f"<{BASE}entity/{entity}>"
    quantity = f"SELECT ?c WHERE {{ ?c a dk:Claim ; dk:about {about} ; dk:measure ?m }}"
    figures = bool(corpus_store.select(quantity))
    shown: list[str] = []
    for number in range(1, pages + 1):
        page = text(client, f"/id/entity/{entity}?{param}={number}")
        part = page[page.index(f'<section id="{section}">') :]
        part = part[: part.index("</section>")]
        assert f"<small>({len(expected)})</small>" in part
        assert f"page {number} of {pages}" in part
        shown += re.findall(r'<td><a href="(/id/(?:claim|quote)/[^"]+)"', part)
        assert ("Compare every figure claimed about" in page) == figures  # on every page
    assert len(shown) == len(set(shown)) == len(expected)
    assert {BASE + link.removeprefix("/id/") for link in shown} == expected


def href(iri: str) -> str:
    """Where a page links ``iri``: a path for Dadkhah's own IRIs, the IRI itself elsewhere."""
    return "/id/" + iri.removeprefix(BASE) if iri.startswith(BASE) else iri


def _graphs_listed(client: FlaskClient, page: str, *row_text: str) -> tuple[int, set[str]]:
    """The row of ``page`` holding each of ``row_text``: how many more graphs it says state
    it, and the graphs its listing query finds when run through the SPARQL endpoint."""
    rows = [
        row
        for row in re.findall(r"<tr>.*?</tr>", page, flags=re.S)
        if all(part in row for part in row_text)
    ]
    assert len(rows) == 1, rows  # shown once, not once per graph
    more = re.search(r'<a class="more-graphs" href="([^"]+)"[^>]*>and (\d+) more</a>', rows[0])
    assert more, rows[0]
    query = parse_qs(urlparse(unescape(more.group(1))).query)["query"][0]
    answer = client.get("/sparql", query_string={"query": query},
                        headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    graphs = {b["graph"]["value"] for b in answer.get_json()["results"]["bindings"]}
    return int(more.group(2)), graphs


def test_a_statement_stated_in_several_graphs_is_one_row_with_its_graphs(
    client: FlaskClient, corpus_store: EmbeddedStore
) -> None:
    mek, massacre = f"<{BASE}entity/mek>", f"<{BASE}entity/massacre-1988>"
    stated = f"SELECT ?g WHERE {{ GRAPH ?g {{ {mek} dk:victimOf {massacre} }} }}"
    expected = {r["g"] for r in corpus_store.select(stated)}
    assert len(expected) >= 3
    outgoing = text(client, "/id/entity/mek")
    links = outgoing[outgoing.index('<section id="links">') :]
    more, graphs = _graphs_listed(client, links[: links.index("</section>")], "ns#victimOf")
    assert more == len(expected) - 1 and graphs == expected
    incoming = text(client, "/id/entity/massacre-1988")
    links_in = incoming[incoming.index('<section id="incoming">') :]
    more, graphs = _graphs_listed(
        client, links_in[: links_in.index("</section>")], "/entity/mek", "ns#victimOf"
    )
    assert more == len(expected) - 1 and graphs == expected


@pytest.mark.parametrize("counted_up_to", [10_000, 4], ids=["pairs counted", "too many"])
def test_incoming_links_are_paged_and_each_pair_shown_once(
    client: FlaskClient,
    corpus_store: EmbeddedStore,
    monkeypatch: pytest.MonkeyPatch,
    page_order: int,
    counted_up_to: int,
) -> None:
    from dadkhah.export import ENTITY_LINKS
    from server import description, entity_view

    monkeypatch.setattr(entity_view, "PAGE", 4)
    monkeypatch.setattr(description, "COUNTED_UP_TO", counted_up_to)
    target = f"<{BASE}entity/massacre-1988>"
    own_sections = ", ".join(f"<{p}>" for p in (*ENTITY_LINKS, entity_view.MENTIONS))
    expected = {
        (href(r["s"]), href(r["p"]))
        for r in corpus_store.select(
            f"SELECT DISTINCT ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p {target} }} "
            f"FILTER(?p NOT IN ({own_sections})) }}"
        )
    }
    pages = -(-len(expected) // 4)
    assert pages >= 3
    shown: list[tuple[str, str]] = []
    for number, part in walk(client, "/id/entity/massacre-1988?in_page=1", "incoming"):
        if counted_up_to < len(expected):  # the statements are too many to count the pairs
            assert "<small>(from more than 4 statements)</small>" in part
            assert f"page {number}\n" in part and f"page {number} of" not in part
        else:
            assert f"<small>({len(expected)})</small>" in part
            assert f"page {number} of {pages}" in part
        for row in re.findall(r"<tr><td>.*?</tr>", part, flags=re.S):
            links = re.findall(r'<a href="([^"]+)"', row)
            shown.append((unescape(links[0]), unescape(links[1])))
        assert number <= pages + 1
    assert len(shown) == len(set(shown)) == len(expected)
    assert set(shown) == expected


def test_past_the_counted_limit_pages_say_more_than_and_walk_to_the_end(
    client: FlaskClient,
    corpus_store: EmbeddedStore,
    monkeypatch: pytest.MonkeyPatch,
    page_order: int,
) -> None:
    from server import description, entity_view

    monkeypatch.setattr(description, "COUNTED_UP_TO", 4)
    monkeypatch.setattr(entity_view, "CLAIM_PAGE", 3)
    massacre = f"<{BASE}entity/massacre-1988>"
    expected = {
        r["c"]
        for r in corpus_store.select(
            f"SELECT ?c WHERE {{ ?c a dk:Claim . "
            f"{{ ?c dk:about {massacre} }} UNION {{ ?c rdf:subject {massacre} }} "
            f"UNION {{ ?c rdf:object {massacre} }} }}"
        )
    }
    assert len(expected) > 6  # more than two pages past the limit
    shown: list[str] = []
    rows: list[str] = []
    for number, part in walk(client, "/id/entity/massacre-1988?about_page=1", "claims-about"):
        assert "<small>(more than 4)</small>" in part
        assert f"page {number}\n" in part and f"page {number} of" not in part
        rows = re.findall(r'<td><a href="(/id/claim/[^"]+)"', part)
        shown += rows
    assert len(rows) < 3 or number > len(expected) // 3  # the pager stopped at the end
    assert len(shown) == len(set(shown)) == len(expected)
    assert {BASE + link.removeprefix("/id/") for link in shown} == expected


def test_figures_compared_are_paged_and_each_shown_once(
    client: FlaskClient,
    corpus_store: EmbeddedStore,
    monkeypatch: pytest.MonkeyPatch,
    page_order: int,
) -> None:
    from server import claims

    monkeypatch.setattr(claims, "COMPARE_PAGE", 5)
    figures = f"SELECT ?c WHERE {{ ?c a dk:QuantityClaim ; dk:about <{BASE}entity/massacre-1988> }}"
    expected = {r["c"] for r in corpus_store.select(figures)}
    pages = -(-len(expected) // 5)
    assert pages >= 3
    shown: list[str] = []
    for number in range(1, pages + 1):
        page = text(client, f"/claims?about=massacre-1988&page={number}")
        assert f"page {number} of {pages}" in page
        assert f"{len(expected)} figures, 5 to a page" in page
        shown += re.findall(r'<a class="figure" href="(/id/claim/[^"]+)"', page)
    assert len(shown) == len(set(shown)) == len(expected)
    assert {BASE + link.removeprefix("/id/") for link in shown} == expected


def test_search_results_are_paged_best_first(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server import search

    every = text(client, "/search?q=prison")
    total = int(re.search(r"(\d+) results for", every)[1])  # type: ignore[index]
    assert total > 4
    ranked = re.findall(r'<div class="hit">\s*<a href="([^"]+)"', every)
    assert len(ranked) == total
    monkeypatch.setattr(search, "PAGE", 4)
    pages = -(-total // 4)
    shown: list[str] = []
    for number in range(1, pages + 1):
        page = text(client, f"/search?q=prison&page={number}")
        assert f"{total} results for" in page and f"page {number} of {pages}" in page
        hits = re.findall(r'<div class="hit">\s*<a href="([^"]+)"', page)
        assert len(hits) == min(4, total - 4 * (number - 1))
        shown += hits
        assert page.count("<mark>") >= sum(1 for h in hits if h.startswith("/id/document/"))
    assert shown == ranked  # the same order, each once


def test_a_row_query_is_about_one_iri_wherever_its_variable_stands() -> None:
    from server.description import with_iri

    template = "SELECT ?claimant WHERE { ?c dk:claimant ?claimant . ?x dk:cites ?c.\n?c a ?c2 }"
    assert with_iri(template, "?c", "urn:x:1") == (
        "SELECT ?claimant WHERE { <urn:x:1> dk:claimant ?claimant . ?x dk:cites <urn:x:1>.\n"
        "<urn:x:1> a ?c2 }"
    )


class NamesSeen:
    """What ``search.window`` needs of the request's labels, noting which IRIs it named."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def prefetch(self, iris: Iterator[str]) -> None:
        self.asked.update(iris)

    def __call__(self, iri: str) -> str:
        return {"urn:x:a": "Zeta", "urn:x:b": "alpha", "urn:x:c": "Mu"}.get(iri, iri[-3:])


def test_a_page_of_search_hits_names_only_the_ties_that_reach_into_it() -> None:
    from server.search import Hit, window

    scores = [9, 9, 9, 7, 7, 7, 7, 5, 5, 3]
    hits = [Hit(f"urn:x:{n:03d}", score, "document") for n, score in enumerate(scores)]
    hits += [Hit(f"urn:x:{c}", 7, "entity") for c in "abc"]
    hits.sort(key=lambda h: (-h.score, h.kind))
    names = NamesSeen()
    expected = sorted(hits, key=lambda h: (-h.score, h.kind, names(h.iri).lower(), h.iri))
    for start in range(len(hits)):
        for stop in range(start, len(hits) + 2):
            shown = window(hits, start, stop, names)  # type: ignore[arg-type]
            assert [h.iri for h in shown] == [h.iri for h in expected[start:stop]]
    names.asked.clear()
    shown = window(hits, 7, 9, names)  # type: ignore[arg-type]
    assert [h.iri for h in shown] == ["urn:x:b", "urn:x:c"]  # entities of 7: alpha, Mu, Zeta
    assert names.asked == {"urn:x:a", "urn:x:b", "urn:x:c"}  # not the documents of 9 or 7


@pytest.mark.parametrize(
    ("pattern", "role"),
    [
        ("?c a dk:Quote ; dk:speaker ?who", "Spoken by"),
        ("?c a dk:Claim ; dk:claimant ?who FILTER NOT EXISTS { ?c a dk:Quote }", "Claimant"),
    ],
    ids=["quote", "claim"],
)
def test_quotes_and_claims_share_a_page_that_names_the_person_by_role(
    client: FlaskClient, corpus_store: EmbeddedStore, pattern: str, role: str
) -> None:
    row = corpus_store.select(f"SELECT ?c ?who WHERE {{ {pattern} }} ORDER BY ?c LIMIT 1")[0]
    page = text(client, urlparse(str(row["c"])).path)
    facts = page[page.index('<dl class="facts">') :]
    facts = facts[: facts.index("</dl>")]
    assert f"<dt>{role}</dt>" in facts
    assert f'href="{urlparse(str(row["who"])).path}"' in facts
    assert "Evidence: the words in the document" in page


def test_a_page_of_claims_asks_for_its_rows_a_batch_at_a_time(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page of 100 claims takes ten queries for its rows, not one a claim: each query holds
    a thread of the engine until its time limit, and the rows are what they were."""
    from server import claims

    store = app.extensions["dadkhah.store"]
    sent: list[str] = []
    select = store.select

    def counted(query: str, *args: object, **kwargs: object) -> object:
        sent.append(query)
        return select(query, *args, **kwargs)

    monkeypatch.setattr(store, "select", counted)
    shown: list[claims.ClaimRow] = []
    rows_of = claims.rows_of

    def recorded(*args: object, **kwargs: object) -> list[claims.ClaimRow]:
        shown.extend(rows := rows_of(*args, **kwargs))  # type: ignore[arg-type]
        return rows

    monkeypatch.setattr(claims, "rows_of", recorded)
    assert client.get("/claims").status_code == 200
    assert len(shown) == claims.PAGE and len({r.iri for r in shown}) == claims.PAGE
    assert len([q for q in sent if "dk:statedIn" in q]) == -(-claims.PAGE // claims.BATCH)
    with app.test_request_context():  # a batch of one gives each row as the page has it
        alone = [rows_of(store, [row.iri]) for row in shown[:: 2 * claims.BATCH]]
    assert [row for (row,) in alone] == shown[:: 2 * claims.BATCH]


def test_names_and_texts_carry_their_language_and_direction(
    corpus_store: EmbeddedStore, app: Flask
) -> None:
    """A Persian name inside an English page is marked as Persian and read right to left;
    a document's text carries the language its sidecar states."""
    evin = "https://dadkhah.example/id/entity/evin-prison"
    pref = "http://www.w3.org/2004/02/skos/core#prefLabel"
    corpus_store.update(
        f'INSERT DATA {{ GRAPH <urn:x:names> {{ <{evin}> <{pref}> "زندان اوین"@fa }} }}',
    )
    client = app.test_client()
    page = client.get("/id/entity/evin-prison").get_data(as_text=True)
    assert '<span class="lit" lang="fa" dir="auto">زندان اوین</span>' in page
    assert '<span class="lit" lang="en" dir="auto">Evin Prison</span>' in page
    document = client.get("/id/document/000_db2d29c75dffccd4").get_data(as_text=True)
    assert '<div class="doctext" dir="auto" lang="en">' in document
