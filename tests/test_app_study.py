"""The workbench's agreement and report screens in-process: per-code and pooled Cohen's κ
for two coders (recomputed with scikit-learn from the coding files), a disagreement settled
by one click through the reconcile library (checked with sqlite3 and ``autocode
decisions``), the report framed without scripts, and its downloads."""

from __future__ import annotations

import html
import importlib.resources
import io
import json
import re
import sqlite3

import pandas as pd
import pytest
from _app_project import build, cli, client, csrf
from sklearn.metrics import cohen_kappa_score

DATA = importlib.resources.files("autocode") / "data"


@pytest.fixture
def project(tmp_path):
    proj = build(tmp_path)
    book = str(DATA / "example_codebook.csv")
    assert cli("codebook", "import", book, "--yes", "-p", proj).returncode == 0
    d = pd.read_csv(str(DATA / "example_codings.csv"), dtype=str)
    ids = sorted(d["id"].unique())[:60]
    a = d[d["id"].isin(ids)]
    b = a.copy()
    b.loc[b.index[::4], "code"] = "Feeling safe"  # ben disagrees on every fourth row
    a.to_csv(tmp_path / "ann.csv", index=False)
    b.to_csv(tmp_path / "ben.csv", index=False)
    for who in ("ann", "ben"):
        r = cli("codings", "import", tmp_path / f"{who}.csv", "--coder", who, "-p", proj)
        assert r.returncode == 0, r.stderr
    return proj


def _sets(path) -> dict[str, set[str]]:
    df = pd.read_csv(path, dtype=str)
    out: dict[str, set[str]] = {}
    for rid, code in zip(df["id"], df["code"], strict=True):
        out.setdefault(rid, set()).add(code)
    return out


def test_agreement_shows_per_code_and_pooled_kappa_for_two_coders(project, tmp_path):
    c, _ = client(project)
    page = c.get("/agree", params={"a": "ann", "b": "ben"}).text
    ann, ben = _sets(tmp_path / "ann.csv"), _sets(tmp_path / "ben.csv")
    units = sorted(set(ann) & set(ben))
    codes = pd.read_csv(str(DATA / "example_codebook.csv"), dtype=str, keep_default_na=False)
    names = [n for n, p in zip(codes["name"], codes["parent"], strict=True) if p]
    rows = {}
    for tr in re.findall(r"<tr><td>(.*?)</tr>", page.split('id="per-code"', 1)[1], re.S):
        cells = [html.unescape(re.sub(r"<[^>]+>", "", x)).strip() for x in tr.split("</td>")]
        rows[cells[0]] = cells
    checked = 0
    for code in names:
        x = [int(code in ann[u]) for u in units]
        y = [int(code in ben[u]) for u in units]
        if code not in rows:
            continue
        if len(set(x) | set(y)) < 2:
            assert rows[code][2] == "undefined"
            continue
        assert rows[code][1] == str(len(units))
        assert rows[code][2] == f"{cohen_kappa_score(x, y):.3f}", code
        checked += 1
    assert checked >= 3
    used = [n for n in names if n in rows]
    x = [int(n in ann[u]) for u in units for n in used]
    y = [int(n in ben[u]) for u in units for n in used]
    pooled = re.search(r"Pooled Cohen's κ\s*<b>([0-9.]+)</b>", page).group(1)
    assert pooled == f"{cohen_kappa_score(x, y):.3f}"
    n_dis = sum(1 for u in units if ann[u] != ben[u])
    assert f"Disagreements ({n_dis} answers)" in page


