"""The ``dadkhah`` command: load, validate, stats, query, export, serve.

Library code raises ``DadkhahError``; this module turns it into one readable line on stderr
and an exit code: 0 success, 1 rejected input or bad query, 2 usage or environment error.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import click
import pyoxigraph as ox

from . import __version__
from .config import Settings, load_settings
from .errors import ConfigError, DadkhahError
from .iris import Minter
from .resources import corpus_dir
from .store import EmbeddedStore, open_any

if TYPE_CHECKING:
    from loaders.commit import Outcome

    from .export import Scope
    from .remote import RemoteStore

QUERY_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def export_formats() -> tuple[str, ...]:
    from .export import FORMATS

    return FORMATS


GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


class Context:
    """The settings and the store they name: a directory (the embedded store, opened on first
    use) or an ``http(s)://`` URL (a SPARQL 1.1 server, reached through ``RemoteStore``)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._store: EmbeddedStore | RemoteStore | None = None

    @property
    def store(self) -> EmbeddedStore | RemoteStore:
        if self._store is None:
            self._store = open_any(self.settings.store)
        return self._store

    def close(self) -> None:
        """Drop the store: pyoxigraph releases the directory's lock when it is collected; a
        remote store closes its connections."""
        store, self._store = self._store, None
        if store is None:
            return
        if not isinstance(store, EmbeddedStore):
            store.close()
        del store
        gc.collect()


def _fail(err: DadkhahError) -> NoReturn:
    click.echo(f"error: {err}", err=True)
    sys.exit(err.exit_code)


@click.group()
@click.option(
    "--store",
    "store",
    metavar="DIR|URL",
    help="Store directory, or the http(s):// URL of a SPARQL server [env DADKHAH_STORE].",
)
@click.option("--base-iri", metavar="IRI", help="Base of minted IRIs [env DADKHAH_BASE_IRI].")
@click.version_option(__version__, prog_name="dadkhah")
@click.pass_context
def cli(ctx: click.Context, store: str | None, base_iri: str | None) -> None:
    """Dadkhah: an evidence-first knowledge graph of documents about the 1988 executions."""
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)  # ill-typed literals go to SHACL
    try:
        ctx.obj = Context(load_settings({"store": store, "base_iri": base_iri}))
    except DadkhahError as err:
        _fail(err)
    ctx.call_on_close(ctx.obj.close)


class _Progress:
    """Inputs done, rate and ETA on stderr: redrawn in place on a terminal (five times a
    second at most), one line every ten seconds otherwise (logs of long loads)."""

    def __init__(self, total: int, label: str):
        self.total, self.label = total, label
        self.done = self.triples = 0
        self.started = self.shown = time.monotonic()
        self.tty = sys.stderr.isatty()

    def step(self, outcome: Outcome) -> None:
        self.done += 1
        self.triples += outcome.triples
        name = Path(outcome.source).name
        now = time.monotonic()
        if now - self.shown >= (0.2 if self.tty else 10.0) or self.done == self.total:
            self.shown = now
            self.draw(now, name)

    def draw(self, now: float, name: str) -> None:
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        eta = f"{int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"
        line = (
            f"{self.label} {self.done}/{self.total} ({100 * self.done // self.total}%) "
            f"{rate:.1f} inputs/s {self.triples / elapsed:,.0f} triples/s ETA {eta} {name}"
        )
        click.echo(f"\r{line[:150]}\x1b[K" if self.tty else line, err=True, nl=not self.tty)

    def close(self) -> None:
        if self.tty:
            click.echo("", err=True)


MAX_NOTES = 50
"""Notes (re-anchored quotes, UTF-16 positions) printed after a load; the rest are counted.
Every note is also kept in its graph's provenance (``rdfs:comment``)."""
OPTIMIZE_HINT_TRIPLES = 1_000_000
"""A load into an embedded store that writes this many triples or more ends with a word
about ``dadkhah optimize`` (RESULTS.md, "Queries": 1.3 to 6 times faster look-ups after it)."""


