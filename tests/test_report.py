"""`tariffsim report`: one self-contained HTML page (no remote asset, every text escaped) with the title, the
headline figures `tariffsim compare` prints, the charts inline, the measures in force with their legal references
and every warning and note; the same bytes for the same inputs; and the page as a real browser renders it."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_charts import SMALL, write_dated
from typer.testing import CliRunner

from simulator import api
from simulator.cli import app

PATH = ("--path", "2025-01-01:2025-03-01:monthly")


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


class _Page(HTMLParser):
    """The page's tables as rows of cell texts, its ids, links and elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.ids: list[str] = []
        self.refs: list[str] = []
        self.tags: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        self.refs += [v for k, v in attrs if k in ("href", "xlink:href", "src") and v]
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    return p


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The report of the small scenario and the dated one, the page's text, and the two runs."""
    where = tmp_path_factory.mktemp("report")
    dated = write_dated(where)
    out = where / "brief.html"
    result = invoke("report", SMALL, dated, "-o", out, *PATH)
    assert result.exit_code == 0, result.output
    cmp, warnings = api.compare([SMALL, dated])
    return out, out.read_text("utf-8"), cmp, warnings, result


def test_report_says_it_wrote_the_page_and_the_warnings(made):
    out, _, _, warnings, result = made
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"wrote {out}"
    assert lines[:-1] == [f"warning: {w}" for w in warnings] and warnings


def test_page_is_self_contained(made):
    _, page, _, _, _ = made
    assert "<script" not in page.lower() and "<link" not in page.lower() and "@import" not in page
    assert "<img" not in page.lower() and "<iframe" not in page.lower()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:[a-z]+:)?//""", page, flags=re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:[a-z]+:)?//""", page, flags=re.I)
    p = parse(page)
    assert len(p.ids) == len(set(p.ids)), "every id once, whatever the number of charts"
    assert all(ref.startswith("#") and ref[1:] in p.ids for ref in p.refs), [r for r in p.refs if r[1:] not in p.ids]
    assert p.tags.count("svg") == 3 and p.tags.count("figure") == 3      # balance, chapters, the paths


def test_title_names_the_scenarios_basis_dates_and_version(made):
    _, page, cmp, _, _ = made
    h1 = re.search(r"<h1>(.*?)</h1>", page, flags=re.S).group(1)
    title = re.search(r"<title>(.*?)</title>", page, flags=re.S).group(1)
    names = [r.provenance.name for r in cmp.results]
    assert html.unescape(h1) == html.unescape(title) == " vs ".join(names)
    subtitle = html.unescape(re.search(r'<p class="subtitle">(.*?)</p>', page, flags=re.S).group(1))
    p = cmp.results[0].provenance
    assert f"basis {p.basis}" in subtitle and "tariffsim 0.1.0" in subtitle and p.dataset in subtitle
    assert "no as-of date for scenario_good.toml, dated.toml" in subtitle       # neither file sets as_of


def test_user_text_is_escaped(made):
    _, page, _, _, _ = made
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<i>test</i>" not in page and "&lt;i&gt;test&lt;/i&gt; &amp; co" in page
    assert "&quot;quoted&quot;" in page


def test_headline_table_is_what_compare_prints(made):
    _, page, cmp, _, _ = made
    md = invoke("compare", SMALL, made[0].parent / "dated.toml", "-f", "markdown").stdout
    table = md[md.index("### Headline figures"):md.index("### HS chapters")]
    printed = [[c.strip() for c in line.strip().strip("|").split("|")] for line in table.splitlines()
               if line.startswith("|") and not line.startswith("|---")]
    rows = parse(page).rows
    start = rows.index(printed[0])                                  # the header row, then every figure in order
    assert rows[start:start + len(printed)] == printed
    assert len(printed) > 10


def test_measures_in_force_with_their_references(made):
    _, page, cmp, _, _ = made
    rows = {r[0]: r for r in parse(page).rows if r}
    for r in cmp.results:
        for m in r.measures:
            assert m.in_force and m.id in rows
            assert rows[m.id][3] == m.reference
    assert rows["us-all-10"][4] == ""                                # not a measure of the first scenario


def test_every_note_and_warning_is_on_the_page(made):
    _, page, cmp, warnings, _ = made
    text = html.unescape(page)
    for r in cmp.results:
        for n in r.notes:
            assert n in text
    for w in warnings:
        assert w in text


def test_same_inputs_same_bytes_and_paths_option(made, tmp_path):
    out, page, _, _, _ = made
    dated = out.parent / "dated.toml"
    again = tmp_path / "again.html"
    assert invoke("report", SMALL, dated, "-o", again, *PATH).exit_code == 0
    assert again.read_text("utf-8") == page
    none = tmp_path / "none.html"
    assert invoke("report", SMALL, dated, "-o", none, "--paths", "none").exit_code == 0
    assert parse(none.read_text("utf-8")).tags.count("svg") == 2
    one = tmp_path / "one.html"
    assert invoke("report", dated, "-o", one, *PATH, "--draws", "10").exit_code == 0
    text = one.read_text("utf-8")
    assert parse(text).tags.count("svg") == 3 and "10 draws of the elasticities (seed 0)" in text


