"""Where the ontology, shapes, bundled corpus and worked queries live.

In a source checkout (or an editable install) they are the top-level folders beside the
packages; a built wheel carries copies under ``dadkhah/_data``. Both layouts resolve here.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cannot find the {name}/ folder beside the dadkhah package")


def ontology_dir() -> Path:
    return _find("ontology")


def shapes_dir() -> Path:
    return _find("shapes")


def corpus_dir() -> Path:
    return _find("corpus")


def queries_dir() -> Path:
    """The worked SPARQL queries (``*.rq``) that the README lists."""
    return _find("queries")


def ontology_files() -> list[Path]:
    """Every ontology module (Turtle), the umbrella first; alignments are kept apart."""
    files = sorted(p for p in ontology_dir().glob("*.ttl") if p.name != "alignment.ttl")
    return sorted(files, key=lambda p: p.name != "dadkhah.ttl")


def shape_files() -> list[Path]:
    """Data shapes; ``meta.ttl`` checks the ontology itself and is not applied to data."""
    return sorted(p for p in shapes_dir().glob("*.ttl") if p.name != "meta.ttl")
