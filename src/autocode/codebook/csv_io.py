"""Codebook CSV: one row per code with ``name, description, parent``.

Import rules: ``parent`` names a theme, or another code of the file (the row becomes its
sub-code). A row without a parent is a theme when other rows name it as their parent, else a
code without a theme. Optional columns ``inclusion, exclusion, colour, guid`` are read when
present (they are written on export). Column names are case-insensitive; ``code`` may stand
for ``name``, ``definition`` for ``description``, ``theme``/``category`` for ``parent``.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from ..errors import InputError
from .model import Code, Codebook, Theme, name_key

COLUMNS = ["name", "description", "parent", "inclusion", "exclusion", "colour", "guid"]
_ALIASES = {
    "name": ("name", "code", "code name"),
    "description": ("description", "definition"),
    "parent": ("parent", "theme", "category", "parent category"),
    "inclusion": ("inclusion",),
    "exclusion": ("exclusion",),
    "colour": ("colour", "color"),
    "guid": ("guid",),
}


def dumps(codebook: Codebook) -> str:
    cb = codebook.finalize()
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for t in cb.themes:
        if t.description or t.colour or not t.codes:
            w.writerow([t.name, t.description, "", "", "", t.colour or "", t.guid])
    for c in cb.all_codes():
        w.writerow(
            [c.name, c.definition, c.parent or "", c.inclusion, c.exclusion, c.colour or "", c.guid]
        )
    return out.getvalue()


def loads(text: str, where: str = "the CSV codebook") -> Codebook:
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(x.strip() for x in r)]
    if not rows:
        raise InputError(f"{where} is empty", "expected columns name,description,parent")
    header = [h.strip().lower() for h in rows[0]]
    col: dict[str, int] = {}
    for key, names in _ALIASES.items():
        for n in names:
            if n in header:
                col[key] = header.index(n)
                break
    if "name" not in col:
        raise InputError(
            f"{where} has no 'name' column (found: {', '.join(h for h in header if h)})",
            "expected columns name,description,parent",
        )

    def get(r: list[str], key: str) -> str:
        i = col.get(key)
        return r[i].strip() if i is not None and i < len(r) else ""

    recs = []
    for n, r in enumerate(rows[1:], start=2):
        name = get(r, "name")
        if not name:
            raise InputError(f"{where}: row {n} has no name")
        recs.append({k: get(r, k) for k in COLUMNS} | {"name": name, "row": n})
    parents = {name_key(r["parent"]) for r in recs if r["parent"]}
    by_name: dict[str, dict] = {}
    for r in recs:
        k = name_key(r["name"])
        if k in by_name:
            raise InputError(
                f"{where} has a duplicate code name {r['name']!r} (rows {by_name[k]['row']} "
                f"and {r['row']})",
                "code names must be unique; rename one",
            )
        by_name.setdefault(k, r)
    theme_rows = {
        name_key(r["name"]): r for r in recs if not r["parent"] and name_key(r["name"]) in parents
    }
    code_rows = [r for r in recs if name_key(r["name"]) not in theme_rows]
    code_keys = {name_key(r["name"]) for r in code_rows}

    cb = Codebook(name=Path(where).stem or "codebook")
    themes: dict[str, Theme] = {}
    codes: dict[str, Code] = {}
    for r in code_rows:
        codes[name_key(r["name"])] = Code(
            name=r["name"],
            definition=r["description"],
            inclusion=r["inclusion"],
            exclusion=r["exclusion"],
            colour=r["colour"] or None,
            guid=r["guid"] or None,
        )

    def theme(name: str) -> Theme:
        k = name_key(name)
        if k not in themes:
            tr = theme_rows.get(k, {})
            themes[k] = Theme(
                name=tr.get("name", name),
                description=tr.get("description", ""),
                colour=tr.get("colour") or None,
                guid=tr.get("guid") or None,
            )
            cb.themes.append(themes[k])
        return themes[k]

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
    for k, tr in theme_rows.items():
        theme(tr["name"])
    _check_cycles(cb, codes, where)
    return cb


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


def write(codebook: Codebook, path: str | os.PathLike) -> None:
    Path(path).write_text(dumps(codebook), encoding="utf-8")
