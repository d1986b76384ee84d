"""Deterministic dumps: the same store gives the same bytes, so two exports diff clean.

Why each choice:

- **Order.** Quads are sorted per named graph by the N-Triples text of subject, predicate and
  object, graphs by IRI (the default graph first). Oxigraph's own iteration order follows its
  hashed term encoding: stable for one version, but meaningless to a reader and free to change
  with an upgrade. Sorting by text keeps a subject's triples together (Turtle and TriG group
  them) and makes a one-triple change a one-line diff.
- **Memory.** N-Quads, TriG and JSON-LD are produced one graph at a time, so memory is bounded
  by the largest named graph, not the store. The Turtle, N-Triples and RDF/XML union has to
  sort the whole union and drop triples repeated across graphs: it is an external merge sort.
  Each triple becomes a line of text (its sort key, then its N-Triples form); runs of up to
  ``RUN_BYTES`` of such lines are sorted in memory and spilled to anonymous temporary files,
  which ``heapq.merge`` reads back in order, dropping duplicates as they come out adjacent. A
  union that fits one run never touches the disk. The merged lines are written out in
  pieces of about ``CHUNK_BYTES`` (Turtle and RDF/XML cut only where the subject changes, so
  Oxigraph's serializer gives the same bytes as in one call). Memory is then bounded by the
  largest named graph, one run, and the largest subject's triples, not by the store; the
  temporary files need about the union's N-Triples size on disk (``TMPDIR``), and are gone
  when the export ends, fails or is abandoned.
- **Blank nodes.** Dadkhah mints IRIs (``#target``, ``#quote``) instead of blank nodes, but a
  Graph Store upload may bring some; a graph holding any is canonicalized (RDFC-1.0) first, so
  its labels, and therefore its sort order, do not depend on load order.
- **Prefixes** come from ``dadkhah.namespaces.PREFIXES``, the table pages and loaders use.
- **Gzip** output has no timestamp or file name in its header (``mtime=0``), and one writer
  (``gzip_chunks``) compresses the CLI's files and the HTTP dumps, so compressed dumps are
  byte-identical too, whichever way they are made.

Scopes: the whole store, one named graph (with its provenance graph), one document (its
graph, the annotation graphs that target it, and their provenance), or one entity (its own
statements, statements that point at it, the claims, quotes and mentions about it with their
evidence, and the provenance of every graph they come from).
"""

from __future__ import annotations

import functools
import heapq
import json
import re
import struct
import tempfile
import zlib
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import IO, Any, cast

import pyoxigraph as ox

from .errors import DadkhahError, NotExpressible
from .iris import has_scheme, is_iri, is_valid_id
from .namespaces import PREFIXES
from .store import Store, rows_of

UNION_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
DATASET_FORMATS = {
    "trig": ox.RdfFormat.TRIG,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
}
FORMATS = (*UNION_FORMATS, *DATASET_FORMATS)
SUFFIXES = {
    "turtle": "ttl", "ntriples": "nt", "rdfxml": "rdf", "trig": "trig", "nquads": "nq",
    "jsonld": "jsonld",
}  # fmt: skip
MEDIA_TYPES = {
    "turtle": "text/turtle", "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml", "trig": "application/trig",
    "nquads": "application/n-quads", "jsonld": "application/ld+json",
}  # fmt: skip
OWNED_LINKS = ("https://dadkhah.example/ns#evidence",)
"""Predicates whose objects are described together with their subject (a claim's evidence
annotation, with its target and selectors), beside the fragment nodes a resource owns."""
ENTITY_LINKS = (
    "https://dadkhah.example/ns#about", "https://dadkhah.example/ns#claimant",
    "https://dadkhah.example/ns#speaker", "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#object", "http://www.w3.org/ns/oa#hasBody",
)  # fmt: skip
"""Predicates by which a claim, quote, relation or mention points at an entity."""
PROVENANCE_SUFFIX = "/provenance"
RUN_BYTES = 32 << 20
"""Sort-key lines an external-sort run holds in memory before it is spilled to a temporary
file: some 150,000 triples of the corpus's sizes (the whole export then grows the process by
about 40 MiB, measured)."""
CHUNK_BYTES = 1 << 20
"""About how much N-Triples text the union's writer hands Oxigraph's serializer at a time."""
MERGE_WIDTH = 64
"""Spilled runs merged into one as soon as that many of the same size wait (open files)."""

