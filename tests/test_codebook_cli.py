"""``autocode codebook``: show with counts, export, import with diff and confirmation."""

from __future__ import annotations

import io
import json
import sqlite3
from importlib.resources import files
from pathlib import Path

import pytest
from _review_project import make_project

from autocode.cli import main
from autocode.codebook import load

DATA = Path(__file__).parent / "data" / "codebook"
REPO = Path(__file__).parent.parent


@pytest.fixture
def proj(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCODE_USER", "ana")
    p = make_project(tmp_path / "p.db")
    assert main(["accept", "S1", "--as", "Staff attitude", "-p", str(p)]) == 0
    assert main(["accept", "S2", "--as", "Waiting", "-p", str(p)]) == 0
    return p


def snapshot(path) -> dict:
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("decisions", "codebook_versions", "codings")
        }
    finally:
        conn.close()


def test_show_with_counts(proj, capsys):
    capsys.readouterr()
    assert main(["codebook", "-p", str(proj)]) == 0
    out = capsys.readouterr().out
    assert "Staff attitude" in out
    assert "Waiting" in out
    assert "2 codes" in out
    assert main(["codebook", "--json", "-p", str(proj)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["Waiting"] == {"suggested": 8, "machine": 0, "human": 0}
    assert [t["name"] for t in doc["codebook"]["themes"]] == ["Staff", "Access"]


def test_export_all_formats(proj, tmp_path, capsys):
    import xmlschema

    for fmt in ("yaml", "qdc", "csv"):
        out = tmp_path / f"cb.{fmt}"
        assert main(["codebook", "export", "-o", str(out), "-p", str(proj)]) == 0
        assert load(out).codes[0].name == "Staff attitude"
    xsd = files("autocode") / "data" / "refi-qda" / "Codebook.xsd"
    xmlschema.XMLSchema(str(xsd)).validate(str(tmp_path / "cb.qdc"))
    capsys.readouterr()
    assert main(["codebook", "export", "--format", "qdc", "-p", str(proj)]) == 0
    assert capsys.readouterr().out.startswith("<?xml")
    assert main(["codebook", "export", "-f", "pdf", "-p", str(proj)]) == 2
    assert "unknown format 'pdf'" in capsys.readouterr().err


def test_import_shows_diff_and_asks(proj, tmp_path, monkeypatch, capsys):
    y = tmp_path / "cb.yaml"
    assert main(["codebook", "export", "-o", str(y), "-p", str(proj)]) == 0
    text = y.read_text(encoding="utf-8")
    edited = text.replace("name: Waiting", "name: Waiting times ⏳").replace(
        "definition: Responses about waiting",
        "definition: Too long a wait. Responses about waiting",
    )
    y.write_text(edited, encoding="utf-8")
    capsys.readouterr()

    before = snapshot(proj)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["codebook", "import", str(y), "-p", str(proj)]) == 1
    out = capsys.readouterr().out
    assert "~ code 'Waiting': renamed to 'Waiting times ⏳'" in out
    # editing autocode's draft definition makes it the researcher's: the draft mark goes
    assert "~ code 'Waiting times ⏳': definition, draft changed" in out
    assert "not applied" in out
    assert snapshot(proj) == before

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert main(["codebook", "import", str(y), "-p", str(proj)]) == 0
    cb = load(proj)
    assert cb.code("Waiting times ⏳").definition.startswith("Too long a wait.")
    assert cb.code("Waiting times ⏳").guid == load(proj).code("Waiting times ⏳").guid
    conn = sqlite3.connect(proj)
    codes = dict(
        conn.execute(
            "SELECT code, COUNT(*) FROM codings WHERE source='suggested' GROUP BY code"
        ).fetchall()
    )
    assert codes == {"Staff attitude": 8, "Waiting times ⏳": 8}  # codings follow the rename
    assert conn.execute("SELECT COUNT(*) FROM codings WHERE source='human'").fetchone()[0] == 1

    capsys.readouterr()
    assert main(["codebook", "import", str(y), "-p", str(proj)]) == 0
    assert "no changes" in capsys.readouterr().out

    # undo restores the previous codebook
    assert main(["undo", "-p", str(proj)]) == 0
    assert load(proj).code("Waiting") is not None


def test_qdc_round_trip_through_the_project_changes_nothing(proj, tmp_path, capsys):
    q = tmp_path / "cb.qdc"
    assert main(["codebook", "export", "-o", str(q), "-p", str(proj)]) == 0
    capsys.readouterr()
    assert main(["codebook", "import", str(q), "-p", str(proj)]) == 0
    assert "no changes" in capsys.readouterr().out
    assert load(proj).code("Waiting").examples  # kept: a .qdc cannot hold them


def test_import_into_a_new_project_and_yes(tmp_path, capsys):
    p = tmp_path / "new.db"
    assert main(["codebook", "import", str(DATA / "sample.qdc"), "-p", str(p)]) == 0
    assert "new codebook from sample.qdc: 2 themes, 5 codes" in capsys.readouterr().out
    assert main(["codebook", "import", str(DATA / "barriers.csv"), "--yes", "-p", str(p)]) == 0
    out = capsys.readouterr().out
    assert "+ code 'Lack of protected time'" in out
    assert "- theme 'Barrières'" in out
    assert [c.name for c in load(p).codes][:2] == ["Lack of protected time", "Night shifts"]
    assert main(["codebook", "history", "-p", str(p)]) == 0
    out = capsys.readouterr().out
    assert "import" in out
    assert "sample.qdc" in out
    assert "barriers.csv" in out


def test_example_codebook_imports(tmp_path, capsys):
    p = tmp_path / "p.db"
    src = REPO / "codebooks" / "nhs_patient_experience.yaml"
    assert main(["codebook", "import", str(src), "-p", str(p)]) == 0
    cb = load(p)
    assert len(cb.codes) == 37
    assert cb.code("Timeliness of care").examples


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("malformed.qdc", "malformed.qdc is not well-formed XML"),
        ("duplicate_code.yaml", "duplicate code name"),
        ("NOTICE.md", "unknown codebook file type '.md'"),
        ("missing.yaml", "no such file"),
    ],
)
def test_bad_import_changes_nothing(proj, capsys, name, message):
    before = snapshot(proj)
    capsys.readouterr()
    assert main(["codebook", "import", str(DATA / name), "--yes", "-p", str(proj)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1
    assert snapshot(proj) == before


def test_no_codebook_yet(tmp_path, capsys):
    p = make_project(tmp_path / "p.db")
    assert main(["codebook", "-p", str(p)]) == 2
    assert "no codebook yet" in capsys.readouterr().err
    assert main(["codebook", "export", "-p", str(p)]) == 2


def test_library_current_and_load(proj):
    from autocode.codebook import current
    from autocode.project import open_store

    with open_store(proj) as store:
        cb = current(store)
        assert cb is not None
        assert cb == load(store)
    assert [c.name for c in cb.codes] == ["Staff attitude", "Waiting"]
    assert cb.codes[1].theme == "Access"
    assert cb.codes[1].parent == "Access"
    assert cb.exclusive is False
    assert cb.codes[0].examples[0].id == "suggest-1-r001"


def test_project_option_before_the_subcommand(proj, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no autocode.db here
    out = tmp_path / "x.csv"
    assert main(["codebook", "-p", str(proj), "export", "-o", str(out)]) == 0
    assert "Staff attitude" in out.read_text(encoding="utf-8")
    assert main(["codebook", "-p", str(proj), "history", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_qdc_import_keeps_the_exclusive_flag(tmp_path, capsys):
    p = tmp_path / "p.db"
    y = tmp_path / "cb.yaml"
    y.write_text(
        "exclusive: true\ncodes:\n  - name: A\n    definition: a\n  - name: B\n", encoding="utf-8"
    )
    assert main(["codebook", "import", str(y), "-p", str(p)]) == 0
    q = tmp_path / "cb.qdc"
    assert main(["codebook", "export", "-o", str(q), "-p", str(p)]) == 0
    q.write_text(q.read_text(encoding="utf-8").replace(">a<", ">a, edited<"), encoding="utf-8")
    assert main(["codebook", "import", str(q), "--yes", "-p", str(p)]) == 0
    cb = load(p)
    assert cb.exclusive is True
    assert cb.code("A").definition == "a, edited"


def test_import_with_new_guids_keeps_codings_by_name(proj, tmp_path, capsys):
    import re
    import uuid

    q = tmp_path / "cb.qdc"
    assert main(["codebook", "export", "-o", str(q), "-p", str(proj)]) == 0
    text = re.sub(
        r'guid="[^"]+"', lambda m: f'guid="{str(uuid.uuid4()).upper()}"', q.read_text("utf-8")
    )  # as if another program re-exported it with its own GUIDs
    q.write_text(text, encoding="utf-8")
    assert main(["codebook", "import", str(q), "--yes", "-p", str(proj)]) == 0
    cb = load(proj)
    assert cb.code("Waiting").examples  # matched by name
    conn = sqlite3.connect(proj)
    n = conn.execute("SELECT COUNT(*) FROM codings WHERE source='suggested'").fetchone()[0]
    assert n == 16
