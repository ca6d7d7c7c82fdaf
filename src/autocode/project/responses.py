"""Responses, their sources, the respondents' attributes and the questions' wording.

:func:`save_responses` is the one writer of these tables, for every command that loads a
survey (``import``, ``suggest``, ``code``, ``next``): the source file, every answer, the
question labels and the respondents' other columns, in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .sql import chunks, now_iso, placeholders

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    import pandas as pd

    from .db import Store


def save_responses(store: Store, rs: Any) -> int:
    """Upsert a ResponseSet's responses, question labels and attributes; returns the
    source id. A (respondent, question) already stored under another id is refused before
    anything is written."""
    from ..embed import text_hash

    df = rs.responses
    conn = store.conn
    existing = {
        (r[1], r[2]): r[0] for r in conn.execute("SELECT id, respondent, question FROM responses")
    }
    for rid, resp, q in zip(df["id"], df["respondent"], df["question"], strict=True):
        old = existing.get((resp, q))
        if old is not None and old != rid:
            raise InputError(
                f"respondent {resp!r}, question {q!r} is already stored under id {old!r}",
                "use a new --project for a differently shaped file",
            )
    with store.transaction() as c:
        cur = c.execute(
            "INSERT INTO sources(path, sha256, format, loaded_at) VALUES (?,?,?,?)",
            (str(rs.path), rs.sha256, rs.format, now_iso()),
        )
        source_id = int(cur.lastrowid or 0)
        c.executemany(
            "INSERT INTO responses(id, respondent, question, text, text_hash, non_answer, "
            "source_id) VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
            "respondent=excluded.respondent, question=excluded.question, text=excluded.text, "
            "text_hash=excluded.text_hash, non_answer=excluded.non_answer, "
            "source_id=excluded.source_id",
            [
                (rid, resp, q, t, text_hash(t), int(bool(na)), source_id)
                for rid, resp, q, t, na in zip(
                    df["id"], df["respondent"], df["question"], df["text"], df["non_answer"],
                    strict=True,
                )
            ],
        )  # fmt: skip
        save_question_labels(c, getattr(rs, "question_labels", None))
        attrs = rs.attributes
        if attrs is not None and len(attrs.columns):
            rows = []
            for resp, rec in zip(attrs.index.astype(str), attrs.to_dict("records"), strict=True):
                for k, v in rec.items():
                    rows.append((resp, str(k), None if v is None else str(v)))
            c.executemany(
                "INSERT OR REPLACE INTO respondent_attributes(respondent, name, value) "
                "VALUES (?,?,?)",
                rows,
            )
        if getattr(rs, "blanks", None):
            save_blanks(c, rs.blanks)
    return source_id


def save_question_labels(conn: sqlite3.Connection, labels: dict | None) -> None:
    """Upsert question id -> wording (call inside a :meth:`Store.transaction`)."""
    if labels:
        conn.executemany(
            "INSERT INTO question_labels(question, label) VALUES (?,?) "
            "ON CONFLICT(question) DO UPDATE SET label=excluded.label",
            sorted((str(q), str(lab)) for q, lab in labels.items()),
        )


def save_blanks(conn: sqlite3.Connection, blanks: dict) -> None:
    """Upsert question id -> blank answers in the latest export loaded."""
    conn.executemany(
        "INSERT INTO question_blanks(question, blanks) VALUES (?,?) "
        "ON CONFLICT(question) DO UPDATE SET blanks=excluded.blanks",
        sorted((str(q), int(n)) for q, n in blanks.items()),
    )


def question_labels(store: Store) -> dict[str, str]:
    """Question id -> its wording in the export, for the questions that have one."""
    return dict(store.conn.execute("SELECT question, label FROM question_labels").fetchall())


def wording(question: str, labels: Mapping[str, str] | None = None) -> str:
    """A question's wording as the export gave it: its label (a REDCap data dictionary's),
    else its column name, which is the wording in a labels export and a variable name
    ("mentor_barriers" → "mentor barriers") in a raw one."""
    return (labels or {}).get(question) or question.replace("_", " ")


def question_blanks(store: Store) -> dict[str, int]:
    """Question id -> blank answers recorded when the survey was loaded."""
    return {
        str(q): int(n)
        for q, n in store.conn.execute("SELECT question, blanks FROM question_blanks")
    }


def count(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM responses").fetchone()[0])


def load(store: Store, questions: Sequence[str] | None = None) -> pd.DataFrame:
    """``id, respondent, question, text, text_hash, non_answer`` in stored order."""
    import pandas as pd

    sql = "SELECT id, respondent, question, text, text_hash, non_answer FROM responses"
    args: list[str] = []
    if questions is not None:
        sql += f" WHERE question IN ({placeholders(len(questions))})"
        args = list(questions)
    df = pd.read_sql_query(sql + " ORDER BY rowid", store.conn, params=args)
    df["non_answer"] = df["non_answer"].astype(bool)
    return df.astype({"id": str, "respondent": str, "question": str})


def questions(store: Store) -> list[str]:
    """The project's questions, in the order their first answer was stored."""
    rows = store.conn.execute(
        "SELECT question, MIN(rowid) AS first FROM responses GROUP BY question ORDER BY first"
    )
    return [str(r[0]) for r in rows]


