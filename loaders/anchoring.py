"""Anchoring quotes to a document's normalized text.

A quote is found by its exact words, narrowed by prefix and suffix (the text just before and
after) or by an occurrence number (1-based, among all places the exact words occur). The
quote decides: a stated position is trusted only if the exact words are there with their
prefix and suffix, so it only picks among the places where all three fit; otherwise the quote
is re-anchored and the move is reported. A quote that is not found, or found in more than one
place, is an error that names the quote and the candidate positions. Positions stored in the
graph are always the verified ones.

Offsets from browser tools often count UTF-16 code units; ``utf16_to_code_points`` converts
them. Which unit a position uses is declared by the caller or, when ``auto``, detected: a
position is read as code points if the exact words are there, else as UTF-16 code units if
they are there, else it is stale.
"""

from __future__ import annotations

from dataclasses import dataclass

from dadkhah.errors import LoadError

MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    note: str | None = None  # set when the stated position was not used as given


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str | None = None
    suffix: str | None = None
    occurrence: int | None = None
    start: int | None = None
    end: int | None = None


def utf16_to_code_points(text: str, offset: int) -> int | None:
    """The code-point offset at UTF-16 offset ``offset``, or None if it splits a pair."""
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            return None
    return len(text) if units == offset else None


def _positions(text: str, exact: str) -> list[int]:
    found, at = [], text.find(exact)
    while at != -1:
        found.append(at)
        at = text.find(exact, at + 1)
    return found


def _fits(text: str, at: int, quote: Quote) -> bool:
    if quote.prefix and not text[:at].endswith(quote.prefix):
        return False
    end = at + len(quote.exact)
    return not (quote.suffix and not text[end:].startswith(quote.suffix))


def _describe(text: str, starts: list[int], length: int) -> str:
    shown = ", ".join(f"{s}-{s + length}" for s in starts[:MAX_CANDIDATES])
    more = f" and {len(starts) - MAX_CANDIDATES} more" if len(starts) > MAX_CANDIDATES else ""
    return shown + more


def anchor(text: str, quote: Quote, *, path: str, where: str, offsets: str = "auto") -> Anchor:
    """Resolve ``quote`` in ``text`` (see the module docstring) or raise ``LoadError``."""
    exact = quote.exact
    if not exact:
        raise LoadError(path, where, "a non-empty quote")
    if quote.start is not None:
        stated = _stated(text, quote, offsets)
        if stated is not None:
            return stated
    everywhere = _positions(text, exact)
    shown = f"the quote {exact[:80]!r}"
    if not everywhere:
        raise LoadError(path, where, f"{shown} to occur in the document", "no such text")
    if quote.occurrence is not None:
        if not 1 <= quote.occurrence <= len(everywhere):
            raise LoadError(
                path,
                where,
                f"occurrence between 1 and {len(everywhere)} for {shown}",
                str(quote.occurrence),
            )
        candidates = [everywhere[quote.occurrence - 1]]
        if not _fits(text, candidates[0], quote):
            raise LoadError(
                path, where, f"prefix/suffix around occurrence {quote.occurrence} of {shown}"
            )
    else:
        candidates = [at for at in everywhere if _fits(text, at, quote)]
    if not candidates:
        raise LoadError(
            path,
            where,
            f"{shown} with the given prefix/suffix",
            f"it only at {_describe(text, everywhere, len(exact))}, with other context",
        )
    if len(candidates) > 1:
        raise LoadError(
            path,
            where,
            f"{shown} to occur once (add prefix, suffix or occurrence)",
            f"{len(candidates)} places: {_describe(text, candidates, len(exact))}",
        )
    start = candidates[0]
    note = None
    if quote.start is not None:
        note = f"{where}: stated position {quote.start}-{quote.end} re-anchored to {start}"
    return Anchor(start, start + len(exact), note)


def _stated(text: str, quote: Quote, offsets: str) -> Anchor | None:
    """The stated position if the exact words are there, with their prefix and suffix around
    them, in code points or UTF-16 units."""
    assert quote.start is not None
    end = quote.end if quote.end is not None else quote.start + len(quote.exact)
    if (
        offsets in ("auto", "codepoints")
        and text[quote.start : end] == quote.exact
        and _fits(text, quote.start, quote)
    ):
        return Anchor(quote.start, end)
    if offsets in ("auto", "utf16"):
        start16 = utf16_to_code_points(text, quote.start)
        end16 = utf16_to_code_points(text, end)
        if (
            start16 is not None
            and end16 is not None
            and text[start16:end16] == quote.exact
            and _fits(text, start16, quote)
        ):
            note = None if offsets == "utf16" else "offsets read as UTF-16 code units"
            return Anchor(start16, end16, note)
    return None
