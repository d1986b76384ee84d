"""Finding inputs: which files a loader claims, in the order they are committed.

A folder is walked, not listed: ``Inputs`` keeps the roots and the count of each kind, and
walks the tree again for each kind when iterated, so a hundred thousand documents cost no
memory here. The order is exactly that of sorting every path (a depth-first walk with each
folder's entries sorted by name visits paths in sorted order), grouped by kind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from dadkhah.errors import LoadError

from . import curated, registry, text, web_annotation

# Input kinds in the order they are committed (entities and documents before what refers to
# them), each with the files it claims. A new format is one line here and one in work.py.
KINDS: dict[str, Callable[[Path], bool]] = {
    "registry": registry.is_registry_file,
    "document": lambda p: p.suffix in text.MEDIA_TYPES,
    "annotations": curated.is_annotation_file,
    "web-annotations": web_annotation.is_web_annotation_file,
}


def kind_of(path: Path) -> str | None:
    if path.name.endswith(text.SIDECAR_SUFFIX):
        return None  # read together with its document
    for kind, claims in KINDS.items():
        if claims(path):
            return kind
    return None


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder`` in sorted order (as ``sorted(folder.rglob("*"))`` would give
    them), without following links to folders."""
    with os.scandir(folder) as entries:
        ordered = sorted(entries, key=lambda e: e.name)
    for entry in ordered:
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)


class Inputs:
    """Discovered inputs as (kind, path), in commit order; iterable more than once."""

    def __init__(self, roots: list[tuple[Path, str | None]]):
        self.roots = roots  # a folder (kind None) or one file with its kind
        self.counts: dict[str, int] = {}
        for kind, _ in self._all():
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def _all(self) -> Iterator[tuple[str, Path]]:
        for root, kind in self.roots:
            if kind is not None:
                yield kind, root
                continue
            for path in _walk(root):
                found = kind_of(path)
                if found:
                    yield found, path

    def __iter__(self) -> Iterator[tuple[str, Path]]:
        for wanted in KINDS:
            if self.counts.get(wanted):
                for kind, path in self._all():
                    if kind == wanted:
                        yield kind, path

    def __len__(self) -> int:
        return sum(self.counts.values())

    def __bool__(self) -> bool:
        return len(self) > 0


def discover(paths: Iterable[str]) -> Inputs:
    """Expand files and folders into (kind, path), in commit order; unknown files are errors."""
    roots: list[tuple[Path, str | None]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            roots.append((path, None))
        elif path.is_file():
            kind = kind_of(path)
            if kind is None:
                raise LoadError(
                    str(path),
                    None,
                    "a document (.txt, .md), a registry or annotation file (.yaml) "
                    "or W3C Web Annotations (.jsonld, .json)",
                )
            roots.append((path, kind))
        else:
            raise LoadError(str(path), None, "a readable file or folder", "nothing there")
    return Inputs(roots)
