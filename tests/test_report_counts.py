"""`autocode report` on the bundled example: counts (checked against pandas), quotes,
pseudonyms, formats and errors."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from _report_project import QUESTIONS, build_example, example_frames

from autocode.cli import main
from autocode.project import open_store
from autocode.report import build_report
from autocode.report.data import load_project, pseudonyms


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return build_example(tmp_path_factory.mktemp("rep") / "p.db")


@pytest.fixture(scope="module")
def project_mixed(tmp_path_factory):
    return build_example(
        tmp_path_factory.mktemp("mixed") / "m.db",
        second_human=True,
        machine=True,
        suggest_blanks=True,
    )


def expected_counts(questions: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """code -> answers coded with it, and per question the answers coder_a coded (the
    denominator), straight from the CSV files (the study model counts answers)."""
    _, _, codings, _ = example_frames()
    c = codings.assign(question=codings["id"].str.split(":").str[1])
    c = c[c["question"].isin(questions)]
    counts = c.groupby("code")["id"].nunique().to_dict()
    denom = c.groupby("question")["id"].nunique().to_dict()
    return counts, {q: int(denom.get(q, 0)) for q in questions}


def report_json(project, tmp_path, *args: str) -> dict:
    import json

    out = tmp_path / "r.json"
    assert main(["report", "-p", str(project), "-o", str(out), *args]) == 0
    return json.loads(out.read_text())


def test_prevalence_matches_pandas(project, tmp_path):
    doc = report_json(project, tmp_path)
    entries = pd.DataFrame(doc["counts"])
    for scope_q, qs in (
        ("all", QUESTIONS),
        (QUESTIONS[0], [QUESTIONS[0]]),
        (QUESTIONS[1], [QUESTIONS[1]]),
    ):
        exp, denom = expected_counts(qs)
        rows = entries[(entries["question"] == scope_q) & (entries["coder"] == "coder_a")]
        got = {r.code: r.n for r in rows.itertuples() if r.n}
        assert got == exp
        d = sum(denom.values())
        for r in rows.itertuples():
            assert r.denominator == d
            assert r.pct == round(100 * r.n / d, 1)
    # one human coder: the final coding is that coder's
    fin = entries[entries["coder"] == "final"].reset_index(drop=True)
    a = entries[entries["coder"] == "coder_a"].reset_index(drop=True)
    assert fin[["question", "code", "n", "pct"]].equals(a[["question", "code", "n", "pct"]])


def test_theme_counts_answers_once(project, tmp_path):
    _, _, codings, cb = example_frames()
    theme = dict(zip(cb["name"], cb["parent"], strict=True))
    c = codings.assign(theme=codings["code"].map(theme))
    exp = c.groupby("theme")["id"].nunique().to_dict()
    exp = {(k if k else "Ungrouped"): v for k, v in exp.items()}
    doc = report_json(project, tmp_path)
    t = pd.DataFrame(doc["themes"])
    t = t[(t["question"] == "all") & (t["coder"] == "coder_a")]
    got = {r.theme: r.n for r in t.itertuples() if r.n}
    assert got == exp
    # a theme's n is never more than the sum of its codes, never less than its biggest code
    e = pd.DataFrame(doc["counts"])
    staff = e[(e["question"] == "all") & (e["coder"] == "coder_a") & (e["theme"] == "Staff")]
    assert staff["n"].max() <= got["Staff"] <= staff["n"].sum()


def test_markdown_report_has_counts_and_quotes(project, tmp_path, capsys):
    out = tmp_path / "r.md"
    assert main(["report", "-p", str(project), "--out", str(out), "--format", "md"]) == 0
    md = out.read_text()
    exp, _ = expected_counts(QUESTIONS)
    assert (
        f"| Positive experience & gratitude | {exp['Positive experience & gratitude']} ("
        in md.replace("\u2003", "")
    )
    assert "n (%) of answers" in md
    # responses table: answered and blanks per question
    assert "| what_was_good | 222 | 28 | " in md
    assert "| what_could_we_do_better | 185 | 65 | " in md
    # quotes: 2-4 per frequent code, each a real answer coded with it, with a pseudonym
    responses, _, codings, _ = example_frames()
    by_code = codings.groupby("code")["id"].apply(set).to_dict()
    texts = dict(zip(responses["id"], responses["text"], strict=True))
    quote_rows = [ln for ln in md.splitlines() if ln.startswith("| ") and "[Respondent " in ln]
    assert len(quote_rows) >= 20
    for ln in quote_rows:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]]
        code = cells[1].replace("\\|", "|")
        quotes = re.findall(r"\u201c(.*?)\u201d \[(Respondent \d+)", cells[3])
        assert 1 <= len(quotes) <= 4
        if exp.get(code, 0) >= 5:
            assert len(quotes) >= 2
        for text, _label in quotes:
            body = text.rstrip("\u2026").replace("\\|", "|")
            assert any(" ".join(texts[i].split()).startswith(body) for i in by_code[code]), (
                code,
                text,
            )
    assert "wrote" in capsys.readouterr().out


def test_pseudonyms_are_stable_and_not_ids(project):
    with open_store(project, create=False) as store:
        data = load_project(store)
        data_q = load_project(store, QUESTIONS[1])
    assert data.labels == data_q.labels  # --question does not renumber
    assert sorted(int(v.split()[1]) for v in data.labels.values()) == list(range(1, 251))
    same = sum(1 for r, lab in data.labels.items() if lab == f"Respondent {r}")
    assert same < 10  # a hash order, not the record id order
    assert pseudonyms(list(reversed(list(data.labels)))) == data.labels


def test_quotes_do_not_depend_on_row_order(tmp_path):
    a = build_example(tmp_path / "a.db")
    b = build_example(tmp_path / "b.db", reverse=True)
    with open_store(a, create=False) as sa, open_store(b, create=False) as sb:
        qa = next(t for t in build_report(sa).tables() if t.key == "quotes")
        qb = next(t for t in build_report(sb).tables() if t.key == "quotes")
    assert [[q.response_id for q in r[3]] for r in qa.rows] == [
        [q.response_id for q in r[3]] for r in qb.rows
    ]


def test_quotes_use_cached_embeddings(tmp_path):
    from autocode.embed import HashEmbedder, embed_texts

    p = build_example(tmp_path / "e.db")
    with open_store(p) as store:
        texts = [r[0] for r in store.conn.execute("SELECT text FROM responses")]
        embed_texts(texts, HashEmbedder(64), store=store)
        rep = build_report(store)
    methods = " ".join(s for sec in rep.sections for s in sec.blocks if isinstance(s, str))
    assert "sentence embeddings cached in the project" in methods
    quotes = next(t for t in rep.tables() if t.key == "quotes")
    for row in quotes.rows:
        ids = [q.response_id for q in row[3]]
        assert len(ids) == len(set(ids))


def test_human_and_machine_side_by_side(project_mixed, tmp_path):
    out = tmp_path / "r.xlsx"
    assert main(["report", "-p", str(project_mixed), "-o", str(out)]) == 0
    from openpyxl import load_workbook

    wb = load_workbook(out)
    names = wb.sheetnames
    assert "Responses" in names
    assert "Quotes" in names
    assert "Agreement" in names
    prev = wb[next(n for n in names if n.startswith("Prevalence All"))]
    header = [c.value for c in prev[2]]
    assert header[:3] == ["Level", "Theme", "Theme / code"]
    assert "coder_a n" in header
    assert "coder_b n" in header
    assert "autocode n" in header
    assert "autocode %" in header
    assert "final n" in header
    # machine counts: its decisions, flagged cells decided present counted, absent ones not
    # (the old report left flagged cells out: issue 12)
    store = open_store(project_mixed, create=False)
    m = pd.read_sql_query(
        "SELECT c.code, c.response_id FROM codings c WHERE c.source = 'machine' AND c.present = 1",
        store.conn,
    )
    store.close()
    exp = m.groupby("code")["response_id"].nunique().to_dict()
    col = header.index("autocode n")
    got = {
        row[2]: row[col]
        for row in prev.iter_rows(min_row=3, values_only=True)
        if row[0] == "code" and isinstance(row[col], int) and row[col] > 0
    }
    assert got == {k: v for k, v in exp.items() if v > 0}
    # blanks recorded by suggest runs are used
    resp = wb["Responses"]
    rows = {r[0]: r for r in resp.iter_rows(min_row=3, values_only=True) if r[0] in QUESTIONS}
    assert rows["what_was_good"][2] == 28


def test_question_restricts(project, tmp_path):
    out = tmp_path / "q.md"
    assert (
        main(["report", "-p", str(project), "-q", "what_could_we_do_better", "-o", str(out)]) == 0
    )
    md = out.read_text()
    assert "what_was_good |" not in md
    _exp, denom = expected_counts(["what_could_we_do_better"])
    assert f"coder_a: {denom['what_could_we_do_better']}" in md
    assert "All questions" not in md


def test_json_summary(project, tmp_path, capsys):
    import json

    out = tmp_path / "r.html"
    assert main(["report", "-p", str(project), "-o", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "html"
    assert doc["questions"] == QUESTIONS
    rows = [e for e in doc["counts"] if e["question"] == "all" and e["coder"] == "coder_a"]
    exp, _ = expected_counts(QUESTIONS)
    assert {r["code"]: r["n"] for r in rows if r["n"]} == exp


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-q", "nope"], "no question 'nope'"),
        (["--by", "nope"], "no respondent attribute 'nope'"),
        (["--format", "pdf"], "unknown report format"),
    ],
)
def test_errors(project, tmp_path, capsys, args, message):
    assert main(["report", "-p", str(project), "-o", str(tmp_path / "x.html"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_missing_project(tmp_path, capsys):
    assert main(["report", "-p", str(tmp_path / "none.db")]) == 2
    assert "no project" in capsys.readouterr().err


def test_empty_project_still_reports(tmp_path):
    p = tmp_path / "e.db"
    open_store(p).close()
    out = tmp_path / "e.html"
    assert main(["report", "-p", str(p), "-o", str(out)]) == 0
    assert "No codings yet" in out.read_text()
