"""Answers to the annotation loaders' questions (``context.Lookup``), in two kinds.

``StoreLookup`` asks the store. On the embedded store it reads quads by pattern (tens of
microseconds) rather than through SPARQL (about a millisecond per question); any other store
gets the same questions as SPARQL.

``PrefetchedLookup`` runs in a worker process, which cannot open the store (one process owns
it). The committing process looks up beforehand what an input will ask (``hints``: the
document a curated file names, the sources a Web Annotation file targets) and the types of
every registry entity; a question outside those raises ``NeedsStore`` and the input is then
loaded in the committing process instead, so an answer is never guessed.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from dadkhah.namespaces import DK, OA, SCHEMA
from dadkhah.units import DocumentFacts

from .context import DocumentText

_CAPTURE, _TEXT, _SHA = (ox.NamedNode(str(t)) for t in (DK.capture, DK.normalizedText, DK.sha256))
_URL = ox.NamedNode(str(SCHEMA.url))
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_DOCUMENT = ox.NamedNode(str(DK.SourceDocument))
_HAS_SOURCE, _SOURCE_FILE = ox.NamedNode(str(OA.hasSource)), ox.NamedNode(str(DK.sourceFile))


def _node(iri: str) -> ox.NamedNode | None:
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None  # not an IRI the store could hold


def _first(found: Iterator[ox.Quad]) -> ox.Quad | None:
    return next(found, None)


class StoreLookup:
    """Answers loaders' questions from the store, through Oxigraph."""

    def __init__(self, store: Any):
        self.store = store
        self._ox: ox.Store | None = getattr(store, "oxigraph", None)
        self.written: WrittenHere | None = None
        """Set by a load while what it wrote answers for the store (``WrittenHere``)."""
        self.planned: dict[str, set[str]] = {}
        self.planned_graphs: set[str] = set()
        """In a dry run, the types a registry of the run would have written, and the graphs
        it would have replaced (whose stored types no longer count): look-ups answer as the
        store would by now had the run written (``plan_types``)."""
        self.changed: dict[str, DocumentText] = {}
        """``hints`` keys of stored documents whose new text this load has prepared but not
        yet written: the annotation files of the same load anchor to the new text
        (``loaders.commit``)."""

    # -- documents: a capture with its text and digest, all in one named graph

    def _from_capture(self, doc: ox.NamedNode, graph: ox.NamedNode) -> DocumentText | None:
        assert self._ox is not None
        for quad in self._ox.quads_for_pattern(doc, _CAPTURE, None, graph):
            cap = quad.object
            if not isinstance(cap, ox.NamedNode | ox.BlankNode):
                continue
            text = _first(self._ox.quads_for_pattern(cap, _TEXT, None, graph))
            sha = _first(self._ox.quads_for_pattern(cap, _SHA, None, graph))
            if (
                text is not None
                and sha is not None
                and isinstance(text.object, ox.Literal)
                and isinstance(sha.object, ox.Literal)
            ):
                return DocumentText(
                    URIRef(doc.value), URIRef(cap.value), text.object.value, sha.object.value
                )
        return None

    def holds_documents(self) -> bool:
        """Whether any source document is stored (asked once, before a load's documents)."""
        if self._ox is None:
            return bool(self.store.select("SELECT ?d WHERE { ?d a dk:SourceDocument } LIMIT 1"))
        return next(self._ox.quads_for_pattern(None, _TYPE, _DOCUMENT, None), None) is not None

    def document(self, iri: URIRef) -> DocumentText | None:
        if (known := self.changed.get(f"iri {iri}")) is not None:
            return known
        if self.written is not None and (known := self.written.answer(f"iri {iri}")):
            return known
        return self.stored_document(iri)

    def stored_document(self, iri: URIRef) -> DocumentText | None:
        """The document as the store holds it, whatever this load has prepared."""
        if self._ox is None:
            return self._select(f"VALUES ?doc {{ {iri.n3()} }}")
        doc = _node(str(iri))
        if doc is None:
            return None
        for quad in self._ox.quads_for_pattern(doc, _CAPTURE, None, None):
            if isinstance(quad.graph_name, ox.NamedNode):
                found = self._from_capture(doc, quad.graph_name)
                if found is not None:
                    return found
        return None

    def document_by_url(self, url: str) -> DocumentText | None:
        if (known := self.changed.get(f"url {url}")) is not None:
            return known
        if self.written is not None and (known := self.written.answer(f"url {url}")):
            return known
        if self._ox is None:
            return self._select(f"?doc schema:url {URIRef(url).n3()} .")
        node = _node(url)
        if node is None:
            return None
        for quad in self._ox.quads_for_pattern(None, _URL, node, None):
            if isinstance(quad.graph_name, ox.NamedNode) and isinstance(quad.subject, ox.NamedNode):
                found = self._from_capture(quad.subject, quad.graph_name)
                if found is not None:
                    return found
        return None

    def _select(self, where: str) -> DocumentText | None:
        rows = self.store.select(
            "SELECT ?doc ?cap ?text ?sha WHERE { GRAPH ?g { " + where + " ?doc dk:capture ?cap . "
            "?cap dk:normalizedText ?text ; dk:sha256 ?sha } } LIMIT 1"
        )
        if not rows:
            return None
        row = rows[0]
        return DocumentText(URIRef(row["doc"]), URIRef(row["cap"]), row["text"], row["sha"])

    def anchored_to(self, iri: str, graphs: str) -> dict[str, str]:
        """The stored graphs whose IRI starts with ``graphs`` that target the document
        ``iri``, each with the file it was loaded from: one look-up per target of the
        document, plus one per graph found."""
        found: dict[str, str] = {}
        if self._ox is None:
            rows = self.store.select(
                f"SELECT DISTINCT ?g ?file WHERE {{ GRAPH ?g {{ ?t oa:hasSource <{iri}> }} "
                f'FILTER(STRSTARTS(STR(?g), "{graphs}")) '
                "OPTIONAL { ?g prov:wasGeneratedBy ?a . ?a dk:sourceFile ?file } }"
            )
            for row in rows:
                found.setdefault(str(row["g"]), str(row["file"] or ""))
            return found
        doc = _node(iri)
        if doc is None:
            return found
        for quad in self._ox.quads_for_pattern(None, _HAS_SOURCE, doc, None):
            graph = quad.graph_name
            if not isinstance(graph, ox.NamedNode) or not graph.value.startswith(graphs):
                continue
            if graph.value not in found:
                found[graph.value] = self._source_file(graph.value)
        return found

    def declared_in(self, iris: Iterable[str], graphs: str) -> dict[str, dict[str, str]]:
        """For each IRI, the stored graphs whose IRI starts with ``graphs`` that give it a
        type, each with the file it was loaded from."""
        found: dict[str, dict[str, str]] = {}
        wanted = sorted(iris)
        if self._ox is None:
            for at in range(0, len(wanted), 500):
                values = " ".join(f"<{iri}>" for iri in wanted[at : at + 500])
                rows = self.store.select(
                    f"SELECT DISTINCT ?s ?g ?file WHERE {{ VALUES ?s {{ {values} }} "
                    f'GRAPH ?g {{ ?s a ?t }} FILTER(STRSTARTS(STR(?g), "{graphs}")) '
                    "OPTIONAL { ?g prov:wasGeneratedBy ?a . ?a dk:sourceFile ?file } }"
                )
                for row in rows:
                    found.setdefault(row["s"], {})[row["g"]] = str(row["file"] or "")
            return found
        files: dict[str, str] = {}
        for iri in wanted:
            node = _node(iri)
            if node is None:
                continue
            for quad in self._ox.quads_for_pattern(node, _TYPE, None, None):
                graph = quad.graph_name
                if isinstance(graph, ox.NamedNode) and graph.value.startswith(graphs):
                    if graph.value not in files:
                        files[graph.value] = self._source_file(graph.value)
                    found.setdefault(iri, {})[graph.value] = files[graph.value]
        return found

    def _source_file(self, graph: str) -> str:
        """The file a stored graph was loaded from, as its provenance names it."""
        assert self._ox is not None
        provenance = ox.NamedNode(graph + "/provenance")
        file = _first(self._ox.quads_for_pattern(None, _SOURCE_FILE, None, provenance))
        name = file.object if file is not None else None
        return name.value if isinstance(name, ox.Literal) else ""

    # -- types, from every graph (queries see the union)

    def plan_types(self, graph: str, types: dict[str, set[str]]) -> None:
        """A dry run's registry graph: ``types`` replace what ``graph`` holds in the store."""
        self.planned_graphs.add(graph)
        for subject, kinds in types.items():
            self.planned.setdefault(subject, set()).update(kinds)

    def types(self, iris: Iterable[URIRef]) -> dict[URIRef, set[URIRef]]:
        wanted = set(iris)
        if not wanted:
            return {}
        if self.planned_graphs:
            return self._planned_types(wanted)
        found: dict[URIRef, set[URIRef]] = {}
        if self._ox is None:
            values = " ".join(i.n3() for i in wanted)
            query = f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}"
            for row in self.store.select(query):
                found.setdefault(URIRef(row["s"]), set()).add(URIRef(row["t"]))
            return found
        for iri in wanted:
            node = _node(str(iri))
            if node is None:
                continue
            for quad in self._ox.quads_for_pattern(node, _TYPE, None, None):
                if isinstance(quad.object, ox.NamedNode):
                    found.setdefault(iri, set()).add(URIRef(quad.object.value))
        return found

    def _planned_types(self, wanted: set[URIRef]) -> dict[URIRef, set[URIRef]]:
        """``types`` in a dry run that has planned registry graphs (``plan_types``)."""
        found: dict[URIRef, set[URIRef]] = {}
        for iri, kinds in self._typed_in(wanted):
            found.setdefault(iri, set()).update(URIRef(k) for k in kinds)
        for iri in wanted:
            if str(iri) in self.planned:
                found.setdefault(iri, set()).update(URIRef(k) for k in self.planned[str(iri)])
        return found

    def _typed_in(self, wanted: set[URIRef]) -> Iterator[tuple[URIRef, set[str]]]:
        """The stored types of each IRI, left out those of graphs a dry run replaces."""
        if self._ox is None:
            values = " ".join(i.n3() for i in wanted)
            rows = self.store.select(
                f"SELECT ?s ?t ?g WHERE {{ VALUES ?s {{ {values} }} GRAPH ?g {{ ?s a ?t }} }}"
            )
            for row in rows:
                if row["g"] not in self.planned_graphs:
                    yield URIRef(row["s"]), {str(row["t"])}
            return
        for iri in wanted:
            node = _node(str(iri))
            if node is None:
                continue
            kinds = {
                quad.object.value
                for quad in self._ox.quads_for_pattern(node, _TYPE, None, None)
                if isinstance(quad.object, ox.NamedNode)
                and not (
                    isinstance(quad.graph_name, ox.NamedNode)
                    and quad.graph_name.value in self.planned_graphs
                )
            }
            if kinds:
                yield iri, kinds

    def registry_types(self, registry_graphs: str) -> dict[str, frozenset[str]]:
        """Every subject typed in a graph whose IRI starts with ``registry_graphs``, with all
        its types in the store: what workers answer ``types`` from."""
        if self.planned_graphs:
            stored = self.registry_types_stored(registry_graphs)
            subjects = {URIRef(s) for s in stored} | {URIRef(s) for s in self.planned}
            planned = self._planned_types(subjects)
            return {str(s): frozenset(str(t) for t in kinds) for s, kinds in planned.items()}
        return self.registry_types_stored(registry_graphs)

    def registry_types_stored(self, registry_graphs: str) -> dict[str, frozenset[str]]:
        """``registry_types`` from the store alone."""
        found: dict[str, set[str]] = {}
        if self._ox is None:
            rows = self.store.select(
                "SELECT DISTINCT ?s ?t WHERE { GRAPH ?g { ?s a ?x } "
                f'FILTER(STRSTARTS(STR(?g), "{registry_graphs}")) ?s a ?t }}'
            )
            for row in rows:
                found.setdefault(row["s"], set()).add(row["t"])
            return {s: frozenset(t) for s, t in found.items()}
        subjects: set[ox.NamedNode] = set()
        for graph in self._ox.named_graphs():
            if isinstance(graph, ox.NamedNode) and graph.value.startswith(registry_graphs):
                for quad in self._ox.quads_for_pattern(None, _TYPE, None, graph):
                    if isinstance(quad.subject, ox.NamedNode):
                        subjects.add(quad.subject)
        for subject in subjects:
            for quad in self._ox.quads_for_pattern(subject, _TYPE, None, None):
                if isinstance(quad.object, ox.NamedNode):
                    found.setdefault(subject.value, set()).add(quad.object.value)
        return {s: frozenset(t) for s, t in found.items()}


