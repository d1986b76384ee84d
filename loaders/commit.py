"""From paths to committed graphs: find inputs, run their loader, validate, write.

Each input file is one unit and is committed on its own: a unit that fails to parse or to
validate is rejected whole and reported, the units before and after it are unaffected, and
the store never holds part of a unit. Inputs whose fingerprint is already stored are skipped,
so loading the same files twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, URIRef

from dadkhah import __version__
from dadkhah.errors import DadkhahError, LoadError
from dadkhah.iris import Minter
from dadkhah.namespaces import ONTOLOGY_IRI, bind_prefixes
from dadkhah.resources import ontology_files
from dadkhah.store import EmbeddedStore
from dadkhah.units import LoadUnit
from dadkhah.validation import check_unit

from . import annotations, registry, text, web_annotation
from .context import DocumentText, Lookup
from .inputs import sha256_hex

Loader = Callable[[Path, Minter, datetime, Lookup], LoadUnit]


class StoreLookup:
    """Answers loaders' questions from the store, through Oxigraph."""

    def __init__(self, store: EmbeddedStore):
        self.store = store

    def _document(self, where: str) -> DocumentText | None:
        rows = self.store.select(
            "SELECT ?doc ?cap ?text ?sha WHERE { GRAPH ?g { " + where + " ?doc dk:capture ?cap . "
            "?cap dk:normalizedText ?text ; dk:sha256 ?sha } } LIMIT 1"
        )
        if not rows:
            return None
        row = rows[0]
        return DocumentText(URIRef(row["doc"]), URIRef(row["cap"]), row["text"], row["sha"])

    def document(self, iri: URIRef) -> DocumentText | None:
        return self._document(f"VALUES ?doc {{ {iri.n3()} }}")

    def document_by_url(self, url: str) -> DocumentText | None:
        return self._document(f"?doc schema:url {URIRef(url).n3()} .")

    def types(self, iris: Iterable[URIRef]) -> dict[URIRef, set[URIRef]]:
        values = " ".join(i.n3() for i in set(iris))
        if not values:
            return {}
        found: dict[URIRef, set[URIRef]] = {}
        for row in self.store.select(f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}"):
            found.setdefault(URIRef(row["s"]), set()).add(URIRef(row["t"]))
        return found


def ontology_unit(minter: Minter, now: datetime) -> LoadUnit:
    """The ontology itself, kept in the store (graph named by the ontology IRI) so queries can
    use its labels, concept schemes and class hierarchy."""
    g = bind_prefixes(Graph())
    hashes = []
    for path in ontology_files():
        data = path.read_bytes()
        hashes.append(sha256_hex(data))
        g.parse(data=data, format="turtle")
    fingerprint = sha256_hex(" ".join([*hashes, __version__]).encode())
    graph = URIRef(ONTOLOGY_IRI)
    prov = text.provenance_graph(minter, graph, fingerprint, hashes, "ontology/", now)
    return LoadUnit(
        "ontology/", graph, minter.provenance_graph(graph), g, prov, fingerprint, "ontology"
    )


def _load_document(path: Path, minter: Minter, now: datetime, lookup: Lookup) -> LoadUnit:
    return text.load_text(
        path.read_bytes(), source=text.source_for(path), minter=minter, loaded_at=now
    )


def _load_registry(path: Path, minter: Minter, now: datetime, lookup: Lookup) -> LoadUnit:
    return registry.load_registry(path.read_bytes(), path=str(path), minter=minter, loaded_at=now)


def _load_curated(path: Path, minter: Minter, now: datetime, lookup: Lookup) -> LoadUnit:
    return annotations.load_annotations(
        path.read_bytes(), path=str(path), minter=minter, lookup=lookup, loaded_at=now
    )


def _load_jsonld(path: Path, minter: Minter, now: datetime, lookup: Lookup) -> LoadUnit:
    return web_annotation.load_web_annotations(
        path.read_bytes(), path=str(path), minter=minter, lookup=lookup, loaded_at=now
    )


# Input kinds in the order they are committed (entities and documents before what refers to
# them), each with the files it claims and its loader. A new format is one line here.
LOADERS: dict[str, tuple[Callable[[Path], bool], Loader]] = {
    "registry": (registry.is_registry_file, _load_registry),
    "document": (lambda p: p.suffix in text.MEDIA_TYPES, _load_document),
    "annotations": (annotations.is_annotation_file, _load_curated),
    "web-annotations": (web_annotation.is_web_annotation_file, _load_jsonld),
}


@dataclass(frozen=True)
class Outcome:
    """What happened to one input."""

    source: str
    status: str  # loaded | replaced | unchanged | valid | rejected
    triples: int = 0
    error: DadkhahError | None = None
    notes: tuple[str, ...] = ()


def kind_of(path: Path) -> str | None:
    if path.name.endswith(text.SIDECAR_SUFFIX):
        return None  # read together with its document
    for kind, (claims, _) in LOADERS.items():
        if claims(path):
            return kind
    return None


def discover(paths: Iterable[str]) -> list[tuple[str, Path]]:
    """Expand files and folders into (kind, path), in commit order; unknown files are errors."""
    found: list[tuple[str, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                kind = kind_of(child)
                if kind:
                    found.append((kind, child))
        elif path.is_file():
            kind = kind_of(path)
            if kind is None:
                raise LoadError(
                    str(path),
                    None,
                    "a document (.txt, .md), a registry or annotation file (.yaml) "
                    "or W3C Web Annotations (.jsonld, .json)",
                )
            found.append((kind, path))
        else:
            raise LoadError(str(path), None, "a readable file or folder", "nothing there")
    order = list(LOADERS)
    return sorted(found, key=lambda item: order.index(item[0]))


def commit(store: EmbeddedStore, unit: LoadUnit, *, dry_run: bool = False) -> Outcome:
    """Validate ``unit`` and replace its graphs in the store, unless it is already there."""
    existing = store.fingerprint(unit.graph_iri)
    if existing == unit.fingerprint:
        return Outcome(unit.source, "unchanged")
    check_unit(unit)
    notes = tuple(unit.notes)
    if dry_run:
        return Outcome(unit.source, "valid", unit.triple_count(), notes=notes)
    store.replace(unit)
    status = "replaced" if existing else "loaded"
    return Outcome(unit.source, status, unit.triple_count(), notes=notes)


def load_paths(
    store: EmbeddedStore,
    items: list[tuple[str, Path]],
    minter: Minter,
    *,
    dry_run: bool = False,
) -> Iterator[Outcome]:
    """Load each discovered input in turn, yielding one outcome per input."""
    now = datetime.now(UTC).replace(microsecond=0)
    lookup = StoreLookup(store)
    if not dry_run:
        commit(store, ontology_unit(minter, now))
    for kind, path in items:
        try:
            unit = LOADERS[kind][1](path, minter, now, lookup)
            yield commit(store, unit, dry_run=dry_run)
        except OSError as err:
            error = LoadError(str(path), None, "a readable file", err.strerror or str(err))
            yield Outcome(str(path), "rejected", error=error)
        except DadkhahError as err:
            yield Outcome(str(path), "rejected", error=err)
    store.flush()
