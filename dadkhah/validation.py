"""SHACL validation of one unit at a time, with shapes and ontology parsed once.

pySHACL is the reference engine. A unit's graph is validated together with the whole
ontology (pySHACL's ``ont_graph`` would mix in only the class hierarchy, and the shapes also
need the concept schemes) and with the unit's context (types of the entities it references, the
text of the document it annotates), so that ``sh:class`` and the SHACL-SPARQL offset check
see what they need without validating the whole store.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from .errors import ShapeViolation, Violation
from .namespaces import bind_prefixes
from .resources import ontology_files, shape_files
from .units import LoadUnit

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


def _short(term: object) -> str:
    text = str(term)
    return text if len(text) <= 80 else text[:77] + "..."


def violations(data: Graph) -> list[Violation]:
    """Validate ``data`` (plus the ontology) against every shape; empty means it conforms.

    ``data`` is extended in place with the ontology: pass a graph of your own.
    """
    data += ontology_graph()
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
    for result in report.subjects(SH.resultSeverity, SH.Violation):
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


def check_unit(unit: LoadUnit) -> None:
    """Raise ``ShapeViolation`` unless the unit's graphs (with context) conform."""
    data = Graph()
    for graph in (unit.graph, unit.provenance, unit.context):
        if graph is not None:
            data += graph
    found = violations(data)
    if found:
        raise ShapeViolation(unit.source, found)
