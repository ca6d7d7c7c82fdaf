"""The report and the codings export on the study model (issue 12, items 4 and 6): the
faculty survey (tests/data/study) with two named coders, a small machine coding written
with ``replace_machine`` (seeds recorded, flagged cells present and absent) and a validation
run; every count and % in report.json and in the HTML is recomputed here with pandas from
the CSV files and the machine cells this test wrote — never with autocode's functions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _study_project import DATA, QUESTIONS, coding, scope, study
from lxml import html as lhtml
from sklearn.metrics import cohen_kappa_score

from autocode.project import codings as coding_rows
from autocode.project import open_store


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    r = subprocess.run(
        [sys.executable, "-m", "autocode", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "AUTOCODE_USER": "tester"},
        timeout=300,
    )
    assert r.returncode == 0, (args, r.stdout[-2000:], r.stderr[-2000:])
    return r


def answers() -> pd.DataFrame:
    """Non-blank answers of the raw export: id (respondent:question), respondent, question."""
    raw = pd.read_csv(DATA / "faculty_survey_raw.csv", dtype=str, keep_default_na=False)
    rows = [
        (f"{r}:{q}", r, q)
        for q in QUESTIONS
        for r, t in zip(raw["record_id"], raw[q], strict=True)
        if t.strip()
    ]
    return pd.DataFrame(rows, columns=["id", "respondent", "question"])


def by_id(path: Path) -> dict[str, set[str]]:
    """answer id (respondent:question) -> codes, read from the CSV with pandas."""
    return coding(path)


def machine_cells() -> tuple[pd.DataFrame, list[str], list[str]]:
    """(cells, answers the machine coded, its seeds): mentor_skills and mentor_training
    answers; primary's codes with every 7th answer's first code dropped, every 4th answer's
    first code flagged, every 5th given a flagged absent cell; answers no human coded get
    'Role clarity' (every other one, flagged)."""
    prim = by_id(DATA / "primary.csv")
    ans = answers()
    ids = sorted(ans.loc[ans["question"].isin(["mentor_skills", "mentor_training"]), "id"])
    rows = []
    for i, rid in enumerate(ids):
        q = rid.split(":")[1]
        codes = sorted(prim.get(rid, set()))
        if rid not in prim:
            codes = ["Role clarity"] if i % 2 == 0 else []
        if i % 7 == 0 and codes:
            codes = codes[1:]
        for j, c in enumerate(codes):
            rows.append((rid, c, True, (i % 4 == 0 and j == 0) or rid not in prim, 0.9))
        if i % 5 == 0:
            spare = "Listening" if q == "mentor_skills" else "Online modules"
            if spare not in codes:
                rows.append((rid, spare, False, True, 0.45))
    cells = pd.DataFrame(rows, columns=["id", "code", "present", "flagged", "confidence"])
    seeds = [r for r in ids if r in prim and r.startswith(("1", "3")) and "skills" in r]
    return cells, ids, seeds


def expected_sets() -> dict[str, dict[str, set[str]]]:
    """coder -> answer -> codes, and the final coding by the study model's rule."""
    prim, sec = by_id(DATA / "primary.csv"), by_id(DATA / "secondary.csv")
    cells, ids, _ = machine_cells()
    mach = {rid: set() for rid in ids}
    for rid, c, p in zip(cells["id"], cells["code"], cells["present"], strict=True):
        if p:
            mach[rid].add(c)
    final: dict[str, set[str]] = {}
    for rid in set(prim) | set(sec) | set(mach):
        if rid in prim or rid in sec:  # agreeing humans, else the primary coder's
            final[rid] = prim[rid] if rid in prim else sec[rid]
        else:
            final[rid] = mach[rid]
    return {"primary": prim, "secondary": sec, "autocode": mach, "final": final}


