"""Run W3C SPARQL 1.1 query-evaluation and syntax tests against a live HTTP server.

For an `mf:QueryEvaluationTest` the target is emptied, `qt:data` is loaded into the default
graph and each `qt:graphData` into the named graph called by the file's IRI (Graph Store
PUT), and the query is POSTed with `BASE <file-uri-of-the-.rq>` prepended when it has none.
SELECT/ASK answers are requested as SPARQL JSON, CONSTRUCT/DESCRIBE ones as N-Triples, and
compared with the expected `.srx`/`.srj`/`.ttl` as the suites define: solutions as
multisets up to a consistent blank-node renaming (sequences when the outer query has ORDER
BY), terms compared exactly (lexical forms as given; xsd:string = simple literal; language
tags case-insensitive), graphs by isomorphism. rdflib only parses files; the server under
test is the only query engine. Syntax tests must be accepted (2xx) or rejected (4xx).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

import requests
from rdflib import RDF, BNode, Graph, Literal, Namespace
from rdflib.term import Node

from .http_runner import (
    SRX_NS,
    CaseResult,
    canonical_graph,
    exact_literals,
    graph_difference,
    has_base,
    has_top_level_order_by,
    media_type,
    parse_rdf,
    status_ok,
)
from .manifests import QueryCase, SyntaxCase, parse_graph
from .targets import HTTP_TIMEOUT_S, SparqlTarget

RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples"
MAX_BNODE_STEPS = 200_000
XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES = frozenset({
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "nonPositiveInteger",
    "negativeInteger", "positiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte"})


class Term(NamedTuple):
    """An RDF term in canonical form: kind is "uri", "bnode" or "literal"."""

    kind: str
    value: str
    datatype: str = ""
    lang: str = ""


Solution = dict[str, Term]
_ANY_BNODE = Term("bnode", "")


@dataclass
class Solutions:
    """A SELECT result: variables (as declared) and rows in document order."""

    variables: list[str]
    rows: list[Solution]


QueryAnswer = bool | Solutions | Graph


def literal_term(value: str, datatype: str = "", lang: str = "") -> Term:
    if lang:
        return Term("literal", value, "", lang.lower())
    return Term("literal", value, "" if datatype in ("", XSD_STRING, RDF_LANG_STRING) else datatype)


def _json_term(binding: dict[str, str]) -> Term:
    kind = binding["type"]
    if kind in ("literal", "typed-literal"):
        return literal_term(binding["value"], binding.get("datatype", ""),
                            binding.get("xml:lang", ""))
    if kind in ("uri", "bnode"):
        return Term(kind, binding["value"])
    raise ValueError(f"unsupported term type in JSON results: {kind!r}")


def parse_srj(data: bytes) -> bool | Solutions:
    document = json.loads(data)
    if "boolean" in document:
        return bool(document["boolean"])
    rows = [{var: _json_term(term) for var, term in row.items()}
            for row in document["results"]["bindings"]]
    return Solutions(list(document["head"].get("vars", [])), rows)


def _xml_term(element: ElementTree.Element) -> Term:
    tag = element.tag.removeprefix(SRX_NS)
    text = element.text or ""
    if tag == "literal":
        return literal_term(text, element.get("datatype", ""), element.get(XML_LANG, ""))
    if tag in ("uri", "bnode"):
        return Term(tag, text.strip())
    raise ValueError(f"unsupported term element in XML results: {tag!r}")


def parse_srx(data: bytes) -> bool | Solutions:
    root = ElementTree.fromstring(data)
    boolean = root.find(f"{SRX_NS}boolean")
    if boolean is not None:
        return (boolean.text or "").strip() == "true"
    variables = [v.get("name", "") for v in root.iter(f"{SRX_NS}variable")]
    rows: list[Solution] = []
    for result in root.iter(f"{SRX_NS}result"):
        row: Solution = {}
        for binding in result.findall(f"{SRX_NS}binding"):
            row[binding.get("name", "")] = _xml_term(next(iter(binding)))
        rows.append(row)
    return Solutions(variables, rows)


def _rdflib_term(node: Node) -> Term:
    if isinstance(node, Literal):
        return literal_term(str(node), str(node.datatype or ""), node.language or "")
    return Term("bnode" if isinstance(node, BNode) else "uri", str(node))


def parse_result_graph(graph: Graph) -> bool | Solutions | None:
    """A DAWG `rs:ResultSet` encoded in RDF, or None if the graph holds none."""
    result_set = next(iter(graph.subjects(RDF.type, RS.ResultSet)), None)
    if result_set is None:
        return None
    boolean = graph.value(result_set, RS.boolean)
    if boolean is not None:
        return str(boolean) == "true"
    variables = sorted(str(v) for v in graph.objects(result_set, RS.resultVariable))
    indexed: list[tuple[int, Solution]] = []
    for solution in graph.objects(result_set, RS.solution):
        row: Solution = {}
        for binding in graph.objects(solution, RS.binding):
            variable, value = graph.value(binding, RS.variable), graph.value(binding, RS.value)
            if variable is None or value is None:
                raise ValueError(f"rs:binding {binding} lacks rs:variable or rs:value")
            row[str(variable)] = _rdflib_term(value)
        index = graph.value(solution, RS.index)
        indexed.append((int(index) if index is not None else 0, row))
    return Solutions(variables, [row for _, row in sorted(indexed, key=lambda p: p[0])])


def load_expected(path: Path) -> QueryAnswer:
    data = path.read_bytes()
    if path.suffix == ".srx":
        return parse_srx(data)
    if path.suffix == ".srj":
        return parse_srj(data)
    with exact_literals():
        graph = parse_graph(path, "turtle" if path.suffix == ".ttl" else "xml")
    result_set = parse_result_graph(graph)
    if result_set is not None:
        return result_set
    return canonical_graph(graph)


def _show(row: Solution) -> str:
    def term(t: Term) -> str:
        if t.kind == "uri":
            return f"<{t.value}>"
        if t.kind == "bnode":
            return f"_:{t.value}"
        suffix = f"@{t.lang}" if t.lang else (f"^^<{t.datatype}>" if t.datatype else "")
        return json.dumps(t.value, ensure_ascii=False) + suffix
    return "{" + ", ".join(f"?{v}={term(t)}" for v, t in sorted(row.items())) + "}"


def numeric_value_term(term: Term) -> Term:
    """The term with its numeric/boolean lexical form made canonical ("1.0" -> "1")."""
    datatype = term.datatype.removeprefix(XSD)
    if datatype == "boolean" and term.value in ("0", "1"):
        return term._replace(value="true" if term.value == "1" else "false")
    try:
        if datatype in ("double", "float"):
            return term._replace(value=repr(float(term.value)))
        if datatype == "decimal" or datatype in INTEGER_TYPES:
            number = Decimal(term.value)
            if number.is_finite():
                return term._replace(value=str(number.normalize() + 0))
    except (ValueError, InvalidOperation):
        return term
    return term


def _by_value(solutions: Solutions) -> Solutions:
    rows = [{v: numeric_value_term(t) for v, t in row.items()} for row in solutions.rows]
    return Solutions(solutions.variables, rows)


def _signature(row: Solution) -> frozenset[tuple[str, Term]]:
    return frozenset((v, _ANY_BNODE if t.kind == "bnode" else t) for v, t in row.items())


def _bnodes_match(expected: list[Solution], actual: list[Solution], ordered: bool) -> bool:
    """Is there one blank-node bijection under which the rows pair up (in order if ordered)?"""
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    used = [False] * len(actual)
    signatures = [_signature(r) for r in actual]
    candidates = [[i] if ordered else [j for j, s in enumerate(signatures) if s == _signature(e)]
                  for i, e in enumerate(expected)]
    order = sorted(range(len(expected)), key=lambda i: len(candidates[i]))
    steps = 0

    def unify(e_row: Solution, a_row: Solution) -> list[str] | None:
        added: list[str] = []
        for var, term in e_row.items():
            if term.kind != "bnode":
                continue
            other = a_row[var].value
            if term.value not in forward and other not in backward:
                forward[term.value], backward[other] = other, term.value
                added.append(term.value)
            elif forward.get(term.value) != other:
                undo(added)
                return None
        return added

    def undo(added: list[str]) -> None:
        for label in added:
            del backward[forward.pop(label)]

    def search(k: int) -> bool:
        nonlocal steps
        if k == len(order):
            return True
        i = order[k]
        for j in candidates[i]:
            steps += 1
            if steps > MAX_BNODE_STEPS:
                raise RuntimeError("blank-node matching exceeded its step budget")
            if used[j]:
                continue
            added = unify(expected[i], actual[j])
            if added is None:
                continue
            used[j] = True
            if search(k + 1):
                return True
            used[j] = False
            undo(added)
        return False

    return search(0)


def compare_solutions(
    expected: Solutions, actual: Solutions, ordered: bool, numeric_by_value: bool = False
) -> str:
    """Empty if equal as the suites define, else a description of the difference.

    Literals are compared as terms (exact lexical form); with `numeric_by_value`, numeric
    literals of the same datatype compare by value, as the W3C test-suite page allows.
    """
    if numeric_by_value:
        expected, actual = _by_value(expected), _by_value(actual)
    if set(expected.variables) != set(actual.variables):
        return (f"variables differ: expected {sorted(expected.variables)}, "
                f"got {sorted(actual.variables)}")
    want = Counter(_signature(r) for r in expected.rows)
    got = Counter(_signature(r) for r in actual.rows)
    if want != got:
        missing = [_show(dict(s)) for s in (want - got)][:5]
        extra = [_show(dict(s)) for s in (got - want)][:5]
        return (f"expected {len(expected.rows)} solutions, got {len(actual.rows)}; "
                f"missing {missing}; unexpected {extra}")
    if ordered and [_signature(r) for r in expected.rows] != [_signature(r) for r in actual.rows]:
        return (f"same solutions, wrong order: expected {[_show(r) for r in expected.rows[:5]]}, "
                f"got {[_show(r) for r in actual.rows[:5]]}")
    has_bnodes = any(t.kind == "bnode" for r in expected.rows + actual.rows for t in r.values())
    if has_bnodes and not _bnodes_match(expected.rows, actual.rows, ordered):
        return "no consistent blank-node mapping between expected and actual solutions"
    return ""


def parse_response(response: requests.Response, base: str) -> QueryAnswer:
    kind = media_type(response.headers.get("Content-Type"))
    if kind == "application/sparql-results+json":
        return parse_srj(response.content)
    if kind == "application/sparql-results+xml":
        return parse_srx(response.content)
    return parse_rdf(response.content, kind, base)


def compare_answers(
    expected: QueryAnswer, actual: QueryAnswer, ordered: bool, numeric_by_value: bool = False
) -> str:
    if isinstance(expected, bool):
        return "" if actual is expected else f"expected boolean {expected}, got {actual!r}"
    if isinstance(expected, Solutions):
        if not isinstance(actual, Solutions):
            return f"expected solutions, got {type(actual).__name__}"
        return compare_solutions(expected, actual, ordered, numeric_by_value)
    if not isinstance(actual, Graph):
        return f"expected a graph, got {type(actual).__name__}"
    return graph_difference(expected, actual)


def query_text_with_base(query_file: Path) -> str:
    text = query_file.read_text(encoding="utf-8")
    return text if has_base(text) else f"BASE <{query_file.resolve().as_uri()}>\n{text}"


def _post_query(http: requests.Session, target: SparqlTarget, text: str, accept: str,
                update: bool = False) -> requests.Response:
    kind = "update" if update else "query"
    return http.post(
        target.update_url if update else target.query_url,
        data=text.encode("utf-8"),
        headers={"Content-Type": f"application/sparql-{kind}", "Accept": accept},
        timeout=HTTP_TIMEOUT_S,
    )


def run_query_case(case: QueryCase, target: SparqlTarget,
                   session: requests.Session | None = None, *,
                   numeric_by_value: bool = False) -> CaseResult:
    """Load the case's dataset into the emptied target, run the query, compare the answer."""
    result = CaseResult(case.case_id, passed=False)
    http = session or requests.Session()
    try:
        expected = load_expected(case.result_file)
        target.reset()
        for data in case.data_files:
            target.load(data, None)
        for data in case.graph_data_files:
            target.load(data, data.resolve().as_uri())
        text = query_text_with_base(case.query_file)
        accept = GRAPH_ACCEPT if isinstance(expected, Graph) else SELECT_ACCEPT
        response = _post_query(http, target, text, accept)
        result.log.append(f"POST {target.query_url} -> {response.status_code} "
                          f"{response.headers.get('Content-Type', '')}")
        if response.status_code != 200:
            result.reason = f"query failed with {response.status_code}: {response.text[:300]!r}"
            return result
        actual = parse_response(response, case.query_file.resolve().as_uri())
        result.reason = compare_answers(expected, actual, has_top_level_order_by(text),
                                        numeric_by_value)
        result.passed = not result.reason
        return result
    except requests.RequestException as error:
        result.reason = f"HTTP error: {error}"
        return result
    finally:
        if session is None:
            http.close()


def run_syntax_case(case: SyntaxCase, target: SparqlTarget,
                    session: requests.Session | None = None) -> CaseResult:
    """Positive tests must be accepted (2xx), negative ones rejected (4xx).

    Update syntax tests execute on the target, so run them only against a disposable store.
    """
    result = CaseResult(case.case_id, passed=False)
    http = session or requests.Session()
    try:
        text = query_text_with_base(case.query_file)
        accept = f"{SELECT_ACCEPT}, {GRAPH_ACCEPT};q=0.9, */*;q=0.1"
        response = _post_query(http, target, text, accept, update=case.is_update)
        expected = frozenset({"2xx"}) if case.positive else frozenset({"4xx"})
        result.log.append(f"POST -> {response.status_code}")
        if status_ok(response.status_code, expected):
            result.passed = True
        else:
            verdict = "accepted" if case.positive else "rejected"
            result.reason = (f"{'positive' if case.positive else 'negative'} syntax test: must be "
                             f"{verdict}, got {response.status_code}: {response.text[:300]!r}")
        return result
    except requests.RequestException as error:
        result.reason = f"HTTP error: {error}"
        return result
    finally:
        if session is None:
            http.close()