def test_a_disagreement_is_settled_with_one_click(project, tmp_path):
    c, g = client(project)
    page = c.get("/agree", params={"a": "ann", "b": "ben"}).text
    rid = html.unescape(re.search(r'name="answer" value="([^"]*)"', page).group(1))
    r = c.post(
        "/reconcile",
        data={"csrf": csrf(g), "answer": rid, "coder": "ben", "a": "ann", "b": "ben"},
    )
    assert f"reconciled {rid}" in html.unescape(r.text)
    con = sqlite3.connect(project)
    got = {
        code
        for (code,) in con.execute(
            "SELECT code FROM codings WHERE coder='reconciled' AND response_id=?", (rid,)
        )
    }
    con.close()
    assert got == _sets(tmp_path / "ben.csv")[rid]
    decs = json.loads(cli("decisions", "--json", "-p", project).stdout)
    assert decs[-1]["action"] == "reconcile"
    assert rid in decs[-1]["summary"]
    page = c.get("/agree", params={"a": "ann", "b": "ben"}).text
    card = page.split(html.escape(rid), 1)[1].split("</p>", 1)[0]
    assert "settled" in card


def test_the_report_is_framed_without_scripts_and_downloads(project):
    c, _ = client(project)
    page = c.get("/report").text
    assert '<iframe src="/report/view"' in page
    view = c.get("/report/view")
    assert view.status_code == 200
    csp = view.headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp
    assert view.headers["content-security-policy"].count("default-src") == 1
    assert "<script>alert" not in view.text
    md = c.get("/report/download/md")
    assert md.status_code == 200
    assert 'filename="report.md"' in md.headers["content-disposition"]
    assert "ann" in md.text
    xlsx = c.get("/report/download/xlsx")
    assert xlsx.status_code == 200
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert sheets
    assert c.get("/report/download/pdf").status_code == 404


def test_the_codebook_is_edited_in_place_exported_and_imported(project, tmp_path):
    import yaml

    c, g = client(project)
    page = c.get("/codebook").text
    assert "Feeling safe" in page
    hostile = "<script>alert(1)</script> =cmd"
    r = c.post(
        "/define",
        data={"csrf": csrf(g), "code": "Feeling safe", "definition": hostile,
              "inclusion": "feels safe on the ward", "exclusion": ""},
    )  # fmt: skip
    assert "defined Feeling safe" in r.text
    assert hostile not in r.text
    assert html.escape(hostile, quote=False) in r.text
    out = cli("codebook", "export", "--format", "yaml", "-p", project)
    assert out.returncode == 0, out.stderr
    doc = yaml.safe_load(out.stdout)
    found = [x for t in doc["themes"] for x in t["codes"] if x["name"] == "Feeling safe"]
    assert found[0]["definition"] == hostile
    assert found[0]["inclusion"] == "feels safe on the ward"
    assert json.loads(cli("decisions", "--json", "-p", project).stdout)[-1]["action"] == "define"
    # the downloads are the CLI's exports
    got = c.get("/codebook/download/yaml")
    assert got.status_code == 200
    assert 'filename="codebook.yaml"' in got.headers["content-disposition"]
    assert yaml.safe_load(got.text) == doc
    qdc = c.get("/codebook/download/qdc")
    from lxml import etree

    root = etree.fromstring(qdc.content)
    assert root.tag.endswith("CodeBook")
    assert c.get("/codebook/download/pdf").status_code == 404
    # an uploaded codebook replaces it (one decision, undoable); the token rides in the action
    doc["themes"][0]["codes"][0]["name"] = "Renamed by upload"
    up = yaml.safe_dump(doc, allow_unicode=True).encode()
    files = {"file": ("new.yaml", up, "application/yaml")}
    assert c.post("/codebook/import", files=files).status_code == 403  # no CSRF token
    r = c.post("/codebook/import", params={"csrf": csrf(g)}, files=files)
    assert "imported new.yaml" in r.text
    assert "Renamed by upload" in c.get("/codebook").text
    last = json.loads(cli("decisions", "--json", "-p", project).stdout)[-1]
    assert last["action"] == "import"
    bad = {"file": ("bad.yaml", b"themes: [", "application/yaml")}
    r = c.post("/codebook/import", params={"csrf": csrf(g)}, files=bad)
    assert "not done" in r.text
    assert json.loads(cli("decisions", "--json", "-p", project).stdout)[-1]["id"] == last["id"]