def _run_load(obj: Context, paths: tuple[str, ...], *, dry_run: bool) -> int:
    from loaders.commit import discover, load_paths

    items = discover(paths)
    if not items:
        raise click.UsageError("no documents or annotation files found in the given paths")
    counts: dict[str, int] = {}
    triples = 0
    rejected = []
    minter = Minter(obj.settings.base_iri)
    progress = _Progress(len(items), "validating" if dry_run else "loading")
    shown = progress.step  # as soon as each input is settled; the final word comes after
    notes: list[str] = []
    noted = 0
    for outcome in load_paths(obj.store, items, minter, dry_run=dry_run, progress=shown):
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        triples += outcome.triples
        if outcome.error:
            rejected.append(outcome)
        for note in outcome.notes:
            noted += 1
            if len(notes) < MAX_NOTES:
                notes.append(f"note: {outcome.source}: {note}")
    progress.close()
    for line in notes:
        click.echo(line, err=True)
    if noted > len(notes):
        click.echo(f"note: {noted - len(notes)} more notes (rdfs:comment in provenance)", err=True)
    for outcome in rejected:
        click.echo(f"rejected: {outcome.error}", err=True)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    click.echo(
        f"{len(items)} inputs: {summary}; {triples} triples written"
        if not dry_run
        else f"{len(items)} inputs: {summary}"
    )
    if not dry_run and triples >= OPTIMIZE_HINT_TRIPLES and isinstance(obj.store, EmbeddedStore):
        click.echo(
            "note: a large load leaves many small files in the store, which slow look-ups "
            "until they are merged; `dadkhah optimize` merges them now (about a minute for "
            "8 million triples)",
            err=True,
        )
    return 1 if rejected else 0


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.pass_obj
def load(obj: Context, paths: tuple[str, ...]) -> None:
    """Load documents, annotation files or folders of them (each file all or nothing)."""
    try:
        sys.exit(_run_load(obj, paths, dry_run=False))
    except DadkhahError as err:
        _fail(err)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.pass_obj
def validate(obj: Context, paths: tuple[str, ...]) -> None:
    """Check inputs exactly as `load` would, writing nothing."""
    try:
        sys.exit(_run_load(obj, paths, dry_run=True))
    except DadkhahError as err:
        _fail(err)


STATS_QUERY = """
SELECT ?what (COUNT(DISTINCT ?x) AS ?n) WHERE {
  VALUES (?what ?class) {
    ("documents" dk:SourceDocument) ("entities" dk:Entity) ("claims" dk:Claim)
    ("quotes" dk:Quote) ("annotations" oa:Annotation)
  }
  ?x a/rdfs:subClassOf* ?class .
} GROUP BY ?what ORDER BY ?what
"""


@cli.command()
@click.option(
    "--union",
    is_flag=True,
    help="Also count the union graph's distinct triples: a look-up of every quad's other "
    "graphs, minutes on a store of millions of quads.",
)
@click.pass_obj
def stats(obj: Context, union: bool) -> None:
    """Counts of documents, entities, claims, graphs and quads."""
    try:
        store = obj.store
        rows = {r["what"]: r["n"] for r in store.select(STATS_QUERY)}
        for what in ("documents", "entities", "claims", "quotes", "annotations"):
            click.echo(f"{what:<12} {rows.get(what, 0)}")
        click.echo(f"{'graphs':<12} {sum(1 for _ in store.named_graphs())}")
        click.echo(f"{'quads':<12} {store.quad_count()}")
        if union:
            click.echo(f"{'triples':<12} {store.union_triple_count()}  (union graph)")
    except DadkhahError as err:
        _fail(err)


@cli.command()
@click.pass_obj
def optimize(obj: Context) -> None:
    """Compact the embedded store after a large load, for faster queries."""
    store = obj.store
    if not isinstance(store, EmbeddedStore):
        _fail(ConfigError(f"{store.path}: a remote server manages its own storage"))
    started = time.perf_counter()
    try:
        store.optimize()
    except OSError as err:
        _fail(DadkhahError(f"{store.path}: the store could not be compacted: {err}"))
    click.echo(f"compacted {store.path} in {time.perf_counter() - started:.1f} s")


