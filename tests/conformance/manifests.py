"""Parse the W3C SPARQL 1.1 test manifests into plain dataclasses.

Two families are read:

* HTTP-in-RDF manifests (`protocol/manifest.ttl`, `graph-store-protocol/manifest-*.ttl`):
  each entry is an `ht:Connection` with an ordered list of `ht:Request`s and their expected
  `ht:Response`s, giving `Case`/`Request`.
* query manifests (`aggregates/`, `syntax-query/`, ...): `mf:QueryEvaluationTest` entries give
  `QueryCase`, positive/negative (update) syntax tests give `SyntaxCase`.

The data lives outside the repository (`<repo>/../shared/conformance`, or the directory in
`DADKHAH_CONFORMANCE_DIR`); nothing here copies it.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

CONFORMANCE_ENV = "DADKHAH_CONFORMANCE_DIR"
PROTOCOL_MANIFEST = "sparql11/protocol/manifest.ttl"
GSP_MANIFESTS = (
    "sparql11/graph-store-protocol/manifest-direct.ttl",
    "sparql11/graph-store-protocol/manifest-indirect.ttl",
)

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")

# Named hts: status terms; `hts:StatusCodeNxx` (a class) and `hts:StatusCodeNNN` are parsed.
_NAMED_STATUSES = {
    "OK": "200", "Created": "201", "Accepted": "202", "NoContent": "204",
    "BadRequest": "400", "NotFound": "404", "MethodNotAllowed": "405",
    "NotAcceptable": "406", "Conflict": "409", "UnsupportedMediaType": "415",
}
_STATUS_PATTERN = re.compile(r"StatusCode(\dxx|\d{3})")

_SYNTAX_TYPES = {
    MF.PositiveSyntaxTest: (True, False), MF.PositiveSyntaxTest11: (True, False),
    MF.NegativeSyntaxTest: (False, False), MF.NegativeSyntaxTest11: (False, False),
    MF.PositiveUpdateSyntaxTest11: (True, True), MF.NegativeUpdateSyntaxTest11: (False, True),
}


class ManifestError(Exception):
    """A manifest is missing, empty or uses a construct the harness does not understand."""


@dataclass(frozen=True)
class ExpectedGraph:
    """An RDF body a response must carry (compared up to blank-node renaming)."""

    text: str
    media_type: str


@dataclass
class Request:
    """One HTTP request of a protocol/GSP test and what its response must look like.

    `path` is the manifest's `ht:absolutePath` (starting `/sparql/` or `/gsp`), still
    percent-encoded as written; `expected_statuses` holds codes ("201") and classes ("2xx").
    """

    method: str
    path: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body_bytes: bytes | None = None
    body_encoding: str | None = None
    expected_statuses: frozenset[str] = frozenset()
    expected_boolean: bool | None = None
    expected_format: str | None = None
    expected_headers: list[tuple[str, str]] = field(default_factory=list)
    expected_body_graph: ExpectedGraph | None = None
    expected_location: str | None = None


@dataclass
class Case:
    """One protocol or Graph Store Protocol test: preload, then run `requests` in order."""

    name: str
    iri: str
    comment: str
    requires: list[str]
    preload: list[tuple[Path, str]]
    requests: list[Request]
    suite: str = ""

    @property
    def case_id(self) -> str:
        return f"{self.suite}/{local_name(self.iri)}"


@dataclass
class QueryCase:
    """An `mf:QueryEvaluationTest`: run `query_file` over the data, compare with `result_file`."""

    name: str
    iri: str
    comment: str
    suite: str
    query_file: Path
    data_files: list[Path]
    graph_data_files: list[Path]
    result_file: Path
    approval: str

    @property
    def case_id(self) -> str:
        return f"{self.suite}/{local_name(self.iri)}"


@dataclass
class SyntaxCase:
    """A positive (must be accepted) or negative (must be rejected) syntax test."""

    name: str
    iri: str
    comment: str
    suite: str
    query_file: Path
    positive: bool
    is_update: bool
    approval: str

    @property
    def case_id(self) -> str:
        return f"{self.suite}/{local_name(self.iri)}"


@dataclass
class QueryManifest:
    """The query-side content of one manifest; `other` lists entries of other test types."""

    eval_cases: list[QueryCase]
    syntax_cases: list[SyntaxCase]
    other: list[str]


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def conformance_dir(repo_root: Path | None = None) -> Path:
    """`$DADKHAH_CONFORMANCE_DIR`, else `<repo_root>/../shared/conformance`; must exist."""
    override = os.environ.get(CONFORMANCE_ENV)
    if override:
        folder = Path(override)
    else:
        root = repo_root if repo_root is not None else Path(__file__).resolve().parents[2]
        folder = root.parent / "shared" / "conformance"
    if not folder.is_dir():
        raise ManifestError(f"conformance data folder not found: {folder} "
                            f"(set {CONFORMANCE_ENV} to override)")
    return folder


def file_path(iri: Node) -> Path:
    """The local path of a `file:` IRI produced by parsing a manifest with its file URI."""
    parsed = urlparse(str(iri))
    if parsed.scheme != "file":
        raise ManifestError(f"expected a file IRI, got {iri}")
    return Path(url2pathname(unquote(parsed.path)))


def parse_graph(path: Path, fmt: str = "turtle") -> Graph:
    """Parse an RDF file with its own file URI as base; rdflib warnings stay local."""
    if not path.is_file():
        raise ManifestError(f"missing file: {path}")
    graph = Graph()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph.parse(path, format=fmt, publicID=path.resolve().as_uri())
    return graph


def _one(graph: Graph, subject: Node, predicate: URIRef) -> Node | None:
    values = list(graph.objects(subject, predicate))
    if len(values) > 1:
        raise ManifestError(f"{subject} has {len(values)} values for {predicate}")
    return values[0] if values else None


def _text(graph: Graph, subject: Node, predicate: URIRef) -> str:
    value = _one(graph, subject, predicate)
    return str(value) if value is not None else ""


def _entries(graph: Graph, path: Path) -> list[Node]:
    manifests = list(graph.subjects(RDF.type, MF.Manifest))
    if len(manifests) != 1:
        raise ManifestError(f"{path}: expected one mf:Manifest, found {len(manifests)}")
    head = _one(graph, manifests[0], MF.entries)
    entries = list(Collection(graph, head)) if head is not None else []
    if not entries:
        raise ManifestError(f"{path}: mf:entries is empty or missing")
    return entries


def _status(term: Node) -> str:
    name = local_name(str(term))
    if name in _NAMED_STATUSES:
        return _NAMED_STATUSES[name]
    match = _STATUS_PATTERN.fullmatch(name)
    if match is None:
        raise ManifestError(f"unknown expected status {term}")
    return match.group(1)


def _headers(graph: Graph, subject: Node) -> list[tuple[str, str]]:
    head = _one(graph, subject, HT.headers)
    if head is None:
        return []
    return [(_text(graph, h, HT.fieldName), _text(graph, h, HT.fieldValue))
            for h in Collection(graph, head)]


def _body(graph: Graph, subject: Node) -> tuple[str, str] | None:
    body = _one(graph, subject, HT.body)
    if body is None:
        return None
    chars = _one(graph, body, CNT.chars)
    if not isinstance(chars, Literal):
        raise ManifestError(f"ht:body of {subject} has no cnt:chars")
    return str(chars), _text(graph, body, CNT.characterEncoding) or "UTF-8"


def _request(graph: Graph, node: Node) -> Request:
    request = Request(method=_text(graph, node, HT.methodName),
                      path=_text(graph, node, HT.absolutePath),
                      headers=_headers(graph, node))
    body = _body(graph, node)
    if body is not None:
        chars, encoding = body
        request.body_bytes = chars.encode(encoding)
        request.body_encoding = encoding
    response = _one(graph, node, HT.resp)
    if response is None:
        raise ManifestError(f"request {request.method} {request.path} has no ht:resp")
    request.expected_statuses = frozenset(
        _status(s) for s in graph.objects(response, MF.expectedStatus))
    boolean = _one(graph, response, MF.expectedBoolean)
    request.expected_boolean = bool(boolean.toPython()) if isinstance(boolean, Literal) else None
    request.expected_format = _text(graph, response, MF.expectedFormat) or None
    request.expected_headers = _headers(graph, response)
    request.expected_location = _text(graph, response, MF.expectedLocation) or None
    expected_body = _body(graph, response)
    if expected_body is not None:
        content_type = next((v for k, v in request.expected_headers
                             if k.lower() == "content-type"), "text/turtle")
        request.expected_body_graph = ExpectedGraph(expected_body[0], content_type)
    return request


def _preload(graph: Graph, node: Node) -> tuple[Path, str]:
    """`ut:graphData [ ut:graph <file>; rdfs:label "graph IRI" ]` -> (file, graph IRI)."""
    source = _one(graph, node, UT.graph)
    label = _text(graph, node, RDFS.label)
    if source is None or not label:
        raise ManifestError(f"ut:graphData {node} needs ut:graph and rdfs:label")
    return file_path(source), label


def load_http_manifest(path: Path, suite: str) -> list[Case]:
    """Protocol / GSP cases of one manifest, in `mf:entries` order."""
    graph = parse_graph(path)
    cases: list[Case] = []
    for entry in _entries(graph, path):
        action = _one(graph, entry, MF.action)
        head = _one(graph, action, HT.requests) if action is not None else None
        if head is None:
            raise ManifestError(f"{path}: {entry} has no ht:requests")
        preload = [_preload(graph, g) for g in graph.objects(entry, UT.graphData)]
        cases.append(Case(
            name=_text(graph, entry, MF.name),
            iri=str(entry),
            comment=_text(graph, entry, RDFS.comment),
            requires=sorted(str(r) for r in graph.objects(entry, MF.requires)),
            preload=sorted(preload, key=lambda p: p[1]),
            requests=[_request(graph, r) for r in Collection(graph, head)],
            suite=suite,
        ))
    return cases


def load_protocol_cases(root: Path) -> list[Case]:
    return load_http_manifest(root / PROTOCOL_MANIFEST, "protocol")


def load_gsp_cases(root: Path) -> list[Case]:
    cases: list[Case] = []
    for relative in GSP_MANIFESTS:
        cases.extend(load_http_manifest(root / relative, "gsp"))
    return cases


def load_query_manifest(path: Path, suite: str | None = None) -> QueryManifest:
    """Query-evaluation and syntax cases of one query manifest (e.g. `aggregates/`)."""
    graph = parse_graph(path)
    suite = suite or path.parent.name
    result = QueryManifest([], [], [])
    for entry in _entries(graph, path):
        kinds = set(graph.objects(entry, RDF.type))
        name = _text(graph, entry, MF.name)
        comment = _text(graph, entry, RDFS.comment)
        approval = local_name(_text(graph, entry, DAWGT.approval))
        action = _one(graph, entry, MF.action)
        syntax = next((_SYNTAX_TYPES[k] for k in kinds if k in _SYNTAX_TYPES), None)
        if syntax is not None and action is not None:
            result.syntax_cases.append(SyntaxCase(
                name, str(entry), comment, suite, file_path(action), syntax[0], syntax[1],
                approval))
        elif MF.QueryEvaluationTest in kinds and action is not None:
            query = _one(graph, action, QT.query)
            expected = _one(graph, entry, MF.result)
            if query is None or expected is None:
                raise ManifestError(f"{path}: {entry} lacks qt:query or mf:result")
            result.eval_cases.append(QueryCase(
                name, str(entry), comment, suite, file_path(query),
                sorted(file_path(d) for d in graph.objects(action, QT.data)),
                sorted(file_path(d) for d in graph.objects(action, QT.graphData)),
                file_path(expected), approval))
        else:
            result.other.append(str(entry))
    return result


def load_query_folders(root: Path, folders: list[str]) -> QueryManifest:
    """All query/syntax cases of `sparql11/<folder>/manifest.ttl` for each folder."""
    combined = QueryManifest([], [], [])
    for folder in folders:
        part = load_query_manifest(root / "sparql11" / folder / "manifest.ttl", folder)
        if not part.eval_cases and not part.syntax_cases:
            raise ManifestError(f"{folder}: no query-evaluation or syntax cases found")
        combined.eval_cases.extend(part.eval_cases)
        combined.syntax_cases.extend(part.syntax_cases)
        combined.other.extend(part.other)
    return combined
