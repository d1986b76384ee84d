"""Dereferenceable IRIs: the server answers for every IRI Dadkhah mints.

The request path after the host is mapped to the canonical IRI with the configured
``base_iri`` (``/id/entity/raisi`` -> ``https://dadkhah.example/id/entity/raisi``), whatever
host or port serves it, so a copy of the archive on another host answers for the same IRIs
and exports stay valid when the archive moves. A base ending in ``#`` is not dereferenceable
(browsers never send the fragment), so no route is added for one.

``Accept`` picks a page (``text/html``, also the answer to ``*/*``) or the resource's
description (``server.description``) in any RDF format of ``server.conneg.GRAPH_FORMATS``;
a suffix (``.html``, ``.ttl``, ``.jsonld``, ``.nt``, ``.rdf``, ``.trig``, ``.nq``) picks it
explicitly, unless an IRI itself ends so. Answers carry ``Vary: Accept`` (404 and 406 too,
whose bodies follow Accept), a
``Content-Location`` naming the suffix URL of the variant sent, and ``Link`` headers to every
alternate. An IRI the store does not hold is 404, a format it cannot offer 406. No 303: the
IRIs name archival records and their descriptions, and one URL per variant is simpler.

An annotation asked for as JSON-LD in the Web Annotation profile
(``application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"``) answers as the Web
Annotation Protocol has it: the annotation in that context (``dadkhah.webannotations``),
the form its document's collection holds.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import (
    Blueprint,
    Response,
    after_this_request,
    current_app,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from werkzeug.exceptions import NotAcceptable

from dadkhah import webannotations
from dadkhah.export import closure, exists, quads_matching, value

from . import conneg, document_view, entity_view, resource_view
from .description import (
    Statement,
    description,
    incoming,
    outgoing,
    page_count,
    serialize,
    statements_of,
)
from .labels import base_iri, base_path, labels
from .state import store_of

bp = Blueprint("linked", __name__)

HTML = "text/html"
SUFFIXES: dict[str, str] = {".html": "html"} | {
    fmt.suffix: name for name, (fmt, _) in conneg.GRAPH_FORMATS.items()
}
PAGE = 50


@bp.record_once
def _add_route(state: BlueprintSetupState) -> None:
    base = state.app.config["DADKHAH"].base_iri
    if base.endswith("/"):
        state.add_url_rule(base_path(base) + "<path:rest>", "resource", resource)


def _media_type(name: str) -> str:
    return HTML if name == "html" else conneg.GRAPH_FORMATS[name][0].media_type


def _offers() -> list[tuple[str, str, bool]]:
    """(media type, format name, whether it is the type the variant is sent as) of every
    variant, in the server's order of preference; the others are aliases."""
    offers = [(HTML, "html", True), ("application/xhtml+xml", "html", False)]
    for name, (fmt, _) in conneg.GRAPH_FORMATS.items():
        for media in (fmt.media_type, *fmt.aliases):
            if "/" in media and media not in {m for m, _, _ in offers}:
                offers.append((media, name, media == fmt.media_type))
    return offers


def _quality(media: str, ranges: list[tuple[str, float]]) -> tuple[float, int]:
    """The quality ``Accept`` gives ``media`` and how specific the range that gives it is
    (2 ``type/subtype``, 1 ``type/*``, 0 ``*/*``; -1 none): the most specific matching range
    decides (RFC 9110, 12.5.1), so ``text/html;q=0`` refuses HTML whatever ``*/*`` says."""
    kind = media.split("/", 1)[0]
    found: dict[int, float] = {}
    for given, q in ranges:
        if given == media:
            specificity = 2
        elif given == f"{kind}/*":
            specificity = 1
        elif given == "*/*":
            specificity = 0
        else:
            continue
        found[specificity] = max(q, found.get(specificity, 0.0))
    if not found:
        return 0.0, -1
    most = max(found)
    return found[most], most


