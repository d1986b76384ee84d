"""Formats in one table: media types, short names, file suffixes and Oxigraph serializers.

SPARQL results, resource descriptions and exports all choose their format here, from a
``format`` parameter, a file suffix or the ``Accept`` header (q-values and wildcards parsed
by Werkzeug's ``MIMEAccept``).

``format`` is for browsers, which cannot set Accept on a link: it accepts a short name
(``json``, ``turtle``), a suffix (``ttl``) or a media type. For CONSTRUCT and DESCRIBE,
``json`` and ``xml`` mean JSON-LD and RDF/XML, so one link works for every query form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str
    aliases: tuple[str, ...] = ()


RESULT_FORMATS: dict[str, tuple[Format, ox.QueryResultsFormat]] = {
    f.name: (f, ox_format)
    for f, ox_format in (
        (
            Format("json", "application/sparql-results+json", ".srj", ("application/json",)),
            ox.QueryResultsFormat.JSON,
        ),
        (
            Format("xml", "application/sparql-results+xml", ".srx", ("application/xml",)),
            ox.QueryResultsFormat.XML,
        ),
        (Format("csv", "text/csv", ".csv"), ox.QueryResultsFormat.CSV),
        (Format("tsv", "text/tab-separated-values", ".tsv"), ox.QueryResultsFormat.TSV),
    )
}

GRAPH_FORMATS: dict[str, tuple[Format, ox.RdfFormat]] = {
    f.name: (f, ox_format)
    for f, ox_format in (
        (Format("turtle", "text/turtle", ".ttl", ("application/x-turtle",)), ox.RdfFormat.TURTLE),
        (
            Format("ntriples", "application/n-triples", ".nt", ("text/plain", "n-triples")),
            ox.RdfFormat.N_TRIPLES,
        ),
        (Format("rdfxml", "application/rdf+xml", ".rdf", ("xml",)), ox.RdfFormat.RDF_XML),
        (
            Format("jsonld", "application/ld+json", ".jsonld", ("json", "json-ld")),
            ox.RdfFormat.JSON_LD,
        ),
        (Format("trig", "application/trig", ".trig"), ox.RdfFormat.TRIG),
        (Format("nquads", "application/n-quads", ".nq"), ox.RdfFormat.N_QUADS),
    )
}

TRIPLE_FORMATS = ("turtle", "ntriples", "rdfxml", "jsonld")


def format_named(table: Mapping[str, tuple[Format, object]], value: str) -> str | None:
    """The format a short name, suffix or media type (parameters ignored) stands for."""
    value = value.split(";")[0].strip().lower()
    for name, (fmt, _) in table.items():
        if value in (name, fmt.media_type, fmt.suffix.lstrip("."), *fmt.aliases):
            return name
    return None


def negotiate(
    table: Mapping[str, tuple[Format, object]],
    accept: MIMEAccept,
    requested: str | None,
    *,
    default: str,
    allowed: tuple[str, ...] | None = None,
) -> str | None:
    """The format to answer with, or None when nothing acceptable is on offer (406).

    An explicit ``format`` (a short name, a suffix or a media type) wins over ``Accept``;
    an absent Accept header gets ``default``. Otherwise each format takes the q-value of the
    most specific range that matches it (RFC 9110 12.5.1: ``text/turtle;q=0, */*`` refuses
    Turtle and accepts the rest); q=0 means not acceptable; the highest q wins, then the more
    specific range, then ``default`` and the table's order. Werkzeug's ``best_match`` took any
    matching range with q > 0 and matched wildcards against alias types too, so a refused
    type or a type outside the range (``application/*`` answered as ``text/turtle``) went out.
    An alias (``application/json``) counts only when named exactly: the answer goes out
    under the canonical type, which a wildcard must cover by itself.
    """
    names = [n for n in table if allowed is None or n in allowed]
    if requested:
        found = format_named(table, requested)
        return found if found in names else None
    # Media-type parameters (charset=utf-8) do not change what we can offer: drop them.
    ranges = [(value.split(";")[0].strip().lower(), q) for value, q in accept]
    if not ranges:
        return default
    best: tuple[float, int, int] | None = None
    chosen = None
    for order, name in enumerate(dict.fromkeys([default, *names])):
        quality = _quality(table[name][0], ranges)
        if quality is None or quality[0] <= 0:
            continue
        key = (quality[0], quality[1], -order)
        if best is None or key > best:
            best, chosen = key, name
    return chosen


def _quality(fmt: Format, ranges: list[tuple[str, float]]) -> tuple[float, int] | None:
    """(q, specificity) of the most specific Accept range matching ``fmt``, None if none
    does. Specificity: 3 for the type itself (or an alias named exactly), 2 for ``type/*``,
    1 for ``*/*``; of equally specific ranges the highest q counts."""
    major = fmt.media_type.split("/")[0]
    exact = {fmt.media_type, *(a for a in fmt.aliases if "/" in a)}
    found: tuple[float, int] | None = None
    for value, q in ranges:
        if value in exact:
            level = 3
        elif value == f"{major}/*":
            level = 2
        elif value in ("*/*", "*"):
            level = 1
        else:
            continue
        if found is None or (level, q) > (found[1], found[0]):
            found = (q, level)
    return found
