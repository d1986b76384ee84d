"""Run W3C SPARQL Protocol and Graph Store Protocol test cases against a live HTTP server.

`run_case(case, target)` empties the target, preloads `ut:graphData`, then sends each
`ht:Request` of the case in order, exactly as modelled in the manifest (path still
percent-encoded as written, only the `/sparql/` or `/gsp` prefix replaced by the target's
URL, headers as listed, body encoded in its `cnt:characterEncoding`), and checks the
response: status (codes or classes), `mf:expectedFormat` kind, `mf:expectedBoolean`,
expected headers, an expected RDF body (isomorphism) and `mf:expectedLocation` capture for
later `$LOCATION$` substitution. The first failing check ends the case with a precise reason.

Also holds small helpers shared with `query_suite`: a SPARQL text scanner, media-type kinds
and RDF parsing/isomorphism with exact (non-normalised) literals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote, urljoin, urlsplit
from xml.etree import ElementTree

import rdflib
import requests
from rdflib import XSD, Dataset, Graph, Literal
from rdflib.compare import isomorphic
from rdflib.term import Node

from .manifests import Case, ExpectedGraph, Request
from .targets import HTTP_TIMEOUT_S, SparqlTarget

SRX_NS = "{http://www.w3.org/2005/sparql-results#}"

# Response media type -> the `mf:expectedFormat` kinds it can serve.
RESULT_KINDS: dict[str, frozenset[str]] = {
    "application/sparql-results+json": frozenset({"boolean", "tabular"}),
    "application/sparql-results+xml": frozenset({"boolean", "tabular"}),
    "text/csv": frozenset({"tabular"}),
    "text/tab-separated-values": frozenset({"tabular"}),
}
# RDF media types -> rdflib parser name. N-Quads/TriG count as RDF (a dataset serialisation
# whose default graph is the answer); RDFa hosts (HTML) are accepted by the protocol tests.
RDF_FORMATS: dict[str, str] = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "text/n3": "n3",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "text/html": "html",
    "application/xhtml+xml": "html",
}
# Media types that are UTF-8 by definition: a missing charset equals charset=utf-8.
UTF8_ONLY = frozenset({"text/turtle", "application/n-triples", "application/n-quads",
                       "application/trig", "application/ld+json",
                       "application/sparql-results+json"})
UPDATE_KEYWORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY",
                             "MOVE", "ADD", "WITH"})

_SPARQL_TOKENS = re.compile(
    r'''(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*'\'\'|'''
    r'''"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')'''
    r'''|(?P<iri><[^<>"{}|^`\\\s]*>)|(?P<comment>\#[^\n]*)''')
_PROLOGUE = re.compile(r"(?is)^\s*(?:(?:BASE\s*<>|PREFIX\s+[^\s:]*:\s*<>)\s*)*")


@dataclass
class CaseResult:
    """Outcome of one conformance case; `reason` says what failed (empty when passed)."""

    case_id: str
    passed: bool
    reason: str = ""
    log: list[str] = field(default_factory=list)


# --- SPARQL text scanning (no parsing: just enough to route and to spot BASE/ORDER BY) ---

def strip_sparql(text: str) -> str:
    """The query with comments removed and string/IRI contents blanked (`""`, `<>`)."""
    def blank(match: re.Match[str]) -> str:
        if match.group("comment"):
            return " "
        return ' "" ' if match.group("string") else " <> "
    return _SPARQL_TOKENS.sub(blank, text)


def first_keyword(text: str) -> str:
    """The first keyword after the prologue (BASE/PREFIX), upper-cased."""
    rest = _PROLOGUE.sub("", strip_sparql(text), count=1)
    match = re.match(r"\s*([A-Za-z]+)", rest)
    return match.group(1).upper() if match else ""


def has_base(text: str) -> bool:
    return re.search(r"(?i)\bBASE\s*<>", strip_sparql(text)) is not None


def has_top_level_order_by(text: str) -> bool:
    """True when an ORDER BY applies to the outermost query (not only to a subquery)."""
    cleaned = strip_sparql(text)
    for match in re.finditer(r"(?i)\bORDER\s+BY\b", cleaned):
        before = cleaned[: match.start()]
        if before.count("{") == before.count("}"):
            return True
    return False


# --- media types ---

def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _params(content_type: str) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"')
    return params


def content_type_matches(expected: str, actual: str) -> bool:
    """Same media type; each expected parameter present and equal (charset case-insensitive),
    except that charset=utf-8 may be omitted for media types that are always UTF-8."""
    if media_type(expected) != media_type(actual):
        return False
    got = _params(actual)
    for key, value in _params(expected).items():
        if key != "charset":
            if got.get(key) != value:
                return False
        elif key in got:
            if got[key].lower() != value.lower():
                return False
        elif value.lower() not in ("utf-8", "utf8") or media_type(expected) not in UTF8_ONLY:
            return False
    return True


def format_kinds(content_type: str) -> frozenset[str]:
    kind = media_type(content_type)
    if kind in RESULT_KINDS:
        return RESULT_KINDS[kind]
    return frozenset({"RDF"}) if kind in RDF_FORMATS else frozenset()


# --- RDF with exact literals ---

@contextmanager
def exact_literals() -> Iterator[None]:
    """Keep literal lexical forms as written (rdflib normalises "01"^^xsd:integer by default)."""
    previous = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = previous


def canonical_literal(term: Node) -> Node:
    """RDF 1.1 term identity: xsd:string literals are simple literals; language tags lower-case."""
    if not isinstance(term, Literal):
        return term
    with exact_literals():
        if term.language:
            return Literal(str(term), lang=term.language.lower())
        if term.datatype is None or term.datatype == XSD.string:
            return Literal(str(term))
        return Literal(str(term), datatype=term.datatype)


def parse_rdf(data: str | bytes, content_type: str, base: str) -> Graph:
    """Parse an RDF payload (a dataset format gives the union of its graphs) into a Graph."""
    fmt = RDF_FORMATS.get(media_type(content_type))
    if fmt is None:
        raise ValueError(f"not an RDF media type: {content_type!r}")
    triples: Iterable[tuple[Node, Node, Node]]
    with exact_literals():
        if fmt in ("nquads", "trig"):
            dataset = Dataset()
            dataset.parse(data=data, format=fmt, publicID=base)
            triples = ((s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None)))
        else:
            parsed = Graph()
            parsed.parse(data=data, format=fmt, publicID=base)
            triples = iter(parsed)
        return canonical_graph(triples)


def canonical_graph(triples: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """A copy of the triples with canonical literals (see `canonical_literal`)."""
    graph = Graph()
    for s, p, o in triples:
        graph.add((s, p, canonical_literal(o)))
    return graph


def graph_difference(expected: Graph, actual: Graph) -> str:
    """Empty if the graphs are isomorphic, else a short description of the difference."""
    if isomorphic(expected, actual):
        return ""
    ground_e = {t for t in expected if not any(isinstance(x, rdflib.BNode) for x in t)}
    ground_a = {t for t in actual if not any(isinstance(x, rdflib.BNode) for x in t)}
    missing = sorted(" ".join(x.n3() for x in t) for t in ground_e - ground_a)[:5]
    extra = sorted(" ".join(x.n3() for x in t) for t in ground_a - ground_e)[:5]
    return (f"graphs not isomorphic: expected {len(expected)} triples, got {len(actual)}; "
            f"missing ground {missing}; unexpected ground {extra}")


# --- running protocol / GSP cases ---

def is_update_request(method: str, path: str, headers: dict[str, str], body: bytes | None) -> bool:
    """Decide whether a `/sparql/` request is meant for the update service."""
    kind = media_type(headers.get("content-type"))
    if kind in ("application/sparql-update", "application/sparql-query"):
        return kind == "application/sparql-update"
    params = parse_qs(urlsplit(path).query, keep_blank_values=True)
    if any(p in params for p in ("update", "using-graph-uri", "using-named-graph-uri")):
        return True
    if "query" in params or not body:
        return False
    text = body.decode("utf-8", errors="replace")
    if kind == "application/x-www-form-urlencoded" or re.fullmatch(r"[\w.-]+=\S*", text.strip()):
        return "update" in parse_qs(text, keep_blank_values=True)
    return first_keyword(text) in UPDATE_KEYWORDS


def target_url(target: SparqlTarget, path: str, is_update: bool) -> str:
    """Swap the manifest's `/sparql/` or `/gsp` prefix for the target's URL; keep the rest."""
    for prefix in ("/sparql/", "/sparql"):
        if path.startswith(prefix):
            base = target.update_url if is_update else target.query_url
            return base + path[len(prefix):]
    if path.startswith("/gsp"):
        return target.store_url + path[len("/gsp"):]
    raise ValueError(f"path {path!r} starts with neither /sparql/ nor /gsp")


def status_ok(status: int, expected: frozenset[str]) -> bool:
    expected = expected or frozenset({"2xx"})
    return str(status) in expected or f"{status // 100}xx" in expected


def response_boolean(response: requests.Response) -> bool | None:
    """The ASK answer in a JSON or XML results document, None if there is none."""
    kind = media_type(response.headers.get("Content-Type"))
    try:
        if kind == "application/sparql-results+json":
            value = json.loads(response.content).get("boolean")
            return value if isinstance(value, bool) else None
        if kind == "application/sparql-results+xml":
            node = ElementTree.fromstring(response.content).find(f"{SRX_NS}boolean")
            return None if node is None else (node.text or "").strip() == "true"
    except (ValueError, ElementTree.ParseError, AttributeError):
        return None
    return None


def _substitute(text: str, variables: dict[str, str]) -> str:
    for name, value in variables.items():
        text = text.replace(name, value)
    return text


def _check_response(request: Request, response: requests.Response, url: str) -> str:
    """Empty string if the response meets every expectation, else the first failure."""
    snippet = response.text[:300].strip()
    if not status_ok(response.status_code, request.expected_statuses):
        return (f"expected status {sorted(request.expected_statuses)}, got "
                f"{response.status_code}: {snippet!r}")
    content_type = response.headers.get("Content-Type", "")
    if request.expected_format and request.expected_format not in format_kinds(content_type):
        return (f"expected a {request.expected_format!r} result format, got Content-Type "
                f"{content_type!r}")
    if request.expected_boolean is not None:
        got = response_boolean(response)
        if got is not request.expected_boolean:
            return f"expected boolean {request.expected_boolean}, got {got} in {snippet!r}"
    for name, value in request.expected_headers:
        actual = response.headers.get(name)
        if actual is None:
            return f"expected header {name}: {value!r}, header missing"
        same = (content_type_matches(value, actual) if name.lower() == "content-type"
                else actual.strip() == value.strip())
        if not same:
            return f"expected header {name}: {value!r}, got {actual!r}"
    if request.expected_body_graph is not None:
        return _check_body_graph(request.expected_body_graph, response, url)
    return ""


def _check_body_graph(expected: ExpectedGraph, response: requests.Response, url: str) -> str:
    try:
        want = parse_rdf(expected.text, expected.media_type, url)
    except Exception as error:
        return f"cannot parse the expected body as {expected.media_type}: {error}"
    content_type = response.headers.get("Content-Type", "")
    try:
        got = parse_rdf(response.content, content_type, url)
    except Exception as error:
        return f"cannot parse the response body as {content_type!r}: {error}"
    return graph_difference(want, got)


def run_case(
    case: Case, target: SparqlTarget, session: requests.Session | None = None
) -> CaseResult:
    """Run one protocol/GSP case on an emptied, preloaded target.

    Conformance problems come back as a failed `CaseResult`; a target that cannot be reset
    or preloaded raises instead, since that is a broken setup, not a verdict.
    """
    result = CaseResult(case.case_id, passed=False)
    own_session = session is None
    http = session or requests.Session()
    try:
        target.reset()
        for graph_file, graph_iri in case.preload:
            target.load(graph_file, graph_iri)
        variables: dict[str, str] = {}
        for index, request in enumerate(case.requests, start=1):
            step = f"request {index}/{len(case.requests)} {request.method} {request.path}"
            path = _substitute(request.path, variables)
            headers = {k.lower(): _substitute(v, variables) for k, v in request.headers}
            body = request.body_bytes
            if body is not None and variables and request.body_encoding:
                body = _substitute(body.decode(request.body_encoding), variables).encode(
                    request.body_encoding)
            url = target_url(target, path, is_update_request(request.method, path, headers, body))
            prepared = requests.Request(request.method, url, headers=headers, data=body).prepare()
            prepared.url = url  # send the percent-encoding exactly as the manifest wrote it
            response = http.send(prepared, allow_redirects=False, timeout=HTTP_TIMEOUT_S)
            result.log.append(f"{step} -> {url} {response.status_code} "
                              f"{response.headers.get('Content-Type', '')}")
            failure = _check_response(request, response, url)
            if failure:
                result.reason = f"{step}: {failure}"
                return result
            if request.expected_location:
                location = response.headers.get("Location")
                if not location:
                    result.reason = f"{step}: expected a Location header, none given"
                    return result
                # Substituted into `?graph=`: keep IRI characters, escape query delimiters.
                variables[request.expected_location] = quote(
                    urljoin(url, location), safe=":/@!$'()*,;-._~%")
        result.passed = True
        return result
    except requests.RequestException as error:
        result.reason = f"HTTP error: {error}"
        return result
    finally:
        if own_session:
            http.close()
