"""The workbench in a real browser (Selenium, Debian's headless Chromium and chromedriver,
uvicorn serving the app on a free port in a thread): a review (accept with a new name,
reject, merge) by clicks, then answers coded by keys (number keys, Enter, s, u), then the
store is checked through the library and ``autocode decisions`` through the console script;
then agreement with a second coder and the report, with no error in the browser's console.

Screenshots of each screen go to ``$AUTOCODE_APP_SCREENSHOTS`` (docs/ when refreshing the
README's pictures), else to the test's temporary folder."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import yaml
from _app_project import build, cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
# skipped only outside CI: .ci/run installs both, so there a missing browser fails
pytestmark = pytest.mark.skipif(
    (CHROMIUM is None or DRIVER is None) and not os.environ.get("CI"),
    reason="chromium and chromedriver not installed (apt-get install -y chromium chromium-driver)",
)


@pytest.fixture
def served(tmp_path):
    import uvicorn

    from autocode.app import create_app, free_port
    from autocode.app.security import Guard

    project = build(tmp_path)
    guard = Guard(port=free_port())
    config = uvicorn.Config(
        create_app(project, guard), host="127.0.0.1", port=guard.port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield project, guard
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,860"):
        opts.add_argument(arg)
    opts.add_argument("--disable-dev-shm-usage")
    drv = webdriver.Chrome(service=Service(executable_path=str(DRIVER)), options=opts)
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


def _wait(drv, cond, timeout=15):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(drv, timeout, ignored_exceptions=[StaleElementReferenceException])
    return wait.until(lambda d: cond(d))


def _flash(drv) -> str:
    from selenium.webdriver.common.by import By

    return " ".join(e.text for e in drv.find_elements(By.CSS_SELECTOR, ".flash"))


def _answer(drv) -> str | None:
    """The answer on the coding screen once its keyboard shortcuts listen (read in one script:
    htmx may swap the page; app.js is deferred, so a key pressed before it runs is lost)."""
    return drv.execute_script(
        "if (document.documentElement.getAttribute('data-keys') !== 'ready') return null;"
        "var e = document.querySelector('input[name=\"answer\"]'); return e ? e.value : null;"
    )


def test_a_review_and_a_coding_session_in_the_browser(served, browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from autocode.project import codings, open_store

    project, guard = served
    shots = Path(os.environ.get("AUTOCODE_APP_SCREENSHOTS") or tmp_path)
    drv = browser
    drv.get(guard.url())
    _wait(drv, lambda d: "Overview" in d.title)
    assert "token" not in drv.current_url
    drv.save_screenshot(str(shots / "app-overview.png"))

    # -- the review of the first question: accept one under a new name, reject one, merge two
    con = sqlite3.connect(project)
    s = [r[0] for r in con.execute(
        "SELECT id FROM suggestions WHERE question = (SELECT question FROM suggestions "
        "WHERE id = 'S1') ORDER BY rowid"
    )]  # fmt: skip
    con.close()
    drv.get(f"http://127.0.0.1:{guard.port}/board")
    drv.find_element(By.ID, f"name-{s[0]}").send_keys("Being listened to")
    drv.find_element(By.ID, f"accept-{s[0]}").click()
    _wait(drv, lambda d: "decision #1" in _flash(d))
    drv.find_element(By.ID, f"reject-{s[1]}").click()
    _wait(drv, lambda d: "decision #2" in _flash(d))
    drv.find_element(By.ID, f"tick-{s[2]}").click()
    drv.find_element(By.ID, f"tick-{s[3]}").click()
    drv.find_element(By.ID, "merge-name").send_keys("Clear explanations")
    drv.find_element(By.ID, "merge").click()
    _wait(drv, lambda d: "decision #3" in _flash(d))
    drv.find_element(By.CSS_SELECTOR, f"#card-{s[4]} details summary").click()
    drv.execute_script("window.scrollTo(0, 0)")
    drv.save_screenshot(str(shots / "app-board.png"))
    decs = json.loads(cli("decisions", "--json", "-p", project).stdout)
    assert [(d["action"], d["summary"]) for d in decs] == [
        ("accept", decs[0]["summary"]),
        ("reject", s[1]),
        ("merge", f"{s[2]}+{s[3]} → code 'Clear explanations'"),
    ]
    assert decs[0]["payload"]["name"] == "Being listened to"

    # -- coding by keys ---------------------------------------------------------------------
    drv.get(f"http://127.0.0.1:{guard.port}/code")
    drv.find_element(By.ID, "coder").send_keys("alice")
    drv.find_element(By.ID, "start").click()
    _wait(drv, lambda d: _answer(d) is not None)
    keys = ActionChains(drv)
    want: dict[str, set[str]] = {}
    for key in ("1", "2", None):
        rid = _answer(drv)
        boxes = drv.find_elements(By.CSS_SELECTOR, 'input[name="code"]')
        ticked = set()
        if key is not None and len(boxes) >= int(key):
            keys.send_keys(key).perform()
            ticked.add(boxes[int(key) - 1].get_attribute("value"))
        assert {b.get_attribute("value") for b in boxes if b.is_selected()} == ticked
        if len(want) == 1:
            drv.save_screenshot(str(shots / "app-coding.png"))
        keys.send_keys(Keys.ENTER).perform()
        _wait(drv, lambda d, rid=rid: _answer(d) not in (rid, None) and "saved" in _flash(d))
        want[str(rid)] = ticked
    skipped = _answer(drv)
    keys.send_keys("s").perform()
    _wait(drv, lambda d: _answer(d) not in (skipped, None))
    keys.send_keys("u").perform()  # back to the last saved answer
    last = list(want)[-1]
    _wait(drv, lambda d: _answer(d) == last)
    keys.send_keys("1").perform()
    boxes = drv.find_elements(By.CSS_SELECTOR, 'input[name="code"]')
    want[last] = {b.get_attribute("value") for b in boxes if b.is_selected()}
    keys.send_keys(Keys.ENTER).perform()
    _wait(drv, lambda d: f"saved {last}" in _flash(d))

    # -- the store, through the library -----------------------------------------------------
    with open_store(project, readonly=True) as store:
        units = codings.coded_units(store, ["alice"])
        rows = codings.codings(store, ["alice"])
    got = {rid: set() for rid in units["response_id"]}
    for rid, code in zip(rows["response_id"], rows["code"], strict=True):
        got[rid].add(code)
    assert got == want
    assert skipped not in got
    r = cli("coders", "--json", "-p", project)
    assert next(c for c in json.loads(r.stdout) if c["coder"] == "alice")["answers"] == 3

    # -- agreement with a second coder (imported through the CLI) and the report ---------------
    sheet = tmp_path / "ann.csv"
    first = sorted(want)
    code = next(iter(want[last]))
    sheet.write_text("id,code\n" + "".join(f"{rid},{code}\n" for rid in first), "utf-8")
    r = cli("codings", "import", sheet, "--coder", "ann", "-p", project)
    assert r.returncode == 0, r.stderr
    drv.get(f"http://127.0.0.1:{guard.port}/agree")
    from selenium.webdriver.support.ui import Select

    Select(drv.find_element(By.ID, "coder-a")).select_by_visible_text("alice")
    Select(drv.find_element(By.ID, "coder-b")).select_by_visible_text("ann")
    drv.find_element(By.ID, "compare").click()
    _wait(drv, lambda d: "answers coded by both" in d.find_element(By.ID, "pooled").text)
    assert drv.find_element(By.ID, "pooled").text.startswith(f"{len(first)} answers")
    drv.save_screenshot(str(shots / "app-agreement.png"))
    drv.get(f"http://127.0.0.1:{guard.port}/report")
    drv.switch_to.frame(drv.find_element(By.CSS_SELECTOR, "iframe.report"))
    _wait(drv, lambda d: "alice" in d.find_element(By.TAG_NAME, "body").text)
    drv.switch_to.default_content()
    drv.save_screenshot(str(shots / "app-report.png"))
    drv.get(f"http://127.0.0.1:{guard.port}/codebook")
    _wait(drv, lambda d: "Being listened to" in d.find_element(By.TAG_NAME, "main").text)
    # the question scope, edited in place: tick one more question, save
    form = 'form.scope:has(input[name="code"][value="Being listened to"])'
    box = drv.find_element(By.CSS_SELECTOR, f'{form} input[name="question"]:not(:checked)')
    extra = box.get_attribute("value")
    box.click()
    drv.find_element(By.CSS_SELECTOR, f"{form} button").click()
    _wait(drv, lambda d: "scope of 'Being listened to'" in _flash(d))
    doc = yaml.safe_load(cli("codebook", "export", "-f", "yaml", "-p", project).stdout)
    codes = [c for t in doc.get("themes", []) for c in t["codes"]] + doc.get("codes", [])
    assert extra in next(c for c in codes if c["name"] == "Being listened to")["questions"]
    drv.save_screenshot(str(shots / "app-codebook.png"))
    logs = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
    assert logs == []  # no script error, no blocked resource (CSP), nothing fetched outside
    for name in ("app-overview.png", "app-board.png", "app-coding.png", "app-agreement.png",
                 "app-report.png", "app-codebook.png"):  # fmt: skip
        assert (shots / name).stat().st_size > 5000
