"""SHACL validation of one unit at a time, with shapes and ontology parsed once.

Two engines give the same reports: pySHACL, the reference, and ``shacl`` (a compiled
validator on PyPI, pinned), which is the default because it is three orders of magnitude
faster on annotation graphs (its SHACL-SPARQL offset check is where pySHACL spends its time:
about 40 s against 35 ms for one annotation file of the bundled corpus). The tests run both
on every shape example and on the corpus and require identical (focus, path, component)
results. ``DADKHAH_SHACL_ENGINE=pyshacl`` selects the reference engine.

A unit's graph is validated together with the whole ontology (pySHACL's ``ont_graph`` would
mix in only the class hierarchy, and the shapes also need the concept schemes) and with the
unit's context (types of the entities it references, the text of the document it annotates),
so that ``sh:class`` and the SHACL-SPARQL offset check see what they need without validating
the whole store.

The load path (``check_prepared``) hands the compiled engine N-Triples text directly: the
unit's lines, its context and the ontology serialized once. That is the same set of triples
``check_unit`` builds as an rdflib graph (the engine, like a graph, holds a repeated triple
once), without building or copying a graph per unit: copying the ontology into every unit's
graph cost more than validating it.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

import shacl
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from .errors import ShapeViolation, Violation
from .namespaces import bind_prefixes
from .resources import ontology_files, shape_files
from .units import LoadUnit, PreparedUnit

_lock = threading.Lock()


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    g = bind_prefixes(Graph())
    for path in ontology_files():
        g.parse(path, format="turtle")
    return g


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    g = bind_prefixes(Graph())
    files = shape_files()
    if not files:
        raise FileNotFoundError("no SHACL shapes found in shapes/")
    for path in files:
        g.parse(path, format="turtle")
    return g


@lru_cache(maxsize=1)
def ontology_ntriples() -> str:
    return ontology_graph().serialize(format="nt")


@lru_cache(maxsize=1)
def compiled_shapes() -> shacl.Shapes:
    return shacl.Shapes.from_text(shapes_graph().serialize(format="nt"), "ntriples")


ENGINES = ("shacl", "pyshacl")


def default_engine() -> str:
    engine = os.environ.get("DADKHAH_SHACL_ENGINE", "shacl")
    if engine not in ENGINES:
        raise ValueError(f"DADKHAH_SHACL_ENGINE={engine!r}: expected one of {ENGINES}")
    return engine


def _short(term: object) -> str:
    text = str(term)
    return text if len(text) <= 80 else text[:77] + "..."


def violations(data: Graph, engine: str | None = None) -> list[Violation]:
    """Validate ``data`` (plus the ontology) against every shape; empty means it conforms.

    ``data`` is extended in place with the ontology: pass a graph of your own.
    """
    data += ontology_graph()
    if (engine or default_engine()) == "shacl":
        return _compiled(data.serialize(format="nt"))
    return _reference(data)


def violations_text(ntriples: str, engine: str | None = None) -> list[Violation]:
    """``violations`` for data given as N-Triples text (plus the ontology)."""
    if (engine or default_engine()) == "shacl":
        return _compiled(ontology_ntriples() + ntriples)
    data = Graph()
    if ntriples:
        data.parse(data=ntriples, format="nt")
    return violations(data, "pyshacl")


def _unwrap(term: str | None) -> str | None:
    """N-Triples syntax to the plain value: ``<iri>`` to ``iri``, literals to their text."""
    if term is None:
        return None
    if term.startswith("<") and term.endswith(">"):
        return term[1:-1]
    return term


def _compiled(ntriples: str) -> list[Violation]:
    report = compiled_shapes().validate_text(ntriples, "ntriples")
    if report.conforms:
        return []
    found = [
        Violation(
            focus=_unwrap(r.focus_node) or "",
            path=r.path,
            message=r.message or "does not conform",
            shape=_unwrap(r.root_shape) or "",
            component=r.component,
            value=_short(r.value_plain) if r.value is not None else None,
        )
        for r in report.results
        if r.severity == "Violation"
    ]
    return sorted(found, key=lambda v: (v.focus, v.path or "", v.message))


def _reference(data: Graph) -> list[Violation]:
    with _lock:  # pySHACL mutates shared caches of the shapes graph
        conforms, report, _ = validate(
            data,
            shacl_graph=shapes_graph(),
            inplace=True,
            inference="none",
            advanced=True,
            allow_warnings=False,
        )
    if conforms:
        return []
    assert isinstance(report, Graph)
    found = []
    for result in report.objects(None, SH.result):  # top-level results, not sh:detail
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage)
        component = report.value(result, SH.sourceConstraintComponent)
        found.append(
            Violation(
                focus=str(report.value(result, SH.focusNode)),
                path=f"<{path}>" if isinstance(path, URIRef) else (str(path) if path else None),
                message=str(message) if message else "does not conform",
                shape=str(report.value(result, SH.sourceShape)),
                component=str(component).rsplit("#", 1)[-1],
                value=_short(value) if value is not None else None,
            )
        )
    return sorted(found, key=lambda v: (v.focus, v.path or "", v.message))


def unit_data(unit: LoadUnit) -> Graph:
    """What a unit is validated as: its graph, its provenance and the context it refers to."""
    data = Graph()
    for graph in (unit.graph, unit.provenance, unit.context):
        if graph is not None:
            data += graph
    return data


def check_unit(unit: LoadUnit, engine: str | None = None) -> None:
    """Raise ``ShapeViolation`` unless the unit's graphs (with context) conform.

    Context nodes are there to be referred to, not checked: a result is kept only if its
    focus node is typed by the unit's own graphs (the nodes the unit describes), so the
    shapes of a document or entity the unit merely refers to do not fire on it.
    """
    own = {str(s) for g in (unit.graph, unit.provenance) for s in g.subjects(RDF.type)}
    found = [v for v in violations(unit_data(unit), engine) if v.focus in own]
    if found:
        raise ShapeViolation(unit.source, found)


def check_prepared(unit: PreparedUnit, engine: str | None = None) -> None:
    """``check_unit`` for a unit held as N-Triples lines (the load path); same results."""
    text = unit.graph.ntriples() + unit.provenance.ntriples()
    if unit.context is not None:
        text += unit.context.ntriples()
    own = unit.graph.typed | unit.provenance.typed
    found = [v for v in violations_text(text, engine) if v.focus in own]
    if found:
        raise ShapeViolation(unit.source, found)