Quad = ox.Quad


class ExportError(DadkhahError):
    """The scope names nothing the store holds, or the format is unknown."""

    status = 404
    exit_code = 1


@dataclass(frozen=True)
class Scope:
    """What to export: everything (all None), or one graph, document or entity IRI."""

    graph: str | None = None
    document: str | None = None
    entity: str | None = None

    @property
    def name(self) -> str:
        for kind in ("graph", "document", "entity"):
            if getattr(self, kind):
                return kind
        return "all"


SCOPE_FORMS = {
    "graph": "an absolute IRI, or a path under the base IRI such as graph/registry/registry",
    "document": "a document id (letters, digits, '.', '_', '-') or an absolute IRI",
    "entity": "an entity id (letters, digits, '.', '_', '-') or an absolute IRI",
}
"""What a scope's value may be, for the errors that refuse another."""


def scope_iri(kind: str, given: str, base: str) -> str:
    """The IRI a scope's value names: an absolute IRI as given, a document or entity id under
    ``base`` (``base + "entity/" + id``), or a graph's path under ``base``. ``ValueError``,
    naming the expected form, for a value that makes no IRI: such a value could name nothing,
    and in a query it would end the IRI and start SPARQL syntax."""
    if has_scheme(given):
        iri = given
    elif kind == "graph":
        iri = base + given.lstrip("/")
    else:
        iri = f"{base}{kind}/{given}" if is_valid_id(given) else ""
    if not is_iri(iri):
        raise ValueError(f"expected {SCOPE_FORMS[kind]}, not {given!r}")
    return iri


# ---------------------------------------------------------------------- ordering


def value(term: object) -> str:
    """The lexical value of an IRI, blank node or literal (a quoted triple as N-Triples)."""
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term.value
    return str(term)


