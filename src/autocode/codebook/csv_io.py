"""Codebook CSV: one row per theme or code.

Export (``autocode codebook export -f csv``) writes the columns ``name, kind, theme, parent,
description, inclusion, exclusion, colour, guid, questions, draft`` (``questions``: the question ids
a theme or code applies to, separated by ``;``; empty = every question): ``kind`` is
``theme`` or ``code``; a code's ``theme`` column names its theme and ``parent`` its parent
code (sub-codes only), so a code may share its name with a theme and the file imports back
as the same codebook; ``draft`` is ``true`` for a definition autocode drafted and no one has
edited yet. Cells are written by :mod:`autocode.tabular` (text a spreadsheet
would run as a formula gets a leading ``'``, removed again on import).

Import also reads simpler files without a ``kind`` column (e.g. ``name, description,
parent``): ``parent`` names a theme, or another code of the file (the row becomes its
sub-code); a row without a parent is a theme when other rows name it as their parent, else a
code without a theme. Column names are case-insensitive; ``code`` may stand for ``name``,
``definition`` for ``description``, ``theme``/``category`` for ``parent`` (without ``kind``)
or for ``theme`` (with it).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..tabular import csv_text, unneutralise
from .model import Code, Codebook, Theme, name_key

COLUMNS = [
    "name", "kind", "theme", "parent", "description", "inclusion", "exclusion", "colour", "guid",
    "questions", "draft",
]  # fmt: skip
_FIELDS = [
    "name", "description", "theme", "parent", "inclusion", "exclusion", "colour", "guid",
    "questions", "draft",
]  # fmt: skip
_ALIASES = {
    "name": ("name", "code", "code name"),
    "kind": ("kind",),
    "description": ("description", "definition"),
    "theme": ("theme", "category"),
    "parent": ("parent", "parent category"),
    "inclusion": ("inclusion",),
    "exclusion": ("exclusion",),
    "colour": ("colour", "color"),
    "guid": ("guid",),
    "questions": ("questions", "question"),
    "draft": ("draft",),
}
_LEGACY_PARENT = ("parent", "theme", "category", "parent category")


def dumps(codebook: Codebook) -> str:
    cb = codebook.finalize()
    rows = [
        [
            t.name,
            "theme",
            "",
            "",
            t.description,
            "",
            "",
            t.colour or "",
            t.guid,
            _qs(t.questions),
            "",
        ]
        for t in cb.themes
    ]

    def add(codes: list[Code], theme: str, parent: str) -> None:
        for c in codes:
            rows.append(
                [
                    c.name, "code", theme, parent, c.definition, c.inclusion, c.exclusion,
                    c.colour or "", c.guid, _qs(c.questions), "true" if c.draft else "",
                ]
            )  # fmt: skip
            add(c.codes, theme, c.name)

    for t in cb.themes:
        add(t.codes, t.name, "")
    add(cb.loose, "", "")
    return csv_text(COLUMNS, rows)


def loads(text: str, where: str = "the CSV codebook") -> Codebook:
    rows = [[unneutralise(x) for x in r] for r in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(x.strip() for x in r)]
    if not rows:
        raise InputError(f"{where} is empty", "expected columns name,description,parent")
    header = [h.strip().lower() for h in rows[0]]
    explicit = "kind" in header
    col: dict[str, int] = {}
    for key, names in _ALIASES.items():
        if not explicit and key == "theme":
            continue
        for alias in names if explicit or key != "parent" else _LEGACY_PARENT:
            if alias in header:
                col[key] = header.index(alias)
                break
    if "name" not in col:
        raise InputError(
            f"{where} has no 'name' column (found: {', '.join(h for h in header if h)})",
            "expected columns name,description,parent",
        )

    def get(r: list[str], key: str) -> str:
        i = col.get(key)
        return r[i].strip() if i is not None and i < len(r) else ""

    recs: list[dict[str, Any]] = []
    for n, r in enumerate(rows[1:], start=2):
        name = get(r, "name")
        if not name:
            raise InputError(f"{where}: row {n} has no name")
        kind = get(r, "kind").lower() or "code"
        if kind not in ("theme", "code"):
            raise InputError(f"{where}: row {n} has kind {kind!r}", "use theme or code")
        recs.append({k: get(r, k) for k in _FIELDS} | {"name": name, "row": n, "kind": kind})
    cb = Codebook(name=Path(where).stem or "codebook")
    codes = _explicit(cb, recs, where) if explicit else _inferred(cb, recs, where)
    _check_cycles(cb, codes, where)
    return cb


def _qs(questions: list[str]) -> str:
    return "; ".join(questions)


def _split_qs(cell: str) -> list[str]:
    """A ``questions`` cell: question ids separated by ``;``."""
    return list(dict.fromkeys(q.strip() for q in cell.split(";") if q.strip()))


def _new_code(r: dict) -> Code:
    return Code(
        questions=_split_qs(r["questions"]),
        name=r["name"],
        definition=r["description"],
        inclusion=r["inclusion"],
        exclusion=r["exclusion"],
        colour=r["colour"] or None,
        guid=r["guid"] or None,
        draft=r["draft"].lower() in ("true", "yes", "1", "y"),
    )


def _theme_maker(cb: Codebook, theme_rows: dict[str, dict]):
    """``theme(name)``: the codebook's theme of that name, added (from its row, if any) the
    first time it is asked for."""
    themes: dict[str, Theme] = {}

    def theme(name: str) -> Theme:
        k = name_key(name)
        if k not in themes:
            tr = theme_rows.get(k, {})
            themes[k] = Theme(
                name=tr.get("name", name),
                description=tr.get("description", ""),
                colour=tr.get("colour") or None,
                guid=tr.get("guid") or None,
                questions=_split_qs(tr.get("questions", "")),
            )
            cb.themes.append(themes[k])
        return themes[k]

    return theme


def _unique(recs: list[dict], what: str, where: str) -> dict[str, dict]:
    by_name: dict[str, dict] = {}
    for r in recs:
        k = name_key(r["name"])
        if k in by_name:
            raise InputError(
                f"{where} has a duplicate {what} name {r['name']!r} (rows {by_name[k]['row']} "
                f"and {r['row']})",
                f"{what} names must be unique; rename one",
            )
        by_name[k] = r
    return by_name


def _explicit(cb: Codebook, recs: list[dict], where: str) -> dict[str, Code]:
    """Rows with a ``kind``: themes by the ``theme`` column, sub-codes by ``parent``. A code
    name may repeat in other themes (an "Other" per question's theme; the codebook's
    :meth:`~autocode.codebook.model.Codebook.validate` checks their questions differ); a
    parent is then the code of that name in the row's theme."""
    theme_rows = _unique([r for r in recs if r["kind"] == "theme"], "theme", where)
    code_list = [r for r in recs if r["kind"] == "code"]
    seen: dict[tuple[str, str], dict] = {}
    for r in code_list:
        k2 = (name_key(r["name"]), name_key(r["theme"]))
        if k2 in seen:
            raise InputError(
                f"{where} has a duplicate code name {r['name']!r} (rows {seen[k2]['row']} "
                f"and {r['row']})",
                "code names must be unique within a theme; rename one",
            )
        seen[k2] = r
    theme = _theme_maker(cb, theme_rows)

    for tr in theme_rows.values():
        theme(tr["name"])
    codes = {k2: _new_code(r) for k2, r in seen.items()}
    named: dict[str, list[tuple[str, str]]] = {}
    for k2 in codes:
        named.setdefault(k2[0], []).append(k2)
    for k2, r in seen.items():
        c, p = codes[k2], r["parent"]
        if p:
            cands = named.get(name_key(p), [])
            same = [k for k in cands if k[1] == k2[1]]
            if not cands:
                raise InputError(
                    f"{where}: row {r['row']}: parent {p!r} is not a code of the file",
                    "put a theme in the theme column; parent names a code",
                )
            if len(same) != 1 and len(cands) != 1:
                raise InputError(
                    f"{where}: row {r['row']}: parent {p!r} names several codes",
                    "give the sub-code its parent's theme in the theme column",
                )
            pk = same[0] if len(same) == 1 else cands[0]
            if pk == k2:
                raise InputError(f"{where}: code {r['name']!r} is its own parent")
            codes[pk].codes.append(c)
        elif r["theme"]:
            theme(r["theme"]).codes.append(c)
        else:
            cb.loose.append(c)
    return {f"{a}\x1f{b}": c for (a, b), c in codes.items()}