class NeedsStore(Exception):  # noqa: N818 - a signal, not an error the user sees
    """A worker was asked something it was not told; the committing process must answer."""


class PrefetchedLookup:
    """A ``Lookup`` answered from what the committing process fetched for one input."""

    def __init__(
        self,
        documents: Mapping[str, DocumentText | None],
        types: Mapping[str, frozenset[str]],
    ):
        self.documents, self.known_types = documents, types

    def _get(self, key: str) -> DocumentText | None:
        if key not in self.documents:
            raise NeedsStore(key)
        return self.documents[key]

    def document(self, iri: URIRef) -> DocumentText | None:
        return self._get("iri " + str(iri))

    def document_by_url(self, url: str) -> DocumentText | None:
        return self._get("url " + url)

    def types(self, iris: Iterable[URIRef]) -> dict[URIRef, set[URIRef]]:
        found: dict[URIRef, set[URIRef]] = {}
        for iri in iris:
            types = self.known_types.get(str(iri))
            if types is None:
                raise NeedsStore(str(iri))
            found[iri] = {URIRef(t) for t in types}
        return found


_CURATED_DOCUMENT = re.compile(
    rb"^document:[ \t]*(['\"]?)([A-Za-z0-9][A-Za-z0-9._-]{0,127})\1[ \t]*(?:#[^\n]*)?\r?$", re.M
)
_SOURCE = re.compile(rb'"source"\s*:\s*"([^"\\]{1,2000})"')
MAX_HINTS = 256