def to_bytes(
    items: Iterable[ox.Quad] | Iterable[ox.Triple],
    fmt: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """Oxigraph's serialization into memory (``b""`` for nothing). RDF/XML is refused
    (``NotExpressible``) for a predicate it cannot write, where Oxigraph would write an
    element named ``oxprefix:``, which is not XML."""
    if fmt == ox.RdfFormat.RDF_XML:
        listed: list[ox.Quad | ox.Triple] = list(items)
        items = cast(list[ox.Triple], listed)
        for item in listed:
            if not _xml_writable(item.predicate.value):
                raise NotExpressible(
                    f"RDF/XML cannot write the predicate <{item.predicate.value}>: no XML "
                    "name ends it (RDF/XML makes each predicate an element name); ask for "
                    "Turtle, N-Triples or JSON-LD"
                )
    return ox.serialize(items, None, fmt, prefixes=prefixes) or b""


_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_XML_NAME_END = re.compile(
    f"[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*\\Z"
)
"""An XML name (without a colon) at the end of an IRI: what RDF/XML needs of a predicate,
to split it into a namespace and an element name (XML 1.0, NameStartChar and NameChar)."""


@functools.lru_cache(maxsize=4096)  # an archive uses a few hundred predicates
def _xml_writable(predicate: str) -> bool:
    return _XML_NAME_END.search(predicate) is not None


def sort_key(quad: ox.Quad | ox.Triple) -> tuple[str, str, str]:
    return (str(quad.subject), str(quad.predicate), str(quad.object))


def _has_blank(quads: Iterable[ox.Quad]) -> bool:
    return any(isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
               for q in quads)  # fmt: skip


def canonical_graph(quads: list[ox.Quad]) -> list[ox.Quad]:
    """One graph's quads, blank nodes relabelled by RDFC-1.0 if it has any (any order)."""
    if _has_blank(quads):
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        quads = list(dataset)
    return quads


def sorted_graph(quads: list[ox.Quad]) -> list[ox.Quad]:
    """One graph's quads in canonical order (blank nodes relabelled by RDFC-1.0 first)."""
    return sorted(set(canonical_graph(quads)), key=sort_key)


def _graph_key(graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> tuple[int, str]:
    return (0, "") if isinstance(graph, ox.DefaultGraph) else (1, graph.value)


# ---------------------------------------------------------------------- reading scopes


def _graph_quads(store: Store, graph: str | None) -> list[ox.Quad]:
    name: ox.NamedNode | ox.DefaultGraph = (
        ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
    )
    return [ox.Quad(t.subject, t.predicate, t.object, name) for t in store.graph_triples(graph)]


def solutions(store: Store, sparql: str) -> ox.QuerySolutions:
    """A SELECT's rows as Oxigraph terms, the default graph being the store's own (not the
    union of the named graphs)."""
    result = store.query(sparql, union_default_graph=False, known_prefixes=True)
    assert isinstance(result, ox.QuerySolutions)
    return result


def quads_matching(store: Store, pattern: str, *, limit: int | None = None) -> list[ox.Quad]:
    """Quads matching ``pattern`` (binding ?s ?p ?o) in the default graph or a named graph."""
    sparql = f"SELECT ?s ?p ?o ?g WHERE {{ {{ {pattern} }} UNION {{ GRAPH ?g {{ {pattern} }} }} }}"
    if limit is not None:
        sparql += f" ORDER BY ?s ?p ?o ?g LIMIT {int(limit)}"
    return [
        ox.Quad(r["s"], r["p"], r["o"], r["g"] or ox.DefaultGraph())
        for r in solutions(store, sparql)
    ]


def _values(iris: Iterable[str]) -> str:
    return " ".join(f"<{i}>" for i in sorted(iris))


def owns(owner: str, node: str) -> bool:
    """A fragment IRI belongs to the resource before its ``#`` or to an ancestor path of it:
    ``annotation/B/L#target`` to ``annotation/B/L``, ``graph/G/provenance#load-…`` to
    ``graph/G``. Such nodes stand in for blank nodes and travel with their owner."""
    if "#" not in node:
        return False
    base = node.split("#", 1)[0]
    return base == owner or base.startswith(owner + "/")


def closure(store: Store, iris: Iterable[str], *, depth: int = 5) -> list[ox.Quad]:
    """Every quad whose subject is one of ``iris`` or a node they own (fragments, evidence
    annotations), followed ``depth`` levels deep."""
    seen: set[str] = set()
    frontier = {i for i in iris}
    found: list[ox.Quad] = []
    roots = set(frontier)
    for _ in range(depth):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        quads = quads_matching(store, f"VALUES ?s {{ {_values(frontier)} }} ?s ?p ?o")
        found.extend(quads)
        frontier = set()
        for q in quads:
            if not isinstance(q.object, ox.NamedNode):
                continue
            obj = q.object.value
            owner = value(q.subject).split("#", 1)[0]
            if any(owns(r, obj) for r in (owner, *roots)) or q.predicate.value in OWNED_LINKS:
                frontier.add(obj)
    return found


def document_graphs(store: Store, document: str) -> list[str]:
    """The document's own graph and every graph annotating it, each with its provenance
    (none for a value that is no IRI)."""
    if not is_iri(document):
        return []
    rows = solutions(
        store,
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?t oa:hasSource <{document}> }} }}",
    )
    graphs = {r["g"].value for r in rows if r["g"] is not None}
    graphs |= {r["g"].value for r in solutions(
        store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{document}> a dk:SourceDocument }} }}"
    ) if r["g"] is not None}  # fmt: skip
    return _with_provenance(store, graphs)


def _with_provenance(store: Store, graphs: Iterable[str]) -> list[str]:
    out = set(graphs)
    for g in list(out):
        if not g.endswith(PROVENANCE_SUFFIX) and store.graph_exists(g + PROVENANCE_SUFFIX):
            out.add(g + PROVENANCE_SUFFIX)
    return sorted(out)


