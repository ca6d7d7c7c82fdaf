"""Reading the codings of a REFI-QDA project (``.qdpx``: a zip with ``project.qde``).

Each ``<User>``'s codings of a text source become that coder's: one :class:`~.read.Row`
per (source, code) with ``coder`` = the user's name (the coding's ``creatingUser``, else
its selection's, its source's, or the project's creating user). A source is identified
by autocode's own export naming, ``"<respondent> – <question>"`` (see
:mod:`autocode.export.qdpx`), or else by its plain text (matched in :mod:`.resolve`), so
autocode's own ``.qdpx`` round-trips and a project coded further in NVivo, ATLAS.ti or
MAXQDA comes back. The users autocode writes for its machine coder (``id="machine:…"``)
are not human coders and are left out. Sources nobody coded are not read.

The archive is read with a size cap (no zip bomb) and the XML without entities or
network access.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

from ..errors import InputError
from .read import RawCodings, Row

#: autocode's export names a source "<respondent> – <question>" (an en dash with spaces)
SOURCE_SEP = " \u2013 "


def _local(tag: Any) -> str:
    if not isinstance(tag, str):  # comments, processing instructions
        return ""
    return tag.rpartition("}")[2]


def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c.tag) == name]


def _first(el: Any, name: str) -> Any | None:
    return next(iter(_kids(el, name)), None)


def read_qdpx(path: str | Path) -> RawCodings:
    """The codings in a ``.qdpx`` archive, one row per (source, code, user)."""
    from lxml import etree

    from ..files import check_zip, read_zip_member
    from ..io.responses import file_sha256

    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file", "check the path")
    try:
        with zipfile.ZipFile(p) as z:
            check_zip(z, p.name)
            names = [n for n in z.namelist() if n.lower().endswith(".qde")]
            if not names:
                raise InputError(f"{p.name} holds no project.qde", "is it a REFI-QDA .qdpx?")
            xml = read_zip_member(z, names[0], p.name)
            parser = etree.XMLParser(
                resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False
            )
            try:
                root = etree.fromstring(xml, parser=parser)
            except etree.XMLSyntaxError as e:
                raise InputError(
                    f"{p.name}: project.qde is not well-formed XML ({e.msg})"
                ) from None
            if _local(root.tag) != "Project":
                raise InputError(f"{p.name}: project.qde is not a REFI-QDA project")
            rows = _rows(p, root, z)
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, OSError):
        raise InputError(f"{p.name} is not a .qdpx archive (not a readable zip file)") from None
    coders = list(dict.fromkeys(r.coder for r in rows if r.coder))
    return RawCodings(str(p), file_sha256(p), "qdpx", rows, coders)


def _rows(p: Path, root: Any, z: zipfile.ZipFile) -> list[Row]:
    users: dict[str, str] = {}
    machine: set[str] = set()
    for group in _kids(root, "Users"):
        for u in _kids(group, "User"):
            g = (u.get("guid") or "").strip("{}").lower()
            name = " ".join((u.get("name") or "").split())
            if g:
                users[g] = name or g
                if (u.get("id") or "").startswith("machine:"):
                    machine.add(g)
    codes: dict[str, str] = {}

    def walk(el: Any) -> None:
        for c in _kids(el, "Code"):
            g = (c.get("guid") or "").strip("{}").lower()
            if g:
                codes[g] = c.get("name") or ""
            walk(c)

    for book in _kids(root, "CodeBook"):
        for top in _kids(book, "Codes"):
            walk(top)
    project_user = (root.get("creatingUser") or root.get("creatingUserGUID") or "").strip("{}")
    rows: list[Row] = []
    for group in _kids(root, "Sources"):
        for src in _kids(group, "TextSource"):
            name = src.get("name") or ""
            where = f"source {name[:60]!r}"
            found: list[tuple[str, str]] = []  # (user guid, code guid)
            for sel in _kids(src, "PlainTextSelection"):
                for cd in _kids(sel, "Coding"):
                    ref = _first(cd, "CodeRef")
                    target = (ref.get("targetGUID") if ref is not None else "") or ""
                    who = (
                        cd.get("creatingUser")
                        or sel.get("creatingUser")
                        or src.get("creatingUser")
                        or project_user
                    )
                    found.append((who.strip("{}").lower(), target.strip("{}").lower()))
            found = [f for f in found if f[0] not in machine]
            if not found:
                continue
            resp, _, q = name.rpartition(SOURCE_SEP)
            ident = resp.strip() if resp else ""
            text = _source_text(p, src, z)
            for who, target in dict.fromkeys(found):
                if target not in codes:
                    raise InputError(
                        f"{p.name}: a coding of {where} names no code of the project's codebook",
                        "export the project again from the program that wrote it",
                    )
                coder = users.get(who)
                if not coder:
                    raise InputError(
                        f"{p.name}: a coding of {where} has no user",
                        "every coding needs its coder (the creatingUser of the coding)",
                    )
                rows.append(Row(where, ident, q.strip() or None, codes[target], coder, text))
    return rows


def _source_text(p: Path, src: Any, z: zipfile.ZipFile) -> str:
    """A source's plain text: inline ``<PlainTextContent>`` or ``internal://`` file."""
    from ..files import read_zip_member

    inline = _first(src, "PlainTextContent")
    if inline is not None and inline.text:
        return str(inline.text)
    path = src.get("plainTextPath") or ""
    if path.startswith("internal://"):
        member = "sources/" + path.removeprefix("internal://")
        if member in z.namelist():
            raw = read_zip_member(z, member, p.name)
            return raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return ""