@pytest.mark.parametrize("args, code, says", [
    (("report", SMALL, "-o", "brief.pdf"), 2, ".html or .htm"),
    (("report", "-o", "brief.html"), 2, "FILES"),
    (("report", SMALL), 2, "--output"),
    (("report", SMALL, "-o", "brief.html", "--path", "2025-01-01:2025-02-01"), 2, "--path"),
    (("report", SMALL, "-o", "brief.html", "--paths", "all"), 2, "--paths"),
    (("report", SMALL, "-o", "brief.html", "--paths", "none", *PATH), 2, "--paths none leaves out"),
    (("report", Path(__file__).parent / "bad_scenarios" / "unknown_country.toml", "-o", "brief.html"), 1,
     "unknown_country.toml"),
    (("report", SMALL, "-o", "no/such/brief.html", "--paths", "none"), 1, "does not exist"),
])
def test_report_errors(tmp_path, monkeypatch, args, code, says):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("error: ") and says in result.stderr and "Traceback" not in result.output
    if code == 2:
        assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_report_never_overwrites_an_input(tmp_path):
    shutil.copy(SMALL.parent / "flows_good.csv", tmp_path / "flows_good.csv")
    scenario = tmp_path / "s.html"
    scenario.write_text(SMALL.read_text("utf-8"), "utf-8")
    result = invoke("report", scenario, "-o", scenario)
    assert result.exit_code == 1 and "is a file this run reads" in result.stderr
    assert scenario.read_text("utf-8") == SMALL.read_text("utf-8")


# --- in a real browser --------------------------------------------------------------------------

def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


def _headless(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=180,
                          env={**os.environ, "HOME": str(profile)})


@pytest.mark.skipif(_browser() is None, reason="no Chromium browser installed (apt-get install chromium): the "
                                               "report is not rendered in a browser here")
def test_the_page_renders_in_a_browser(made, tmp_path):
    from PIL import Image
    out, page, cmp, _, _ = made
    browser = _browser()
    assert browser is not None
    shot = tmp_path / "out.png"
    r = _headless(browser, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,1600", out.as_uri())
    assert shot.exists() and shot.stat().st_size > 0, r.stderr[-2000:]
    with Image.open(shot) as im:
        img = im.convert("L")
    assert img.size == (1200, 1600)
    lo, hi = img.getextrema()
    assert hi - lo > 200, "a page, not one colour"
    # the title is the first text: dark pixels in the top rows of the page, where the page's margin is blank
    width = img.size[0]
    dark = [sum(1 for x in range(width) if img.getpixel((x, y)) < 96) for y in range(0, 90)]
    assert not any(dark[:10]), "the top margin is blank"
    assert sum(1 for n in dark if n > 20) > 10, "the title's rows carry text"
    # the DOM the browser built holds the title, the headline table and the three charts
    dom = _headless(browser, tmp_path / "profile", "--dump-dom", out.as_uri()).stdout
    names = " vs ".join(r.provenance.name for r in cmp.results)
    h1 = re.search(r"<h1>(.*?)</h1>", dom, flags=re.S)
    assert h1 is not None and html.unescape(h1.group(1)) == names, dom[:2000]
    assert dom.count("<svg") == 3 and "Headline figures" in dom


@pytest.mark.skipif(_browser() is None or shutil.which("pdftotext") is None,
                    reason="no Chromium browser or no pdftotext (apt-get install chromium poppler-utils): the report "
                           "is not printed here")
def test_the_brief_prints_on_one_page_and_the_appendix_follows(made, tmp_path):
    """Printed, page 1 is the whole brief (title, headline figures, the three charts); the measures with their legal
    references and the notes follow on later pages, as page 1 says."""
    out, _, cmp, _, _ = made
    browser = _browser()
    assert browser is not None
    pdf = tmp_path / "brief.pdf"
    r = _headless(browser, tmp_path / "profile", "--no-pdf-header-footer", f"--print-to-pdf={pdf}", out.as_uri())
    assert pdf.exists() and pdf.stat().st_size > 0, r.stderr[-2000:]

    def page_text(first: int, last: int | None = None) -> str:
        args = ["pdftotext", "-layout", "-f", str(first), *(["-l", str(last)] if last else []), str(pdf), "-"]
        return " ".join(subprocess.run(args, capture_output=True, text=True, check=True).stdout.split())
    one, rest = page_text(1, 1), page_text(2)
    assert cmp.results[0].provenance.name.split()[0] in one
    for text in ("Headline figures", "The bilateral balance", "The HS chapters whose trade changes most",
                 "The effective tariff on each date", "follow on the next pages"):
        assert text in one, f"{text!r} is not on page 1"
    assert "Measures in force (" not in one and "Measures in force (" in rest and "Notes" in rest