def negotiate() -> str | None:
    """``html`` or a format name of ``conneg.GRAPH_FORMATS``; None if nothing fits (406).

    Each variant gets the quality of the most specific ``Accept`` range that matches it; q=0
    makes it unacceptable. An alias (``application/xhtml+xml`` for the page, ``text/plain``
    for N-Triples) counts only when named: through a wildcard it would let back in a
    variant whose own type was refused. The highest quality wins, then the more specific
    range, then the server's order (HTML first, so ``*/*`` or no Accept gets the page).
    Media-type parameters (``charset``, a JSON-LD ``profile``) are ignored here: every variant
    is UTF-8, and Werkzeug's matching refused a range whose parameters the offer lacks. (The
    one profile that changes the answer, Web Annotation's, is read by ``resource``.)"""
    ranges = [(given.split(";")[0].strip().lower(), q) for given, q in request.accept_mimetypes]
    if not ranges:
        return "html"
    best: tuple[float, int, int] | None = None
    chosen = None
    for index, (media, name, primary) in enumerate(_offers()):
        quality, specificity = _quality(media, ranges)
        if quality <= 0 or (not primary and specificity < 2):
            continue
        key = (quality, specificity, -index)
        if best is None or key > best:
            best, chosen = key, name
    return chosen


def _alternates(path: str, iri: str, is_graph: bool) -> list[tuple[str, str, str]]:
    """(url, media type, name) of every variant of the resource at ``path``."""
    found = [(path + suffix, _media_type(name), name) for suffix, name in SUFFIXES.items()]
    if is_graph:
        found.append((f"/dumps/dadkhah.trig?graph={iri}", "application/trig", "graph content"))
    return found


def resource(rest: str) -> Response:
    store = store_of(current_app)
    path = base_path() + rest
    iri, fmt = base_iri() + rest, None
    if not exists(store, iri):
        for suffix, name in SUFFIXES.items():
            if rest.endswith(suffix) and exists(store, iri[: -len(suffix)]):
                iri, fmt, path = iri[: -len(suffix)], name, path[: -len(suffix)]
                break
        else:
            return _not_found(iri)
    suffixed = fmt is not None
    if not suffixed:  # every answer, an error's too (RDF/XML refused for this resource)
        after_this_request(_varies_by_accept)
    fmt = fmt or negotiate()
    if fmt is None:  # the error's body is text or JSON by Accept
        raise NotAcceptable(
            "this resource is offered as text/html, text/turtle, application/ld+json, "
            "application/n-triples, application/rdf+xml, application/trig, application/n-quads"
        )
    is_graph = store.graph_exists(iri)
    alternates = _alternates(path, iri, is_graph)
    annotation = (
        webannotations.annotation(store, iri)
        if not suffixed and fmt == "jsonld" and _asks_for_web_annotation()
        else None
    )
    if annotation is not None:  # the Web Annotation Protocol's representation
        data = webannotations.as_bytes(annotation)
        response = Response(data, content_type=webannotations.MEDIA_TYPE)
    elif request.method == "HEAD":
        # The existence check above decides the status; HEAD builds no body, but RDF/XML
        # is serialized to find whether it can be (406 as for GET).
        if fmt == "rdfxml":
            serialize(description(store, iri), fmt)
        response = Response(status=200, content_type=_content_type(fmt))
    elif fmt == "html":
        body = render_page(iri, is_graph, alternates)
        response = Response(body, content_type=_content_type(fmt))
    else:
        data = serialize(description(store, iri), fmt)
        response = Response(data, content_type=_content_type(fmt))
    if not suffixed and annotation is None:  # the profile's JSON-LD has no URL of its own
        response.headers["Content-Location"] = path + _suffix_of(fmt)
    response.headers["Link"] = ", ".join(
        f'<{url}>; rel="alternate"; type="{media}"' for url, media, _ in alternates
    )
    return response


def _asks_for_web_annotation() -> bool:
    """Whether ``Accept`` asks for JSON-LD in the Web Annotation profile
    (``application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"``)."""
    for given, q in request.accept_mimetypes:
        media, _, params = given.partition(";")
        if media.strip().lower() != "application/ld+json" or q <= 0:
            continue
        for param in params.split(";"):
            name, _, value = param.partition("=")
            profiles = value.strip().strip('"').split()  # a quoted, space-separated list
            if name.strip().lower() == "profile" and webannotations.CONTEXT in profiles:
                return True
    return False


