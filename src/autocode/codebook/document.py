"""The dictionary form of a codebook (what YAML and the stored versions hold): nodes to
plain dicts and back, every field checked with the file and key it came from."""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from .model import Code, Example, Theme


def _drop_empty(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, "", [], {})}


def _code_dict(c: Code) -> dict[str, Any]:
    d: dict[str, Any] = {"name": c.name, "definition": c.definition}
    d.update(_drop_empty({"inclusion": c.inclusion, "exclusion": c.exclusion}))
    if c.draft:
        d["draft"] = True
    if c.examples:
        d["examples"] = [{"id": e.id, "text": e.text} for e in c.examples]
    d.update(_drop_empty({"colour": c.colour, "guid": c.guid}))
    if c.questions:
        d["questions"] = list(c.questions)
    d["provenance"] = c.provenance if isinstance(c.provenance, str) else dict(c.provenance)
    if not c.codable:
        d["codable"] = False
    if c.codes:
        d["codes"] = [_code_dict(s) for s in c.codes]
    return d


def _theme_dict(t: Theme) -> dict[str, Any]:
    d: dict[str, Any] = {"name": t.name}
    d.update(_drop_empty({"description": t.description, "colour": t.colour, "guid": t.guid}))
    if t.codable:
        d["codable"] = True
    if t.questions:
        d["questions"] = list(t.questions)
    d["codes"] = [_code_dict(c) for c in t.codes]
    return d


def _list(doc: dict, key: str, where: str) -> list:
    v = doc.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise InputError(f"{where}: {key!r} must be a list")
    return v


def _opt_str(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


def _bool(v: Any, key: str, where: str) -> bool:
    if isinstance(v, bool):
        return v
    raise InputError(f"{where}: {key!r} must be true or false, got {v!r}")


def _name(d: dict, kind: str, where: str) -> str:
    n = d.get("name")
    if n is None or not str(n).strip():
        raise InputError(f"{where} has a {kind} without a name", f"give every {kind} a name")
    return str(n)


def _code_from(d: Any, where: str) -> Code:
    if not isinstance(d, dict):
        raise InputError(f"{where}: every code must be a mapping with at least a name")
    name = _name(d, "code", where)
    examples = []
    for e in d.get("examples") or []:
        if isinstance(e, dict) and "id" in e:
            examples.append(Example(id=str(e["id"]), text=str(e.get("text") or "")))
        else:
            raise InputError(f"{where}: examples of code {name!r} need an id (and text)")
    prov = d.get("provenance", "manual")
    if not isinstance(prov, (str, dict)):
        raise InputError(f"{where}: provenance of code {name!r} must be 'manual' or a mapping")
    return Code(
        name=name,
        definition=str(d.get("definition") or d.get("description") or ""),
        inclusion=str(d.get("inclusion") or ""),
        exclusion=str(d.get("exclusion") or ""),
        examples=examples,
        colour=_opt_str(d.get("colour", d.get("color"))),
        guid=_opt_str(d.get("guid")),
        provenance=prov,
        codable=_bool(d.get("codable", True), "codable", where),
        codes=[_code_from(s, where) for s in _list(d, "codes", where)],
        questions=_questions(d, f"code {name!r}", where),
        draft=_bool(d.get("draft", False), "draft", where),
    )


def _questions(d: dict, what: str, where: str) -> list[str]:
    """A node's ``questions`` scope: a list of question ids (or one id, or ``a; b``)."""
    v = d.get("questions")
    if v is None or v == "" or v == []:
        return []
    items = v.split(";") if isinstance(v, str) else v
    if not isinstance(items, list) or not all(isinstance(q, (str, int)) for q in items):
        raise InputError(
            f"{where}: 'questions' of {what} must be a list of question ids",
            "write e.g. questions: [mentor_barriers]",
        )
    out = list(dict.fromkeys(str(q).strip() for q in items if str(q).strip()))
    if not out:
        raise InputError(
            f"{where}: 'questions' of {what} is empty", "list a question id or drop it"
        )
    return out


def _theme_from(d: Any, where: str) -> Theme:
    if not isinstance(d, dict):
        raise InputError(f"{where}: every theme must be a mapping with at least a name")
    name = _name(d, "theme", where)
    return Theme(
        name=name,
        questions=_questions(d, f"theme {name!r}", where),
        description=str(d.get("description") or d.get("definition") or ""),
        colour=_opt_str(d.get("colour", d.get("color"))),
        guid=_opt_str(d.get("guid")),
        codable=_bool(d.get("codable", False), "codable", where),
        codes=[_code_from(c, where) for c in _list(d, "codes", where)],
    )