def entity_quads(store: Store, entity: str) -> list[ox.Quad]:
    """The entity's statements, statements pointing at it, and the claims, quotes and
    mentions about it with their evidence; plus the provenance of each graph involved."""
    links = " ".join(f"<{p}>" for p in ENTITY_LINKS)
    pointing = solutions(
        store,
        f"SELECT DISTINCT ?s WHERE {{ VALUES ?p {{ {links} }} GRAPH ?g {{ ?s ?p <{entity}> }} }}",
    )
    nodes = {entity} | {r["s"].value for r in pointing if isinstance(r["s"], ox.NamedNode)}
    quads = closure(store, nodes)
    quads += quads_matching(store, f"VALUES ?o {{ <{entity}> }} ?s ?p ?o")
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)}
    for g in _with_provenance(store, graphs):
        if g.endswith(PROVENANCE_SUFFIX):
            quads += _graph_quads(store, g)
    return quads


def exists(store: Store, iri: str) -> bool:
    """The store holds ``iri`` as a subject, an object or a named graph (never so for a
    value that is no IRI, which is not written into the query)."""
    if not is_iri(iri):
        return False
    return store.graph_exists(iri) or bool(
        rows_of(store.query(
            f"SELECT ?x WHERE {{ {{ <{iri}> ?p ?x }} UNION {{ ?x ?p <{iri}> }} }} LIMIT 1",
            union_default_graph=True,
        ))
    )  # fmt: skip


def check(store: Store, scope: Scope) -> None:
    """``ExportError`` if the scope names nothing the store holds (before any output)."""
    if scope.entity and not exists(store, scope.entity):
        raise ExportError(f"no entity {scope.entity} in the store")
    if scope.graph and not store.graph_exists(scope.graph):
        raise ExportError(f"no named graph {scope.graph} in the store")
    if scope.document and not document_graphs(store, scope.document):
        raise ExportError(f"no document {scope.document} in the store")


def scoped_graphs(
    store: Store, scope: Scope, *, ordered: bool = True
) -> Iterator[tuple[str | None, list[ox.Quad]]]:
    """(graph name, its quads in canonical order) for every graph in scope, in order.

    ``ordered=False`` leaves each graph's quads unsorted (blank nodes still canonicalized,
    a quad possibly twice in an entity scope): for the union, which sorts everything anyway.
    """
    arrange = sorted_graph if ordered else canonical_graph
    if scope.entity:
        if not exists(store, scope.entity):
            raise ExportError(f"no entity {scope.entity} in the store")
        by_graph: dict[tuple[int, str], list[ox.Quad]] = {}
        for q in entity_quads(store, scope.entity):
            by_graph.setdefault(_graph_key(q.graph_name), []).append(q)
        for key in sorted(by_graph):
            yield (key[1] or None), arrange(by_graph[key])
        return
    if scope.graph:
        if not store.graph_exists(scope.graph):
            raise ExportError(f"no named graph {scope.graph} in the store")
        names: list[str | None] = list(_with_provenance(store, [scope.graph]))
    elif scope.document:
        names = list(document_graphs(store, scope.document))
        if not names:
            raise ExportError(f"no document {scope.document} in the store")
    else:
        names = [None, *sorted(store.named_graphs())]
    for name in names:
        quads = _graph_quads(store, name)
        if quads:
            yield name, arrange(quads)


# ---------------------------------------------------------------------- the union, sorted


def _record(triple: ox.Quad | ox.Triple) -> bytes:
    """A triple as one line that sorts as ``sort_key`` does: subject, predicate and object
    text joined by NUL, which sorts below every character the three can hold (N-Triples text
    escapes control characters, so none holds a NUL or a line break); UTF-8 keeps the order
    of code points. A triple-term object, whose text is not its N-Triples form, carries its
    whole N-Triples line after a fourth NUL."""
    s, p, o = triple.subject, triple.predicate, triple.object
    if type(o) is ox.Triple:
        line = to_bytes([ox.Triple(s, p, o)], ox.RdfFormat.N_TRIPLES)
        return f"{s}\0{p}\0{o}\0".encode() + line
    return f"{s}\0{p}\0{o}\n".encode()


def _line(record: bytes) -> bytes:
    """The N-Triples line of a ``_record`` (what Oxigraph's N-Triples writer gives)."""
    if record.count(b"\0") == 2:
        return record[:-1].replace(b"\0", b" ") + b" .\n"
    return record.split(b"\0", 3)[3]


