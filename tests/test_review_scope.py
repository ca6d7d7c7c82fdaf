"""Review keeps the question scope (issue 12): a code made from a question's suggestion
applies to that question; merging or joining suggestions of other questions widens it, so
no member ever carries a code outside its questions. Through the real entry point."""

from __future__ import annotations

import json
import sqlite3

import yaml

from autocode.cli import main


def run(capsys, *args) -> str:
    assert main([str(a) for a in args]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def scopes(capsys, tmp_path) -> dict[str, list[str]]:
    run(capsys, "codebook", "export", "--format", "yaml", "-o", tmp_path / "cb.yaml")
    doc = yaml.safe_load((tmp_path / "cb.yaml").read_text(encoding="utf-8"))
    out = {}
    for t in doc.get("themes", []):
        for c in t.get("codes", []):
            out[c["name"]] = sorted(c.get("questions") or t.get("questions") or [])
    for c in doc.get("codes", []):
        out[c["name"]] = sorted(c.get("questions") or [])
    return out


def test_codes_from_review_are_scoped_to_their_questions(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = json.loads(run(capsys, "suggest", "--example", "--model", "hash:64", "--json"))
    by_q: dict[str, list[str]] = {}
    for s in doc["suggestions"]:
        by_q.setdefault(s["question"], []).append(s["id"])
    (qa, a_ids), (qb, b_ids) = sorted(by_q.items())[:2]
    run(capsys, "accept", a_ids[0], "--as", "Only A")
    run(capsys, "merge", a_ids[1], b_ids[0], "--as", "Both")
    run(capsys, "accept", b_ids[1], "--as", "Joined")
    run(capsys, "accept", a_ids[2], "--as", "Joined")  # joins a code of the other question
    sc = scopes(capsys, tmp_path)
    assert sc["Only A"] == [qa]
    assert sc["Both"] == sorted([qa, qb])
    assert sc["Joined"] == sorted([qa, qb])
    # every member's question is in its code's scope (read with sqlite3)
    con = sqlite3.connect("autocode.db")
    rows = con.execute(
        "SELECT c.code, r.question FROM codings c JOIN responses r ON r.id = c.response_id "
        "WHERE c.source = 'suggested'"
    ).fetchall()
    con.close()
    assert rows
    assert all(q in sc[c] for c, q in rows if c in sc)
