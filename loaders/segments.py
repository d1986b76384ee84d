"""Finding structure and scraping artefacts in a normalized text.

Nothing is deleted: each finding is a ``Segment`` (a span of code points and a kind) that
the document loader records as a segment annotation. The rules are deliberately literal, one
per artefact seen in scraped news pages, so that a reader can predict what gets marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

# Segment kinds, named after the concepts of dk:SegmentKinds without the "Segment" suffix.
TITLE, DATELINE, BYLINE = "Title", "Dateline", "Byline"
AD_BANNER, NAVIGATION, BREADCRUMB = "AdBanner", "Navigation", "Breadcrumb"
DUPLICATE, LINK_MARKUP, BOILERPLATE, FILLER = "Duplicate", "LinkMarkup", "Boilerplate", "Filler"

_AD_BANNER = re.compile(r"\d{2,4} ?[x×] ?\d{2,4}")
_NAVIGATION = {"back to top button", "back to top", "exit mobile version", "skip to content"}
_BOILERPLATE = re.compile(
    r"(follow\s+us\s+on\s+twitter|^©|all\s+rights?\s+reserved\.?$"
    r"|^this\s+press\s+release\s+can\s+be\s+viewed\s+online"
    r"|'s\s+priority\s+is\s+source\s+transparency|^to\s+subscribe\b)",
    re.IGNORECASE,
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATELINE = re.compile(
    rf"(?P<place>[A-Z][\w.'-]*(?:,? [A-Z][\w.'-]*)*), (?P<date>(?:{_MONTHS}) \d{{1,2}}, \d{{4}})"
)
_BYLINE = re.compile(r"Reporting by (?P<name>\S.*?)\s*$|/(?P<wire>[A-Za-z][\w.-]*\.com)/")
_MD_LINK = re.compile(r"\[(?P<text>(?:\\.|[^\]\\])*)\]\((?P<target>[^)\s]*)\)")
_AUTOLINK = re.compile(r"<(?P<target>https?://[^>\s]+)>")
_HEAD_LINES = 12  # datelines and bylines are looked for near the top only
_MIN_DUPLICATE = 20  # shorter repeated lines ("NCRI") are content, not scraping noise


@dataclass(frozen=True, order=True)
class Segment:
    start: int
    end: int
    kind: str


@dataclass(frozen=True)
class TextFacts:
    """What the text itself states about the document, with the spans that state it."""

    segments: list[Segment]
    title: str | None = None
    dateline: str | None = None
    date: date | None = None
    publisher: str | None = None


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def _trimmed(start: int, line: str) -> Segment | None:
    """The span of ``line`` without surrounding white space, or None if nothing is left."""
    left = len(line) - len(line.lstrip())
    right = len(line.rstrip())
    return Segment(start + left, start + right, "") if right > left else None


def analyse(text: str) -> TextFacts:
    """Mark artefacts and find title, dateline and byline in a normalized text."""
    segments: list[Segment] = []
    lines = list(_lines(text))
    content = [(i, s, ln) for i, (s, ln) in enumerate(lines) if ln.strip()]
    previous: str | None = None
    artefact_lines: set[int] = set()

    for index, start, line in content:
        body = line.strip()
        span = _trimmed(start, line)
        assert span is not None
        kind = None
        if _AD_BANNER.fullmatch(body):
            kind = AD_BANNER
        elif body.lower() in _NAVIGATION:
            kind = NAVIGATION
        elif previous is not None and body == previous and len(body) >= _MIN_DUPLICATE:
            kind = DUPLICATE
        elif _BOILERPLATE.search(body):
            kind = BOILERPLATE
        previous = body
        if kind:
            segments.append(Segment(span.start, span.end, kind))
            artefact_lines.add(index)

    # Lines of only invisible characters (no-break spaces) that str.strip() removes but a
    # page leaves behind; plain empty lines are not marked.
    for start, line in lines:
        if line and not line.strip() and line.strip(" \t") != "":
            segments.append(Segment(start, start + len(line), FILLER))

    remaining = [(i, s, ln) for i, s, ln in content if i not in artefact_lines]
    title = None
    if remaining:
        first, (_, t_start, t_line) = remaining[0], remaining[0]
        # A breadcrumb trail ("Home News Section Title") ends with the title on the next line.
        if len(remaining) > 1:
            next_body = remaining[1][2].strip()
            body = t_line.strip()
            if body.startswith("Home ") and body.endswith(next_body) and body != next_body:
                span = _trimmed(t_start, t_line)
                assert span is not None
                segments.append(Segment(span.start, span.end, BREADCRUMB))
                artefact_lines.add(first[0])
                _, t_start, t_line = remaining[1]
        span = _trimmed(t_start, t_line)
        assert span is not None
        segments.append(Segment(span.start, span.end, TITLE))
        title = text[span.start : span.end]

    dateline = publisher = None
    when = None
    for index, start, line in content[:_HEAD_LINES]:
        if index in artefact_lines:
            continue
        lead = len(line) - len(line.lstrip())
        match = _DATELINE.match(line, lead)
        if match and dateline is None:
            segments.append(Segment(start + match.start(), start + match.end(), DATELINE))
            dateline = match.group(0)
            when = datetime.strptime(match.group("date"), "%B %d, %Y").date()  # noqa: DTZ007
        byline = _BYLINE.match(line, lead)
        if byline and publisher is None:
            segments.append(Segment(start + byline.start(), start + byline.end(), BYLINE))
            publisher = byline.group("name") or byline.group("wire")

    for pattern in (_MD_LINK, _AUTOLINK):
        for match in pattern.finditer(text):
            if pattern is _MD_LINK:
                text_end = match.start("text") + len(match.group("text"))
                segments.append(Segment(match.start(), match.start() + 1, LINK_MARKUP))
                segments.append(Segment(text_end, match.end(), LINK_MARKUP))
            else:
                segments.append(Segment(match.start(), match.start() + 1, LINK_MARKUP))
                segments.append(Segment(match.end() - 1, match.end(), LINK_MARKUP))

    return TextFacts(sorted(set(segments)), title, dateline, when, publisher)
