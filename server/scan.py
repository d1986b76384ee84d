"""A SPARQL tokenizer: enough to route a request and to refuse federation, not a parser.

Oxigraph parses every query and update itself (and reports syntax errors with a position);
pyoxigraph exposes no algebra (0.5 has no parsed ``Query`` object either), so the endpoint
learns four things from tokens instead:

- the query form (SELECT/ASK vs CONSTRUCT/DESCRIBE), to pick a result format before running;
- whether the query states its own dataset (``FROM`` or ``FROM NAMED``), which Oxigraph's
  union-default-graph option would otherwise override;
- whether the text uses SERVICE or LOAD, which make the server fetch from hosts a client
  names (refused by default);
- where the WHERE clauses of an update are, to apply the protocol's ``using-graph-uri``
  parameters as USING clauses.

Comments, strings and IRIs are tokens of their own, so ``# SERVICE`` or ``"SERVICE"`` is not
a keyword, while ``ex:service`` and ``?service`` are names. The scan errs on the side of
finding keywords: an unterminated string is read as code, and the text is also scanned
once more with ``\\uXXXX`` escapes decoded (SPARQL allows them anywhere; Oxigraph 0.5 rejects
them outside strings and IRIs, a later version might not).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dadkhah.errors import QueryError

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
  | (?P<pname>[\w.-]*:(?:[\w.:%-]|\\.)*)
  | (?P<number>\d[\w.]*|\.\d[\w.]*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<space>\s+)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_SCHEME = re.compile(r"<[A-Za-z][A-Za-z0-9+.-]*:")

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
FETCHING = ("SERVICE", "LOAD")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokens(text: str) -> list[Token]:
    """Every token but whitespace and comments, in order."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            found.append(Token(kind, match.group(), match.start()))
    return found


def unescape_codepoints(text: str) -> str:
    def decode(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group()

    return _CODEPOINT.sub(decode, text)


def _after_prologue(found: Sequence[Token]) -> int:
    """Index of the first token after BASE/PREFIX declarations."""
    i = 0
    while i < len(found):
        key = found[i].keyword
        if key == "BASE":
            i += 2
        elif key == "PREFIX":
            i += 3
        else:
            break
    return i


@dataclass(frozen=True)
class Analysis:
    """What the endpoint needs to know about a query, from one pass over its tokens."""

    form: str | None
    fetching: str | None
    relative_iri: bool
    dataset: bool = False
    """The query has a dataset clause (FROM or FROM NAMED)."""


def analyse(text: str) -> Analysis:
    found = tokens(text)
    i = _after_prologue(found)
    form = found[i].keyword if i < len(found) and found[i].keyword in QUERY_FORMS else None
    fetching = next((t.keyword for t in found if t.keyword in FETCHING), None)
    if fetching is None and _CODEPOINT.search(text):
        fetching = fetching_keyword(unescape_codepoints(text))
    relative = any(t.kind == "iri" and not _SCHEME.match(t.text) for t in found)
    return Analysis(form, fetching, relative, has_dataset_clause(found))


def has_dataset_clause(found: Sequence[Token]) -> bool:
    """True if a query names its dataset with FROM or FROM NAMED.

    FROM is a keyword nowhere else in SPARQL 1.1 (a subquery cannot have a dataset clause),
    so a ``FROM`` word token is a dataset clause; in a string, a comment, an IRI, a variable
    or a prefixed name it is another token and does not count.
    """
    return any(t.keyword == "FROM" for t in found)


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; None if the text starts with anything else."""
    found = tokens(text)
    i = _after_prologue(found)
    if i < len(found) and found[i].keyword in QUERY_FORMS:
        return found[i].keyword
    return None


def fetching_keyword(text: str) -> str | None:
    """SERVICE or LOAD if the text uses one as a keyword (with escapes decoded or not)."""
    for variant in {text, unescape_codepoints(text)}:
        for token in tokens(variant):
            if token.keyword in FETCHING:
                return token.keyword
    return None


def has_relative_iri(text: str) -> bool:
    """True if an IRI in the text has no scheme (it then resolves against the base)."""
    return any(t.kind == "iri" and not _SCHEME.match(t.text) for t in tokens(text))


def with_using(update: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """The update with USING / USING NAMED clauses for the protocol's ``using-graph-uri`` and
    ``using-named-graph-uri``, written before each operation's WHERE.

    The protocol forbids combining them with USING, USING NAMED or WITH in the text (400).
    """
    if not default_graphs and not named_graphs:
        return update
    found = tokens(update)
    if any(t.keyword in ("USING", "WITH") for t in found):
        raise QueryError(
            "the update names its dataset with USING or WITH: "
            "do not also send using-graph-uri or using-named-graph-uri"
        )
    clause = "".join(f"USING <{g}> " for g in default_graphs)
    clause += "".join(f"USING NAMED <{g}> " for g in named_graphs)
    depth = 0
    inserts: list[int] = []
    previous = ""
    for token in found:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif depth == 0 and token.keyword == "WHERE" and previous != "DELETE":
            inserts.append(token.start)
        if token.kind != "punct" or token.text in "{}":
            previous = token.keyword
    for position in reversed(inserts):
        update = update[:position] + clause + update[position:]
    return update


_POSITION = re.compile(r"\berror at (\d+):(\d+)")
_CHAR_CLASSES = re.compile(r",?\s*\[['_].*$", re.DOTALL)


def brief_error(message: str) -> str:
    """Oxigraph's syntax error with its position and expected tokens, without the long list
    of Unicode character ranges it would also have accepted."""
    short = _CHAR_CLASSES.sub(", ...", message)
    return short if short != ", ..." else message


def shift_position(message: str, lines: int) -> str:
    """Oxigraph's ``error at L:C`` moved up by ``lines`` (after we prepended a BASE line)."""
    if not lines:
        return message
    return _POSITION.sub(
        lambda m: f"error at {max(1, int(m.group(1)) - lines)}:{m.group(2)}", message
    )
