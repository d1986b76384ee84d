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

from dadkhah.errors import DadkhahError, LoadError
from dadkhah.iris import Minter
from dadkhah.store import EmbeddedStore
from dadkhah.units import LoadUnit
from dadkhah.validation import check_unit

from . import text

Loader = Callable[[Path, Minter, datetime], LoadUnit]


def _load_document(path: Path, minter: Minter, now: datetime) -> LoadUnit:
    return text.load_text(
        path.read_bytes(), source=text.source_for(path), minter=minter, loaded_at=now
    )


# Input kinds in the order they are committed, each with the files it claims and its loader.
LOADERS: dict[str, tuple[Callable[[Path], bool], Loader]] = {
    "document": (lambda p: p.suffix in text.MEDIA_TYPES, _load_document),
}


@dataclass(frozen=True)
class Outcome:
    """What happened to one input."""

    source: str
    status: str  # loaded | replaced | unchanged | valid | rejected
    triples: int = 0
    error: DadkhahError | None = None


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
                    str(path), None, "a document (.txt, .md) or an annotation or registry file"
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
    if dry_run:
        return Outcome(unit.source, "valid", unit.triple_count())
    store.replace(unit)
    return Outcome(unit.source, "replaced" if existing else "loaded", unit.triple_count())


def load_paths(
    store: EmbeddedStore,
    items: list[tuple[str, Path]],
    minter: Minter,
    *,
    dry_run: bool = False,
) -> Iterator[Outcome]:
    """Load each discovered input in turn, yielding one outcome per input."""
    now = datetime.now(UTC).replace(microsecond=0)
    for kind, path in items:
        try:
            unit = LOADERS[kind][1](path, minter, now)
            yield commit(store, unit, dry_run=dry_run)
        except OSError as err:
            error = LoadError(str(path), None, "a readable file", err.strerror or str(err))
            yield Outcome(str(path), "rejected", error=error)
        except DadkhahError as err:
            yield Outcome(str(path), "rejected", error=err)
    store.flush()
