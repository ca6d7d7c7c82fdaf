"""CLI commands for the review stage: ``review`` (interactive), ``accept``, ``reject``,
``merge``, ``split``, ``undo`` and ``decisions``. Each records decisions through
:mod:`autocode.review`; every decision is committed as soon as it is made, so quitting or
Ctrl-C never loses one, and ``autocode review`` resumes at the next undecided suggestion.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .common import DEFAULT_PROJECT, Interrupted, JsonOpt, ProjectOpt, console, print_json

RunOpt = Annotated[str | None, typer.Option("--run", help="Suggest run id (default: the latest).")]
UserOpt = Annotated[
    str | None,
    typer.Option("--user", help="Who decides (default: $AUTOCODE_USER, else the OS user)."),
]
IdsArg = Annotated[list[str], typer.Argument(help="Suggestion ids, e.g. S3.", show_default=False)]
AsOpt = Annotated[str | None, typer.Option("--as", help="Name of the code.")]
ThemeOpt = Annotated[
    str | None,
    typer.Option(
        "--theme",
        help="Theme of the code, created if needed (default: the "
        'suggestion\'s candidate theme; "" for none).',
    ),
]


def _store(project: Path, readonly: bool = False):
    from ..project import open_store

    return open_store(project, create=False, readonly=readonly)


def _say(d, json_: bool, text: str) -> None:
    if json_:
        print_json(d.to_dict())
    else:
        typer.echo(text)


def _decided(d) -> str:
    r = d.result
    if d.action in ("accept", "merge"):
        theme = f" in theme {r['theme']!r}" if r.get("theme") else ""
        if d.action == "accept" and r.get("joined"):
            head = f"accepted {d.payload['suggestion']} into the existing"
        elif d.action == "accept":
            head = f"accepted {d.payload['suggestion']} as"
        else:
            head = "merged " + "+".join(d.payload["suggestions"]) + " into"
        return f"{head} code {r['code']!r}{theme}: {r['size']} responses (decision #{d.id})"
    if d.action == "split":
        parts = ", ".join(f"{p['id']} ({p['size']}) {p['label']!r}" for p in r["parts"])
        return f"split {d.payload['suggestion']} into {parts} (decision #{d.id})"
    if d.action == "undo":
        u = r["undone"]
        return f"undid #{u['id']} {u['action']} {u['summary']} (decision #{d.id})"
    if d.action == "reject":
        return f"rejected {d.payload['suggestion']} (decision #{d.id})"
    if d.action == "skip":
        return f"skipped {d.payload['suggestion']} (decision #{d.id})"
    return f"decision #{d.id}"


def accept_cmd(
    ids: IdsArg,
    as_: AsOpt = None,
    theme: ThemeOpt = None,
    run: RunOpt = None,
    user: UserOpt = None,
    matched: Annotated[
        bool,
        typer.Option(
            "--matched",
            help="Join the existing code each suggestion matched (see `autocode review --list`).",
        ),
    ] = False,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Accept suggestions as codes (their members become machine-suggested codings)."""
    from .. import review
    from ..errors import InputError

    if as_ and len(ids) > 1:
        raise InputError("--as names one code; accept one suggestion at a time with --as")
    with _store(project) as store:
        review.check_pending(store, ids, run)
        if matched:  # every one must match a code still in the codebook, before any is written
            rid = review.resolve_run(store, run)["id"]
            for sid in ids:
                review.matched_code(store, sid, rid)
        for sid in ids:
            d = review.accept(
                store, sid, name=as_, theme=theme, run_id=run, user=user, matched=matched
            )
            _say(d, json_, _decided(d))


