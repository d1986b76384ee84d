"""Which documents a search finds, and how it scores them, on a store written for the test."""

from __future__ import annotations

from collections.abc import Callable

from dadkhah.store import Store
from server import search

ID = "https://dadkhah.example/id/"

DATA = """
PREFIX dk: <https://dadkhah.example/ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
INSERT DATA {
  GRAPH <https://dadkhah.example/id/graph/a> {
    <{id}document/in-text> a dk:SourceDocument ; dcterms:title "A report" ;
        dk:capture <{id}capture/in-text> .
    <{id}capture/in-text> dk:normalizedText "Held in Evin, then moved from Evin." .
    <{id}document/in-title> a dk:SourceDocument ;
        dcterms:title "Letters", "From Evin prison"@en ; dk:capture <{id}capture/in-title> .
    <{id}capture/in-title> dk:normalizedText "Nothing of the prison's name here." .
    <{id}document/in-a-word> a dk:SourceDocument ; dk:capture <{id}capture/in-a-word> .
    <{id}capture/in-a-word> dk:normalizedText "AchievinG little." .
    <{id}document/elsewhere> a dk:SourceDocument ; dk:capture <{id}capture/elsewhere> .
    <{id}capture/elsewhere> dk:normalizedText "Tehran only." .
    <{id}not-a-document> dk:capture <{id}capture/not-a-document> .
    <{id}capture/not-a-document> dk:normalizedText "Evin, but no document holds it." .
  }
  GRAPH <https://dadkhah.example/id/graph/b> {
    <{id}capture/in-text> dk:normalizedText "Held in Evin, then moved from Evin." .
    <{id}document/in-text> dk:capture <{id}capture/in-text> .
  }
}
""".replace("{id}", ID)


def test_documents_are_found_by_text_or_title_once_each_and_scored(
    new_store: Callable[[], Store],
) -> None:
    store = new_store()
    store.update(DATA)
    hits = {h.iri.removeprefix(ID + "document/"): h for h in search.documents(store, "evin")}
    assert sorted(hits) == ["in-a-word", "in-text", "in-title"]  # a capture alone is no hit
    # 5, +1 per whole word (up to 20), +1 per occurrence (up to 5), +30 for the title
    assert (hits["in-text"].score, hits["in-text"].occurrences) == (5 + 2 + 2, 2)
    assert hits["in-text"].spots == [8, 30]  # each once, though two graphs state the text
    assert (hits["in-title"].score, hits["in-title"].occurrences) == (5 + 30, 0)
    assert (hits["in-a-word"].score, hits["in-a-word"].spots) == (5 + 1, [4])
    assert search.documents(store, "nowhere") == []
