"""The ``dadkhah`` command: load, validate, stats, query, export, serve.

Library code raises ``DadkhahError``; this module turns it into one readable line on stderr
and an exit code: 0 success, 1 rejected input or bad query, 2 usage or environment error.
"""

from __future__ import annotations

import io
import logging
import sys
from pathlib import Path
from typing import Any

import click
import pyoxigraph as ox

from . import __version__
from .config import Settings, load_settings
from .errors import DadkhahError
from .iris import Minter
from .resources import corpus_dir
from .store import EmbeddedStore

QUERY_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


class Context:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._store: EmbeddedStore | None = None

    @property
    def store(self) -> EmbeddedStore:
        if self._store is None:
            self._store = EmbeddedStore(self.settings.store)
        return self._store

    def close(self) -> None:
        self._store = None  # pyoxigraph releases the lock when the store is dropped


def _fail(err: DadkhahError) -> None:
    click.echo(f"error: {err}", err=True)
    sys.exit(err.exit_code)


@click.group()
@click.option("--store", "store", metavar="DIR", help="Store directory [env DADKHAH_STORE].")
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


def _run_load(obj: Context, paths: tuple[str, ...], *, dry_run: bool) -> int:
    from loaders.commit import discover, load_paths

    items = discover(paths)
    if not items:
        raise click.UsageError("no documents or annotation files found in the given paths")
    counts: dict[str, int] = {}
    triples = 0
    rejected = []
    minter = Minter(obj.settings.base_iri)
    with click.progressbar(
        load_paths(obj.store, items, minter, dry_run=dry_run),
        length=len(items),
        label="validating" if dry_run else "loading",
        show_pos=True,
        show_eta=True,
        file=sys.stderr,
        item_show_func=lambda o: Path(o.source).name if o else None,
    ) as outcomes:
        for outcome in outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
            triples += outcome.triples
            if outcome.error:
                rejected.append(outcome)
    for outcome in rejected:
        click.echo(f"rejected: {outcome.error}", err=True)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    click.echo(
        f"{len(items)} inputs: {summary}; {triples} triples written"
        if not dry_run
        else f"{len(items)} inputs: {summary}"
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
@click.pass_obj
def stats(obj: Context) -> None:
    """Counts of documents, entities, claims, graphs and triples."""
    try:
        store = obj.store
        rows = {r["what"]: r["n"] for r in store.select(STATS_QUERY)}
        for what in ("documents", "entities", "claims", "quotes", "annotations"):
            click.echo(f"{what:<12} {rows.get(what, 0)}")
        click.echo(f"{'graphs':<12} {sum(1 for _ in store.named_graphs())}")
        click.echo(f"{'quads':<12} {store.quad_count()}")
        click.echo(f"{'triples':<12} {store.union_triple_count()}  (union graph)")
    except DadkhahError as err:
        _fail(err)


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
    """Run a SPARQL query (text, @FILE, or - for stdin) against the union of all graphs."""
    if sparql == "-":
        sparql = sys.stdin.read()
    elif sparql.startswith("@"):
        sparql = Path(sparql[1:]).read_text(encoding="utf-8")
    try:
        result = obj.store.query(
            sparql, union_default_graph=obj.settings.union_default_graph, known_prefixes=True
        )
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
    text = term.value
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


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File (default stdout).")
@click.option("--format", "fmt", type=click.Choice(list(GRAPH_FORMATS)), default="turtle")
@click.pass_obj
def export(obj: Context, output: str | None, fmt: str) -> None:
    """Export the union graph (every named graph merged) as Turtle or another RDF format."""
    try:
        if output:
            with Path(output).open("wb") as handle:
                obj.store.export_union(handle, GRAPH_FORMATS[fmt])
        else:
            obj.store.export_union(sys.stdout.buffer, GRAPH_FORMATS[fmt])
    except DadkhahError as err:
        _fail(err)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Worker threads.")
@click.option("--dev", is_flag=True, help="Flask's development server instead of gunicorn.")
@click.pass_obj
def serve(obj: Context, host: str, port: int, threads: int, dev: bool) -> None:
    """Serve the SPARQL endpoint and pages; an empty store gets the bundled corpus first."""
    try:
        if obj.store.quad_count() == 0:
            click.echo("empty store: loading the bundled corpus first", err=True)
            status = _run_load(obj, (str(corpus_dir()),), dry_run=False)
            if status:
                sys.exit(status)
    except DadkhahError as err:
        _fail(err)
    obj.close()
    from server.serve import run

    run(obj.settings, host=host, port=port, threads=threads, dev=dev)


def main() -> None:
    cli(prog_name="dadkhah")


if __name__ == "__main__":
    main()