@cli.command()
@click.argument("sparql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", *QUERY_FORMATS, *GRAPH_FORMATS]),
    default="table",
    show_default=True,
)
@click.pass_obj
def query(obj: Context, sparql: str, fmt: str) -> None:
    """Run a SPARQL query (text, @FILE, or - for stdin) against the union of all graphs, or
    the dataset its FROM and FROM NAMED clauses name."""
    from server.scan import analyse

    if sparql == "-":
        sparql = sys.stdin.read()
    elif sparql.startswith("@"):
        sparql = Path(sparql[1:]).read_text(encoding="utf-8")
    # asked for, the union default graph would override the query's own dataset
    union = obj.settings.union_default_graph and not analyse(sparql).dataset
    try:
        result = obj.store.query(sparql, union_default_graph=union, known_prefixes=True)
    except DadkhahError as err:
        _fail(err)
    out = io.BytesIO()
    if isinstance(result, ox.QueryTriples):
        graph_fmt = GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)
        ox.serialize(result, out, graph_fmt)
    elif fmt in QUERY_FORMATS:
        result.serialize(out, QUERY_FORMATS[fmt])
    elif isinstance(result, ox.QueryBoolean):
        out.write(b"true\n" if bool(result) else b"false\n")
    else:
        _table(result)
        return
    sys.stdout.buffer.write(out.getvalue())


def _cell(term: Any) -> str:
    if term is None:
        return ""
    text = str(term.value)
    return text if len(text) <= 72 else text[:69] + "..."


def _table(result: ox.QuerySolutions) -> None:
    names = [v.value for v in result.variables]
    rows = [[_cell(row[n]) for n in names] for row in result]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    click.echo("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)))
    click.echo("  ".join("-" * w for w in widths))
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    click.echo(f"({len(rows)} rows)", err=True)


def _scope_iri(value: str | None, kind: str, settings: Settings) -> str | None:
    """An IRI as given, or an identifier turned into one under the configured base; a value
    that makes no IRI is a usage error naming the option and what it takes."""
    from .export import scope_iri

    if value is None:
        return None
    try:
        return scope_iri(kind, value, settings.base_iri)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint=f"'--{kind}'") from None


def _write_export(obj: Context, output: str, fmt: str, scope: Scope, gz: bool) -> None:
    """The export into a new file beside ``output``, renamed over it only once complete:
    a failed export (a scope that names nothing, a full disk, an interrupt) leaves
    ``output`` as it was and no partial file behind. The scope is checked first, so a
    mistyped one costs no writing at all."""
    from .export import check, write

    check(obj.store, scope)
    _write_whole(output, lambda handle: write(obj.store, handle, fmt, scope, gz=gz))


def _put(handle: IO[bytes], data: bytes) -> None:
    handle.write(data)


def _write_whole(output: str, writer: Callable[[IO[bytes]], None]) -> None:
    """``writer``'s bytes into a new file beside ``output``, renamed over it once complete."""
    target = Path(output)
    partial = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        with partial.open("xb") as handle:
            writer(handle)
        partial.replace(target)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise DadkhahError(f"{output}: the export could not be written: {err.strerror}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (default stdout).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(export_formats())),
    default="turtle",
    show_default=True,
    help="turtle, ntriples, rdfxml: the union graph; trig, nquads, jsonld: every named graph.",
)
@click.option("--graph", metavar="IRI", help="Only this named graph (and its provenance).")
@click.option("--document", metavar="ID|IRI", help="Only this document's graphs.")
@click.option("--entity", metavar="ID|IRI", help="Only this entity and statements about it.")
@click.option("--gzip", "gz", is_flag=True, help="Compress (implied by an -o name ending .gz).")
@click.pass_obj
def export(
    obj: Context,
    output: str | None,
    fmt: str,
    graph: str | None,
    document: str | None,
    entity: str | None,
    gz: bool,
) -> None:
    """Export a deterministic dump: same store, same bytes (see dadkhah.export)."""
    from .export import Scope, write

    if sum(x is not None for x in (graph, document, entity)) > 1:
        raise click.UsageError("give at most one of --graph, --document, --entity")
    scope = Scope(
        graph=_scope_iri(graph, "graph", obj.settings),
        document=_scope_iri(document, "document", obj.settings),
        entity=_scope_iri(entity, "entity", obj.settings),
    )
    gz = gz or bool(output and output.endswith(".gz"))
    try:
        if output:
            _write_export(obj, output, fmt, scope, gz)
        else:
            write(obj.store, sys.stdout.buffer, fmt, scope, gz=gz)
    except DadkhahError as err:
        _fail(err)


