"""``autocode agree`` end to end (in-process): inputs, outputs and clear errors."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from autocode.cli import main
from autocode.project import codings, open_store

DATA = Path(__file__).parent / "data" / "agree"


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["agree", *map(str, args)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_two_files_long_and_wide_json(capsys):
    rc, out, err = run(capsys, DATA / "alice_long.csv", DATA / "bob_wide.csv", "--json")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["coders"] == ["alice_long", "bob_wide"]
    assert doc["design"] == "multi-label"
    assert doc["n_units"] == 7
    assert doc["excluded_units"] == {"count": 2, "ids": ["8", "9"]}
    # Parking is used only on response 8, which bob did not code: it has no observed
    # disagreement but counts toward chance agreement (Gwet 2014), so it is listed
    assert set(doc["per_code"]) == {"Food", "Parking", "Staff", "Waiting"}
    assert doc["per_code"]["Parking"]["n_units"] == 7
    food = doc["per_code"]["Food"]
    assert food["cohen_kappa"]["value"] == 1.0
    assert doc["per_code"]["Staff"]["percent_agreement"]["value"] == 1.0
    assert doc["per_code"]["Waiting"]["percent_agreement"]["value"] == pytest.approx(5 / 7)
    assert {"pooled", "macro"} == set(doc["overall"])


def test_readable_table_with_landis_koch_label(capsys):
    rc, out, _ = run(capsys, DATA / "alice_long.csv", DATA / "bob_wide.csv")
    assert rc == 0
    assert "Agreement: alice_long vs bob_wide" in out
    assert "(pooled)" in out
    assert "(macro)" in out
    assert "almost perfect" in out or "substantial" in out or "moderate" in out
    assert "2 coded by one coder only" in out


def test_missing_as_absent_counts_single_coder_responses(capsys):
    rc, out, _ = run(
        capsys, DATA / "alice_long.csv", DATA / "bob_wide.csv", "--missing", "as-absent", "--json"
    )
    doc = json.loads(out)
    assert rc == 0
    assert doc["n_units"] == 9
    assert doc["excluded_units"]["count"] == 0
    assert "Parking" in doc["per_code"]


def test_disagreements_out_and_codebook(capsys, tmp_path):
    dis, table = tmp_path / "dis.csv", tmp_path / "table.csv"
    rc, out, err = run(
        capsys,
        DATA / "alice_long.csv",
        DATA / "bob_wide.csv",
        "--disagreements",
        dis,
        "--out",
        table,
        "--codebook",
        DATA / "codebook.csv",
        "--json",
    )
    assert rc == 0, err
    doc = json.loads(out)
    assert "Cleanliness" in doc["per_code"]
    assert doc["per_code"]["Cleanliness"]["cohen_kappa"]["value"] is None
    rows = list(csv.DictReader(dis.open(encoding="utf-8")))
    assert rows == [
        {
            "id": "1",
            "text": "The nurses were kind",
            "code": "Waiting",
            "alice_long": "1",
            "bob_wide": "0",
        },
        {
            "id": "6",
            "text": "Doctor listened to me",
            "code": "Waiting",
            "alice_long": "0",
            "bob_wide": "1",
        },
    ]
    t = list(csv.DictReader(table.open(encoding="utf-8")))
    assert [r["code"] for r in t][-2:] == ["(pooled)", "(macro)"]
    assert "cohen_kappa_se" in t[0]


def test_unknown_codes_are_flagged(capsys):
    rc, out, _ = run(
        capsys,
        DATA / "alice_long.csv",
        DATA / "bob_wide.csv",
        "--missing",
        "as-absent",
        "--codebook",
        DATA / "codebook.csv",
    )
    assert rc == 0
    assert "codes not in the codebook: Parking" in out


def test_one_file_with_coder_column_three_coders_single_label(capsys):
    rc, out, err = run(capsys, DATA / "coders_long.csv", "--coder", "rater", "--json")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["coders"] == ["ann", "ben", "cat"]
    assert doc["design"] == "single-label"
    assert doc["overall"]["cohen_kappa"]["value"] is None
    assert doc["overall"]["fleiss_kappa"]["value"] is not None
    assert set(doc["pairwise"]) == {"ann|ben", "ann|cat", "ben|cat"}
    rc, out, _ = run(
        capsys, DATA / "coders_long.csv", "--coder", "rater", "--coders", "ann,ben", "--json"
    )
    assert json.loads(out)["overall"]["cohen_kappa"]["value"] is not None


def test_ratings_level_and_bootstrap(capsys):
    rc, out, err = run(
        capsys,
        DATA / "ratings.csv",
        "--level",
        "ordinal",
        "--bootstrap",
        "200",
        "--seed",
        "3",
        "--json",
    )
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["design"] == "ordinal"
    assert doc["overall"]["cohen_kappa_quadratic"]["value"] is not None
    assert doc["bootstrap"]["seed"] == 3
    again = json.loads(
        run(
            capsys,
            DATA / "ratings.csv",
            "--level",
            "ordinal",
            "--bootstrap",
            "200",
            "--seed",
            "3",
            "--json",
        )[1]
    )
    assert again == doc
    rc, out, _ = run(capsys, DATA / "ratings.csv", "--level", "interval")
    assert rc == 0
    assert "Kripp. α" in out


def _project(tmp_path: Path) -> Path:
    p = tmp_path / "study.db"
    store = open_store(p)
    with store.transaction() as conn:
        for rid, text in (
            ("r1", "Kind nurses"),
            ("r2", "Long wait"),
            ("r3", "Cold food"),
            ("r4", "All fine"),
        ):
            conn.execute(
                "INSERT INTO responses(id, respondent, question, text, text_hash) "
                "VALUES (?,?,?,?,?)",
                (rid, rid, "q", text, rid),
            )
    codings.replace_human(
        store, "alice", {"r1": ["Staff"], "r2": ["Waiting"], "r3": ["Food"], "r4": []}
    )
    cells = pd.DataFrame(
        [
            ("r1", "Staff", True, False, 0.9),
            ("r2", "Staff", True, False, 0.8),
            ("r3", "Food", True, True, 0.55),  # flagged: needs review
            ("r4", "Food", False, True, 0.45),  # flagged, decided absent
        ],
        columns=["id", "code", "present", "flagged", "confidence"],
    )
    codings.replace_machine(store, "code-1", ["r1", "r2", "r3", "r4"], cells)
    store.close()
    return p


def test_codings_from_the_project_store(capsys, tmp_path):
    p = _project(tmp_path)
    dis = tmp_path / "dis.csv"
    rc, out, err = run(
        capsys, "--project", p, "--coders", "alice,autocode", "--json", "--disagreements", dis
    )
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["coders"] == ["alice", "autocode"]
    assert doc["n_units"] == 4
    # the machine's decisions: a flagged present cell is present, a flagged absent one absent
    assert doc["per_code"]["Food"]["prevalence_by_coder"] == {"alice": 0.25, "autocode": 0.25}
    # flagged: r3/Food and r4/Food, of 4 answers x 3 codes (no codebook: every code applies)
    assert doc["flagged"] == {
        "coder": "autocode",
        "cells": 2,
        "share_cells": 2 / 12,
        "answers": 2,
        "share_answers": 0.5,
    }
    rows = list(csv.DictReader(dis.open(encoding="utf-8")))
    q = {"question": "q"}
    assert {
        "id": "r2",
        **q,
        "text": "Long wait",
        "code": "Staff",
        "alice": "0",
        "autocode": "1",
    } in rows
    assert not [r for r in rows if r["id"] == "r3"]  # both coded r3 Food
    rc, _, err = run(capsys, "--project", p, "--coders", "alice,bob")
    assert rc == 2
    assert "no codings by 'bob'" in err
    assert "alice, autocode" in err


def test_texts_from_project_for_file_inputs(capsys, tmp_path):
    p = _project(tmp_path)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,code\nr1,Staff\nr2,Waiting\n")
    b.write_text("id,code\nr1,Staff\nr2,Staff\n")
    dis = tmp_path / "d.csv"
    rc, _, err = run(capsys, a, b, "--project", p, "--disagreements", dis)
    assert rc == 0, err
    assert "Long wait" in dis.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "other.csv"], "does not exist"),
        (["@alice_long.csv", "@bob_wide.csv", "--id", "nope"], "no id column 'nope'"),
        (["@alice_long.csv", "@bob_wide.csv", "--code", "nope"], "no code column 'nope'"),
        (["@alice_long.csv", "@bad_wide.csv"], "value other than 0/1"),
        (["@alice_long.csv"], "only one coder"),
        (["@alice_long.csv", "@bob_wide.csv", "--level", "fuzzy"], "--level must be one of"),
        (["@alice_long.csv", "@bob_wide.csv", "--missing", "zero"], "--missing must be"),
        (["@ratings.csv", "--level", "ordinal", "--coders", "a,zed"], "no codings by 'zed'"),
        (["@coders_long.csv", "--coder", "who"], "no coder column 'who'"),
        (["@alice_long.csv", "@bob_wide.csv", "--codebook", "nothere.yaml"], "does not exist"),
    ],
)
def test_bad_input_is_one_clear_line_exit_2(capsys, tmp_path, args, message):
    args = [str(DATA / a[1:]) if a.startswith("@") else a for a in args]
    rc, _out, err = run(capsys, *args)
    assert rc == 2
    assert err.startswith("error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_no_overlapping_ids(capsys, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("id,code\n1,x\n2,y\n")
    b.write_text("id,code\n3,x\n4,y\n")
    rc, _, err = run(capsys, a, b)
    assert rc == 2
    assert "no overlapping ids" in err


def test_no_input_at_all(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, _, err = run(capsys)
    assert rc == 2
    assert "no coding files given" in err


def test_empty_file_and_missing_project(capsys, tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("")
    rc, _, err = run(capsys, a, DATA / "bob_wide.csv")
    assert rc == 2
    assert "empty" in err
    rc, _, err = run(capsys, "--project", tmp_path / "none.db", "--coders", "a,b")
    assert rc == 2
    assert "no project" in err


def test_xlsx_and_latin1_inputs(capsys, tmp_path):
    import pandas as pd

    x = tmp_path / "alice.xlsx"
    pd.read_csv(DATA / "alice_long.csv", dtype=str).to_excel(x, index=False)
    lat = tmp_path / "bob.csv"
    lat.write_bytes("id,code\n1,Café\n2,Staff\n".encode("latin-1"))
    rc, out, err = run(capsys, x, lat, "--json")
    assert rc == 0, err
    assert "Café" in json.loads(out)["per_code"]


def test_help_lists_the_options(capsys):
    rc = main(["agree", "--help"])
    out = capsys.readouterr().out
    assert rc == 0
    for opt in (
        "--coder",
        "--project",
        "--coders",
        "--single-label",
        "--multi-label",
        "--level",
        "--missing",
        "--codebook",
        "--bootstrap",
        "--seed",
        "--disagreements",
        "--json",
        "--out",
    ):
        assert opt in out


def test_does_not_write_into_inputs(capsys, tmp_path):
    a = tmp_path / "a.csv"
    shutil.copy(DATA / "alice_long.csv", a)
    before = a.read_bytes()
    run(capsys, a, DATA / "bob_wide.csv")
    assert a.read_bytes() == before


@pytest.mark.parametrize("fmt", ["yaml", "qdc"])
def test_codebook_in_yaml_and_qdc(capsys, tmp_path, fmt):
    from autocode import codebook

    cb = codebook.load(DATA / "codebook.csv")
    path = tmp_path / f"cb.{fmt}"
    data = codebook.dumps(cb, fmt)
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    rc, out, err = run(
        capsys,
        DATA / "alice_long.csv",
        DATA / "bob_wide.csv",
        "--missing",
        "as-absent",
        "--codebook",
        path,
        "--json",
    )
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["unknown_codes"] == ["Parking"]
    assert "Cleanliness" in doc["per_code"]
