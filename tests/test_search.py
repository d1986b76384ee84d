"""Which documents a search finds, and how it scores them, on a store written for the test."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest

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
    <{id}titled-not-a-document> dcterms:title "Evin" ; dk:capture <{id}capture/elsewhere> .
    <{id}document/also-in-title> a dk:SourceDocument ; dcterms:title "EVIN" ;
        dk:capture <{id}capture/also-in-title> .
    <{id}capture/also-in-title> dk:normalizedText "A list." .
  }
  GRAPH <https://dadkhah.example/id/graph/b> {
    <{id}capture/in-text> dk:normalizedText "Held in Evin, then moved from Evin." .
    <{id}document/in-text> dk:capture <{id}capture/in-text> .
  }
}
""".replace("{id}", ID)


@pytest.mark.parametrize(
    ("batch", "look_up"),
    [(search.BATCH, search.LOOK_UP), (1, search.LOOK_UP), (1, 0)],
    ids=["as set", "one IRI a batch", "documents listed"],
)
def test_documents_are_found_by_text_or_title_once_each_and_scored(
    new_store: Callable[[], Store], monkeypatch: pytest.MonkeyPatch, batch: int, look_up: int
) -> None:
    monkeypatch.setattr(search, "BATCH", batch)
    monkeypatch.setattr(search, "LOOK_UP", look_up)  # past it, every document is listed
    store = new_store()
    store.update(DATA)
    hits = {h.iri.removeprefix(ID + "document/"): h for h in search.documents(store, "evin")}
    # neither a capture alone nor a titled resource that is not a document is a hit
    assert sorted(hits) == ["also-in-title", "in-a-word", "in-text", "in-title"]
    # 5, +1 per whole word (up to 20), +1 per occurrence (up to 5), +30 for the title
    assert (hits["in-text"].score, hits["in-text"].occurrences) == (5 + 2 + 2, 2)
    assert hits["in-text"].spots == [
        (8, 12),
        (30, 34),
    ]  # each once, though two graphs state the text
    assert (hits["in-title"].score, hits["in-title"].occurrences) == (5 + 30, 0)
    assert hits["also-in-title"].score == 5 + 30
    assert (hits["in-a-word"].score, hits["in-a-word"].spots) == (5 + 1, [(4, 8)])
    assert search.documents(store, "nowhere") == []


def test_marks_fall_on_the_words_where_lower_casing_lengthens_the_text(
    new_store: Callable[[], Store],
) -> None:
    """``İ`` lower-cases to two characters (``i`` and a combining dot), as in SPARQL's ``LCASE``:
    the marks after it still fall on the matched words, and a match inside it marks all of it."""
    text = "İzmir'den İİ Evin'e; sonra EVİN."
    assert len(text.lower()) == len(text) + 4
    store = new_store()
    store.update(
        f"PREFIX dk: <https://dadkhah.example/ns#> INSERT DATA {{ GRAPH <{ID}graph/t> {{ "
        f"<{ID}document/t> a dk:SourceDocument ; dk:capture <{ID}capture/t> . "
        f'<{ID}capture/t> dk:normalizedText "{text}" . }} }}'
    )
    (hit,) = search.documents(store, "evi")
    assert [text[at:end] for at, end in hit.spots] == ["Evi", "EVİ"]
    assert search.snippet(text, *hit.spots[1]).endswith("<mark>EVİ</mark>N.")
    (hit,) = search.documents(store, search.normalized("İ"))  # two characters once lower-cased
    assert [text[at:end] for at, end in hit.spots] == ["İ", "İ", "İ"]
    assert [at for at, _ in hit.spots] == [0, 10, 11]


@pytest.mark.parametrize(
    ("text", "needle", "words", "spots"),
    [
        ("evi\u0307n", "evi", [], [0]),  # "EVİN" lower-cased: the dot goes on with the word
        ("كتابٌ كتاب", "كتاب", [6], [0, 6]),  # a vowel sign (tanwin) goes on with the word
        ("اوین\u200cها اوین", "اوین", [0, 8], [0, 8]),  # a zero-width non-joiner parts words
    ],
    ids=["combining dot", "vowel sign", "non-joiner"],
)
def test_a_combining_mark_belongs_to_the_word_before_it(
    text: str, needle: str, words: list[int], spots: list[int]
) -> None:
    assert search.matches(text, needle) == (words, spots)


def test_matches_finds_what_the_regular_expressions_find() -> None:
    """Whole words as ``(?<!\\w)needle(?!\\w)``, case-blind, and every non-overlapping match,
    over texts of letters with and without case, digits, ``_``, Persian and punctuation."""
    rng = random.Random(1988)
    alphabet = "aAbB_1 -éÉفا."
    needles = ["aa", "a-a", "ab", "a a", "-a", "é_", "فا", "a.", "_b", "aba"]
    for _ in range(4_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        needle = rng.choice(needles)
        pattern = rf"(?<!\w){re.escape(needle)}(?!\w)"
        words = [m.start() for m in re.finditer(pattern, text, re.I)]
        spots = [m.start() for m in re.finditer(re.escape(needle), text.lower())]
        assert search.matches(text.lower(), needle) == (words, spots), (text, needle)
    assert search.matches("xa-a-a", "a-a") == ([3], [1])  # a word that starts inside a match
