"""The HTML report in a real headless browser (Debian's Chromium): it renders, has no
console errors, needs no network, fits the page, prints, and a screenshot is taken."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from _report_project import build_example

from autocode.cli import main

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
# skipped only outside CI: .ci/run installs Chromium, so there a missing browser fails
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="Chromium not installed (CI installs it: apt-get install -y chromium)",
)

# Injected into a copy of the report: records errors and what rendered into the DOM.
PROBE = """<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push(String(e.message || e.type));
}, true);
var _ce = console.error;
console.error = function () {
  window.__errors.push(Array.from(arguments).join(' '));
  _ce.apply(console, arguments);
};
window.addEventListener('load', function () {
  var svgs = Array.from(document.querySelectorAll('svg'));
  var out = {
    errors: window.__errors,
    tables: document.querySelectorAll('table').length,
    svgs: svgs.length,
    svgWidths: svgs.map(function (s) { return Math.round(s.getBoundingClientRect().width); }),
    bars: document.querySelectorAll('svg rect').length,
    quotes: document.querySelectorAll('p.q').length,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    resources: performance.getEntriesByType('resource').map(function (r) { return r.name; })
  };
  var pre = document.createElement('pre');
  pre.id = '__probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def chromium(*args: str, user_dir: Path, timeout: int = 90) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
        f"--user-data-dir={user_dir}", *args,
    ]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("html")
    p = build_example(d / "p.db", second_human=True, machine=True)
    out = d / "report.html"
    assert (
        main(["report", "-p", str(p), "-o", str(out), "--by", "service", "--redact", "--no-ner"])
        == 0
    )
    return out


def test_self_contained(report_html):
    html = report_html.read_text()
    assert "<script" not in html
    # no external resource of any kind (the SVG namespace URI is not a fetch)
    refs = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html) + re.findall(
        r"url\((?!#)([^)]+)\)", html
    )
    assert refs == []
    assert "@import" not in html
    assert "<link" not in html
    assert html.count("<svg") >= 3
    assert "<pattern" in html


def test_renders_without_console_errors(report_html, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(report_html.read_text().replace("<head>", "<head>" + PROBE, 1))
    res = chromium(
        "--window-size=1100,1400",
        "--virtual-time-budget=5000",
        "--dump-dom",
        probe.as_uri(),
        user_dir=tmp_path / "ud",
    )
    m = re.search(r'<pre id="__probe">(.*?)</pre>', res.stdout, re.DOTALL)
    assert m, f"the page did not finish loading: {res.stderr[-2000:]}"
    info = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert info["errors"] == []
    assert info["resources"] == []  # nothing fetched
    assert info["tables"] >= 6
    assert info["svgs"] >= 3
    assert info["bars"] > 50
    assert info["quotes"] > 50
    assert min(info["svgWidths"]) > 500
    assert info["scrollWidth"] <= info["innerWidth"] + 1  # nothing overflows the page
    console_errors = [
        ln for ln in res.stderr.splitlines() if "CONSOLE" in ln and "ERROR" in ln.upper()
    ]
    assert console_errors == []


def test_screenshot_and_print(report_html, tmp_path):
    shot = tmp_path / "report.png"
    res = chromium(
        "--window-size=1100,3000",
        f"--screenshot={shot}",
        report_html.as_uri(),
        user_dir=tmp_path / "ud",
    )
    assert shot.exists(), res.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000
    pdf = tmp_path / "report.pdf"
    chromium(
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        report_html.as_uri(),
        user_dir=tmp_path / "ud2",
    )
    assert pdf.exists()
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 20_000