def question_of(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """``{response id: its question}`` for the ids that are stored."""
    out: dict[str, str] = {}
    for part in chunks(list(dict.fromkeys(str(i) for i in ids))):
        for rid, q in store.conn.execute(
            f"SELECT id, question FROM responses WHERE id IN ({placeholders(len(part))})", part
        ):
            out[str(rid)] = str(q)
    return out


def texts(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """``{response id: text}`` for the ids that are stored."""
    out: dict[str, str] = {}
    for part in chunks(list(dict.fromkeys(str(i) for i in ids))):
        for rid, text in store.conn.execute(
            f"SELECT id, text FROM responses WHERE id IN ({placeholders(len(part))})", part
        ):
            out[str(rid)] = text
    return out


def attributes(store: Store) -> pd.DataFrame:
    """One row per respondent (index ``respondent``), one column per attribute, in the
    order they were stored."""
    import pandas as pd

    long = pd.read_sql_query(
        "SELECT respondent, name, value FROM respondent_attributes ORDER BY rowid", store.conn
    )
    if not len(long):
        return pd.DataFrame(index=pd.Index([], name="respondent"))
    wide = long.pivot(index="respondent", columns="name", values="value")
    return wide[list(dict.fromkeys(long["name"]))]


def sources(store: Store) -> list[dict]:
    return [dict(r) for r in store.conn.execute("SELECT * FROM sources ORDER BY id")]


# -- naming a question ----------------------------------------------------------------------
#: a prefix shorter than this is never taken for a question (too easy to match by accident)
MIN_PREFIX = 4


def _norm_question(s: str) -> str:
    return " ".join(str(s).casefold().split()).rstrip(" ?.:!")


def resolve_question(name: str, known: Sequence[str], labels: dict[str, str] | None = None) -> str:
    """The question ``name`` means, among the question keys ``known`` (``labels``: key ->
    wording): the one home of ``--question`` / ``-q`` for every command.

    In order: a key; a question's wording as the export has it; either, ignoring case,
    spacing and a final "?"; then the start of a key or of a wording (at least
    :data:`MIN_PREFIX` characters) when exactly one question starts so. Anything else is
    refused with the choices (NotFoundError)."""
    from ..errors import NotFoundError

    labels = {q: lab for q, lab in (labels or {}).items() if q in known and lab}
    if name in known:
        return name
    for q, lab in labels.items():
        if lab == name:
            return q
    want = _norm_question(name)
    names = {q: [_norm_question(q)] + ([_norm_question(labels[q])] if q in labels else [])
             for q in known}  # fmt: skip
    for rule in (
        lambda n: n == want,
        lambda n: len(want) >= MIN_PREFIX and n.startswith(want),
    ):
        hits = [q for q in known if any(rule(n) for n in names[q])]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise NotFoundError(
                f"{name!r} could be any of {len(hits)} questions: {_listing(hits, labels)}",
                "give more of the question's name or wording",
            )
    raise NotFoundError(
        f"no question {name!r} in the project",
        "its questions: " + (_listing(list(known), labels) or "none yet"),
    )


def resolve_questions(
    names: Iterable[str], known: Sequence[str], labels: dict[str, str] | None = None
) -> list[str]:
    """:func:`resolve_question` for each of ``names``, in order, without repeats."""
    return list(dict.fromkeys(resolve_question(str(n), known, labels) for n in names))


def stored_questions(store: Store, names: Iterable[str]) -> list[str]:
    """:func:`resolve_questions` against the project's questions and their wording."""
    return resolve_questions(names, questions(store), question_labels(store))


def _listing(qs: list[str], labels: dict[str, str], most: int = 10) -> str:
    def one(q: str) -> str:
        lab = labels.get(q)
        return f"{q} ({lab})" if lab and lab != q else q

    return ", ".join(one(q) for q in qs[:most]) + (" …" if len(qs) > most else "")
