"""One input, from its path to a validated unit, in whichever process runs it.

``run`` reads the file, computes its fingerprint first and stops there if the store already
holds that fingerprint (a re-run skips committed inputs before parsing, anchoring or
validating them), else builds the unit and validates it against the shapes. Whatever goes
wrong with one file, even an error no check foresaw, rejects that file alone, named. It
never writes: the one process that owns the store commits (``loaders.commit``). The same ``run``
serves an in-process load and the worker processes of a parallel one (``init_worker`` and
``run_chunk`` are their entry points), so both take exactly the same steps.

Results cross a process boundary, so they are plain data: a ``Failed`` carries its error
as constructor arguments (our exceptions do not pickle by themselves).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dadkhah.errors import DadkhahError, LoadError, ShapeViolation
from dadkhah.iris import Minter
from dadkhah.units import PreparedUnit
from dadkhah.validation import check_prepared

from . import curated, registry, text, web_annotation
from .context import DocumentText, Lookup
from .inputs import batch_id, sha256_hex
from .lookups import NeedsStore, PrefetchedLookup

SkipCheck = Callable[[str, str], bool]
"""(graph IRI, fingerprint) -> the store already holds this graph with this fingerprint."""


@dataclass(frozen=True)
class RunContext:
    """What every input of one load shares, in every process."""

    base: str
    loaded_at: datetime
    engine: str | None = None  # None: DADKHAH_SHACL_ENGINE or the default


@dataclass(frozen=True)
class Job:
    kind: str
    path: str
    documents: dict[str, DocumentText | None] | None = None
    """For annotation files run in a worker: the answers ``lookups.hints`` foresaw."""


@dataclass(frozen=True)
class Ready:
    unit: PreparedUnit


@dataclass(frozen=True)
class Skipped:
    source: str
    graph: str
    fingerprint: str


@dataclass(frozen=True)
class Failed:
    source: str
    error_type: str
    error_args: tuple[Any, ...]

    @classmethod
    def of(cls, source: str, err: DadkhahError) -> Failed:
        if isinstance(err, LoadError):
            return cls(source, "LoadError", (err.path, err.where, err.expected, err.found))
        if isinstance(err, ShapeViolation):
            return cls(source, "ShapeViolation", (err.source, err.violations))
        return cls(source, "DadkhahError", (str(err),))

    def error(self) -> DadkhahError:
        if self.error_type == "LoadError":
            return LoadError(*self.error_args)
        if self.error_type == "ShapeViolation":
            return ShapeViolation(*self.error_args)
        return DadkhahError(*self.error_args)


@dataclass(frozen=True)
class Deferred:
    """The worker needed the store; the committing process runs this input itself."""

    source: str


Result = Ready | Skipped | Failed | Deferred


def run(job: Job, ctx: RunContext, lookup: Lookup, skip: SkipCheck) -> Result:
    """Prepare and validate one input (see the module docstring)."""
    path = Path(job.path)
    try:
        found = _prepare(job.kind, path, Minter(ctx.base), ctx.loaded_at, lookup, skip)
        if isinstance(found, Skipped):
            return found
        check_prepared(found, ctx.engine)
        return Ready(found)
    except NeedsStore:
        return Deferred(job.path)
    except OSError as err:
        reason = err.strerror or str(err)
        return Failed.of(job.path, LoadError(job.path, None, "a readable file", reason))
    except DadkhahError as err:
        return Failed.of(job.path, err)
    except Exception as err:  # noqa: BLE001 (one file's failure must not end the load)
        return Failed.of(job.path, unexpected(job.path, err))


def unexpected(path: str, err: Exception) -> LoadError:
    """An error no check of ours foresaw, as the rejection of the one file that raised it.
    The error's type and text stay in the message: such a rejection is a defect to fix at
    its source (a check with a located message), and a test that meets one fails on it."""
    found = " ".join(f"{type(err).__name__}: {err}".split())
    return LoadError(path, None, "a file Dadkhah can prepare", found[:500])


def _prepare(
    kind: str, path: Path, minter: Minter, now: datetime, lookup: Lookup, skip: SkipCheck
) -> PreparedUnit | Skipped:
    data = path.read_bytes()
    name = str(path)
    if kind == "document":
        source = text.source_for(path)
        graph = str(minter.document_graph(source.doc_id))
        fingerprint = text.text_fingerprint(sha256_hex(data), source)
        if skip(graph, fingerprint):
            return Skipped(name, graph, fingerprint)
        return text.prepare_text(data, source=source, minter=minter, loaded_at=now)
    if kind == "registry":
        graph = str(minter.registry_graph(batch_id(path)))
        fingerprint = registry.registry_fingerprint(sha256_hex(data))
        if skip(graph, fingerprint):
            return Skipped(name, graph, fingerprint)
        return registry.prepare_registry(data, path=name, minter=minter, loaded_at=now)
    graph = str(minter.annotations_graph(batch_id(path)))
    if kind == "annotations":
        parsed = curated.annotated_document(data, path=name, minter=minter)
        document = lookup.document(parsed[1])
        if document is not None:
            fingerprint = curated.annotations_fingerprint(sha256_hex(data), document)
            if skip(graph, fingerprint):
                return Skipped(name, graph, fingerprint)
        return curated.prepare_annotations(
            data, path=name, minter=minter, lookup=lookup, loaded_at=now, parsed=parsed
        )
    if kind == "web-annotations":
        items = web_annotation.parse_web_annotations(data, name)
        documents = web_annotation.documents_targeted(items, name, lookup)
        if documents is not None:
            shas = [d.sha256 for d in documents]
            fingerprint = web_annotation.web_annotations_fingerprint(sha256_hex(data), shas, "auto")
            if skip(graph, fingerprint):
                return Skipped(name, graph, fingerprint)
        return web_annotation.prepare_web_annotations(
            data, path=name, minter=minter, lookup=lookup, loaded_at=now
        )
    raise ValueError(f"unknown input kind {kind!r}")


# ---------------------------------------------------------------- fingerprints as a filter


def fingerprint_key(fingerprint: str) -> int:
    """64 bits standing for a stored fingerprint: eight bytes per stored unit let a worker
    skip committed inputs without the store. The committing process confirms each skip
    against the unit's graph, so the key leaves the graph out: the store lists fingerprints
    alone about five times faster than with their graphs (``loaders.commit.stored_keys``)."""
    digest = hashlib.blake2b(fingerprint.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def key_filter(keys: array) -> SkipCheck:  # type: ignore[type-arg]
    """A ``SkipCheck`` over sorted ``fingerprint_key`` values."""

    def known(graph: str, fingerprint: str) -> bool:
        key = fingerprint_key(fingerprint)
        at = bisect_left(keys, key)
        return at < len(keys) and keys[at] == key

    return known


# ---------------------------------------------------------------- worker processes

_state: dict[str, Any] = {}


def init_worker(ctx: RunContext, keys: bytes) -> None:
    """Runs once in each worker: the shared context and the stored fingerprints' keys."""
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    stored = array("Q")
    stored.frombytes(keys)
    _state.update(ctx=ctx, skip=key_filter(stored), types_path=None, types={})
    from dadkhah.validation import compiled_shapes, ontology_ntriples

    compiled_shapes(), ontology_ntriples()  # parse shapes and ontology once, up front


def _exit_with_parent(parent: int) -> None:
    """A worker whose committing process was killed exits within a second. (It would
    otherwise wait forever on a task queue whose other end it holds itself.)"""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _types(path: str | None) -> dict[str, frozenset[str]]:
    if path is not None and _state["types_path"] != path:
        with Path(path).open("rb") as handle:
            _state["types"] = pickle.load(handle)  # noqa: S301 (written by our own parent)
        _state["types_path"] = path
    types: dict[str, frozenset[str]] = _state["types"]
    return types


def run_chunk(jobs: list[Job], types_path: str | None) -> list[Result]:
    """Run several inputs in a worker (one round trip for all of them)."""
    ctx: RunContext = _state["ctx"]
    types = _types(types_path)
    return [
        run(job, ctx, PrefetchedLookup(job.documents or {}, types), _state["skip"]) for job in jobs
    ]
