"""The codebook: themes, codes (with optional sub-codes) and code sets.

A :class:`Codebook` is a plain value. Its dictionary form (:meth:`Codebook.to_dict`) is the
YAML document described in ``docs/codebook.md`` and also the JSON stored in the project's
``codebook_versions`` table.

GUIDs are deterministic: a node without a GUID gets ``uuid5(CODEBOOK_NAMESPACE, path)``
where ``path`` is its names from the top joined by U+001F, so exporting the same codebook
twice never churns identifiers. A GUID, once given (by an import or a first export), is kept
when the code is later renamed or moved.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError

#: fixed namespace of autocode's uuid5 GUIDs (never change it: GUIDs would churn)
CODEBOOK_NAMESPACE = uuid.UUID("3d4c2a51-8b7e-5f0e-9a61-6c0de5b00c0d")
SCHEMA_VERSION = 1
#: first path element of theme and set GUIDs, so they never equal a code's path GUID
THEME_MARK, SET_MARK = "\x00theme", "\x00set"
GUID_RE = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})$"
)
COLOUR_RE = re.compile(r"^#(?:[A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")
#: colour-blind-safe palette (Okabe-Ito + Tableau 10) used for new codes, chosen by GUID
PALETTE = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1",
    "#FF9DA7", "#9C755F", "#BAB0AC",
)  # fmt: skip


def path_guid(path: Sequence[str]) -> str:
    """The deterministic GUID of a node from its path of names (theme, code, sub-code)."""
    return str(uuid.uuid5(CODEBOOK_NAMESPACE, "\x1f".join(p.strip() for p in path)))


def palette_colour(guid: str) -> str:
    """A stable colour for a node (chosen from :data:`PALETTE` by its GUID)."""
    digest = hashlib.sha256(guid.strip("{}").lower().encode()).digest()
    return PALETTE[int.from_bytes(digest[:8], "big") % len(PALETTE)]


def name_key(name: str) -> str:
    """Names are compared case- and space-insensitively ("Staff " == "staff")."""
    return " ".join(name.split()).casefold()


@dataclass
class Example:
    """An example response: its id in the project and its text."""

    id: str
    text: str = ""


@dataclass
class Code:
    """A code. ``theme`` and ``parent`` are filled in by the codebook (names, or None)."""

    name: str
    definition: str = ""
    inclusion: str = ""
    exclusion: str = ""
    examples: list[Example] = field(default_factory=list)
    colour: str | None = None
    guid: str | None = None
    #: "manual", or {"run": ..., "suggestions": [...], "question": ...}
    provenance: str | dict = "manual"
    codable: bool = True
    codes: list[Code] = field(default_factory=list)  # sub-codes
    #: the questions the code applies to; empty: its parent's / theme's (or every question)
    questions: list[str] = field(default_factory=list)
    theme: str | None = None
    parent: str | None = None
    #: the definition is autocode's draft (from a suggestion), not yet edited by a researcher
    draft: bool = False

    @property
    def color(self) -> str | None:  # the spelling REFI-QDA uses
        return self.colour

    @property
    def description(self) -> str:
        """Definition with inclusion/exclusion notes, as one text (REFI-QDA Description)."""
        return join_description(self.definition, self.inclusion, self.exclusion)


@dataclass
class Theme:
    """A top-level group of codes (a REFI-QDA top-level Code, usually not codable)."""

    name: str
    description: str = ""
    colour: str | None = None
    guid: str | None = None
    codable: bool = False
    codes: list[Code] = field(default_factory=list)
    #: the questions the theme's codes apply to (empty: every question)
    questions: list[str] = field(default_factory=list)

    @property
    def definition(self) -> str:
        return self.description


@dataclass
class CodeSet:
    """A REFI-QDA Set: a named selection of codes (members by GUID).

    A member read from YAML by code name is ``("name", code name)`` until
    :meth:`Codebook.resolve_set_members` (in ``finalize``) turns it into its GUID."""

    name: str
    description: str = ""
    guid: str | None = None
    members: list[str | tuple[str, str]] = field(default_factory=list)


@dataclass
class Codebook:
    """Themes with their codes, codes without a theme (``loose``), and code sets."""

    themes: list[Theme] = field(default_factory=list)
    loose: list[Code] = field(default_factory=list)
    sets: list[CodeSet] = field(default_factory=list)
    name: str = "codebook"
    origin: str | None = None
    #: codes are mutually exclusive: each response gets at most one (single-label)
    exclusive: bool = False

    # -- navigation --------------------------------------------------------------------
    def walk(self) -> Iterator[tuple[tuple[str, ...], Code]]:
        """Every code with its path of names, depth first, in document order."""

        def rec(path: tuple[str, ...], codes: list[Code]) -> Iterator:
            for c in codes:
                p = (*path, c.name)
                yield p, c
                yield from rec(p, c.codes)

        for t in self.themes:
            yield from rec((t.name,), t.codes)
        yield from rec((), self.loose)

    @property
    def codes(self) -> list[Code]:
        """All codable codes, flat, in document order, with ``theme``/``parent`` set."""
        self.link()
        return [c for _, c in self.walk() if c.codable]

    def all_codes(self) -> list[Code]:
        self.link()
        return [c for _, c in self.walk()]

    def code(self, name: str) -> Code | None:
        key = name_key(name)
        return next((c for _, c in self.walk() if name_key(c.name) == key), None)

    def theme(self, name: str) -> Theme | None:
        key = name_key(name)
        return next((t for t in self.themes if name_key(t.name) == key), None)

    # -- question scope (the one rule: docs/study-model.md) -----------------------------
    def node_scopes(self) -> list[tuple[Code, list[str]]]:
        """Every code node with its effective questions (its own list, else its parent
        code's, else its theme's; an empty list = every question), in document order."""
        out: list[tuple[Code, list[str]]] = []

        def rec(codes: list[Code], inherited: list[str]) -> None:
            for c in codes:
                own = c.questions or inherited
                out.append((c, list(own)))
                rec(c.codes, own)

        for t in self.themes:
            rec(t.codes, t.questions)
        rec(self.loose, [])
        return out

    def scopes(self) -> dict[str, list[str]]:
        """Every code name's questions (by :func:`name_key`). A name may belong to several
        codes only when each is scoped to other questions (e.g. an "Other" per question:
        :meth:`validate`); the name's questions are then all of theirs. An empty list =
        every question."""
        out: dict[str, list[str]] = {}
        for c, qs in self.node_scopes():
            key = name_key(c.name)
            if key in out and out[key] and qs:
                out[key] = list(dict.fromkeys([*out[key], *qs]))
            else:
                out[key] = [] if key in out else list(qs)
        return out

    def node_questions(self, code: Code) -> list[str] | None:
        """The questions this code node applies to (None = every question)."""
        return next((qs or None for c, qs in self.node_scopes() if c is code), None)

    def questions_of(self, name: str) -> list[str] | None:
        """The questions code ``name`` applies to; None = every question (also for a name
        that is not in the codebook)."""
        return self.scopes().get(name_key(name)) or None

    def applies(self, name: str, question: str) -> bool:
        """Whether code ``name`` may be applied to an answer to ``question``."""
        qs = self.questions_of(name)
        return qs is None or str(question) in qs

    def codes_for(self, question: str) -> list[Code]:
        """The codable code nodes that apply to ``question``, in document order."""
        return [c for c, qs in self.node_scopes() if c.codable and (not qs or question in qs)]

    def scoped_questions(self) -> list[str]:
        """Every question named in a scope anywhere in the codebook (sorted)."""
        qs = {q for t in self.themes for q in t.questions}
        qs |= {q for _, c in self.walk() for q in c.questions}
        return sorted(qs)

    def by_guid(self) -> dict[str, Code | Theme]:
        out: dict[str, Code | Theme] = {t.guid: t for t in self.themes if t.guid}
        out.update({c.guid: c for _, c in self.walk() if c.guid})
        return out

    def container_of(self, code: Code) -> list[Code]:
        """The list that holds ``code`` (a theme's, a parent code's, or ``loose``)."""
        for t in self.themes:
            if any(c is code for c in t.codes):
                return t.codes
        for _, c in self.walk():
            if any(s is code for s in c.codes):
                return c.codes
        return self.loose

    def link(self) -> Codebook:
        """Set each code's ``theme`` and ``parent`` names."""

        def rec(codes: list[Code], theme: str | None, parent: str | None) -> None:
            for c in codes:
                c.theme, c.parent = theme, parent
                rec(c.codes, theme, c.name)

        for t in self.themes:
            rec(t.codes, t.name, t.name)
        rec(self.loose, None, None)
        return self

    # -- checks and normalisation ------------------------------------------------------
    def validate(self, where: str = "the codebook") -> Codebook:
        """Raise :class:`InputError` on empty or duplicate names, bad GUIDs or colours."""
        seen: dict[str, str] = {}
        themes: set[str] = set()
        guids: set[str] = set()
        for t in self.themes:
            _check_node(t.name, t.guid, t.colour, "theme", where)
            if name_key(t.name) in themes:
                raise InputError(
                    f"{where} has two themes named {t.name!r}", "give each theme its own name"
                )
            themes.add(name_key(t.name))
        scoped: dict[str, list[list[str]]] = {}
        for c, qs in self.node_scopes():
            _check_node(c.name, c.guid, c.colour, "code", where)
            key = name_key(c.name)
            # one name for several codes only when each belongs to other questions (an
            # "Other" per question): an answer's question then says which code it is
            if key in seen and (
                not qs or any(not o or set(o) & set(qs) for o in scoped.get(key, []))
            ):
                raise InputError(
                    f"{where} has a duplicate code name {c.name!r}",
                    "code names must be unique (codings refer to codes by name), unless each "
                    "code of that name belongs to other questions (questions: [...]); rename "
                    "one or scope them",
                )
            seen[key] = c.name
            scoped.setdefault(key, []).append(qs)
        for g in [t.guid for t in self.themes] + [c.guid for _, c in self.walk()]:
            if g is None:
                continue
            gk = g.strip("{}").lower()
            if gk in guids:
                raise InputError(f"{where} uses the GUID {g} twice", "GUIDs must be unique")
            guids.add(gk)
        return self

    def check_characters(self, where: str = "the codebook") -> Codebook:
        """Raise :class:`InputError` when a name or description holds a control character
        (or another character XML 1.0, and so .qdc, .qdpx and XLSX, cannot hold): refused
        on the way in, so no export fails on it later (:mod:`autocode.chars`)."""
        from ..chars import first_not_xml

        nodes = [("theme", t.name, t.description) for t in self.themes]
        nodes += [("code", c.name, c.description) for _, c in self.walk()]
        nodes += [("set", st.name, st.description) for st in self.sets]
        for kind, name, desc in nodes:
            for part, text in (("name", name), ("description", desc)):
                ch = first_not_xml(text)
                if ch is not None:
                    raise InputError(
                        f"{where}: the {part} of {kind} {name!r} contains the control "
                        f"character U+{ord(ch):04X}, which XML files cannot hold",
                        f"remove it from the {part}",
                    )
        return self

    def assign_guids(self) -> Codebook:
        """Give every node without a GUID its deterministic path GUID (see the module doc)."""
        used = {g.strip("{}").lower() for g in self._guids() if g}

        def fresh(path: list[str]) -> str:
            guid, n = path_guid(path), 1
            while guid in used:  # the same path as another node (or a renamed one's GUID)
                n += 1
                guid = path_guid([*path, f"#{n}"])
            used.add(guid)
            return guid

        for t in self.themes:
            if not t.guid:
                t.guid = fresh([THEME_MARK, t.name])
        for path, c in self.walk():
            if not c.guid:
                c.guid = fresh(list(path))
        for s in self.sets:
            if not s.guid:
                s.guid = fresh([SET_MARK, s.name])
        return self

    def _guids(self) -> list[str | None]:
        return (
            [t.guid for t in self.themes]
            + [c.guid for _, c in self.walk()]
            + [s.guid for s in self.sets]
        )

    def finalize(self, where: str = "the codebook") -> Codebook:
        """Validate, fill missing GUIDs and link parents (what every loader returns)."""
        self.validate(where)
        self.assign_guids()
        self.resolve_set_members()
        self.validate(where)
        return self.link()

    # -- dictionary (YAML/JSON) form ----------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"autocode_codebook": SCHEMA_VERSION, "name": self.name}
        if self.origin:
            doc["origin"] = self.origin
        doc["exclusive"] = self.exclusive
        from .document import _code_dict, _drop_empty, _theme_dict

        doc["themes"] = [_theme_dict(t) for t in self.themes]
        if self.loose:
            doc["codes"] = [_code_dict(c) for c in self.loose]
        if self.sets:
            by_guid = {c.guid: c.name for _, c in self.walk()}
            by_guid.update({t.guid: t.name for t in self.themes})
            doc["sets"] = [
                _drop_empty(
                    {
                        "name": s.name,
                        "description": s.description,
                        "guid": s.guid,
                        "codes": [
                            by_guid.get(g, g) if isinstance(g, str) else g[1] for g in s.members
                        ],
                    }
                )
                for s in self.sets
            ]
        return doc

    @classmethod
    def from_dict(cls, doc: Any, where: str = "the codebook") -> Codebook:
        """Build from the YAML/JSON form; raises :class:`InputError` on a bad document.

        GUIDs missing in the document stay ``None`` (call :meth:`finalize`).
        """
        from .document import _bool, _code_from, _list, _opt_str, _theme_from

        if not isinstance(doc, dict):
            raise InputError(f"{where} is not a codebook document (expected a mapping)")
        ver = doc.get("autocode_codebook", SCHEMA_VERSION)
        if ver != SCHEMA_VERSION:
            raise InputError(
                f"{where} has codebook schema {ver!r}; this autocode reads {SCHEMA_VERSION}",
                "upgrade autocode",
            )
        themes = [_theme_from(t, where) for t in _list(doc, "themes", where)]
        loose = [_code_from(c, where) for c in _list(doc, "codes", where)]
        cb = cls(
            themes=themes,
            loose=loose,
            name=str(doc.get("name") or "codebook"),
            origin=_opt_str(doc.get("origin")),
            exclusive=_bool(doc.get("exclusive", False), "exclusive", where),
        )
        names: dict[str, str] = {}
        for t in themes:
            names[name_key(t.name)] = t.guid or ""
        for _path, c in cb.walk():
            names[name_key(c.name)] = c.guid or ""
        sets = []
        for s in _list(doc, "sets", where):
            if not isinstance(s, dict) or not s.get("name"):
                raise InputError(f"{where}: every set needs a name")
            members: list[str | tuple[str, str]] = []
            for m in s.get("codes") or []:
                m = str(m)
                if GUID_RE.match(m):
                    members.append(m)
                elif name_key(m) in names:
                    members.append(("name", m))  # resolved after GUIDs are assigned
                else:
                    raise InputError(f"{where}: set {s['name']!r} lists unknown code {m!r}")
            sets.append(
                CodeSet(
                    name=str(s["name"]),
                    description=str(s.get("description") or ""),
                    guid=_opt_str(s.get("guid")),
                    members=members,
                )
            )
        cb.sets = sets
        return cb

    def resolve_set_members(self) -> Codebook:
        """Turn set members given by name (YAML) into GUIDs (after :meth:`assign_guids`)."""
        for s in self.sets:
            out: list[str | tuple[str, str]] = []
            for m in s.members:
                if isinstance(m, tuple):
                    node = self.code(m[1]) or self.theme(m[1])
                    if node is None:
                        out.append(m[1])
                    else:  # a node without a GUID yet keeps the name until it has one
                        out.append(node.guid or m)
                else:
                    out.append(m)
            s.members = out
        return self


