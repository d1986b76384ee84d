"""W3C conformance of a live `dadkhah serve`, through the harness in `tests/conformance/`.

Every SPARQL 1.1 Protocol and Graph Store Protocol case runs against the server twice: with
the default graph as the union of all graphs (Dadkhah's default) and as the store's own
default graph (the suites' assumption). Writes carry the test token. No exceptions: all 47
cases pass in both modes.

The query-evaluation and syntax cases of the folders `test_conformance_oxigraph` runs go
through our endpoint too (default graph as in the suites). The engine is Oxigraph, so the
cases Oxigraph itself fails are expected to fail here for the same reasons (the list is
shared, minus its protocol entries, which pass here); they must keep failing, so the list
stays honest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.backends import Backend
from tests.conformance.http_runner import CaseResult, run_case
from tests.conformance.manifests import Case, QueryCase, SyntaxCase
from tests.conformance.query_suite import run_query_case, run_syntax_case
from tests.serverutil import DadkhahServeTarget
from tests.test_conformance_oxigraph import (
    EVAL_CASES,
    GSP_CASES,
    KNOWN_OXIGRAPH_FAILURES,
    PROTOCOL_CASES,
    SYNTAX_CASES,
    LoadFailure,
    _case_id,
    _loaded,
)

pytestmark = pytest.mark.server

# Engine semantics shared with Oxigraph; no protocol or Graph Store case fails here.
KNOWN_FAILURES: dict[str, str] = {
    case_id: reason
    for case_id, reason in KNOWN_OXIGRAPH_FAILURES.items()
    if not case_id.startswith(("protocol/", "gsp/"))
}


@pytest.fixture(scope="module", params=["union-default-graph", "plain-default-graph"])
def dadkhah(request: pytest.FixtureRequest, backend: Backend) -> Iterator[DadkhahServeTarget]:
    union = request.param == "union-default-graph"
    with DadkhahServeTarget(union_default_graph=union, backend=backend) as target:
        yield target


@pytest.fixture(scope="module")
def plain(backend: Backend) -> Iterator[DadkhahServeTarget]:
    with DadkhahServeTarget(union_default_graph=False, backend=backend) as target:
        yield target


def _check(result: CaseResult) -> None:
    known = KNOWN_FAILURES.get(result.case_id)
    if known is None:
        assert result.passed, f"{result.case_id}: {result.reason}\n" + "\n".join(result.log)
    else:
        assert not result.passed, f"{result.case_id} now passes; remove it ({known})"


def test_every_protocol_and_gsp_case_was_found() -> None:
    cases = [c for c in [*PROTOCOL_CASES, *GSP_CASES] if not isinstance(c, LoadFailure)]
    assert len(cases) == 47, [_case_id(c) for c in cases]


@pytest.mark.parametrize("case", PROTOCOL_CASES, ids=_case_id)
def test_protocol(case: Case | LoadFailure, dadkhah: DadkhahServeTarget) -> None:
    _check(run_case(_loaded(case), dadkhah, session=dadkhah.session))


@pytest.mark.parametrize("case", GSP_CASES, ids=_case_id)
def test_graph_store_protocol(case: Case | LoadFailure, dadkhah: DadkhahServeTarget) -> None:
    _check(run_case(_loaded(case), dadkhah, session=dadkhah.session))


@pytest.mark.parametrize("case", EVAL_CASES, ids=_case_id)
def test_query_evaluation(case: QueryCase | LoadFailure, plain: DadkhahServeTarget) -> None:
    _check(run_query_case(_loaded(case), plain))


@pytest.mark.parametrize("case", SYNTAX_CASES, ids=_case_id)
def test_query_syntax(case: SyntaxCase | LoadFailure, plain: DadkhahServeTarget) -> None:
    _check(run_syntax_case(_loaded(case), plain))
