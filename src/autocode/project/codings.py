"""Codings and coded answers: who coded which answer, and with which codes.

The rules of these two tables, written once:

- **Coders are named.** Human coders have any name but the reserved ones; the machine is
  :data:`MACHINE` (``autocode``); :data:`FINAL` names the final coding (computed, never
  stored) and :data:`RECONCILED` the reconciliation decisions (stored by ``reconcile``).
- **A coded answer is a fact of its own** (``coded_units``): a coder who coded an answer
  and found that no code applies has a ``coded_units`` row and no ``codings`` row. An answer
  with no ``coded_units`` row for a coder was not coded by that coder.
- **Sources.** ``human`` rows are a human coder's codes (always present). ``machine`` rows are
  the decisions of the machine's latest coding run for the answer: ``present`` 1 (coded) or 0
  (absent, kept only when the cell is ``flagged``), with the classifier's ``confidence``;
  ``flagged`` marks a cell near its threshold (it needs review) and never removes it.
  ``suggested`` rows are members of accepted suggestions (review), not codings of any coder:
  agreement, reports and exports never count them as a coder's work.
- **Replacing.** Importing a coder's work replaces that coder's codings of the answers it
  holds (and only those); a coding run replaces the machine's decisions of the answers it
  coded. Human codings are never touched by the machine, and the other way round.
- **Training answers.** A coding run records the answers it learned from
  (``run_training``), so agreement with a human is measured on the others only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..errors import InputError
from .sql import chunks, now_iso, placeholders

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .db import Store

MACHINE = "autocode"
FINAL = "final"
RECONCILED = "reconciled"
RESERVED = (MACHINE, FINAL, RECONCILED)
HUMAN, MACHINE_SOURCE, SUGGESTED = "human", "machine", "suggested"
_MAX_NAME = 80


def check_coder_name(name: str) -> str:
    """A human coder's name, stripped; :class:`InputError` for an empty, reserved or odd one."""
    clean = " ".join(str(name or "").split())
    if not clean:
        raise InputError("the coder needs a name", "pass --coder NAME (e.g. --coder alice)")
    if clean.casefold() in RESERVED:
        raise InputError(
            f"{clean!r} is a reserved coder name",
            f"choose another name ({', '.join(RESERVED)} are autocode's own)",
        )
    if len(clean) > _MAX_NAME or any(not (c.isprintable()) for c in clean) or "," in clean:
        raise InputError(
            f"coder name {clean[:40]!r} is not usable",
            f"use up to {_MAX_NAME} printable characters and no comma",
        )
    return clean


# -- writes --------------------------------------------------------------------------------
def replace_human(
    store: Store,
    coder: str,
    coded: Mapping[str, Iterable[str]],
    run_id: str | None = None,
) -> dict[str, int]:
    """Store ``coder``'s coding of the answers in ``coded`` (answer id -> its codes; an empty
    list: coded, no code applies), replacing that coder's earlier coding of those answers.
    One transaction. Returns counts (answers, codings, replaced answers)."""
    if coder in RESERVED:
        raise InputError(f"{coder!r} is a reserved coder name")
    return _replace_human_units(store, coder, coded, run_id)


def replace_reconciled(
    store: Store, coded: Mapping[str, Iterable[str]], run_id: str | None = None
) -> dict[str, int]:
    """The reconciled coding (coder :data:`RECONCILED`) of the answers in ``coded``, replacing
    what reconciliation stored for them before (``reconcile`` keeps it equal to the replayed
    decision log)."""
    return _replace_human_units(store, RECONCILED, coded, run_id)


def clear_reconciled(store: Store, keep: Iterable[str]) -> None:
    """Remove the reconciled coding of every answer not in ``keep`` (after an undo)."""
    keep_set = {str(k) for k in keep}
    with store.transaction() as conn:
        gone = [
            str(r[0])
            for r in conn.execute(
                "SELECT response_id FROM coded_units WHERE coder = ? AND source = 'human'",
                (RECONCILED,),
            )
            if str(r[0]) not in keep_set
        ]
        for part in chunks(gone):
            q = placeholders(len(part))
            for table in ("codings", "coded_units"):
                conn.execute(
                    f"DELETE FROM {table} WHERE coder = ? AND source = 'human' "
                    f"AND response_id IN ({q})",
                    [RECONCILED, *part],
                )