def reject_cmd(
    ids: IdsArg,
    run: RunOpt = None,
    user: UserOpt = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Reject suggestions (they stay in the run, marked rejected)."""
    from .. import review

    with _store(project) as store:
        review.check_pending(store, ids, run)
        for sid in ids:
            d = review.reject(store, sid, run_id=run, user=user)
            _say(d, json_, _decided(d))


def merge_cmd(
    ids: IdsArg,
    as_: AsOpt = None,
    theme: ThemeOpt = None,
    run: RunOpt = None,
    user: UserOpt = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Merge two or more suggestions into one code (or into the code one of them became)."""
    from .. import review

    with _store(project) as store:
        d = review.merge(store, ids, name=as_, theme=theme, run_id=run, user=user)
        _say(d, json_, _decided(d))


def split_cmd(
    sid: Annotated[str, typer.Argument(help="Suggestion id, e.g. S4.", show_default=False)],
    k: Annotated[
        int | None, typer.Option("--k", help="Number of parts (default: 2-4 by silhouette).")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Local embedding model folder, if not the run's default."),
    ] = None,
    run: RunOpt = None,
    user: UserOpt = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Split a suggestion: re-cluster its members into parts to review one by one."""
    from .. import review

    with _store(project) as store:
        d = review.split(store, sid, k=k, model=model, run_id=run, user=user)
        _say(d, json_, _decided(d))


def undo_cmd(
    decision: Annotated[
        int | None,
        typer.Argument(help="Decision id to reverse (default: your latest).", show_default=False),
    ] = None,
    user: UserOpt = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Reverse a decision by appending a reversal (nothing is deleted)."""
    from .. import review

    with _store(project) as store:
        d = review.undo(store, decision, user=user)
        _say(d, json_, _decided(d))


def decisions_cmd(
    run: Annotated[
        str | None, typer.Option("--run", help="Only decisions about this suggest run.")
    ] = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Show the decision log: who decided what, when, and what was undone."""
    from rich.table import Table

    from .. import review

    with _store(project, readonly=True) as store:
        decs = review.replay(store).decisions
    if run:
        decs = [d for d in decs if d.run_id == run]
    if json_:
        print_json([d.to_dict() for d in decs])
        return
    if not decs:
        typer.echo("no decisions yet")
        return
    t = Table(show_edge=False, pad_edge=False)
    for col in ("#", "when (UTC)", "user", "run", "action", "what", "state"):
        t.add_column(col, overflow="fold", no_wrap=col in ("#", "when (UTC)", "action"))
    for d in decs:
        state = "void: " + d.void if d.void else ("active" if d.active else "undone")
        t.add_row(
            str(d.id),
            d.created_at.replace("T", " ")[:16],
            d.user,
            d.run_id or "",
            d.action,
            review.summary(d),
            state,
        )
    console().print(t)


# -- the interactive loop ----------------------------------------------------------------
KEYS = "(a)ccept  (r)eject  (m)erge  (s)plit  s(k)ip  (u)ndo  (q)uit"


def _read_key(prompt: str) -> str:
    """One key on a terminal; otherwise one line of input (tests, pipes). EOF means quit."""
    if sys.stdin is not None and sys.stdin.isatty():  # pragma: no cover - needs a terminal
        typer.echo(f"{prompt} ", nl=False)
        ch = typer.getchar()
        typer.echo(ch)
        return ch.strip().lower()[:1]
    try:
        line = input(f"{prompt} ")
    except EOFError:
        return "q"
    return line.strip().lower()[:1]


def _ask(label: str, default: str = "") -> str:
    shown = f" [{default}]" if default else ""
    try:
        line = input(f"  {label}{shown}: ")
    except EOFError:
        line = ""
    return line.strip() or default


def _show(s, position: str, members: int) -> None:
    from rich.panel import Panel
    from rich.text import Text

    body = Text()
    body.append(s.label, style="bold")
    body.append(f"\n{members} responses")
    if s.theme:
        body.append(f" · candidate theme: {s.theme}")
    if s.parent:
        body.append(f" · split from {s.parent}")
    if s.status == "skipped":
        body.append(" · skipped before")
    if s.matches:
        from ..suggest.match import describe

        body.append(f"\n{describe(s.matches)}: (a)ccept joins it", style="bold cyan")
    if s.keywords:
        body.append("\nkeywords: " + ", ".join(s.keywords), style="dim")
    for e in s.exemplars[:3]:
        quote = " ".join(str(e.get("text", "")).split())
        quote = quote if len(quote) <= 280 else quote[:279] + "…"
        body.append(f"\n  “{quote}”", style="italic")
        body.append(f"  ({e.get('id')})", style="dim")
    console().print(Panel(body, title=f"{s.id} · {position}", title_align="left"))


def _list(project: Path, run: str | None, json_: bool) -> None:
    from rich.table import Table

    from .. import review
    from ..suggest.match import describe

    with _store(project, readonly=True) as store:
        run_id = review.resolve_run(store, run)["id"]
        rows = review.listing(store, run_id)
    if json_:
        print_json({"run": run_id, "suggestions": rows})
        return
    t = Table(show_edge=False, pad_edge=False, title=f"{run_id}: {len(rows)} suggestions")
    for col in ("id", "suggestion", "n", "status", "code", "matches"):
        t.add_column(col, overflow="fold", no_wrap=col in ("id", "n"))
    for r in rows:
        t.add_row(
            r["id"],
            r["label"],
            str(r["size"]),
            r["status"],
            r["code"] or "",
            describe(r["matches"]).removeprefix("matches "),
        )
    console().print(t)


def review_cmd(
    run: RunOpt = None,
    user: UserOpt = None,
    list_: Annotated[
        bool,
        typer.Option(
            "--list", help="List the run's suggestions, their status and matched codes; no review."
        ),
    ] = False,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Review the latest run's suggestions one by one (quit any time; it resumes).

    ``--list`` (or ``--json``) lists them instead, with their status and the existing code
    each matched when suggest ran."""
    from .. import review
    from ..errors import AutocodeError

    if list_ or json_:
        _list(project, run, json_)
        return
    store = _store(project)
    try:
        run_id = review.resolve_run(store, run)["id"]
        who = review.resolve_user(user)
        skipped_now: set[str] = set()
        made = 0
        while True:
            state = review.load_state(store, run_id)
            queue = state.queue(run_id)
            todo = [s for s in queue if s.status in review.PENDING and s.id not in skipped_now]
            todo.sort(key=lambda s: (s.status == "skipped", review.natural_key(s.id)))
            if not todo:
                left = sum(s.status in review.PENDING for s in queue)
                typer.echo(
                    f"nothing left to review in {run_id}"
                    + (f" ({left} skipped; `autocode review` shows them again)" if left else "")
                )
                break
            s = todo[0]
            done = sum(x.status not in review.PENDING for x in queue)
            _show(s, f"{done} of {len(queue)} decided", len(review.members_of(state, s)))
            key = _read_key(KEYS)
            try:
                d = None
                if key == "a":
                    known = state.codebook.code(str(s.matches["code"])) if s.matches else None
                    name = _ask("code name", known.name if known else s.label)
                    if known is not None and name == known.name:  # joins it, in its theme
                        theme = None
                    else:
                        answer = _ask("theme (- for none)", s.theme or "")
                        theme = (
                            None if answer == (s.theme or "") else ("" if answer == "-" else answer)
                        )
                    d = review.accept(store, s.id, name=name, theme=theme, run_id=run_id, user=who)
                elif key == "r":
                    d = review.reject(store, s.id, run_id=run_id, user=who)
                elif key == "m":
                    others = [
                        f"{x.id} {x.label!r}" + (" (accepted)" if x.status == "accepted" else "")
                        for x in queue
                        if x.id != s.id and x.status in (*review.PENDING, "accepted")
                    ][:12]
                    typer.echo("  others: " + "; ".join(others))
                    other = _ask("merge with (suggestion id)")
                    if not other:
                        continue
                    name = _ask("code name", s.label)
                    other = other[:1].upper() + other[1:]
                    d = review.merge(store, [s.id, other], name=name, run_id=run_id, user=who)
                elif key == "s":
                    k = _ask("number of parts (2-4, empty: best)")
                    d = review.split(
                        store, s.id, k=int(k) if k.isdigit() else None, run_id=run_id, user=who
                    )
                elif key == "k":
                    d = review.skip(store, s.id, run_id=run_id, user=who)
                    skipped_now.add(s.id)
                elif key == "u":
                    d = review.undo(store, user=who)
                    undone = d.result["undone"]
                    if undone["action"] == "skip":
                        skipped_now.discard(undone["summary"])
                elif key == "q":
                    break
                else:
                    typer.echo(f"  keys: {KEYS}")
                    continue
                if d is not None:
                    made += 1
                    typer.echo("  " + _decided(d))
            except AutocodeError as e:
                typer.echo(f"  {e}")
    except (KeyboardInterrupt, Interrupted):  # getchar/input raise the first, SIGINT the second
        typer.echo("\nstopped: every decision made so far is saved; `autocode review` resumes")
        raise typer.Exit(130) from None
    finally:
        store.close()
    typer.echo(f"{made} decisions recorded this session; `autocode review` resumes")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("review")(review_cmd)
    app.command("accept")(accept_cmd)
    app.command("reject")(reject_cmd)
    app.command("merge")(merge_cmd)
    app.command("split")(split_cmd)
    app.command("undo")(undo_cmd)
    app.command("decisions")(decisions_cmd)
