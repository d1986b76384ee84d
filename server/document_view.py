"""The document page: what the archive holds (metadata, fixity, who loaded it and how), and
the normalized text with every annotation on it, so a reader sees what the source says,
who says it, and where.

Offsets count code points of ``dk:normalizedText``, as Python strings do, so the spans of
``oa:TextPositionSelector`` apply to the text unchanged. Scraping artefacts are dimmed, not
hidden: the archive marks them and never deletes them.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from dadkhah.export import document_graphs
from dadkhah.store import Store

from .claims import ClaimRow, claim_rows
from .description import Statement
from .highlight import Span, render
from .labels import anchor_id, href, labels

CLAIM = "https://dadkhah.example/ns#Claim"
QUOTE = "https://dadkhah.example/ns#Quote"
LANGUAGE = "http://purl.org/dc/terms/language"


def capture(store: Store, doc: str) -> dict[str, Any] | None:
    rows = store.select(
        f"SELECT ?cap ?sha ?size ?format ?file ?norm ?text WHERE {{ <{doc}> dk:capture ?cap . "
        "?cap dk:normalizedText ?text OPTIONAL { ?cap dk:sha256 ?sha } "
        "OPTIONAL { ?cap premis:size ?size } OPTIONAL { ?cap dcterms:format ?format } "
        "OPTIONAL { ?cap dk:sourceFile ?file } OPTIONAL { ?cap dk:normalization ?norm } } "
        "ORDER BY ?cap LIMIT 1"
    )
    return rows[0] if rows else None


def provenance(store: Store, graphs: list[str]) -> list[dict[str, Any]]:
    """How each graph about the document came to be: load activity, agents, inputs."""
    values = " ".join(f"<{g}>" for g in graphs if not g.endswith("/provenance"))
    if not values:
        return []
    rows = store.select(
        f"SELECT ?graph ?act ?time ?version ?file ?fingerprint "
        "(GROUP_CONCAT(DISTINCT STR(?agent); SEPARATOR=' ') AS ?agents) "
        "(GROUP_CONCAT(DISTINCT ?input; SEPARATOR=' ') AS ?inputs) "
        "(SAMPLE(?desc) AS ?tool) (GROUP_CONCAT(DISTINCT ?note; SEPARATOR=' | ') AS ?notes) "
        f"WHERE {{ VALUES ?graph {{ {values} }} ?graph prov:wasGeneratedBy ?act . "
        "OPTIONAL { ?graph dk:fingerprint ?fingerprint } "
        "OPTIONAL { ?act prov:startedAtTime ?time } OPTIONAL { ?act dk:loaderVersion ?version } "
        "OPTIONAL { ?act dk:sourceFile ?file } OPTIONAL { ?act prov:wasAssociatedWith ?agent } "
        "OPTIONAL { ?act dk:inputSha256 ?input } OPTIONAL { ?act dcterms:description ?desc } "
        "OPTIONAL { ?act rdfs:comment ?note } } "
        "GROUP BY ?graph ?act ?time ?version ?file ?fingerprint ORDER BY ?graph"
    )
    for row in rows:
        row["agents"] = sorted(str(row["agents"] or "").split())
        row["inputs"] = sorted(str(row["inputs"] or "").split())
        labels().prefetch(row["agents"])
    return rows


def _span_rows(store: Store, doc: str) -> list[dict[str, Any]]:
    return store.select(
        "SELECT ?ann ?start ?end ?body ?art ?type WHERE { GRAPH ?g { "
        f"?ann oa:hasTarget ?t . ?t oa:hasSource <{doc}> ; oa:hasSelector ?ps . "
        "?ps oa:start ?start ; oa:end ?end . ?ann oa:hasBody ?body } "
        "OPTIONAL { ?body dk:isArtefact ?art } OPTIONAL { ?body a ?type } } "
        "ORDER BY ?start ?ann ?body ?type"
    )


def spans(store: Store, doc: str, claims: dict[str, ClaimRow]) -> tuple[list[Span], dict[str, int]]:
    """One span per annotation on the document, and how often each entity is mentioned."""
    rows = _span_rows(store, doc)
    names = labels()
    names.prefetch({r["body"] for r in rows} | {r["type"] for r in rows if r["type"]})
    by_ann: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = by_ann.setdefault(
            r["ann"], {"start": r["start"], "end": r["end"], "bodies": {}, "artefact": None}
        )
        entry["bodies"].setdefault(r["body"], set())
        if r["type"]:
            entry["bodies"][r["body"]].add(r["type"])
        if r["art"] is not None:
            entry["artefact"] = bool(r["art"])
    found: list[Span] = []
    mentioned: dict[str, int] = {}
    for ann, e in by_ann.items():
        body, types = sorted(e["bodies"].items())[0]
        if e["artefact"] is not None:
            css = "seg seg-" + body.rsplit("#", 1)[-1]
            title = names(body)
            if e["artefact"]:
                css += " artefact"
                title = f"scraping artefact ({title}); kept, dimmed"
            found.append(Span(e["start"], e["end"], "segment", anchor_id(ann), css, title))
        elif CLAIM in types or QUOTE in types:
            row = claims.get(body)
            if row is not None and row.kind == "quote":
                title = f"quote, spoken by {names(row.claimant)}" if row.claimant else "quote"
            elif row is not None:
                by = f" (claimed by {names(row.claimant)})" if row.claimant else ""
                title = f"claim: {row.summary()}{by}"
            else:
                title = f"claim: {names(body)}"
            css = "evidence quote" if QUOTE in types else "evidence claim"
            found.append(Span(e["start"], e["end"], "evidence", anchor_id(ann), css, title,
                              href(body)))  # fmt: skip
        else:
            kinds = ", ".join(sorted(names(t) for t in types if "/ns#" in t)) or "entity"
            title = " / ".join(names(b) for b in sorted(e["bodies"])) + f" ({kinds})"
            found.append(Span(e["start"], e["end"], "mention", anchor_id(ann), "mention", title,
                              href(body)))  # fmt: skip
            for b in e["bodies"]:
                mentioned[b] = mentioned.get(b, 0) + 1
    return found, mentioned


def context(store: Store, doc: str) -> dict[str, Any]:
    """Everything the document page shows."""
    cap = capture(store, doc)
    graphs = document_graphs(store, doc)
    claim_list = claim_rows(store, f"?c dk:statedIn <{doc}> .")
    quote_list = claim_rows(store, f"?c dk:statedIn <{doc}> .", kind="dk:Quote")
    by_iri = {r.iri: r for r in (*claim_list, *quote_list)}
    found, mentioned = spans(store, doc, by_iri) if cap else ([], {})
    text = render(cap["text"], found) if cap else Markup()
    for rows in (claim_list, quote_list):
        rows.sort(key=lambda r: (r.start if r.start is not None else 1 << 30, r.iri))
    labels().prefetch(mentioned)
    return {
        "capture": cap,
        "text": text,
        "claims": claim_list,
        "quotes": quote_list,
        "mentioned": sorted(mentioned.items(), key=lambda kv: (-kv[1], labels()(kv[0]))),
        "artefacts": sum(1 for s in found if "artefact" in s.css),
        "annotation_count": sum(1 for s in found if s.kind != "segment"),
        "provenance": provenance(store, graphs),
        "graphs": graphs,
    }


def language(statements: list[Statement]) -> str | None:
    """The document's language tag (its sidecar's ``language``), from the statements the page
    already lists, if it states one."""
    tags = sorted(s.value.value for s in statements if s.predicate == LANGUAGE)
    return tags[0] if tags else None