def _replace_human_units(
    store: Store, coder: str, coded: Mapping[str, Iterable[str]], run_id: str | None
) -> dict[str, int]:
    ids = list(coded)
    now = now_iso()
    with store.transaction() as conn:
        before = 0
        for part in chunks(ids):
            q = placeholders(len(part))
            before += conn.execute(
                f"SELECT COUNT(*) FROM coded_units WHERE coder = ? AND source = 'human' "
                f"AND response_id IN ({q})",
                [coder, *part],
            ).fetchone()[0]
            for table in ("codings", "coded_units"):
                conn.execute(
                    f"DELETE FROM {table} WHERE coder = ? AND source = 'human' "
                    f"AND response_id IN ({q})",
                    [coder, *part],
                )
        conn.executemany(
            "INSERT INTO coded_units(response_id, coder, source, run_id, created_at) "
            "VALUES (?,?,'human',?,?)",
            [(rid, coder, run_id, now) for rid in ids],
        )
        rows = [
            (rid, code, coder, run_id, now) for rid in ids for code in dict.fromkeys(coded[rid])
        ]
        conn.executemany(
            "INSERT INTO codings(response_id, code, coder, source, present, flagged, "
            "confidence, run_id, created_at) VALUES (?,?,?,'human',1,0,NULL,?,?)",
            rows,
        )
    return {"answers": len(ids), "codings": len(rows), "replaced": int(before)}


def replace_machine(store: Store, run_id: str, ids: Sequence[str], cells: pd.DataFrame) -> None:
    """The machine's decisions of run ``run_id`` for the answers ``ids``: ``cells`` has
    ``id, code, present, flagged, confidence`` (absent cells only where flagged). Replaces
    the machine's earlier decisions of those answers; review suggestions are kept."""
    now = now_iso()
    keep = cells[(cells["present"].astype(bool)) | (cells["flagged"].astype(bool))]
    with store.transaction() as conn:
        for part in chunks(list(ids)):
            q = placeholders(len(part))
            for table in ("codings", "coded_units"):
                conn.execute(
                    f"DELETE FROM {table} WHERE coder = ? AND source = 'machine' "
                    f"AND response_id IN ({q})",
                    [MACHINE, *part],
                )
        conn.executemany(
            "INSERT INTO coded_units(response_id, coder, source, run_id, created_at) "
            "VALUES (?,?,'machine',?,?)",
            [(rid, MACHINE, run_id, now) for rid in ids],
        )
        conn.executemany(
            "INSERT INTO codings(response_id, code, coder, source, present, flagged, "
            "confidence, run_id, created_at) VALUES (?,?,?,'machine',?,?,?,?,?)",
            [
                (rid, code, MACHINE, int(p), int(f), None if c is None else float(c), run_id, now)
                for rid, code, p, f, c in zip(
                    keep["id"].astype(str),
                    keep["code"].astype(str),
                    keep["present"].astype(bool),
                    keep["flagged"].astype(bool),
                    keep["confidence"].astype(object).where(keep["confidence"].notna(), None),
                    strict=True,
                )
            ],
        )


def record_training(store: Store, run_id: str, ids: Iterable[str]) -> None:
    """The answers a coding run learned from (its seeds)."""
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO run_training(run_id, response_id) VALUES (?,?)",
            [(run_id, str(i)) for i in ids],
        )


def sync_suggested(store: Store, want: Mapping[tuple[str, str], str]) -> None:
    """Make the review's suggested codings ((answer, code) -> run) equal ``want``."""
    with store.transaction() as conn:
        have = {
            (r[1], r[2]): (r[0], r[3])
            for r in conn.execute(
                "SELECT id, response_id, code, run_id FROM codings WHERE source = 'suggested'"
            )
        }
        conn.executemany(
            "DELETE FROM codings WHERE id = ?", [(v[0],) for k, v in have.items() if k not in want]
        )
        now = now_iso()
        conn.executemany(
            "INSERT INTO codings(response_id, code, coder, source, present, flagged, run_id, "
            "created_at) VALUES (?,?,?,'suggested',1,0,?,?)",
            [
                (rid, code, MACHINE, run, now)
                for (rid, code), run in want.items()
                if (rid, code) not in have
            ],
        )
        conn.executemany(
            "UPDATE codings SET run_id = ? WHERE id = ?",
            [(want[k], v[0]) for k, v in have.items() if k in want and want[k] != v[1]],
        )


def rename_code(store: Store, old: str, new: str) -> None:
    """Codings follow a code's new name (a codebook rename)."""
    with store.transaction() as conn:
        conn.execute("UPDATE codings SET code = ? WHERE code = ?", (new, old))


