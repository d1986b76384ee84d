"""Pages for people: the landing page with the dataset's figures and where to go next."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from .state import store_of

bp = Blueprint("pages", __name__)

STATS = """
SELECT
  (COUNT(DISTINCT ?doc) AS ?documents)
  (COUNT(DISTINCT ?entity) AS ?entities)
  (COUNT(DISTINCT ?claim) AS ?claims)
WHERE {
  { ?doc a dk:SourceDocument } UNION { ?entity a dk:Entity } UNION { ?claim a dk:Claim }
}
"""


@bp.route("/")
def landing() -> str:
    store = store_of(current_app)
    stats = store.select(STATS)[0]
    documents = store.select(
        "SELECT ?doc ?title ?sha WHERE { ?doc a dk:SourceDocument ; dk:capture/dk:sha256 ?sha "
        "OPTIONAL { ?doc dcterms:title ?title } } ORDER BY ?title"
    )
    return render_template("landing.html", stats=stats, documents=documents)
