"""Pages for people: the landing page, an index per class, and the query page.

Every page is rendered on the server from Jinja templates with autoescaping, uses only the
app's own stylesheet, and reads without JavaScript. The query page is a plain form that posts
to ``/sparql``; a small script served by the app (``static/query.js``) turns the JSON answer
into a table when scripts run, and the raw answer is shown when they do not.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request

from dadkhah.namespaces import PREFIXES

from . import description, stats
from .claims import subjects
from .labels import base_iri, base_path, labels, template_helpers
from .state import store_of

bp = Blueprint("pages", __name__)

CLASSES = {
    "persons": ("dk:Person", "Persons"),
    "organizations": ("dk:Organization", "Organizations"),
    "places": ("dk:Place", "Places"),
    "events": ("dk:Event", "Events"),
    "works": ("dk:Work", "Works"),
}
DOCUMENT_ROW = """
SELECT (SAMPLE(?t) AS ?title) (SAMPLE(?dt) AS ?date) (SAMPLE(?pub) AS ?publisher)
  (SAMPLE(?sha) AS ?sha256) (SAMPLE(?size) AS ?bytes)
  (COUNT(DISTINCT ?c) AS ?claims) (COUNT(DISTINCT ?q) AS ?quotes) WHERE {
  OPTIONAL { ?doc dcterms:title ?t } OPTIONAL { ?doc dcterms:date ?dt }
  OPTIONAL { ?doc dk:statedPublisher|<http://purl.org/dc/elements/1.1/publisher> ?pub }
  OPTIONAL { ?doc dk:capture ?cap . ?cap dk:sha256 ?sha ; premis:size ?size }
  OPTIONAL { ?c dk:statedIn ?doc . ?c a dk:Claim }
  OPTIONAL { ?q dk:statedIn ?doc . ?q a dk:Quote }
}"""
"""A document's row in the lists of documents, about ``?doc`` (``description.with_iri``)."""
DOCUMENT_PAGE = 100
INDEX_PAGE = 100
ENTITY_ROW = """
SELECT (SAMPLE(?d) AS ?description) (GROUP_CONCAT(DISTINCT ?alias; SEPARATOR=' · ') AS ?aliases)
WHERE { OPTIONAL { ?e schema:description ?d } OPTIONAL { ?e skos:altLabel ?alias } }"""
"""An entity's row in the index of its class, about ``?e`` (``description.with_iri``)."""
LANDING_DOCUMENTS = 20
EXAMPLES: list[tuple[str, str, str]] = [
    (
        "figures",
        "Every figure claimed about an event, with claimant and document",
        "SELECT ?event ?measure ?value ?min ?max ?qualifier ?claimant ?document WHERE {\n"
        "  ?c a dk:QuantityClaim ; dk:about ?e ; dk:measure ?m ; dk:statedIn ?d .\n"
        "  ?e skos:prefLabel ?event . ?m skos:prefLabel ?measure .\n"
        '  FILTER(LANGMATCHES(LANG(?event), "en") && LANGMATCHES(LANG(?measure), "en"))\n'
        "  OPTIONAL { ?c schema:value ?value } OPTIONAL { ?c schema:minValue ?min }\n"
        "  OPTIONAL { ?c schema:maxValue ?max }\n"
        "  OPTIONAL { ?c dk:qualifier/skos:prefLabel ?qualifier "
        'FILTER(LANGMATCHES(LANG(?qualifier), "en")) }\n'
        "  OPTIONAL { ?c dk:claimant/(skos:prefLabel|rdfs:label) ?claimant "
        'FILTER(LANGMATCHES(LANG(?claimant), "en")) }\n'
        "  OPTIONAL { ?d dcterms:title ?document }\n"
        "} ORDER BY ?event ?measure DESC(?value) LIMIT 200",
    ),
    (
        "mentions",
        "Entities mentioned most often across documents",
        "SELECT ?entity ?name (COUNT(DISTINCT ?a) AS ?mentions) WHERE {\n"
        "  ?a oa:motivatedBy oa:identifying ; oa:hasBody ?entity .\n"
        '  ?entity skos:prefLabel ?name FILTER(LANGMATCHES(LANG(?name), "en"))\n'
        "} GROUP BY ?entity ?name ORDER BY DESC(?mentions) LIMIT 25",
    ),
    (
        "relations",
        "Relations the documents assert, with who asserts them",
        "SELECT ?subject ?relation ?object ?claimant WHERE {\n"
        "  ?c a dk:RelationClaim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .\n"
        "  ?s skos:prefLabel ?subject . ?o skos:prefLabel ?object . ?p rdfs:label ?relation .\n"
        '  FILTER(LANGMATCHES(LANG(?subject), "en") && LANGMATCHES(LANG(?object), "en"))\n'
        "  OPTIONAL { ?c dk:claimant/(skos:prefLabel|rdfs:label) ?claimant "
        'FILTER(LANGMATCHES(LANG(?claimant), "en")) }\n'
        "} ORDER BY ?subject ?relation LIMIT 200",
    ),
    (
        "fixity",
        "Documents with their SHA-256, size and media type",
        "SELECT ?doc ?title ?sha256 ?bytes ?format WHERE {\n"
        "  ?doc a dk:SourceDocument ; dk:capture ?c .\n"
        "  ?c dk:sha256 ?sha256 ; premis:size ?bytes ; dcterms:format ?format .\n"
        "  OPTIONAL { ?doc dcterms:title ?title }\n"
        "} ORDER BY ?title",
    ),
    (
        "provenance",
        "Named graphs with the load activity that made each",
        "SELECT ?graph ?started ?file ?version WHERE {\n"
        "  GRAPH ?pg { ?graph prov:wasGeneratedBy ?act . ?act prov:startedAtTime ?started ;\n"
        "    dk:sourceFile ?file ; dk:loaderVersion ?version }\n"
        "} ORDER BY ?graph",
    ),
]


CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""What an HTML page may load and run: the app's own script and stylesheet, nothing inline
and nothing from another host. Pages show texts, labels and IRIs that anyone with write
access (a load, SPARQL Update, the Graph Store) put in the store; autoescaping and the link
filter of ``labels.href`` keep them text, and this stops a slip in either from running or
phoning home. The query page fetches ``/sparql`` (``connect-src``); the favicon is a
``data:`` URL."""


def page_url(param: str, number: int) -> str:
    """This page's URL with one query parameter changed (for pagers)."""
    args = request.args.to_dict()
    args[param] = str(number)
    return request.path + "?" + urlencode(sorted(args.items()))


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {**template_helpers(), "page_url": page_url, "counted": description.counted,
            "counted_up_to": description.COUNTED_UP_TO}  # fmt: skip


@bp.after_app_request
def _content_security_policy(response: Response) -> Response:
    """Every HTML answer of the app carries ``CONTENT_SECURITY_POLICY``."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


def prologue() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


@bp.route("/")
def landing() -> str:
    store = store_of(current_app)
    counts = stats.counts_of(current_app)
    documents, total = document_rows(1, LANDING_DOCUMENTS)
    return render_template(
        "landing.html", counts=counts["values"], counted_at=counts["as_of"],
        documents=documents, total_documents=total, disputed=subjects(store)[:8],
        classes=CLASSES,
    )  # fmt: skip


def document_rows(page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    """One page of the source documents (ordered as ``description.page_of`` orders, by date
    within the page), each with its title, date, publisher, fixity and how many claims and
    quotes it states; and how many documents there are. One query per document, its IRI in
    every pattern: asked for all documents at once, the claims and quotes were matched
    against every claim of the store for each document (minutes at 10⁴ documents)."""
    store = store_of(current_app)
    iris, total = description.page_of(
        store, "doc", "?doc a dk:SourceDocument", page=page, size=size
    )
    rows = []
    for doc in iris:
        found = store.select(description.with_iri(DOCUMENT_ROW, "?doc", doc))
        rows.append({**(found[0] if found else {}), "doc": doc})
    rows.sort(key=lambda r: (r.get("date") or "", r["doc"]))
    labels().prefetch(r["doc"] for r in rows)
    return rows, total


@bp.route("/documents")
def documents() -> str:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = document_rows(page, DOCUMENT_PAGE)
    return render_template(
        "documents.html", documents=rows, total=total, page=page,
        pages=description.page_count(total, DOCUMENT_PAGE, page, len(rows)),
    )  # fmt: skip


@bp.route("/<any(persons, organizations, places, events, works):name>")
def index(name: str) -> str:
    """The entities of a class by name, ``INDEX_PAGE`` at a time, each with its aliases and
    how many documents name it and how many figures are claimed about it (each counted up
    to ``description.COUNTED_UP_TO``). Asked for all at once, with every mention and every
    claim of every entity joined and grouped, a class took 3.4 s at 10⁴ documents."""
    cls, title = CLASSES[name]
    store = store_of(current_app)
    found = store.select(
        f"SELECT ?e (SAMPLE(?l) AS ?label) WHERE {{ ?e a {cls} . "
        'OPTIONAL { ?e skos:prefLabel ?l FILTER(LANGMATCHES(LANG(?l), "en")) } } GROUP BY ?e'
    )
    found.sort(key=lambda r: (str(r["label"] or "").lower(), r["e"]))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows = found[(page - 1) * INDEX_PAGE : page * INDEX_PAGE]
    for row in rows:
        entity = f"<{row['e']}>"
        details = store.select(description.with_iri(ENTITY_ROW, "?e", row["e"]))
        documents = description.count_query(
            "?doc", f"?doc schema:mentions {entity}", into="?documents"
        )
        figures = description.count_query("?c", f"?c dk:about {entity}", into="?figures")
        counts = store.select(f"SELECT * WHERE {{ {{ {documents} }} {{ {figures} }} }}")
        row.update(details[0] if details else {})
        row.update(counts[0] if counts else {})
    pages = max(1, -(-len(found) // INDEX_PAGE))
    return render_template(
        "index.html", title=title, name=name, rows=rows, total=len(found), page=page,
        pages=pages,
    )  # fmt: skip


@bp.route("/query")
def query_page() -> str:
    chosen = request.args.get("example", EXAMPLES[0][0])
    text = next((q for n, _, q in EXAMPLES if n == chosen), EXAMPLES[0][2])
    if "query" in request.args:
        text = request.args["query"]
    elif not text.startswith("PREFIX"):
        text = prologue() + text
    return render_template(
        "query.html", text=text, examples=EXAMPLES, chosen=chosen, base_iri=base_iri(),
        base_path=base_path(),
    )  # fmt: skip
