"""A codebook exported as CSV imports back as the same codebook (issue 11, section 5): a code
named like its theme, sub-codes, codes without a theme, themes without a description, GUIDs,
colours, inclusion/exclusion notes, and names a spreadsheet would take for formulas."""

from __future__ import annotations

import pytest

from autocode.cli import main
from autocode.codebook import csv_io, load, write_file, yaml_io
from autocode.errors import InputError

YAML = """\
name: study
themes:
  - name: Time
    description: Not enough time
    colour: "#E69F00"
    codes:
      - name: Time
        definition: The theme's own catch-all code, named like the theme
      - name: Rota
        definition: Shifts and rotas
        inclusion: night shifts
        exclusion: annual leave
        codes:
          - name: Night shifts
            definition: Sub-code of rota
  - name: Support
    codes:
      - name: "-2 Unsupported"
        definition: "=starts like a formula"
      - name: Leadership
codes:
  - name: Other
    definition: Anything else
  - name: "@mentions"
"""


def fields(cb):
    """Everything the CSV form holds, per theme and per code (with its place)."""
    themes = [(t.name, t.description, t.colour, t.guid) for t in cb.themes]
    codes = [
        (c.name, c.theme, c.parent, c.definition, c.inclusion, c.exclusion, c.colour, c.guid)
        for c in cb.all_codes()
    ]
    return themes, codes


def test_yaml_to_csv_to_codebook_is_the_same(tmp_path):
    text = YAML
    cb = yaml_io.loads(text).finalize()
    csv_text = csv_io.dumps(cb)
    assert csv_text.startswith("name,kind,theme,parent,description,")
    assert "'-2 Unsupported" in csv_text
    assert "'=starts like a formula" in csv_text
    back = csv_io.loads(csv_text, where="study.csv").finalize()
    assert fields(back) == fields(cb)
    assert back.code("Night shifts").parent == "Rota"
    assert write_file(cb, tmp_path / "lib.csv") == "csv"  # the library call
    assert fields(load(tmp_path / "lib.csv")) == fields(cb)
    # and through the commands a user runs
    src = tmp_path / "study.yaml"
    src.write_text(text, encoding="utf-8")
    p = tmp_path / "p.db"
    assert main(["codebook", "import", str(src), "-p", str(p), "--yes"]) == 0
    out = tmp_path / "study.csv"
    assert main(["codebook", "export", "-p", str(p), "-o", str(out)]) == 0
    q = tmp_path / "q.db"
    assert main(["codebook", "import", str(out), "-p", str(q), "--yes"]) == 0
    exported, reimported = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert main(["codebook", "export", "-p", str(p), "-o", str(exported)]) == 0
    assert main(["codebook", "export", "-p", str(q), "-o", str(reimported)]) == 0
    assert fields(load(exported)) == fields(load(reimported)) == fields(cb)


def test_older_csv_layout_still_imports(tmp_path):
    # name, description, parent: parent names a theme or a code (as before)
    cb = csv_io.loads(
        "name,description,parent\nLack of time,d,Barriers\nNights,sub,Lack of time\nOther,,\n"
    ).finalize()
    assert [t.name for t in cb.themes] == ["Barriers"]
    assert cb.code("Nights").parent == "Lack of time"
    assert cb.code("Other").theme is None


def test_explicit_layout_errors():
    with pytest.raises(InputError, match="parent 'Nope' is not a code"):
        csv_io.loads("name,kind,theme,parent\nA,code,T,Nope\n")
    with pytest.raises(InputError, match="kind 'topic'"):
        csv_io.loads("name,kind\nA,topic\n")
    with pytest.raises(InputError, match="duplicate theme name"):
        csv_io.loads("name,kind\nT,theme\nt,theme\n")
