"""The review state and how each decision changes it (replayed from the decision log).

Every decision (accept, reject, merge, split, skip, import, undo) is one row of the
``decisions`` table, written in one ``BEGIN IMMEDIATE`` transaction together with what it
changes: the new codebook version (only when it changed) and the suggested codings of
accepted suggestions (source ``suggested``, never a coder's work; human codings are never
touched), all through the project's repositories (:mod:`autocode.project`). Nothing in the
log is deleted: ``undo`` appends a row whose ``reverses`` names the decision it cancels, and
undoing an undo restores the decision.

The state (codebook, status of every suggestion, members of every code) is derived by
replaying the active decisions in id order (:func:`replay`), so it is deterministic and the
same in every process. A new decision is checked against the state replayed inside its own
transaction, so two processes deciding at once are serialised and lose nothing. A decision
that no longer applies after an earlier one was undone is kept in the log and marked void.
"""

from __future__ import annotations

import getpass
import json
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..codebook.model import (
    THEME_MARK,
    Code,
    Codebook,
    Example,
    Theme,
    name_key,
    palette_colour,
    path_guid,
)
from ..errors import InputError, NotFoundError
from .define import _apply_define, _apply_scope, scope_summary

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store

CODER = "autocode"
PENDING = ("pending", "skipped")
MAX_EXAMPLES = 5


@dataclass
class Suggestion:
    """A candidate code of a suggest run (or a part made by a split), with its review status."""

    run_id: str
    id: str
    label: str
    keywords: list[str]
    size: int
    theme: str | None = None  # the run's candidate theme label
    question: str | None = None
    #: the questions its answers come from (suggest --across-questions: question is None)
    questions: list[str] = field(default_factory=list)
    exemplars: list[dict] = field(default_factory=list)  # [{"id", "text"}]
    parent: str | None = None  # the split suggestion this part came from
    status: str = "pending"  # pending, skipped, accepted, rejected, merged, split
    code: str | None = None  # GUID of its code once accepted or merged
    decision: int | None = None  # the decision that set the status
    matches: dict | None = None  # the existing code it matched when suggest ran
    definition: dict | None = None  # its draft definition (suggest's :mod:`..suggest.define`)


@dataclass
class Decision:
    id: int | None
    run_id: str | None
    action: str
    payload: dict
    user: str
    created_at: str
    reverses: int | None = None
    active: bool = True  # False once reversed by an active undo
    void: str | None = None  # why it no longer applies (an earlier decision was undone)
    result: dict = field(default_factory=dict)  # what it did (filled in by :func:`record`)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "run": self.run_id,
            "action": self.action,
            "summary": summary(self),
            "user": self.user,
            "at": self.created_at,
            "reverses": self.reverses,
            "active": self.active,
            "void": self.void,
            "payload": self.payload,
            **({"result": self.result} if self.result else {}),
        }


@dataclass
class ReviewState:
    codebook: Codebook
    suggestions: dict[tuple[str, str], Suggestion] = field(default_factory=dict)
    #: code GUID -> {response id: run id}
    members: dict[str, dict[str, str]] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    _runs: set[str] = field(default_factory=set)
    _base_members: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    _part_members: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def queue(self, run_id: str) -> list[Suggestion]:
        """The run's suggestions (and split parts) in review order (S1, S2, S2a, S2b, S3 ...)."""
        return sorted(
            (s for (r, _), s in self.suggestions.items() if r == run_id),
            key=lambda s: natural_key(s.id),
        )

    def code_name(self, guid: str | None) -> str | None:
        node = self.codebook.by_guid().get(guid) if guid else None
        return node.name if node else None


