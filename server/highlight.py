"""The document text with its annotations as nested HTML, built from character offsets.

Annotations may overlap without nesting (a claim's quote that starts inside a mention), so
the text is cut at every start and end, and each run is wrapped in the annotations covering
it, outermost first; an annotation that crosses another is closed and reopened around it.
The first piece of each annotation carries its ``id`` (the target of ``#anchor`` links).
Links (``<a>``) sit only around text runs, never around other elements, so no link nests in
another: a run links to its innermost linkable annotation (a mention's entity before the
claim around it). Every piece of text and every attribute is escaped here, because document
texts and annotation labels are untrusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

KIND_ORDER = {"segment": 0, "evidence": 1, "mention": 2}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # "segment", "evidence" or "mention"
    anchor: str  # HTML id of the first piece
    css: str
    title: str
    href: str | None = None

    def nest_key(self) -> tuple[int, int, int, str]:
        return (self.start, -self.end, KIND_ORDER.get(self.kind, 3), self.anchor)


def _open(span: Span, first: bool) -> str:
    ident = f' id="{escape(span.anchor)}"' if first else ""
    return f'<span class="{escape(span.css)}"{ident} title="{escape(span.title)}">'


def _leaf(text: str, covering: list[Span]) -> str:
    linked = [s for s in covering if s.href]
    if not linked:
        return str(escape(text))
    ranked = sorted(enumerate(linked), key=lambda p: (KIND_ORDER.get(p[1].kind, 3), p[0]))
    target = ranked[-1][1]
    title = " · ".join(s.title for _, s in reversed(ranked))
    return f'<a href="{escape(target.href)}" title="{escape(title)}">{escape(text)}</a>'


def render(text: str, spans: list[Span]) -> Markup:
    """``text`` as HTML with every span wrapped around its characters."""
    size = len(text)
    usable = [s for s in spans if 0 <= s.start < s.end <= size]
    cuts = sorted({0, size, *(s.start for s in usable), *(s.end for s in usable)})
    opened: set[str] = set()
    stack: list[Span] = []
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        wanted = sorted((s for s in usable if s.start <= a and s.end >= b), key=Span.nest_key)
        keep = 0
        while keep < min(len(stack), len(wanted)) and stack[keep] == wanted[keep]:
            keep += 1
        out.extend("</span>" for _ in stack[keep:])
        for span in wanted[keep:]:
            out.append(_open(span, span.anchor not in opened))
            opened.add(span.anchor)
        stack = wanted
        out.append(_leaf(text[a:b], wanted))
    out.extend("</span>" for _ in stack)
    return Markup("".join(out))  # noqa: S704 - every part escaped above
