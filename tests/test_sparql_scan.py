"""The SPARQL tokenizer the endpoint routes and refuses with (server/scan.py)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from dadkhah.errors import QueryError
from server import scan


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("SELECT * {}", "SELECT"),
        ("  # a comment\n PREFIX ex: <http://e/> BASE <http://b/> ask {}", "ASK"),
        ("PREFIX : <http://e/> CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("describe <http://e/x>", "DESCRIBE"),
        ("INSERT DATA { <a> <b> <c> }", None),
        ("SELEC * {}", None),
    ],
)
def test_query_form(text: str, form: str | None) -> None:
    assert scan.query_form(text) == form
    assert scan.analyse(text).form == form


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", "SERVICE"),
        ("LOAD <http://x/data.ttl> INTO GRAPH <http://g/>", "LOAD"),
        ("SELECT * { \\u0053ERVICE <http://x/> {} }", "SERVICE"),
        ("SELECT * { ?s ?p 'SERVICE' }", None),
        ('SELECT * { ?s ?p """multi\nSERVICE""" }', None),
        ("SELECT * { ?s ?p ?o } # SERVICE", None),
        ("SELECT ?service { ?s <http://x/SERVICE> ex:SERVICE }", None),
    ],
)
def test_fetching_keyword(text: str, found: str | None) -> None:
    assert scan.fetching_keyword(text) == found
    assert scan.analyse(text).fetching == found


@pytest.mark.parametrize(
    ("text", "dataset"),
    [
        ("SELECT * FROM <http://g/> { ?s ?p ?o }", True),
        ("PREFIX ex: <http://e/> SELECT * from named ex:g { GRAPH ?g { ?s ?p ?o } }", True),
        ("CONSTRUCT { ?s ?p ?o } FROM <http://g/> WHERE { ?s ?p ?o }", True),
        ("SELECT * { ?s ?p 'FROM <http://g/>' }", False),
        ("SELECT * { ?s ?p ?o } # FROM <http://g/>", False),
        ("SELECT ?from { ?from <http://e/FROM> ex:FROM }", False),
    ],
)
def test_dataset_clause(text: str, dataset: bool) -> None:
    assert scan.analyse(text).dataset is dataset


def test_relative_iris() -> None:
    assert scan.has_relative_iri("SELECT * { <x> ?p ?o }")
    assert not scan.has_relative_iri("SELECT * { <http://x/> ?p ?o . FILTER(?o < 3) }")


def test_using_clauses_go_before_each_where() -> None:
    update = (
        "CLEAR ALL ; INSERT DATA { GRAPH <http://g/> { <http://a> <http://b> <http://c> } } ;\n"
        "INSERT { GRAPH <http://o/> { ?s a <http://T> } } WHERE { ?s ?p ?o } ;\n"
        "DELETE WHERE { ?s <http://x> ?o }"
    )
    rewritten = scan.with_using(update, ["http://d/"], ["http://n/"])
    assert rewritten.count("USING <http://d/> USING NAMED <http://n/> WHERE") == 1
    store = ox.Store()
    store.update(rewritten)  # still parses
    with pytest.raises(QueryError):
        scan.with_using(
            "WITH <http://g/> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ["http://d/"], []
        )


def test_error_messages_are_shortened_and_shifted() -> None:
    message = "error at 2:5: expected one of \"(\", \"{\", ['A' ..= 'Z'], [_]"
    assert scan.brief_error(message) == 'error at 2:5: expected one of "(", "{", ...'
    assert scan.shift_position("error at 2:5: expected x", 1) == "error at 1:5: expected x"
