"""Link checking: every internal link reachable from the landing page over the bundled corpus
answers 200, and every ``#fragment`` a page links to exists on the target page.

Pages and dumps are fetched whole. The variants of a resource (``.html``, ``.ttl``, ``.jsonld``,
...: seven suffix URLs per resource, one route) are bounded: every variant of the first
resources, then one per resource in turn, checked with HEAD, which the server answers from
the same existence check without building the body; their content is tested in
``test_linked``."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.backends import Backend, opened

BASE = "https://dadkhah.example/id/"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
LIMIT = 8000
VARIANTS = (".html", ".ttl", ".jsonld", ".nt", ".rdf", ".trig", ".nq")
ALL_VARIANTS = 25
ORIGIN = "http://localhost"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for key in ("href", "src", "action"):
            if values.get(key) and not (tag == "form" and values.get("method") == "post"):
                self.hrefs.append(str(values[key]))


@pytest.fixture(scope="module")
def crawl_client(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FlaskClient]:
    from server import create_app

    with backend.corpus(tmp_path_factory.mktemp("links")) as location, opened(location) as store:
        yield create_app({"store": location, "base_iri": BASE}, store=store).test_client()


def test_every_internal_link_answers_200(crawl_client: FlaskClient) -> None:
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen = {"/"}
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []
    failures: list[str] = []
    kinds = {"page": 0, "other": 0, "variant": 0}
    variants: dict[str, int] = {}
    while queue:
        path, source = queue.popleft()
        if path.startswith("/id/") and path.endswith(VARIANTS):
            resource = path.rsplit(".", 1)[0]
            checked = variants.setdefault(resource, len(variants))
            if (
                checked >= ALL_VARIANTS
                and VARIANTS[checked % len(VARIANTS)] != path[len(resource) :]
            ):
                continue
            response = crawl_client.head(path)
            response.close()
            kinds["variant"] += 1
            if response.status_code != 200:
                failures.append(f"HEAD {path} -> {response.status_code} (from {source})")
            continue
        response = crawl_client.get(path, headers={"Accept": BROWSER})
        body = response.get_data()
        response.close()
        if response.status_code != 200:
            failures.append(f"{path} -> {response.status_code} (linked from {source})")
            continue
        if response.mimetype != "text/html":
            kinds["other"] += 1
            continue
        kinds["page"] += 1
        parser = Links()
        parser.feed(body.decode("utf-8"))
        ids[path] = parser.ids
        for href in parser.hrefs:
            url = urljoin(ORIGIN + path, href)
            if urlsplit(url).netloc != "localhost" or url.startswith("data:"):
                continue
            target, fragment = urldefrag(url)
            target = target.removeprefix(ORIGIN) or "/"
            if fragment:
                fragments.append((target, fragment, path))
            if target not in seen:
                assert len(seen) < LIMIT, "more pages than the crawl allows"
                seen.add(target)
                queue.append((target, path))
    assert failures == []
    assert kinds["page"] > 600 and kinds["variant"] > 600, (
        kinds
    )  # entities, documents, claims, annotations, graphs, ...
    missing = [f"{t}#{f} (from {s})" for t, f, s in fragments if t in ids and f not in ids[t]]
    assert missing == []
    assert any(t.startswith("/id/document/") for t, _, _ in fragments)
