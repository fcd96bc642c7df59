"""report.html opened as a reviewer opens it: in a real browser, offline.

Headless Chromium (Debian's ``chromium`` package, driven by Playwright with
``executable_path``: no browser is ever downloaded) loads the report of a real
run with every non-file request aborted and recorded. The page must raise no
error, ask for nothing off the disk, show the summary and every section, draw
its charts, and its findings tables must sort, search and filter. A screenshot
of each language goes to test-artifacts/ for a person to look at.

``make test`` installs chromium where it is missing. Where it is still missing
the test is skipped locally, and fails under CI (``CI=true``).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from audit.i18n import LANGUAGES
from audit.report import run_unit_report

AS_OF = "2026-10-15"
CHROMIUM = os.environ.get("AUDIT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
OFFLINE_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
    "--disable-domain-reliability", "--disable-sync", "--disable-extensions", "--no-first-run",
    "--no-default-browser-check", "--disable-client-side-phishing-detection", "--metrics-recording-only",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
]

pytestmark = pytest.mark.slow


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser test cannot run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _unavailable(f"{CHROMIUM} not found (make browser installs Debian's chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    demo = pytest.importorskip("audit.demo")
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.write_demo_database(db, units=4, cases_per_unit=400)
    return {lang: run_unit_report(db, "KV01", AS_OF, tmp_path_factory.mktemp(f"run-{lang}"), lang=lang)
            for lang in LANGUAGES}


class Visit:
    """One page load with every request, error and console message recorded."""

    def __init__(self, browser, path: Path):
        self.external: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
        self.context.route(re.compile(r"^(?!file:|data:).*"), self._abort)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.goto(path.as_uri(), wait_until="load")

    def _abort(self, route):
        self.external.append(route.request.url)
        route.abort()

    def close(self):
        self.context.close()


@pytest.fixture(scope="module", params=LANGUAGES)
def visit(request, browser, reports):
    lang = request.param
    v = Visit(browser, reports[lang].report_html)
    yield lang, v
    v.close()


def test_the_page_loads_offline_without_errors(visit):
    lang, v = visit
    assert v.errors == []
    assert v.external == [] and v.failed == []
    assert all(u.startswith(("file:", "data:")) for u in v.requests), v.requests
    assert v.page.evaluate("document.documentElement.lang") == lang


def test_summary_and_every_section_are_there(visit):
    _, v = visit
    page = v.page
    links = page.eval_on_selector_all("nav.toc a", "els => els.map(a => a.getAttribute('href'))")
    assert len(links) >= 8
    for href in links:
        assert page.locator(href).count() == 1, href
    for anchor in ("#summary", "#results", "#cat-deadline", "#cat-valuation", "#cat-auction",
                   "#data-quality", "#rules", "#method"):
        assert anchor in links
    assert page.locator("#summary ~ .summary-grid table.compare").count() == 1
    assert page.locator("nav.toc.pinned").count() == 1  # the script pinned the contents
    text = page.inner_text("body")
    assert "Traceback" not in text and "In [" not in text and "import audit" not in text
    assert page.locator(".jp-InputArea:visible, .jp-InputPrompt:visible").count() == 0


def test_charts_are_drawn(visit):
    _, v = visit
    widths = v.page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) >= 8 and all(w > 0 for w in widths), widths


def _visible_rows(table):
    return table.locator("tbody tr:not([hidden])")


def test_findings_tables_search_filter_and_sort(visit):
    lang, v = visit
    page = v.page
    box = page.locator("#cat-deadline ~ .ftable").first
    box.scroll_into_view_if_needed()
    assert box.locator(".tools").is_visible()
    table = box.locator("table.findings")
    total = table.locator("tbody tr").count()
    assert total >= 3
    # search: type a case number that is on the page, the rows narrow down to it
    case = table.locator("tbody tr").nth(2).locator("td").nth(2).inner_text().strip()
    box.locator("input[data-search]").fill(case)
    shown = _visible_rows(table)
    assert 1 <= shown.count() < total
    assert all(case in shown.nth(i).inner_text() for i in range(shown.count()))
    assert re.search(r"\d", box.locator("[data-count]").inner_text())
    box.locator("input[data-search]").fill("")
    assert _visible_rows(table).count() == total
    # severity filter
    select = box.locator("select[data-severity]")
    level = select.locator("option").nth(1).get_attribute("value")
    select.select_option(level)
    levels = table.locator("tbody tr:not([hidden])").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-severity'))")
    assert levels and set(levels) == {level}
    select.select_option("")
    # sort: click the date header, rows follow the ISO dates up, then down
    header = table.locator("thead th[data-kind=date]")
    col = table.locator("thead th").evaluate_all("ths => ths.findIndex(th => th.dataset.kind === 'date')")
    keys_js = f"rows => rows.map(r => r.cells[{col}].getAttribute('data-sort'))"
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    keys = [k for k in table.locator("tbody tr").evaluate_all(keys_js) if k]
    assert keys == sorted(keys)
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    keys = [k for k in table.locator("tbody tr").evaluate_all(keys_js) if k]
    assert keys == sorted(keys, reverse=True)


def test_screenshots_for_a_person(visit):
    lang, v = visit
    ARTIFACTS.mkdir(exist_ok=True)
    v.page.evaluate("window.scrollTo(0, 0)")
    v.page.screenshot(path=str(ARTIFACTS / f"report-{lang}.png"))
    v.page.screenshot(path=str(ARTIFACTS / f"report-{lang}-full.png"), full_page=True)
    assert (ARTIFACTS / f"report-{lang}.png").stat().st_size > 10_000


def test_the_report_prints_on_a4_and_tells_the_conclusions_story(visit):
    lang, v = visit
    page = v.page
    # The same split as the conclusion: violations, those from before the period, leads.
    groups = page.eval_on_selector_all("section.category h4.split", "hs => hs.map(h => h.className)")
    assert any("violations" in g for g in groups) and any("indicators" in g for g in groups)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