def expected_counts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(code entries, theme entries) computed with pandas."""
    sc = scope()
    doc_themes = {}
    import yaml

    doc = yaml.safe_load((DATA / "codebook.yaml").read_text(encoding="utf-8"))
    for t in doc["themes"]:
        for c in t["codes"]:
            doc_themes[c["name"]] = t["name"]
    for c in doc.get("codes", []):
        doc_themes[c["name"]] = "Ungrouped"
    recs = []
    for coder, sets in expected_sets().items():
        for rid, codes in sets.items():
            q = rid.split(":")[1]
            recs.append((coder, rid, q, frozenset(codes)))
    df = pd.DataFrame(recs, columns=["coder", "id", "question", "codes"])
    rows, trows = [], []
    for coder, g in df.groupby("coder"):
        for scope_q in ["all", *QUESTIONS]:
            for code, qs in sc.items():
                qq = set(QUESTIONS) & qs if scope_q == "all" else {scope_q} & qs
                if not qq:
                    continue
                sub = g[g["question"].isin(qq)]
                n = int(sub["codes"].map(lambda s, c=code: c in s).sum())
                d = len(sub)
                rows.append((scope_q, code, coder, n, round(100 * n / d, 1) if d else None, d))
            for theme in set(doc_themes.values()):
                members = {c for c, t in doc_themes.items() if t == theme}
                if scope_q == "all":
                    qq = {q for q in QUESTIONS if any(q in sc[c] for c in members)}
                else:
                    members = {c for c in members if scope_q in sc[c]}
                    qq = {scope_q} if members else set()
                if not qq:
                    continue
                sub = g[g["question"].isin(qq)]
                n = int(sub["codes"].map(lambda s, m=members: bool(s & m)).sum())
                d = len(sub)
                trows.append((scope_q, theme, coder, n, round(100 * n / d, 1) if d else None, d))
    cols = ["question", "code", "coder", "n", "pct", "denominator"]
    return pd.DataFrame(rows, columns=cols), pd.DataFrame(
        trows, columns=["question", "theme", "coder", "n", "pct", "denominator"]
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("study")
    proj = study(d)
    cli(d, "codings", "import", d / "primary.csv", "--coder", "primary", "-p", proj)
    cli(d, "codings", "import", d / "secondary.csv", "--coder", "secondary", "-p", proj)
    cells, ids, seeds = machine_cells()
    with open_store(proj) as store:
        run = store.start_run("classify", {"test": True}, seed=0)
        coding_rows.record_training(store, run, seeds)
        coding_rows.replace_machine(store, run, ids, cells)
        store.finish_run(run)
        v = store.start_run(
            "validation",
            {"n": 6, "per_question": {"mentor_skills": 3, "mentor_training": 3}},
            seed=7,
        )
        store.finish_run(v)
    for fmt in ("json", "html", "md", "xlsx"):
        cli(d, "report", "-p", proj, "--format", fmt, "--out", d / f"report.{fmt}")
    cli(d, "export", "codings", "-p", proj, "--out", d / "all.csv")
    cli(d, "export", "codings", "-p", proj, "--out", d / "wide.csv", "--format", "wide")
    return d


def test_every_count_in_report_json_equals_pandas(project):
    doc = json.loads((project / "report.json").read_text())
    got = pd.DataFrame(doc["counts"])
    exp, texp = expected_counts()
    assert set(doc["coders"]) == {"primary", "secondary", "autocode", "final"}
    key = ["question", "code", "coder"]
    m = exp.merge(got, on=key, how="outer", suffixes=("_exp", "_got"), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"][key]
    assert (m["n_exp"] == m["n_got"]).all()
    assert (m["denominator_exp"] == m["denominator_got"]).all()
    assert (m["pct_exp"].fillna(-1) == m["pct_got"].fillna(-1)).all()  # None: nothing coded
    tgot = pd.DataFrame(doc["themes"])
    key = ["question", "theme", "coder"]
    t = texp.merge(tgot, on=key, how="outer", suffixes=("_exp", "_got"), indicator=True)
    assert (t["_merge"] == "both").all(), t[t["_merge"] != "both"][key]
    assert (t["n_exp"] == t["n_got"]).all()
    assert (t["pct_exp"].fillna(-1) == t["pct_got"].fillna(-1)).all()


def test_question_tables_never_list_codes_outside_their_question(project):
    sc = scope()
    doc = json.loads((project / "report.json").read_text())
    for e in doc["counts"]:
        if e["question"] != "all":
            assert e["question"] in sc[e["code"]], e
    tree = lhtml.fromstring((project / "report.html").read_bytes())
    for q in QUESTIONS:
        table = _table(tree, f"Code prevalence \u2014 {q}")
        codes = [r[0] for r in _rows(table) if r[0] in sc]
        assert codes
        assert all(q in sc[c] for c in codes), q


def _table(tree, title: str):
    for t in tree.iter("table"):
        cap = t.find("caption")
        if cap is not None and cap.text_content().split(". ", 1)[1] == title:
            return t
    raise AssertionError(f"no table {title!r}")


def _rows(table) -> list[list[str]]:
    return [[td.text_content() for td in tr.findall("td")] for tr in table.find("tbody")]


def test_every_count_in_the_html_equals_pandas(project):
    exp, texp = expected_counts()
    tree = lhtml.fromstring((project / "report.html").read_bytes())
    checked = 0
    for scope_q, title in [("all", "All questions"), *[(q, q) for q in QUESTIONS]]:
        table = _table(tree, f"Code prevalence \u2014 {title}")
        header = [th.text_content() for th in table.find("thead").iter("th")]
        coders = [h.removesuffix(" n (%)") for h in header[1:]]
        kinds = [tr.get("class") for tr in table.find("tbody")]
        theme = None
        for kind, row in zip(kinds, _rows(table), strict=True):
            if kind == "theme":
                theme = row[0]
            for coder, cell in zip(coders, row[1:], strict=True):
                if kind == "theme":
                    e = texp[
                        (texp["question"] == scope_q)
                        & (texp["theme"] == theme)
                        & (texp["coder"] == coder)
                    ]
                else:
                    e = exp[
                        (exp["question"] == scope_q)
                        & (exp["code"] == row[0])
                        & (exp["coder"] == coder)
                    ]
                assert len(e) == 1, (scope_q, row[0], coder)
                n, p = int(e["n"].iloc[0]), e["pct"].iloc[0]
                want = "" if pd.isna(p) else f"{n} ({float(p):.1f}%)"  # "": coded none
                assert cell == want, (scope_q, row[0], coder, cell)
                checked += 1
    assert checked > 200
    # the seed paper's table: final n (%) overall
    table = _table(tree, "Themes, codes and representative quotes")
    for row in _rows(table):
        e = exp[(exp["question"] == "all") & (exp["code"] == row[1]) & (exp["coder"] == "final")]
        assert row[2] == f"{int(e['n'].iloc[0])} ({float(e['pct'].iloc[0]):.1f}%)"


def test_quotes_come_from_the_final_coding(project):
    doc = json.loads((project / "report.json").read_text())
    final = expected_sets()["final"]
    quoted = 0
    for row in doc["paper_table"]:
        assert len(row["quotes"]) <= 3
        if row["n"] >= 3:
            assert row["quotes"], row["code"]
        for q in row["quotes"]:
            assert row["code"] in final[q["response_id"]]
            quoted += 1
    assert quoted > 20


def pooled_kappa(a: dict, b: dict, units: list[str]) -> float:
    sc = scope()
    x, y = [], []
    for u in units:
        q = u.split(":")[1]
        for code, qs in sc.items():
            if q in qs:
                x.append(int(code in a.get(u, set())))
                y.append(int(code in b.get(u, set())))
    return float(cohen_kappa_score(x, y))


def _applicable(units: list[str]):
    sc = scope()
    for u in units:
        for code, qs in sc.items():
            if u.split(":")[1] in qs:
                yield u, code


def _cells(a: dict, b: dict, units: list[str]) -> float:
    """Observed agreement over the applicable cells of ``units``."""
    same = [(c in a[u]) == (c in b[u]) for u, c in _applicable(units)]
    return sum(same) / len(same)


def _prevalence(a: dict, units: list[str]) -> float:
    cells = [c in a[u] for u, c in _applicable(units)]
    return sum(cells) / len(cells)


def test_agreement_human_human_and_machine_human(project):
    doc = json.loads((project / "report.json").read_text())
    sets = expected_sets()
    rows = {tuple(r["coders"]): r for r in doc["agreement"]}
    assert set(rows) == {("primary", "secondary"), ("primary", "autocode")}
    hh = rows[("primary", "secondary")]
    units = sorted(set(sets["primary"]) & set(sets["secondary"]))
    assert hh["kind"] == "human-human"
    assert hh["n_units"] == len(units) == 111
    k = pooled_kappa(sets["primary"], sets["secondary"], units)
    assert hh["kappa"]["value"] == pytest.approx(k, abs=1e-9)
    assert hh["kappa"]["ci_low"] < k < hh["kappa"]["ci_high"]
    mh = rows[("primary", "autocode")]
    _, _, seeds = machine_cells()
    a, b = sets["primary"], sets["autocode"]
    held = sorted((set(a) & set(b)) - set(seeds))
    assert mh["n_units"] == len(held)
    assert mh["excluded"]["reasons"]["trained_on"] == len(seeds)
    # answers only the machine coded (non-answers here) are left out: the machine is
    # measured on the held-out answers the human coded, plain pooled Cohen's kappa
    machine_only = (set(b) - set(a)) - set(seeds)
    assert mh["excluded"]["reasons"]["coded_by_the_machine_only"] == len(machine_only)
    assert mh["kappa"]["value"] == pytest.approx(pooled_kappa(a, b, held), abs=1e-9)
    md = (project / "report.md").read_text()
    assert f"| primary vs autocode | machine-human | {len(held)} |" in md


def test_methods_codebook_and_coverage(project):
    doc = json.loads((project / "report.json").read_text())
    sets = expected_sets()
    m = doc["methods"]
    coded = {c["coder"]: c["answers"] for c in m["coders"]}
    assert coded == {k: len(v) for k, v in sets.items() if k != "final"}
    assert m["seeds"] == len(machine_cells()[2])
    assert m["validation"]["n"] == 6
    assert m["validation"]["seed"] == 7
    prim, sec = sets["primary"], sets["secondary"]
    human = [r for r in sets["final"] if r in prim or r in sec]
    basis = m["coverage"]["by_basis"]
    assert basis["primary"] == sum(prim[r] != sec.get(r, prim[r]) for r in human)
    assert basis["human"] == len(human) - basis["primary"]
    machine_only = [r for r in sets["final"] if r not in human]
    assert basis["machine"] == len(machine_only)
    cells, _, _ = machine_cells()
    flagged = set(cells.loc[cells["flagged"], "id"]) & set(machine_only)
    assert m["coverage"]["machine_flagged"] == len(flagged)
    para = m["paragraph"]
    assert f"primary coded {len(prim)}" in para
    assert f"{m['seeds']} seed answers" in para
    assert "validation sample of 6 answers" in para
    book = {b["code"]: b for b in doc["codebook"]}
    assert {c: set(b["questions"] or QUESTIONS) for c, b in book.items()} == scope()
    assert book["Listening"]["definition"].startswith("Listening actively")


def test_export_has_every_coding_no_code_rows_and_final(project):
    df = pd.read_csv(project / "all.csv", dtype=str, keep_default_na=False)
    for col in ("id", "respondent", "question", "text", "coder", "code", "present", "flagged",
                "confidence", "status"):  # fmt: skip
        assert col in df.columns
    sets = expected_sets()
    for coder in ("primary", "secondary", "final"):
        part = df[df["coder"] == coder]
        got: dict[str, set[str]] = {}
        for rid, code in zip(part["id"], part["code"], strict=True):
            got.setdefault(rid, set())
            if code:
                got[rid].add(code)
        assert got == sets[coder], coder
        # a coded answer with no code is one row with an empty code
        empty = {r for r, c in sets[coder].items() if not c}
        assert set(part.loc[part["code"] == "", "id"]) == empty
    cells, _, _ = machine_cells()
    m = df[(df["coder"] == "autocode") & (df["code"] != "")]
    exp = {(r, c, int(p), int(f)) for r, c, p, f in cells[["id", "code", "present", "flagged"]]
           .itertuples(index=False)}  # fmt: skip
    got_m = {(r, c, int(p), int(f)) for r, c, p, f in m[["id", "code", "present", "flagged"]]
             .itertuples(index=False)}  # fmt: skip
    assert got_m == exp
    status = {(r, c): s for r, c, s in m[["id", "code", "status"]].itertuples(index=False)}
    for r, c, p, f in exp:
        assert status[(r, c)] == ("absent" if not p else "needs_review" if f else "coded")
    sc = scope()
    coded = df[df["code"] != ""]
    assert all(q in sc[c] for c, q in zip(coded["code"], coded["question"], strict=True))
    assert set(df.loc[df["coder"] == "final", "basis"]) <= {"human", "primary", "machine"}


def test_wide_export_blank_where_a_code_does_not_apply(project):
    wide = pd.read_csv(project / "wide.csv", dtype=str, keep_default_na=False)
    key = pd.read_csv(project / "wide.codes.csv", dtype=str, keep_default_na=False)
    sc = scope()
    assert len(wide) == len(answers()) * 4  # every answer x (primary, secondary, autocode, final)
    for var, code in zip(key["variable"], key["code"], strict=True):
        applies = wide["question"].map(lambda q, c=code: q in sc[c])
        assert (wide.loc[~applies, var] == "").all()
        assert wide.loc[applies, var].isin(["0", "1"]).all()
    sets = expected_sets()
    fin = wide[(wide["coder"] == "final") & (wide["coded"] == "1")]
    names = dict(zip(key["code"], key["variable"], strict=True))
    for rid, row in zip(fin["response_id"], fin.to_dict("records"), strict=True):
        assert {c for c, v in names.items() if row[v] == "1"} == sets["final"][rid]