def status_words(df: pd.DataFrame):
    """The status of each row as outputs show it: ``suggested`` (review), ``coded``,
    ``needs_review`` (a flagged machine cell) or ``absent`` (a flagged cell decided absent)."""
    import numpy as np

    src = df["source"].astype(str).to_numpy()
    present = df["present"].astype(bool).to_numpy()
    flagged = df["flagged"].astype(bool).to_numpy()
    return np.select(
        [src == SUGGESTED, ~present, flagged],
        ["suggested", "absent", "needs_review"],
        default="coded",
    )


def code_counts(store: Store) -> dict[str, dict[str, int]]:
    """Per code: answers with a review suggestion, a machine decision (present) and a human
    coding."""
    out: dict[str, dict[str, int]] = {}
    for code, source, n in store.conn.execute(
        "SELECT code, source, COUNT(DISTINCT response_id) FROM codings WHERE present = 1 "
        "GROUP BY code, source"
    ):
        c = out.setdefault(str(code), {"suggested": 0, "machine": 0, "human": 0})
        c[str(source)] += int(n)
    return out


# -- reads ---------------------------------------------------------------------------------
def coders(store: Store) -> list[dict]:
    """Every coder with stored work: name, source, answers coded, codes applied, first
    coded (UTC), in the order they first coded."""
    rows = store.conn.execute(
        "SELECT u.coder, u.source, COUNT(*) AS answers, MIN(u.created_at) AS first, "
        "(SELECT COUNT(*) FROM codings c WHERE c.coder = u.coder AND c.source = u.source "
        "AND c.present = 1) AS codings "
        "FROM coded_units u GROUP BY u.coder, u.source ORDER BY first, u.coder"
    ).fetchall()
    return [dict(r) for r in rows]


def human_coders(store: Store) -> list[str]:
    return [c["coder"] for c in coders(store) if c["source"] == HUMAN]


def primary_coder(store: Store) -> str | None:
    """The primary human coder: the one set with ``set_primary``, else the first to code."""
    row = store.conn.execute("SELECT value FROM meta WHERE key = 'primary_coder'").fetchone()
    humans = human_coders(store)
    if row is not None and row[0] in humans:
        return str(row[0])
    return humans[0] if humans else None


def set_primary(store: Store, coder: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('primary_coder', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (coder,),
        )


def coded_units(store: Store, coders: Sequence[str] | None = None) -> pd.DataFrame:
    """``response_id, coder, source, run_id``: which coder coded which answer."""
    import pandas as pd

    sql = "SELECT response_id, coder, source, run_id FROM coded_units"
    args: list[str] = []
    if coders is not None:
        sql += f" WHERE coder IN ({placeholders(len(coders))})"
        args = list(coders)
    df = pd.read_sql_query(sql + " ORDER BY rowid", store.conn, params=args)
    return df.astype({"response_id": str})


def codings(store: Store, coders: Sequence[str] | None = None, *, suggested: bool = False):
    """``response_id, code, coder, source, present, flagged, confidence, run_id, created_at``
    rows of the coders' work (``suggested``: also the review's suggested rows)."""
    import pandas as pd

    where = [] if suggested else ["source != 'suggested'"]
    args: list[str] = []
    if coders is not None:
        where.append(f"coder IN ({placeholders(len(coders))})")
        args = list(coders)
    sql = (
        "SELECT response_id, code, coder, source, present, flagged, confidence, run_id, "
        "created_at FROM codings"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY id"
    )
    df = pd.read_sql_query(sql, store.conn, params=args)
    return df.astype({"response_id": str, "present": bool, "flagged": bool})


def training_answers(store: Store, run_ids: Iterable[str]) -> dict[str, set[str]]:
    """Run id -> the answers that run trained on."""
    out: dict[str, set[str]] = {}
    for part in chunks(list(dict.fromkeys(run_ids))):
        q = placeholders(len(part))
        for run, rid in store.conn.execute(
            f"SELECT run_id, response_id FROM run_training WHERE run_id IN ({q})", part
        ):
            out.setdefault(run, set()).add(str(rid))
    return out


def human_coded_ids(store: Store) -> set[str]:
    """Answers some human coder has coded."""
    return {
        str(r[0])
        for r in store.conn.execute(
            "SELECT DISTINCT response_id FROM coded_units WHERE source = 'human'"
        )
    }