def _unique(records: Iterable[bytes]) -> Iterator[bytes]:
    """Sorted records without the repeats (which are adjacent)."""
    last = None
    for record in records:
        if record != last:
            yield record
            last = record


def _spill(records: Iterable[bytes]) -> IO[bytes]:
    """Records written to an anonymous temporary file (deleted when closed, or when the
    process ends), rewound for reading."""
    run = tempfile.TemporaryFile(buffering=1 << 16)  # noqa: SIM115 (sorted_union closes it)
    try:
        run.writelines(records)
        run.seek(0)
    except BaseException:
        run.close()
        raise
    return run


def sorted_union(
    records: Iterable[bytes], *, run_bytes: int | None = None
) -> Generator[bytes, None, None]:
    """``records`` in order, each once, by an external merge sort: runs of ``run_bytes``
    (default ``RUN_BYTES``) sorted in memory and spilled to temporary files, then merged.
    All in memory if the records fit one run. Whenever ``MERGE_WIDTH`` runs of one level
    are waiting they are merged into one run of the next level, so few files are open at once
    and each record is rewritten only once per level. The files are closed (and so deleted)
    when the generator ends, fails or is closed."""
    limit = RUN_BYTES if run_bytes is None else run_bytes
    width = max(2, MERGE_WIDTH)
    spilled: list[IO[bytes]] = []
    levels: list[int] = []  # of each spilled run: non-increasing from first to last
    try:
        run: list[bytes] = []
        size = 0
        for record in records:
            run.append(record)
            size += len(record)
            if size < limit:
                continue
            run.sort()
            spilled.append(_spill(_unique(run)))
            levels.append(0)
            run, size = [], 0
            while len(levels) >= width and levels[-width] == levels[-1]:
                merged = _spill(_unique(heapq.merge(*spilled[-width:])))
                for done in spilled[-width:]:
                    done.close()
                del spilled[-width:]
                spilled.append(merged)
                levels[-width:] = [levels[-1] + 1]
        run.sort()
        if not spilled:
            yield from _unique(run)
            return
        if run:
            spilled.append(_spill(_unique(run)))
        run = []
        yield from _unique(heapq.merge(*spilled))
    finally:
        for f in spilled:
            f.close()


def _union_records(store: Store, scope: Scope) -> Iterator[bytes]:
    for _, quads in scoped_graphs(store, scope, ordered=False):
        for quad in quads:
            yield _record(quad)


def _subject_batches(records: Iterable[bytes]) -> Iterator[list[bytes]]:
    """Records in batches of about ``CHUNK_BYTES``, cut only where the subject changes."""
    limit = CHUNK_BYTES
    batch: list[bytes] = []
    size = 0
    last = b""
    for record in records:
        subject = record[: record.index(b"\0")]
        if size >= limit and subject != last:
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += len(record)
        last = subject
    if batch:
        yield batch


def _parsed(batch: list[bytes]) -> Iterator[ox.Quad]:
    return ox.parse(b"".join(map(_line, batch)), ox.RdfFormat.N_TRIPLES)


def _union_chunks(store: Store, fmt: str, scope: Scope) -> Iterator[bytes]:
    """The union graph in ``sort_key`` order, each triple once (see the module's Memory)."""
    sorting = sorted_union(_union_records(store, scope))
    try:
        # The first record comes once everything is sorted: a scope that names nothing fails
        # here, before the first byte of output.
        first = next(sorting, None)
        records = chain(() if first is None else (first,), sorting)
        if fmt == "ntriples":
            lines: list[bytes] = []
            size = 0
            for record in records:
                line = _line(record)
                lines.append(line)
                size += len(line)
                if size >= CHUNK_BYTES:
                    yield b"".join(lines)
                    lines, size = [], 0
            if lines:
                yield b"".join(lines)
            return
        if fmt == "turtle":
            yield prefix_header()
            for batch in _subject_batches(records):
                yield turtle_like(_parsed(batch), ox.RdfFormat.TURTLE)
            return
        # RDF/XML: Oxigraph writes the same root element (every prefix declared) whatever
        # the triples, so each batch's document is cut down to its descriptions.
        empty = to_bytes([], ox.RdfFormat.RDF_XML, dict(PREFIXES))
        footer = b"</rdf:RDF>"
        header = empty.removesuffix(footer)
        yield header
        for batch in _subject_batches(records):
            document = to_bytes(_parsed(batch), ox.RdfFormat.RDF_XML, dict(PREFIXES))
            if not (document.startswith(header) and document.endswith(footer)):
                raise RuntimeError("unexpected RDF/XML framing from Oxigraph's serializer")
            yield document[len(header) : -len(footer)]
        yield footer
    finally:
        sorting.close()


