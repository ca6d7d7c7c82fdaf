"""What changes between two codebooks (shown before ``autocode codebook import`` applies).

Nodes are matched by GUID first, then by name (case-insensitive), so a rename in an edited
YAML file shows as a rename, not as a removal plus an addition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Code, Codebook, Theme, name_key

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store

_CODE_FIELDS = ("definition", "inclusion", "exclusion", "colour", "codable", "questions", "draft")
_TEXT = ("definition", "inclusion", "exclusion")


@dataclass(frozen=True)
class Change:
    """One difference. ``kind``: add, remove, rename, move, change; ``what``: code, theme, ..."""

    kind: str
    what: str
    name: str
    detail: str = ""

    def line(self) -> str:
        sign = {"add": "+", "remove": "-"}.get(self.kind, "~")
        text = f"{sign} {self.what} {self.name!r}"
        return f"{text}: {self.detail}" if self.detail else text


def _match(old: list, new: list) -> tuple[dict[int, object], list, list]:
    """Pair new nodes with old ones (by GUID, then by name). Returns (pairs, added, removed)."""
    by_guid = {o.guid.strip("{}").lower(): o for o in old if o.guid}
    by_name = {name_key(o.name): o for o in old}
    used: set[int] = set()
    pairs: dict[int, object] = {}
    added = []
    for n in new:
        o = by_guid.get(n.guid.strip("{}").lower()) if n.guid else None
        if o is None or id(o) in used:
            o = by_name.get(name_key(n.name))
        if o is not None and id(o) not in used:
            pairs[id(n)] = o
            used.add(id(o))
        else:
            added.append(n)
    removed = [o for o in old if id(o) not in used]
    return pairs, added, removed


def diff(old: Codebook | None, new: Codebook) -> list[Change]:
    """The changes that turn ``old`` into ``new`` (an empty list: identical content)."""
    old = old or Codebook()
    out: list[Change] = []
    if old.exclusive != new.exclusive:
        out.append(Change("change", "setting", "exclusive", f"{old.exclusive} → {new.exclusive}"))

    pairs, _, removed = _match(old.themes, new.themes)
    for t in new.themes:
        o = pairs.get(id(t))
        if o is None:
            out.append(Change("add", "theme", t.name))
            continue
        assert isinstance(o, Theme)
        if o.name != t.name:
            out.append(Change("rename", "theme", o.name, f"renamed to {t.name!r}"))
        for f in ("description", "colour", "codable", "questions"):
            if getattr(o, f) != getattr(t, f):
                out.append(Change("change", "theme", t.name, f"{f} changed"))
    out += [Change("remove", "theme", t.name) for t in removed]

    old_where = {id(c): w for c, w in _paths(old)}
    new_codes = _paths(new)
    pairs, _, removed = _match([c for c, _ in _paths(old)], [c for c, _ in new_codes])
    for c, where in new_codes:
        o = pairs.get(id(c))
        if o is None:
            out.append(Change("add", "code", c.name, f"under {where}" if where else ""))
            continue
        assert isinstance(o, Code)
        if o.name != c.name:
            out.append(Change("rename", "code", o.name, f"renamed to {c.name!r}"))
        if old_where[id(o)] != where:
            out.append(
                Change(
                    "move",
                    "code",
                    c.name,
                    f"moved from {old_where[id(o)] or '(top)'} to {where or '(top)'}",
                )
            )
        changed = [f for f in _CODE_FIELDS if getattr(o, f) != getattr(c, f)]
        if [(e.id, e.text) for e in o.examples] != [(e.id, e.text) for e in c.examples]:
            changed.append("examples")
        if changed:
            out.append(Change("change", "code", c.name, ", ".join(changed) + " changed"))
    out += [Change("remove", "code", c.name) for c in removed]

    old_sets = {name_key(s.name): s for s in old.sets}
    new_sets = {name_key(s.name): s for s in new.sets}
    for k, s in new_sets.items():
        if k not in old_sets:
            out.append(Change("add", "set", s.name))
        elif (old_sets[k].description, old_sets[k].members) != (s.description, s.members):
            out.append(Change("change", "set", s.name, "members or description changed"))
    out += [Change("remove", "set", s.name) for k, s in old_sets.items() if k not in new_sets]
    return out


def _paths(cb: Codebook) -> list[tuple[Code, str]]:
    """Each code with the name of what holds it ("" for a code without a theme)."""
    cb.link()
    return [(c, c.parent or "") for _, c in cb.walk()]


def render(changes: list[Change]) -> list[str]:
    return [c.line() for c in changes]


def reconcile(
    current: Codebook | None,
    new: Codebook,
    keep_extras: bool = False,
    fmt_lacks_scope: bool = False,
) -> Codebook:
    """Match an imported codebook to the current one before diffing and applying it.

    Codes and themes without a GUID take the GUID of the same-named current node (so an
    edited YAML file without GUIDs does not churn them). With ``keep_extras`` (formats
    that cannot hold them: ``.qdc``, CSV), matched codes keep their examples and provenance;
    with ``fmt_lacks_scope`` (``.qdc``), codes and themes also keep their question scope.
    A matched code stays a ``draft`` only while its definition, inclusion and exclusion are
    unchanged (an edit makes them the researcher's; a file can clear the flag, never set it).
    """
    if current is None:
        return new.finalize()
    for t in new.themes:
        old_t = current.theme(t.name)
        if not t.guid:
            t.guid = old_t.guid if old_t is not None else None
        if fmt_lacks_scope and old_t is not None:
            t.questions = list(old_t.questions)
    old_by_guid = {c.guid.strip("{}").lower(): c for _, c in current.walk() if c.guid}
    for _, c in new.walk():
        old = old_by_guid.get(c.guid.strip("{}").lower()) if c.guid else None
        old = old or current.code(c.name)  # some tools write new GUIDs on re-export
        if old is None:
            continue
        if not c.guid:
            c.guid = old.guid
        if any(getattr(c, f) != getattr(old, f) for f in _TEXT):
            c.draft = False  # a researcher edited autocode's draft definition: theirs now
        elif fmt_lacks_scope:  # .qdc holds no draft flag: the current one stays
            c.draft = old.draft
        else:  # a file may clear the flag, never set it on a researcher's definition
            c.draft = c.draft and old.draft
        if keep_extras:
            c.examples = list(old.examples)
            c.provenance = old.provenance
            if fmt_lacks_scope:  # .qdc has no question scope: keep the current one
                c.questions = list(old.questions)
    if keep_extras:  # .qdc and CSV hold neither the name nor the exclusive flag
        new.name = current.name
        new.exclusive = current.exclusive
    return new.finalize()


def scope_warnings(store: Store, cb: Codebook) -> list[str]:
    """One line per question a scope names that the project has no answers to (a typo, or
    the survey is not imported yet)."""
    from ..project import responses

    have = set(responses.questions(store))
    if not have:
        return []
    return [
        f"the codebook scopes codes to question {q!r}, which the project has no answers to "
        f"(questions: {', '.join(sorted(have))})"
        for q in cb.scoped_questions()
        if q not in have
    ]
