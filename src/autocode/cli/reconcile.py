"""``autocode reconcile``: settle human–human disagreements and the machine's flagged cells.

Interactive by default (one item at a time, like ``review``; works when stdin is piped), or
scriptable: ``--list``, ``--take CODER``, ``--answer ID --codes "a;b"``, ``--answer ID
--present/--absent CODE``, ``--file decisions.csv``, ``--undo``. Every decision goes through
:mod:`autocode.reconcile` and is committed as soon as it is made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import DEFAULT_PROJECT, Interrupted, JsonOpt, ProjectOpt, console, print_json
from .review import UserOpt, _ask, _read_key

ListOpt = Annotated[
    bool, typer.Option("--list", help="List the open items (disagreements, flagged cells).")
]
TakeOpt = Annotated[
    str | None,
    typer.Option(
        "--take",
        help="Settle every open disagreement (or the --answer) with this coder's coding.",
    ),
]
AnswerOpt = Annotated[
    str | None, typer.Option("--answer", help="Answer id to settle (respondent:question).")
]
CodesOpt = Annotated[
    str | None,
    typer.Option(
        "--codes", help='With --answer: its final codes, ";"-separated ("" = no code applies).'
    ),
]
PresentOpt = Annotated[
    str | None,
    typer.Option("--present", help="With --answer: confirm this code present (a machine cell)."),
]
AbsentOpt = Annotated[
    str | None,
    typer.Option("--absent", help="With --answer: confirm this code absent (a machine cell)."),
]
FileOpt = Annotated[
    Path | None,
    typer.Option("--file", help="CSV of decisions: id,codes (codes ;-separated), one row each."),
]
UndoOpt = Annotated[bool, typer.Option("--undo", help="Undo your latest reconcile decision.")]


def _store(project: Path, readonly: bool = False):
    from ..project import open_store

    return open_store(project, create=False, readonly=readonly)


def _mode(list_, take, answer, codes, present, absent, file, undo) -> str:
    from ..errors import InputError

    cell = [x for x in (present, absent) if x is not None]
    if codes is not None and answer is None:
        raise InputError("--codes needs --answer ID", 'e.g. --answer 12:q1 --codes "a;b"')
    if cell and answer is None:
        raise InputError("--present/--absent need --answer ID", "e.g. --answer 12:q1 --present a")
    picked = [
        m
        for m, on in (
            ("list", list_),
            ("take", take is not None),
            ("codes", codes is not None),
            ("cell", bool(cell)),
            ("file", file is not None),
            ("undo", undo),
        )
        if on
    ]
    if len(picked) > 1 or len(cell) > 1:
        raise InputError(
            "choose one of --list, --take, --codes, --present, --absent, --file, --undo",
            "run one of them at a time",
        )
    if answer is not None and not picked:
        raise InputError(
            "--answer needs --codes, --present, --absent or --take",
            'e.g. --answer 12:q1 --codes "a;b"',
        )
    if answer is not None and picked[0] not in ("take", "codes", "cell"):
        raise InputError(f"--answer does not go with --{picked[0]}")
    return picked[0] if picked else "interactive"


def _codes_text(codes: list[str]) -> str:
    return "; ".join(codes) if codes else "(no code)"


def _settled_line(done: dict) -> str:
    a = done["answers"]
    if len(a) == 1:
        rid, codes = next(iter(a.items()))
        return f"settled {rid}: {_codes_text(codes)} (decision #{done['decision']})"
    return f"settled {len(a)} answers (decision #{done['decision']})"


def _cell_line(done: dict) -> str:
    what = "present" if done["present"] else "absent"
    return (
        f"settled {done['answer']}: {done['code']!r} {what}; its codes: "
        f"{_codes_text(done['codes'])} (decision #{done['decision']})"
    )


def _undo_line(done: dict) -> str:
    p = done["payload"]
    if p.get("kind") == "cell":
        what = f"{p['answer']}: {p['code']!r} {'present' if p['present'] else 'absent'}"
    else:
        ids = list(p["answers"])
        what = ids[0] if len(ids) == 1 else f"{len(ids)} answers"
    return f"undid #{done['undone']} ({what}) (decision #{done['decision']})"


def _list(store, json_: bool) -> None:
    from rich.table import Table

    from .. import reconcile

    items = reconcile.open_items(store)
    if json_:
        print_json([i.to_dict() for i in items])
        return
    if not items:
        typer.echo("nothing to reconcile")
        return
    t = Table(show_edge=False, pad_edge=False)
    for col in ("answer", "kind", "question", "codes", "text"):
        t.add_column(col, overflow="fold", no_wrap=col in ("answer", "kind"))
    for i in items:
        codes = "\n".join(f"{c}: {_codes_text(v)}" for c, v in i.codes.items())
        if i.kind == reconcile.FLAGGED:
            conf = "" if i.confidence is None else f", {i.confidence:.2f}"
            codes += f"\ncell: {i.code} ({'present' if i.present else 'absent'}{conf})"
        text = " ".join(i.text.split())
        t.add_row(i.id, i.kind, i.question, codes, text if len(text) <= 200 else text[:199] + "…")
    console().print(t)
    n_dis = sum(i.kind == reconcile.DISAGREEMENT for i in items)
    typer.echo(f"{n_dis} disagreements, {len(items) - n_dis} flagged cells open")


def reconcile_cmd(
    list_: ListOpt = False,
    take: TakeOpt = None,
    answer: AnswerOpt = None,
    codes: CodesOpt = None,
    present: PresentOpt = None,
    absent: AbsentOpt = None,
    file: FileOpt = None,
    undo: UndoOpt = False,
    user: UserOpt = None,
    project: ProjectOpt = DEFAULT_PROJECT,
    json_: JsonOpt = False,
) -> None:
    """Settle disagreements between human coders and the machine's flagged cells.

    Without options it goes through the open items one by one (quit any time; it resumes).
    Every decision is in the decision log; the settled codes are coder 'reconciled', which
    the final coding takes first.
    """
    from .. import reconcile

    mode = _mode(list_, take, answer, codes, present, absent, file, undo)
    if mode == "list":
        with _store(project, readonly=True) as store:
            _list(store, json_)
        return
    if mode == "interactive":
        _interactive(project, user)
        return
    with _store(project) as store:
        reconcile.sync(store)  # e.g. after `autocode undo` reversed a reconcile decision
        if mode == "take":
            assert take is not None
            done = reconcile.take(store, take, answer=answer, user=user)
            text = (
                _settled_line(done)
                if done["decision"] is not None
                else f"no open disagreement that {take} coded"
            )
            if done["left"]:
                text += f"; {done['left']} open disagreements {take} did not code"
        elif mode == "codes":
            assert answer is not None
            done = reconcile.settle(
                store, {answer.strip(): reconcile.parse_codes(codes)}, via="answer", user=user
            )
            text = _settled_line(done)
        elif mode == "cell":
            assert answer is not None
            code = present if present is not None else absent
            assert code is not None
            done = reconcile.settle_cell(store, answer, code, present is not None, user=user)
            text = _cell_line(done)
        elif mode == "file":
            from ..reconcile.files import read_decisions

            assert file is not None
            coded, where = read_decisions(file, reconcile.load_answers(store))
            done = reconcile.settle(store, coded, via=f"file:{file.name}", user=user, where=where)
            text = _settled_line(done)
        else:
            done = reconcile.undo(store, user=user)
            text = _undo_line(done)
        left = len(reconcile.open_items(store))
    if json_:
        print_json(done | {"open": left})
    else:
        typer.echo(f"{text}; {left} items open")


# -- the interactive loop ----------------------------------------------------------------
def _keys(item, coders: list[str]) -> str:
    takes = "  ".join(f"({n}) {c}" for n, c in enumerate(coders, start=1))
    if item.kind == "flagged":
        return "(y) present  (n) absent  (c)odes  s(k)ip  (u)ndo  (q)uit"
    return f"{takes}  (c)odes  s(k)ip  (u)ndo  (q)uit"


def _show(item, position: str, coders: list[str], label: str, applicable: list[str]) -> None:
    from rich.panel import Panel
    from rich.text import Text

    body = Text()
    body.append(label, style="bold")
    body.append("\n" + " ".join(item.text.split()), style="italic")
    for n, c in enumerate(coders, start=1):
        num = f"({n}) " if item.kind != "flagged" else ""
        body.append(f"\n{num}{c}: {_codes_text(item.codes[c])}")
    if item.kind == "flagged":
        conf = "" if item.confidence is None else f", confidence {item.confidence:.2f}"
        what = "present" if item.present else "absent"
        body.append(f"\nflagged cell: {item.code} (machine: {what}{conf})", style="bold")
    if applicable:
        body.append("\ncodes of this question: " + "; ".join(applicable), style="dim")
    title = f"{item.id} · {item.kind} · {position}"
    console().print(Panel(body, title=title, title_align="left"))


def _interactive(project: Path, user: str | None) -> None:
    from .. import reconcile
    from ..codebook import current
    from ..errors import AutocodeError
    from ..project.responses import question_labels

    store = _store(project)
    made = 0
    try:
        reconcile.sync(store)
        labels = question_labels(store)
        skipped: set[tuple[str, str | None]] = set()
        while True:
            cb = current(store)
            items = reconcile.open_items(store, cb=cb)
            todo = [i for i in items if (i.id, i.code) not in skipped]
            if not todo:
                typer.echo(
                    "nothing left to reconcile"
                    + (f" ({len(items)} skipped; run it again to see them)" if items else "")
                )
                break
            item = todo[0]
            coders = list(item.codes)
            applicable = [c.name for c in cb.codes_for(item.question)] if cb else []
            label = (
                f"{item.question}: {labels[item.question]}"
                if item.question in labels
                else (item.question)
            )
            _show(item, f"{len(items)} open", coders, label, applicable)
            keys = _keys(item, coders)
            key = _read_key(keys)
            try:
                if key.isdigit() and item.kind != "flagged" and 1 <= int(key) <= len(coders):
                    done = reconcile.take(store, coders[int(key) - 1], answer=item.id, user=user)
                    line = _settled_line(done)
                elif key in ("y", "n") and item.kind == "flagged":
                    assert item.code is not None
                    done = reconcile.settle_cell(store, item.id, item.code, key == "y", user=user)
                    line = _cell_line(done)
                elif key == "c":
                    typed = _ask('codes (";"-separated, empty = no code applies)')
                    done = reconcile.settle(
                        store, {item.id: reconcile.parse_codes(typed)}, via="answer", user=user
                    )
                    line = _settled_line(done)
                elif key == "k":
                    skipped.add((item.id, item.code))
                    typer.echo(f"  skipped {item.id}")
                    continue
                elif key == "u":
                    line = _undo_line(reconcile.undo(store, user=user))
                elif key == "q":
                    break
                else:
                    typer.echo(f"  keys: {keys}")
                    continue
                made += 1
                typer.echo("  " + line)
            except AutocodeError as e:
                typer.echo(f"  {e}")
    except (KeyboardInterrupt, Interrupted):
        typer.echo("\nstopped: every decision made so far is saved; `autocode reconcile` resumes")
        raise typer.Exit(130) from None
    finally:
        store.close()
    typer.echo(f"{made} decisions recorded this session; `autocode reconcile` resumes")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("reconcile")(reconcile_cmd)
