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
    an absent or ``*/*``-only Accept header gets ``default``.
    """
    names = [n for n in table if allowed is None or n in allowed]
    if requested:
        found = format_named(table, requested)
        return found if found in names else None
    # Media-type parameters (charset=utf-8) do not change what we can offer: drop them, or
    # Werkzeug would only match offers carrying the same parameters.
    accept = MIMEAccept([(value.split(";")[0].strip(), q) for value, q in accept])
    if not accept or all(value == "*/*" for value, _ in accept):
        return default
    offers: list[str] = []
    owner: dict[str, str] = {}
    for name in [default, *names]:
        fmt = table[name][0]
        for media in (fmt.media_type, *fmt.aliases):
            if "/" in media and media not in owner:
                owner[media] = name
                offers.append(media)
    best = accept.best_match(offers)
    return owner[best] if best else None