# ---------------------------------------------------------------------- writing


def prefix_header() -> bytes:
    """``@prefix`` lines in the order of ``PREFIXES`` (Oxigraph writes its own in hash order)."""
    return "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items()).encode()


def turtle_like(items: Iterable[ox.Quad] | Iterable[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """Turtle or TriG with Dadkhah's prefixes, without the prefix header."""
    return _strip_prefixes(to_bytes(items, fmt, dict(PREFIXES)))


def _strip_prefixes(chunk: bytes) -> bytes:
    lines = chunk.split(b"\n")
    i = 0
    while i < len(lines) and lines[i].startswith(b"@prefix "):
        i += 1
    return b"\n".join(lines[i:])


def _jsonld_graph(quads: list[ox.Quad]) -> list[Any]:
    parsed: list[Any] = json.loads(to_bytes(quads, ox.RdfFormat.JSON_LD))
    return parsed


def chunks(store: Store, fmt: str, scope: Scope | None = None) -> Iterator[bytes]:
    """The export as a sequence of byte chunks: one per named graph for the dataset formats,
    pieces of about ``CHUNK_BYTES`` for the union's."""
    scope = scope or Scope()
    if fmt in UNION_FORMATS:
        yield from _union_chunks(store, fmt, scope)
        return
    if fmt not in DATASET_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: expected one of {', '.join(FORMATS)}")
    first = True
    if fmt == "jsonld":
        yield b"["
    for _, quads in scoped_graphs(store, scope):
        if fmt == "nquads":
            yield to_bytes(quads, ox.RdfFormat.N_QUADS)
        elif fmt == "trig":
            chunk = turtle_like(quads, ox.RdfFormat.TRIG)
            yield prefix_header() + chunk if first else chunk
        else:
            for node in _jsonld_graph(quads):
                text = json.dumps(node, ensure_ascii=False, indent=1, sort_keys=True)
                yield (b"\n" if first else b",\n") + text.encode("utf-8")
                first = False
        first = False
    if fmt == "jsonld":
        yield b"\n]\n"


def write(
    store: Store, output: IO[bytes], fmt: str, scope: Scope | None = None, *, gz: bool = False
) -> None:
    """Write the export to ``output`` (compressed by ``gzip_chunks`` if ``gz``)."""
    body = chunks(store, fmt, scope)
    for chunk in gzip_chunks(body) if gz else body:
        output.write(chunk)


GZIP_LEVEL = 6
"""zlib's default. On the corpus's N-Quads (2.8 MB) level 9 saved 1.7 % (125 kB against
128 kB) and took 2.2 times as long (51 ms against 23); a server compresses on every
request."""
GZIP_HEADER = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x00\xff"
"""A gzip member's header (RFC 1952) written by hand, so that it is the same on every
platform and for every writer: deflate, no flags (no file name), mtime 0, no extra flags,
OS 255 ("unknown"; zlib would write the OS it was built for)."""


def gzip_chunks(source: Iterable[bytes]) -> Iterator[bytes]:
    """A stream of chunks as one gzip member: the one compression of the CLI's ``.gz`` files
    and of ``/dumps``, so both give the same bytes. The header goes out with the first
    compressed bytes, so a source that fails at once has sent nothing."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)  # raw deflate
    pending = GZIP_HEADER
    crc = size = 0
    for chunk in source:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        out = compressor.compress(chunk)
        if out:
            yield pending + out
            pending = b""
    yield pending + compressor.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF)