def _inferred(cb: Codebook, recs: list[dict], where: str) -> dict[str, Code]:
    """Rows without a ``kind``: ``parent`` names a theme or a code (see the module doc)."""
    _unique(recs, "code", where)
    parents = {name_key(r["parent"]) for r in recs if r["parent"]}
    theme_rows = {
        name_key(r["name"]): r for r in recs if not r["parent"] and name_key(r["name"]) in parents
    }
    code_rows = [r for r in recs if name_key(r["name"]) not in theme_rows]
    code_keys = {name_key(r["name"]) for r in code_rows}
    codes: dict[str, Code] = {name_key(r["name"]): _new_code(r) for r in code_rows}
    theme = _theme_maker(cb, theme_rows)

    for r in code_rows:
        c = codes[name_key(r["name"])]
        p = r["parent"]
        if not p:
            cb.loose.append(c)
        elif name_key(p) in code_keys:
            if name_key(p) == name_key(r["name"]):
                raise InputError(f"{where}: code {r['name']!r} is its own parent")
            codes[name_key(p)].codes.append(c)
        else:
            theme(p).codes.append(c)
    for tr in theme_rows.values():
        theme(tr["name"])
    return codes


def _check_cycles(cb: Codebook, codes: dict[str, Code], where: str) -> None:
    reachable = {id(c) for _, c in cb.walk()}
    lost = [c.name for c in codes.values() if id(c) not in reachable]
    if lost:
        raise InputError(f"{where}: parents form a cycle around {lost[0]!r}")


def read(path: str | os.PathLike) -> Codebook:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no such file: {p}") from None
    from ..io.decode import decode_bytes

    text, _ = decode_bytes(data, p.name)
    return loads(text, where=p.name)
