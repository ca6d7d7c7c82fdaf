"""Build small report/export test projects by writing store rows directly (the bundled
example: 250 respondents, two questions, human codes against the QDC framework)."""

from __future__ import annotations

import hashlib
import json
import re
from importlib.resources import files
from pathlib import Path

import pandas as pd

from autocode.project import codings as coding_rows
from autocode.project import now_iso, open_store

DATA = files("autocode") / "data"


NON_ANSWER = re.compile(
    r"^\s*(n/?a|none|nothing|no|not sure|don'?t know|-+)\s*[.!]*\s*$", re.IGNORECASE
)
QUESTIONS = ["what_was_good", "what_could_we_do_better"]


def example_long() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The survey as (responses, attributes), read independently of autocode.io."""
    wide = pd.read_csv(str(DATA / "example_survey.csv"), dtype=str, keep_default_na=False)
    long = wide.melt(
        id_vars=["record_id"], value_vars=QUESTIONS, var_name="question", value_name="text"
    )
    long["text"] = long["text"].str.strip()
    long = long[long["text"] != ""].rename(columns={"record_id": "respondent"})
    long["id"] = long["respondent"] + ":" + long["question"]
    long["non_answer"] = long["text"].map(
        lambda t: bool(NON_ANSWER.match(t.replace("\u2019", "'")))
    )
    attrs = wide.drop(columns=QUESTIONS).set_index("record_id")
    return long.reset_index(drop=True), attrs


def example_frames():
    responses, attrs = example_long()
    codings = pd.read_csv(str(DATA / "example_codings.csv"), dtype=str)
    codebook = pd.read_csv(str(DATA / "example_codebook.csv"), dtype=str, keep_default_na=False)
    return responses, attrs, codings, codebook


def second_coder(codings: pd.DataFrame) -> pd.DataFrame:
    """A deterministic second human coder: drops every 7th coding, relabels every 11th."""
    rows = []
    for i, (rid, code) in enumerate(zip(codings["id"], codings["code"], strict=True)):
        if i % 7 == 3:
            continue
        if i % 11 == 5:
            code = (
                "Positive experience & gratitude"
                if code != "Positive experience & gratitude"
                else "Not assigned"
            )
        rows.append((rid, code))
    return pd.DataFrame(rows, columns=["id", "code"]).drop_duplicates()


def _codebook_doc(cb: pd.DataFrame) -> dict:
    """The example codebook as the codebook module stores it (fallback: a plain document)."""
    try:
        from autocode.codebook import load

        return load(Path(str(DATA / "example_codebook.csv"))).to_dict()
    except ImportError:  # pragma: no cover - before the codebook module existed
        return {
            "name": "QDC example",
            "codes": [
                {"name": r["name"], "definition": r["description"], "theme": r["parent"] or None}
                for _, r in cb.iterrows()
            ],
        }


def build_example(
    path: Path,
    *,
    second_human: bool = False,
    machine: bool = False,
    codebook: bool = True,
    suggest_blanks: bool = False,
    reverse: bool = False,
) -> Path:
    responses, attrs, codings, cb = example_frames()
    if reverse:  # the same project written in the opposite row order
        responses = responses.iloc[::-1]
        attrs = attrs.iloc[::-1]
        codings = codings.iloc[::-1]
    store = open_store(path)
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO responses(id, respondent, question, text, text_hash, non_answer) "
            "VALUES (?,?,?,?,?,?)",
            [
                (
                    r.id,
                    r.respondent,
                    r.question,
                    r.text,
                    hashlib.sha256(r.text.encode()).hexdigest()[:32],
                    int(r.non_answer),
                )
                for r in responses.itertuples()
            ],
        )
        attr_rows = []
        for resp, row in attrs.iterrows():
            for name, value in row.items():
                attr_rows.append((str(resp), name, value))
        conn.executemany(
            "INSERT INTO respondent_attributes(respondent, name, value) VALUES (?,?,?)", attr_rows
        )

        put_human(store, codings, "coder_a")
        if second_human:
            put_human(store, second_coder(codings), "coder_b")
        if codebook:
            doc = _codebook_doc(cb)
            conn.execute(
                "INSERT INTO codebook_versions(created_at, user, source, note, content) "
                "VALUES (?,?,?,?,?)",
                (now_iso(), "test", "import", None, json.dumps(doc)),
            )
    if suggest_blanks:
        run = store.start_run(
            "suggest", {"blanks": {"what_was_good": 28, "what_could_we_do_better": 65}}
        )
        store.finish_run(run)
    if machine:
        run = store.start_run("classify", {"test": True}, seed=0)
        m = second_coder(codings.iloc[::-1].reset_index(drop=True))
        # the old statuses coded / needs_review / accepted / rejected as decisions: present,
        # present but flagged, present, absent (kept because flagged)
        status = [("coded", "needs_review", "accepted", "rejected")[i % 4] for i in range(len(m))]
        cells = pd.DataFrame(
            {
                "id": m["id"],
                "code": m["code"],
                "present": [s != "rejected" for s in status],
                "flagged": [s in ("needs_review", "rejected") for s in status],
                "confidence": [0.5 + (i % 50) / 100 for i in range(len(m))],
            }
        )
        coding_rows.replace_machine(store, run, list(dict.fromkeys(m["id"])), cells)
        store.finish_run(run)
    store.close()
    return path


def put_human(store, df: pd.DataFrame, coder: str) -> None:
    """A human coder's (id, code) rows as their coding of those answers."""
    per: dict[str, list[str]] = {}
    for rid, code in zip(df["id"], df["code"], strict=True):
        per.setdefault(str(rid), []).append(str(code))
    coding_rows.replace_human(store, coder, per)