# -- description (REFI-QDA has one Description; autocode keeps three fields) --------------
_DESC_RE = re.compile(r"(?s)(.*?)(?:\n\nInclusion: (.*?))?(?:\n\nExclusion: (.*))?")


def join_description(definition: str, inclusion: str = "", exclusion: str = "") -> str:
    out = definition
    if inclusion:
        out += "\n\nInclusion: " + inclusion
    if exclusion:
        out += "\n\nExclusion: " + exclusion
    return out


def split_description(text: str) -> tuple[str, str, str]:
    """Inverse of :func:`join_description`; a text it cannot rebuild stays the definition."""
    m = _DESC_RE.fullmatch(text)
    if m:
        parts = (m.group(1), m.group(2) or "", m.group(3) or "")
        if join_description(*parts) == text:
            return parts
    return text, "", ""


# -- private helpers ------------------------------------------------------------------------
def _check_node(name: Any, guid: Any, colour: Any, kind: str, where: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where} has a {kind} without a name", f"give every {kind} a name")
    if guid is not None and not GUID_RE.match(str(guid)):
        raise InputError(
            f"{where}: {kind} {name!r} has an invalid GUID {guid!r}",
            "use the form 8-4-4-4-12 hex digits, or delete it to have one generated",
        )
    if colour is not None and not COLOUR_RE.match(str(colour)):
        raise InputError(
            f"{where}: {kind} {name!r} has an invalid colour {colour!r}",
            "use #RRGGBB (or delete it)",
        )
