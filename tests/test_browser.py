"""The site in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

A live server (Werkzeug, threaded, on a free loopback port) serves a copy of the corpus store
with a hostile registry and document added. The tests walk the path a researcher takes
(landing page, search "Evin", the entity, a mention, the highlighted words in the document),
record every request the pages make and require that none leaves the server's origin, and
check that markup in labels and texts never runs. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright
from werkzeug.serving import make_server

from dadkhah.iris import Minter
from loaders.commit import discover, load_paths
from tests.backends import Backend, opened

BASE = "https://dadkhah.example/id/"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts"
XSS_DATA = Path(__file__).resolve().parent / "data" / "pages-xss"
HOSTILE_GLOBALS = ("__xss_label", "__xss_alias", "__xss_translit", "__xss_pejorative",
                   "__xss_description", "__xss_text", "__xss_img", "__xss_note",
                   "__xss_annotator", "__xss_scheme")  # fmt: skip
SCRIPT_IRI = "javascript:window.__xss_scheme=1"


@pytest.fixture(scope="module")
def origin(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from server import create_app

    with (
        backend.corpus(tmp_path_factory.mktemp("browser")) as location,
        opened(location) as store,
    ):
        outcomes = list(load_paths(store, discover([str(XSS_DATA)]), Minter(BASE)))
        assert outcomes and not [o for o in outcomes if o.error]
        # a link of the javascript: scheme, as SPARQL Update could write it
        store.update(
            f"INSERT DATA {{ GRAPH <{BASE}graph/registry/registry> {{ <{BASE}entity/mallory> "
            f"<http://www.w3.org/2002/07/owl#sameAs> <{SCRIPT_IRI}> }} }}"
        )
        app = create_app({"store": location, "base_iri": BASE}, store=store)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Recorder:
    """Every request a page makes, every dialog it tries to open, and everything the
    Content-Security-Policy refused (a page that needs what the policy forbids is broken)."""

    def __init__(self, page: Page):
        self.urls: list[str] = []
        self.dialogs: list[str] = []
        self.refused: list[str] = []
        page.on("request", self._request)
        page.on("dialog", self._dialog)
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.refused.append(message.text)

    def _request(self, request: Request) -> None:
        self.urls.append(request.url)

    def _dialog(self, dialog: object) -> None:
        self.dialogs.append(str(getattr(dialog, "message", "")))
        getattr(dialog, "dismiss")()  # noqa: B009

    def foreign(self, origin: str) -> list[str]:
        return [
            u for u in self.urls if not u.startswith(origin + "/") and not u.startswith("data:")
        ]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def shot(page: Page, name: str, *, full: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{name}.png"), full_page=full)


def test_search_evin_open_the_entity_follow_a_mention_see_the_quote(
    page: Page, origin: str
) -> None:
    recorder = Recorder(page)
    page.goto(origin + "/")
    assert page.locator("h1").inner_text() == "Dadkhah"
    shot(page, "1-landing")
    page.fill("main input[name=q]", "Evin")
    page.press("main input[name=q]", "Enter")
    page.wait_for_url("**/search?q=Evin")
    first = page.locator("div.hit a").first
    assert first.inner_text() == "Evin Prison"
    shot(page, "2-search")
    first.click()
    page.wait_for_url("**/id/entity/evin-prison")
    assert page.locator("h1").inner_text() == "Evin Prison"
    shot(page, "3-entity")
    mention = page.locator("a.in-context").first
    href = mention.get_attribute("href") or ""
    fragment = href.split("#", 1)[1]
    mention.click()
    page.wait_for_url("**/id/document/**")
    target = page.locator(":target")
    assert target.get_attribute("id") == fragment
    assert target.is_visible() and target.inner_text().strip() in {"Evin", "Evin Prison"}
    assert target.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    link = target.locator("a").first
    assert "Evin Prison" in (link.get_attribute("title") or "")
    box = target.bounding_box()
    assert box is not None and 0 <= box["y"] <= 900
    shot(page, "4-document-at-mention")
    claim = page.locator(".doctext .evidence.claim").first
    assert (claim.get_attribute("title") or "").startswith("claim: ")
    assert page.locator(".doctext .artefact").count() > 0
    assert recorder.foreign(origin) == []
    assert recorder.refused == []
    assert any(u.endswith("/static/style.css") for u in recorder.urls)


def test_figures_and_query_page_work_offline(page: Page, origin: str) -> None:
    recorder = Recorder(page)
    page.goto(origin + "/claims?about=massacre-1988")
    assert page.locator("td.num a.figure").count() >= 10
    shot(page, "5-claims-compared", full=True)
    page.goto(origin + "/query?example=figures")
    page.click("#query-form button[type=submit]")
    page.wait_for_selector("#results table")
    assert page.locator("#results tr").count() > 5
    assert "rows in" in page.locator("#status").inner_text()
    shot(page, "6-query")
    assert recorder.foreign(origin) == []
    assert recorder.refused == []


def test_every_page_type_requests_only_its_own_origin(page: Page, origin: str) -> None:
    recorder = Recorder(page)
    for path in (
        "/",
        "/persons",
        "/documents",
        "/claims",
        "/dumps",
        "/search?q=raisi",
        "/id/entity/massacre-1988",
        "/id/document/000_db2d29c75dffccd4",
        "/id/claim/001_80b7eb5d3f2c6833/executed-more-than-30000",
        "/id/annotation/001_80b7eb5d3f2c6833/executed-more-than-30000",
        "/id/graph/registry/registry",
        "/id/entity/nobody",
    ):
        page.goto(origin + path)
    assert recorder.foreign(origin) == []
    assert recorder.refused == []
    assert len(recorder.urls) >= 12


def test_hostile_markup_is_shown_as_text_and_never_runs(page: Page, origin: str) -> None:
    recorder = Recorder(page)
    for path in (
        "/id/entity/mallory",
        "/id/document/xss-doc",
        "/search?q=mallory",
        "/search?q=window",
        "/claims?about=mallory",
        "/persons",
        "/id/claim/xss-doc/hostile-claim",
        "/id/quote/xss-doc/hostile-quote",
    ):
        page.goto(origin + path)
        for element in page.locator("[title]").all()[:50]:
            element.hover(timeout=2000, force=True)
        ran = page.evaluate(f"() => {list(HOSTILE_GLOBALS)}.filter(n => n in window)")
        assert ran == [], (path, ran)
    page.goto(origin + "/id/entity/mallory")
    assert page.locator("h1").inner_text() == "<script>window.__xss_label = 1</script>Mallory"
    assert page.locator("a[href^='javascript:' i]").count() == 0
    shown = page.get_by_text(SCRIPT_IRI, exact=True)
    assert shown.count() >= 1
    shown.first.click()
    assert page.evaluate("() => '__xss_scheme' in window") is False
    assert page.locator("main script, main img, main svg").count() == 0
    shot(page, "7-hostile-entity")
    page.goto(origin + "/id/document/xss-doc")
    assert "<img src=x onerror=" in page.locator(".doctext").inner_text()
    assert recorder.dialogs == []
    assert recorder.foreign(origin) == []
    assert recorder.refused == []
