"""One writer of responses (store.save_responses) for every command: `code FILE` on a fresh
project stores the responses with their source and the respondents' attributes, exactly as
`suggest FILE` does, so `report --by service` works after either."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from autocode.cli import main
from autocode.project import open_store

DATA = files("autocode") / "data"


def _snapshot(p: Path) -> dict:
    with open_store(p, readonly=True) as st:
        c = st.conn
        return {
            "responses": c.execute(
                "SELECT r.id, r.respondent, r.question, r.text, r.text_hash, r.non_answer, "
                "s.sha256, s.format FROM responses r JOIN sources s ON s.id = r.source_id "
                "ORDER BY r.id"
            ).fetchall(),
            "attributes": c.execute(
                "SELECT respondent, name, value FROM respondent_attributes "
                "ORDER BY respondent, name"
            ).fetchall(),
            "labels": c.execute("SELECT * FROM question_labels ORDER BY question").fetchall(),
        }


def test_code_on_a_fresh_project_stores_what_suggest_stores(tmp_path, example_survey, seeds):
    coded, suggested = tmp_path / "coded.db", tmp_path / "suggested.db"
    cb = str(DATA / "example_codebook.csv")
    rc = main(
        ["code", str(example_survey), "-c", cb, "-s", str(seeds), "--model", "hash",
         "-p", str(coded)]
    )  # fmt: skip
    assert rc == 0
    assert main(["suggest", str(example_survey), "--model", "hash", "-p", str(suggested),
                 "--json"]) == 0  # fmt: skip
    got, want = _snapshot(coded), _snapshot(suggested)
    assert got["responses"]
    assert got["attributes"]
    assert [tuple(r) for r in got["responses"]] == [tuple(r) for r in want["responses"]]
    assert [tuple(r) for r in got["attributes"]] == [tuple(r) for r in want["attributes"]]
    assert got["labels"] == want["labels"]


def test_report_by_an_attribute_after_code_alone(tmp_path, example_survey, seeds, capsys):
    p = tmp_path / "p.db"
    cb = str(DATA / "example_codebook.csv")
    rc = main(
        ["code", str(example_survey), "-c", cb, "-s", str(seeds), "--model", "hash", "-p", str(p)]
    )
    assert rc == 0
    capsys.readouterr()
    out = tmp_path / "report.html"
    assert main(["report", "--by", "service", "-p", str(p), "-o", str(out)]) == 0, (
        capsys.readouterr().err
    )
    assert "service" in out.read_text(encoding="utf-8")


def test_only_the_store_writes_responses():
    src = Path(__file__).parents[1] / "src" / "autocode"
    writers = [
        path.relative_to(src).as_posix()
        for path in sorted(src.rglob("*.py"))
        if any(
            w in path.read_text(encoding="utf-8")
            for w in ("INTO responses", "INTO respondent_attributes", "INTO sources")
        )
    ]
    assert writers == ["project/responses.py"]