def hints(kind: str, data: bytes, base: str) -> list[str] | None:
    """The lookups an input will make, read from its bytes without parsing them: keys of
    ``PrefetchedLookup.documents`` (``iri …`` and ``url …``). None when the bytes do not say
    clearly (the worker then asks for what it needs, and the input is loaded here)."""
    if kind == "annotations":
        found = _CURATED_DOCUMENT.findall(data)
        if len(found) != 1:
            return None
        return [f"iri {base}document/{found[0][1].decode()}"]
    sources = {m.decode("utf-8", "replace") for m in _SOURCE.findall(data)}
    sources = {s for s in sources if not s.startswith(base + "entity/")}  # bodies, not targets
    if len(sources) > MAX_HINTS:
        return None
    return sorted(f"{how} {s}" for s in sources for how in ("iri", "url"))


_NOTE = "INSERT INTO answer VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET iri = NULL"
_NOTE_AGAIN = (
    "INSERT INTO answer VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
    "iri = excluded.iri, capture = excluded.capture, text = excluded.text, "
    "sha256 = excluded.sha256"
)


class WrittenHere:
    """The documents one load has written, answering ``hints`` keys as the store would, from
    a SQLite file in the load's temporary folder.

    Why: anchoring an annotation file needs its document's text. Read back from the store,
    every document of a large load passes through RocksDB's caches, and the index blocks of
    every file it touches stay in memory: a cost that grows with the store
    (bench/RESULTS.md, "Memory"). Answered from here, the load reads no text back at all.

    The load uses this only while it is exact: the store held no document when the load
    began, so every document the store holds was written by this load, through its stream
    (``note`` is called as a unit joins the stream, ``commit`` once the stream is stored,
    ``discard`` if it was refused). Two documents stating one URL leave that URL to the
    store, which decides between them.
    """

    def __init__(self, folder: Path):
        self._db = sqlite3.connect(folder / "documents.sqlite")
        self._db.executescript(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
            "CREATE TABLE answer (key TEXT PRIMARY KEY, iri TEXT, capture TEXT, "
            "text TEXT, sha256 TEXT)"
        )

    def note(self, facts: DocumentFacts, *, again: bool = False) -> None:
        """Answer for ``facts``. A key written twice is ambiguous (the store decides), unless
        ``again``: a dry run, where the later document is what a load would leave."""
        row = (facts.iri, facts.capture, facts.text, facts.sha256)
        keys = ["iri " + facts.iri] + ([f"url {facts.url}"] if facts.url else [])
        sql = _NOTE_AGAIN if again else _NOTE
        self._db.executemany(
            sql,
            [(key, *row) for key in keys],
        )

    def commit(self) -> None:
        self._db.commit()

    def discard(self) -> None:
        self._db.rollback()

    def close(self) -> None:
        self._db.close()

    def answer(self, key: str) -> DocumentText | None:
        """The store's answer for ``key``, or None when only the store can tell."""
        row = self._db.execute(
            "SELECT iri, capture, text, sha256 FROM answer WHERE key = ? AND iri IS NOT NULL",
            (key,),
        ).fetchone()
        if row is None:
            return None
        return DocumentText(URIRef(row[0]), URIRef(row[1]), row[2], row[3])


def prefetch(lookup: StoreLookup, keys: Iterable[str]) -> dict[str, DocumentText | None]:
    """Answer ``hints`` as ``lookup`` does."""
    found: dict[str, DocumentText | None] = {}
    for key in keys:
        how, value = key.split(" ", 1)
        if how == "iri":
            found[key] = lookup.document(URIRef(value))
        else:
            found[key] = lookup.document_by_url(value)
    return found