@cli.command("annotations")
@click.argument("document", metavar="ID|IRI", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (default stdout).")
@click.option(
    "--all",
    "folder",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="Every annotated document's collection into DIR, as ID.annotations.jsonld.",
)
@click.pass_obj
def annotations_command(
    obj: Context, document: str | None, output: str | None, folder: str | None
) -> None:
    """The annotations made on a document, as W3C Web Annotations (JSON-LD): one
    AnnotationCollection that annotation tools and other Dadkhah archives load."""
    from .export import ExportError
    from .webannotations import NoSuchDocument, collection_bytes, collection_iri

    if (document is None) == (folder is None) or (folder is not None and output is not None):
        raise click.UsageError("give a document (and -o FILE, or none for stdout) or --all DIR")
    try:
        if folder is not None:
            written = _write_every_collection(obj, Path(folder))
            click.echo(f"{written} annotation collections written to {folder}", err=True)
            return
        iri = _scope_iri(document, "document", obj.settings)
        assert iri is not None
        try:
            data = collection_bytes(obj.store, iri, collection_iri(iri))
        except NoSuchDocument:
            raise ExportError(f"no document {iri} in the store") from None
        if output:
            _write_whole(output, partial(_put, data=data))
        else:
            sys.stdout.buffer.write(data)
    except DadkhahError as err:
        _fail(err)


def _write_every_collection(obj: Context, folder: Path) -> int:
    """``ID.annotations.jsonld`` in ``folder`` for every document with an annotation made on
    it, each file whole or not at all; the number written."""
    from .iris import is_valid_id
    from .webannotations import as_bytes, collection, collection_iri

    folder.mkdir(parents=True, exist_ok=True)
    rows = obj.store.select(
        "SELECT DISTINCT ?d ?id WHERE { GRAPH ?g { ?d a dk:SourceDocument ; "
        "dcterms:identifier ?id } } ORDER BY ?id ?d"
    )
    written = 0
    for row in rows:
        doc_id, iri = str(row["id"]), str(row["d"])
        if not is_valid_id(doc_id):  # the shapes hold every identifier to this form
            continue
        found = collection(obj.store, iri, collection_iri(iri))
        if not found["total"]:
            continue
        _write_whole(
            str(folder / f"{doc_id}.annotations.jsonld"), partial(_put, data=as_bytes(found))
        )
        written += 1
    return written


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes.")
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per worker.")
@click.option(
    "--query-timeout",
    type=float,
    help="Seconds before a query is stopped [env DADKHAH_QUERY_TIMEOUT].",
)
@click.option("--access-log/--no-access-log", default=True, show_default=True)
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn.")
@click.pass_obj
def serve(
    obj: Context,
    host: str,
    port: int,
    workers: int,
    threads: int,
    query_timeout: float | None,
    access_log: bool,
    dev: bool,
) -> None:
    """Serve the SPARQL endpoint and pages; an empty store gets the bundled corpus first.

    A private `oxigraph serve` on a loopback port owns the store and enforces the query
    time limit; set DADKHAH_UPDATE_TOKEN to enable writes.
    """
    import dataclasses

    try:
        settings = obj.settings
        if query_timeout is not None:
            settings = dataclasses.replace(settings, query_timeout=query_timeout)
        if not settings.remote:
            _prepare_in_child(settings)
        from server.serve import run

        run(
            settings,
            host=host,
            port=port,
            threads=threads,
            workers=workers,
            access_log=access_log,
            dev=dev,
        )
    except DadkhahError as err:
        _fail(err)


def _prepare_in_child(settings: Settings) -> None:
    """Give an empty embedded store the bundled corpus, in a process of its own.

    Opening a store starts RocksDB's background threads, and they stay with the process
    after the store is closed. gunicorn forks its workers from this process: each would
    inherit the threads' records but not the threads, and crash with SIGSEGV at exit while
    RocksDB joins them. So ``serve`` never opens the store itself."""
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_fill_if_empty, args=(settings,))
    child.start()
    child.join()
    if child.exitcode:
        sys.exit(child.exitcode)


def _fill_if_empty(settings: Settings) -> None:
    obj = Context(settings)
    try:
        if obj.store.quad_count() == 0:
            click.echo("empty store: loading the bundled corpus first", err=True)
            status = _run_load(obj, (str(corpus_dir()),), dry_run=False)
            if status:
                sys.exit(status)
    except DadkhahError as err:
        _fail(err)
    finally:
        obj.close()


def main() -> None:
    cli(prog_name="dadkhah")


if __name__ == "__main__":
    main()
