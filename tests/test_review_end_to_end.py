"""From ``autocode suggest`` on the bundled example survey to a codebook and back again."""

from __future__ import annotations

import json
import sqlite3
from importlib.resources import files
from pathlib import Path

import pytest

from autocode.cli import main
from autocode.codebook import load

XSD = files("autocode") / "data" / "refi-qda" / "Codebook.xsd"  # the packaged schema
EXAMPLE = Path(str(files("autocode") / "data" / "example_survey.csv"))


def _review_and_round_trip(p: Path, tmp_path: Path, capsys) -> None:
    conn = sqlite3.connect(p)
    sids = [r[0] for r in conn.execute("SELECT id FROM suggestions ORDER BY rowid")]
    biggest = conn.execute("SELECT id FROM suggestions ORDER BY size DESC, rowid").fetchone()[0]
    first, second, third = [s for s in sids if s != biggest][:3]
    assert main(["accept", first, "--as", "Kind staff ✨", "--theme", "Staff", "-p", str(p)]) == 0
    assert main(["reject", second, "-p", str(p)]) == 0
    assert main(["merge", third, biggest, "--as", "Überall gut", "-p", str(p)]) == 0
    assert main(["undo", "-p", str(p)]) == 0
    assert main(["split", biggest, "-p", str(p)]) == 0
    assert main(["accept", f"{biggest}a", "-p", str(p)]) == 0
    capsys.readouterr()

    assert main(["decisions", "--json", "-p", str(p)]) == 0
    log = json.loads(capsys.readouterr().out)
    assert [d["action"] for d in log] == ["accept", "reject", "merge", "undo", "split", "accept"]
    assert all(d["user"] == "e2e" and d["run"] == "suggest-1" for d in log)

    y, q = tmp_path / "cb.yaml", tmp_path / "cb.qdc"
    assert main(["codebook", "export", "-o", str(y), "-p", str(p)]) == 0
    assert main(["codebook", "export", "-o", str(q), "-p", str(p)]) == 0
    import xmlschema  # a test dependency: a missing install fails, not skips

    xmlschema.XMLSchema(str(XSD)).validate(str(q))
    cb = load(y)
    assert next(c.name for c in cb.codes) == "Kind staff ✨"
    assert cb.code("Kind staff ✨").examples
    assert cb.code("Kind staff ✨").theme == "Staff"
    n = conn.execute(
        "SELECT COUNT(*) FROM codings WHERE coder='autocode' AND source='suggested'"
    ).fetchone()[0]
    sizes = sum(
        len(
            {
                r[0]
                for r in conn.execute("SELECT response_id FROM codings WHERE code = ?", (c.name,))
            }
        )
        for c in cb.codes
    )
    assert n == sizes > 0

    # ... and back again: another tool's edit of the .qdc comes back as a diff
    q.write_text(
        q.read_text(encoding="utf-8").replace("Kind staff ✨", "Friendly staff ✨"),
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["codebook", "import", str(q), "--yes", "-p", str(p)]) == 0
    assert "~ code 'Kind staff ✨': renamed to 'Friendly staff ✨'" in capsys.readouterr().out
    assert load(p).code("Friendly staff ✨").examples  # kept from the project


def test_suggest_review_export_import_with_the_hash_embedder(tmp_path, monkeypatch, capsys):
    from autocode.embed import HashEmbedder
    from autocode.io import read_responses
    from autocode.project import open_store
    from autocode.suggest import run

    monkeypatch.setenv("AUTOCODE_USER", "e2e")
    p = tmp_path / "p.db"
    rs = read_responses(EXAMPLE)
    with open_store(p) as store:
        run_id, _, _ = run.run_suggest(store, rs, HashEmbedder(64), question="what_was_good")
    assert run_id == "suggest-1"
    _review_and_round_trip(p, tmp_path, capsys)


@pytest.mark.slow
def test_cli_suggest_then_review_with_the_real_model(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AUTOCODE_USER", "e2e")
    p = tmp_path / "p.db"
    assert main(["suggest", "--example", "--text", "what_was_good", "-p", str(p)]) == 0
    _review_and_round_trip(p, tmp_path, capsys)