def natural_key(sid: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", sid))


def resolve_user(user: str | None = None) -> str:
    """``--user``, else ``$AUTOCODE_USER``, else the operating-system user."""
    if user and user.strip():
        return user.strip()
    env = os.environ.get("AUTOCODE_USER", "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database (containers)
        return "unknown"


def resolve_run(store: Store, run_id: str | None = None) -> dict:
    """The given suggest run, or the latest finished one."""
    if run_id:
        run = store.get_run(run_id)
        if run is None or run["stage"] != "suggest":
            raise NotFoundError(
                f"no suggest run {run_id!r}", "see the run ids in `autocode decisions`"
            )
        return run
    run = store.latest_run("suggest")
    if run is None:
        raise NotFoundError("the project has no suggest run", "run `autocode suggest FILE` first")
    return run


# -- replay -------------------------------------------------------------------------------
def replay(store: Store) -> ReviewState:
    """Rebuild the review state from the decision log (every run's decisions: a code
    accepted in one suggest run stays in the codebook when suggest runs again). Decisions
    of other stages in the same log (e.g. ``reconcile``) are kept, not applied."""
    from ..project import decisions as log

    decs = [
        Decision(
            id=r["id"],
            run_id=r["run_id"],
            action=r["action"],
            payload=r["payload"],
            user=r["user"],
            created_at=r["created_at"],
            reverses=r["reverses"],
        )
        for r in log.all_rows(store)
    ]
    reversers: dict[int, list[Decision]] = {}
    for d in decs:
        if d.action == "undo" and d.reverses is not None:
            reversers.setdefault(d.reverses, []).append(d)
    for d in reversed(decs):  # an undo always comes after what it reverses
        undos = reversers.get(d.id, []) if d.id is not None else []
        d.active = not any(u.active for u in undos)
    state = ReviewState(codebook=Codebook(origin="autocode"), decisions=decs)
    for d in decs:
        if d.action == "undo" or not d.active or d.action not in _HANDLERS:
            continue
        try:
            apply(state, store, d)
        except (InputError, NotFoundError) as e:
            d.void = e.message
    state.codebook.link()
    return state


def load_state(store: Store, run_id: str | None = None) -> ReviewState:
    """The replayed state, with the given run's suggestions loaded (for listing/review)."""
    state = replay(store)
    if run_id:
        _load_run(state, store, run_id)
    return state


def _load_run(state: ReviewState, store: Store, run_id: str) -> None:
    from ..project import suggestions as rows

    if run_id in state._runs:
        return
    themes = {t["id"]: t["label"] for t in rows.themes(store, run_id)}
    run = store.get_run(run_id)
    matched = (json.loads(run["params"] or "{}").get("matches") if run else None) or {}
    drafts = (json.loads(run["params"] or "{}").get("definitions") if run else None) or {}
    listed = rows.suggestions(store, run_id)
    members = rows.members(store, run_id)  # read once: the board replays on every decision
    found: dict[str, set[str]] = {}
    if any(not r["question"] for r in listed):  # across questions: scope from the members
        q_of = {resp: q for resp, *_, q in rows.statuses(store, run_id)}
        for sid, rid, _ in members:
            if q_of.get(rid):
                found.setdefault(sid, set()).add(str(q_of[rid]))
    for r in listed:
        state.suggestions[(run_id, r["id"])] = Suggestion(
            run_id=run_id,
            id=r["id"],
            label=r["label"],
            keywords=list(r["keywords"]),
            size=int(r["size"]),
            theme=themes.get(r["theme_id"]) if r["theme_id"] else None,
            question=r["question"],
            questions=[r["question"]] if r["question"] else sorted(found.get(r["id"], ())),
            exemplars=list(r["exemplars"]),
            matches=matched.get(r["id"]),
            definition=drafts.get(r["id"]),
        )
    for sid, rid, _ in sorted(members):
        state._base_members.setdefault((run_id, sid), []).append(rid)
    state._runs.add(run_id)


def members_of(state: ReviewState, s: Suggestion) -> list[str]:
    key = (s.run_id, s.id)
    if key in state._part_members:
        return state._part_members[key]
    return state._base_members.get(key, [])


def _get(state: ReviewState, store: Store, run_id: str | None, sid: str) -> Suggestion:
    if not run_id:
        raise InputError("the decision names no suggest run")
    _load_run(state, store, run_id)
    s = state.suggestions.get((run_id, sid))
    if s is None:
        raise NotFoundError(
            f"no suggestion {sid!r} in run {run_id}",
            "suggestion ids look like S3; `autocode review` lists them",
        )
    return s


def _pending(state: ReviewState, store: Store, run_id: str | None, sid: str) -> Suggestion:
    s = _get(state, store, run_id, sid)
    if s.status not in PENDING:
        raise InputError(
            f"{sid} is already {s.status} (decision #{s.decision})",
            f"undo that first: `autocode undo {s.decision}`",
        )
    return s


# -- applying one decision to the state (check everything first, then change) ---------------
def apply(state: ReviewState, store: Store, d: Decision) -> None:
    """Apply a decision; raises :class:`InputError` (state unchanged) when it cannot apply."""
    handler = _HANDLERS.get(d.action)
    if handler is None:
        raise InputError(f"unknown decision action {d.action!r}")
    handler(state, store, d)


def _apply_accept(state: ReviewState, store: Store, d: Decision) -> None:
    """A new code; or, when the name is an existing code's, the members join that code."""
    s = _pending(state, store, d.run_id, d.payload["suggestion"])
    name = _clean(d.payload.get("name")) or s.label
    theme = d.payload.get("theme", None)
    existing = state.codebook.code(name)
    if existing is not None:
        if theme is not None and name_key(_clean(theme)) != name_key(existing.theme or ""):
            raise InputError(
                f"a code named {existing.name!r} already exists in theme "
                f"{existing.theme or '(none)'!r}",
                "leave out --theme to add the responses to it, or choose another name with --as",
            )
        _join(state, existing, [s])
        d.payload.update(name=existing.name, theme=existing.theme or "", joined=True)
        _set_status(state, [s], "accepted", existing.guid, d.id)
        return
    theme = s.theme if theme is None else (_clean(theme) or None)
    code = _new_code(state, name, theme, [s])
    d.payload.update(name=name, theme=theme or "")
    _set_status(state, [s], "accepted", code.guid, d.id)


def _widen_scope(state: ReviewState, target: Code, sources: list[Suggestion]) -> None:
    """A code given answers of a question outside its scope now applies to that question
    too (accepting or merging into it says so): its members never carry a code outside its
    questions. A code of every question stays so."""
    cb = state.codebook
    have = cb.questions_of(target.name) if target.name else None
    if have is None:
        return
    add = [q for x in sources for q in _scope(x) if q not in have]
    if add:
        target.questions = sorted({*have, *add})


def _scope(s: Suggestion) -> list[str]:
    """The questions a suggestion's code applies to: its question, or (a suggestion of all
    questions) the questions its answers come from."""
    return [str(s.question)] if s.question else list(s.questions)


def _join(state: ReviewState, target: Code, sources: list[Suggestion]) -> None:
    """Add the members, exemplars and provenance of ``sources`` to an existing code (whose
    scope takes in their questions: :func:`_widen_scope`)."""
    _widen_scope(state, target, sources)
    mem = state.members.setdefault(target.guid or "", {})
    have_ex = {e.id for e in target.examples}
    for s in sources:
        for rid in members_of(state, s):
            mem.setdefault(rid, s.run_id)
        if s.code != target.guid:
            for e in s.exemplars[:2]:
                if str(e.get("id")) not in have_ex and len(target.examples) < MAX_EXAMPLES:
                    target.examples.append(Example(str(e.get("id")), str(e.get("text", ""))))
                    have_ex.add(str(e.get("id")))
    prov = target.provenance if isinstance(target.provenance, dict) else {}
    have = list(prov.get("suggestions", []))
    target.provenance = {
        "run": prov.get("run", sources[0].run_id),
        "suggestions": have + [s.id for s in sources if s.id not in have],
        **({"question": prov["question"]} if prov.get("question") else {}),
    }


def _apply_reject(state: ReviewState, store: Store, d: Decision) -> None:
    s = _pending(state, store, d.run_id, d.payload["suggestion"])
    _set_status(state, [s], "rejected", None, d.id)


def _apply_skip(state: ReviewState, store: Store, d: Decision) -> None:
    s = _pending(state, store, d.run_id, d.payload["suggestion"])
    _set_status(state, [s], "skipped", None, d.id)


def _apply_merge(state: ReviewState, store: Store, d: Decision) -> None:
    ids = list(d.payload["suggestions"])
    if len(ids) < 2:
        raise InputError("a merge needs at least two suggestions")
    seen: set[str] = set()
    for sid in ids:
        if sid in seen:
            raise InputError(f"cannot merge {sid} with itself", "name two different suggestions")
        seen.add(sid)
    sources = [_get(state, store, d.run_id, sid) for sid in ids]
    for s in sources:
        if s.status == "split":
            raise InputError(
                f"{s.id} was split (decision #{s.decision})", "merge its parts instead"
            )
    cb = state.codebook
    guids = [s.code for s in sources if s.code and s.code in cb.by_guid()]
    target = cb.by_guid()[guids[0]] if guids else None
    folded = [cb.by_guid()[g] for g in dict.fromkeys(guids[1:]) if g != guids[0]]
    name = _clean(d.payload.get("name")) or (target.name if target else sources[0].label)
    raw = d.payload.get("theme")  # None: keep/default; "": no theme; else a theme name
    theme = (_clean(raw) or None) if raw is not None else None
    _free_name(cb, name, exclude=[target, *folded])
    if target is None:
        if raw is None:
            theme = sources[0].theme
        target = _new_code(state, name, theme, sources)
    else:
        assert isinstance(target, Code)
        target.name = name
        if raw is not None and name_key(target.theme or "") != name_key(theme or ""):
            _detach(cb, target)
            (_theme(cb, theme).codes if theme else cb.loose).append(target)
        for f in folded:
            assert isinstance(f, Code)
            _detach(cb, f)
            target.codes.extend(f.codes)
            if isinstance(f.provenance, dict) and isinstance(target.provenance, dict):
                have = target.provenance.setdefault("suggestions", [])
                have += [x for x in f.provenance.get("suggestions", []) if x not in have]
            target.examples = (target.examples + f.examples)[:MAX_EXAMPLES]
            merged = state.members.pop(f.guid or "", {})
            state.members.setdefault(target.guid or "", {}).update(merged)
            for other in state.suggestions.values():
                if other.code == f.guid:
                    other.code = target.guid
        _join(state, target, sources)
    d.payload.update(name=name)
    _set_status(state, sources, "merged", target.guid, d.id)
    cb.link()


def _apply_split(state: ReviewState, store: Store, d: Decision) -> None:
    s = _pending(state, store, d.run_id, d.payload["suggestion"])
    parts = d.payload["parts"]
    got = sorted(rid for p in parts for rid in p["members"])
    if got != sorted(members_of(state, s)):
        raise InputError(f"the parts of {s.id} no longer match its members")
    for p in parts:
        if (s.run_id, p["id"]) in state.suggestions:
            raise InputError(f"suggestion {p['id']} already exists")
    for p in parts:
        key = (s.run_id, p["id"])
        state.suggestions[key] = Suggestion(
            run_id=s.run_id,
            id=p["id"],
            label=p["label"],
            keywords=list(p["keywords"]),
            size=len(p["members"]),
            theme=s.theme,
            question=s.question,
            questions=list(s.questions),
            exemplars=list(p["exemplars"]),
            parent=s.id,
        )
        state._part_members[key] = list(p["members"])
    _set_status(state, [s], "split", None, d.id)


def _apply_import(state: ReviewState, store: Store, d: Decision) -> None:
    """Replace the codebook; codes keep their members when matched by GUID, else by name
    (some QDA programs write new GUIDs when they re-export a codebook)."""
    cb = Codebook.from_dict(d.payload["codebook"], "the imported codebook").finalize()
    old = state.codebook
    old_guids = {c.guid for _, c in old.walk()}
    members: dict[str, dict[str, str]] = {}
    moved: dict[str, str] = {}
    for _, c in cb.walk():
        if c.guid in old_guids:
            src = c.guid
        else:
            same = old.code(c.name)
            src = same.guid if same is not None else None
        guid = c.guid or ""  # finalize() gave every code one
        if src and src in state.members and guid not in members:
            members[guid] = state.members[src]
            moved[src] = guid
    state.members = members
    for s in state.suggestions.values():
        if s.code in moved:
            s.code = moved[s.code]
    state.codebook = cb


def _apply_move(state: ReviewState, store: Store, d: Decision) -> None:
    from .moving import apply_move

    apply_move(state, store, d)


_HANDLERS = {
    "define": _apply_define,
    "scope": _apply_scope,
    "accept": _apply_accept,
    "reject": _apply_reject,
    "skip": _apply_skip,
    "merge": _apply_merge,
    "split": _apply_split,
    "import": _apply_import,
    "move": _apply_move,
}


def _detach(cb: Codebook, code: Code) -> None:
    box = cb.container_of(code)
    box[:] = [c for c in box if c is not code]


def _clean(name: Any) -> str:
    return " ".join(str(name).split()) if name is not None else ""


def _free_name(cb: Codebook, name: str, exclude: list | None = None) -> None:
    if not name:
        raise InputError("a code needs a name", "pass --as NAME")
    other = cb.code(name)
    if other is not None and not any(other is e for e in exclude or []):
        raise InputError(
            f"a code named {other.name!r} already exists",
            "choose another name with --as, or merge the suggestions",
        )


def _unique_guid(cb: Codebook, path: list[str]) -> str:
    used = {g.strip("{}").lower() for g in cb.by_guid()}
    guid, n = path_guid(path), 1
    while guid in used:  # the path was used before (a renamed code keeps its GUID)
        n += 1
        guid = path_guid([*path, f"#{n}"])
    return guid


def _theme(cb: Codebook, name: str) -> Theme:
    t = cb.theme(name)
    if t is None:
        guid = _unique_guid(cb, [THEME_MARK, name])
        t = Theme(name=name, guid=guid, colour=palette_colour(guid))
        cb.themes.append(t)
    return t


def _new_code(state: ReviewState, name: str, theme: str | None, sources: list[Suggestion]):
    cb = state.codebook
    keywords = list(dict.fromkeys(k for s in sources for k in s.keywords[:6]))
    examples = [
        Example(id=str(e.get("id")), text=str(e.get("text", "")))
        for s in sources
        for e in s.exemplars[:3]
    ][:MAX_EXAMPLES]
    path = [theme, name] if theme else [name]
    guid = _unique_guid(cb, path)
    draft = next((s.definition for s in sources if s.definition), None) or {}
    code = Code(
        name=name,
        definition=str(draft.get("definition") or "")
        or (("Responses about " + ", ".join(keywords) + ".") if keywords else ""),
        inclusion=str(draft.get("inclusion") or ""),
        exclusion=str(draft.get("exclusion") or ""),
        draft=True,  # autocode wrote it: a draft until a researcher edits it
        examples=examples,
        colour=palette_colour(guid),
        guid=guid,
        provenance={
            "run": sources[0].run_id,
            "suggestions": [s.id for s in sources],
            **({"question": sources[0].question} if sources[0].question else {}),
        },
    )
    code.questions = sorted({q for x in sources for q in _scope(x)})
    (_theme(cb, theme).codes if theme else cb.loose).append(code)
    mem = state.members.setdefault(guid, {})
    for s in sources:
        for rid in members_of(state, s):
            mem.setdefault(rid, s.run_id)
    cb.link()
    return code


def _set_status(state, sources: list[Suggestion], status: str, guid, decision_id) -> None:
    for s in sources:
        s.status, s.code, s.decision = status, guid, decision_id


def summary(d: Decision) -> str:
    p = d.payload
    if d.action == "accept":
        theme = f" in theme {p['theme']!r}" if p.get("theme") else ""
        return f"{p['suggestion']} → code {p.get('name')!r}{theme}"
    if d.action in ("reject", "skip"):
        return str(p["suggestion"])
    if d.action == "merge":
        return "+".join(p["suggestions"]) + (f" → code {p['name']!r}" if p.get("name") else "")
    if d.action == "split":
        return f"{p['suggestion']} → " + ", ".join(x["id"] for x in p["parts"])
    if d.action == "move":
        from .moving import summary_of

        return summary_of(p)
    if d.action == "undo":
        return f"reverses #{d.reverses}"
    if d.action == "import":
        return f"codebook from {p.get('source')}"
    if d.action == "define":
        return f"definition of {p.get('code')!r}"
    if d.action == "scope":
        return scope_summary(p)
    if d.action == "reconcile":
        if p.get("kind") == "cell":
            state = "present" if p.get("present") else "absent"
            return f"{p.get('answer')}: {p.get('code')!r} {state}"
        answers = p.get("answers") or {}
        if len(answers) == 1:
            rid, codes = next(iter(answers.items()))
            return f"{rid} → " + ("; ".join(codes) if codes else "no code")
        via = f" ({p['via']})" if p.get("via") else ""
        return f"{len(answers)} answers{via}"
    return ""