def _content_type(fmt: str) -> str:
    return "text/html; charset=utf-8" if fmt == "html" else _media_type(fmt)


def fragments(iri: str, is_graph: bool, owned: list[ox.Quad]) -> list[tuple[str, list[Statement]]]:
    """The fragment nodes of ``iri`` (``#target``, ``#quote``, a graph's ``#load-…``) with
    their statements, so that every ``iri#part`` a page links to exists on this page."""
    store = store_of(current_app)
    prefix = iri + "#"
    quads = [q for q in owned if value(q.subject).startswith(prefix)]
    if is_graph:
        quads += quads_matching(
            store,
            f"GRAPH <{iri}> {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?s), {ox.Literal(prefix)}))",
        )
    by_node: dict[str, list[ox.Quad]] = {}
    for q in quads:
        by_node.setdefault(value(q.subject), []).append(q)
    return [(node[len(prefix) :], statements_of(found)) for node, found in sorted(by_node.items())]


def _suffix_of(fmt: str) -> str:
    return next(s for s, name in SUFFIXES.items() if name == fmt)


def _varies_by_accept(response: Response) -> Response:
    response.vary.add("Accept")
    return response


def _not_found(iri: str) -> Response:
    """404, as a page for browsers and as plain text otherwise: by Accept, so it says so."""
    if negotiate() == "html":
        body = render_template("not_found.html", iri=iri)
        response = Response(body, status=404, content_type="text/html; charset=utf-8")
    else:
        response = Response(
            f"404 Not Found\n\nno resource {iri} here\n", 404, mimetype="text/plain"
        )
    return _varies_by_accept(response)


def _page_arg(name: str) -> int:
    return max(1, request.args.get(name, 1, type=int) or 1)


def render_page(iri: str, is_graph: bool, alternates: list[tuple[str, str, str]]) -> str:
    """The HTML page for ``iri``: a layout for its kind, then every statement about it."""
    store = store_of(current_app)
    types = resource_view.types_of(store, iri)
    kind = resource_view.kind_of(types, is_graph)
    in_page = _page_arg("in_page")
    context: dict[str, object] = {
        "iri": iri, "kind": kind, "types": sorted(types), "alternates": alternates,
        "is_graph": is_graph,
    }  # fmt: skip
    if kind == "entity":
        shown = entity_view.context(
            store,
            iri,
            in_page=in_page,
            mention_page=_page_arg("mentions_page"),
            claim_pages={name: _page_arg(f"{name}_page") for name in entity_view.CLAIMS},
        )
        context.update(shown)
        template = "entity.html"
        # only the nodes it owns: the closure of an entity would fetch every statement about
        # it, once per graph (2 s for Evin Prison at 10⁵ documents)
        parts = {s.value.value for s in shown["links"] if s.value.value.startswith(iri + "#")}
        owned = closure(store, parts) if parts else []
    else:
        owned = closure(store, [iri])
        statements = outgoing(store, iri)
        context["statements"] = statements
        links_in, total_in = incoming(store, iri, page=in_page, size=PAGE)
        context.update(
            links_in=links_in, total_in=total_in, in_page=in_page,
            in_pages=page_count(total_in, PAGE, in_page, len(links_in)),
        )  # fmt: skip
        template = "claim.html" if kind == "quote" else f"{kind}.html"  # one page for both
        if kind == "document":
            context.update(document_view.context(store, iri))
            context["language"] = document_view.language(statements)
            doc_id = iri.rsplit("/", 1)[-1]  # registered beside this route, on the same base
            context["web_annotations"] = url_for("export.annotations", doc_id=doc_id)
        elif kind in ("claim", "quote"):
            context.update(resource_view.claim_context(store, iri, kind))
        elif kind == "annotation":
            context.update(resource_view.annotation_context(store, iri, owned))
        elif kind == "graph":
            context.update(resource_view.graph_context(store, iri))
    context["fragments"] = fragments(iri, is_graph, owned)
    labels().prefetch([iri, *types])
    return render_template(template, **context)
