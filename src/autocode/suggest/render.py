"""Terminal table and CSV for a suggest result (used by the CLI; no computation here)."""

from __future__ import annotations

from pathlib import Path

from ..tabular import write_table
from .core import SuggestResult
from .match import describe


def _clip(text: str, n: int) -> str:
    t = " ".join(text.split())
    return t if len(t) <= n else t[: n - 1] + "…"


def _quotes(s, quotes: int) -> str:
    """The quotes of a suggestion: the segment that joined it, in its answer when the
    answer says more (``… segment …``)."""
    out = []
    for e in s.exemplars[:quotes]:
        seg = e.get("segment") or e["text"]
        more = " ".join(seg.split()) != " ".join(e["text"].split())
        out.append(f"“{_clip(seg, 100)}”" + (" (part of a longer answer)" if more else ""))
    return "\n".join(out)


def _across_table(con, result: SuggestResult, sugg, labels: dict, quotes: int) -> None:
    """Suggestions of all questions (suggest --across-questions): n per question."""
    from rich.table import Table
    from rich.text import Text

    n = sum(q.n_responses - q.n_non_answers for q in result.questions)
    con.print()
    heading = Text("All questions together", style="bold")
    con.print(heading.append(f" — {n} answers clustered as one set"))
    t = Table(show_lines=True, expand=False)
    t.add_column("id", no_wrap=True)
    t.add_column("suggested code", min_width=10, max_width=28)
    t.add_column("n (%)", justify="right", no_wrap=True)
    t.add_column("n per question", min_width=12, max_width=36)
    t.add_column("representative quotes", min_width=16, max_width=60)
    for s in sugg:
        spread = "\n".join(f"{_clip(labels.get(q) or q, 24)}: {k}" for q, k in s.spread.items())
        t.add_row(s.id, s.label, f"{s.size} ({100 * s.share:.0f}%)", spread, _quotes(s, quotes))
    con.print(t)
    themes = [th for th in result.themes if th.question is None]
    if themes:
        con.print("  candidate themes:")
        for th in themes:
            con.print(f"    {th.id} {th.label}: {', '.join(th.suggestions)}")


def render_result(con, run_id, result: SuggestResult, rs, info, quotes=2, out=None, project=None):
    from rich.table import Table
    from rich.text import Text

    labels = getattr(rs, "question_labels", {}) or {}
    con.print(
        Text(run_id, style="bold").append(
            f": {result.n_responses} answers, "
            f"{len(result.suggestions)} suggestions in {len(result.themes)} candidate themes "
            f"(embedded {info['embedded']}, from cache {info['cached']})"
        )
    )
    across = [s for s in result.suggestions if s.question is None]
    if across:
        _across_table(con, result, across, labels, quotes)
    for q in result.questions:
        title = labels.get(q.question) or q.question
        blanks = rs.blanks.get(q.question, 0)
        con.print()
        con.print(
            Text(_clip(title, 90), style="bold").append(
                f" — {q.n_responses} answers "
                f"({q.n_non_answers} non-answers, {blanks} blank dropped); "
                f"{q.n_clustered} in suggestions, {q.n_unassigned} unassigned"
            )
        )
        smp = (getattr(q, "params", None) or {}).get("sample")
        if smp:
            con.print(
                f"  clustered a seeded sample of {smp['size']:,} of {smp['of']:,} answers "
                f"(seed {smp['seed']}); the others joined their nearest suggestion at cosine "
                f"≥ {smp['threshold']:g} (--sample-size changes it)"
            )
        sugg = [s for s in result.suggestions if s.question == q.question]
        if across:
            pass
        elif not sugg:
            con.print("  no suggestions: too few or too varied answers for clusters")
        else:
            t = Table(show_lines=True, expand=False)
            t.add_column("id", no_wrap=True)
            t.add_column("suggested code", min_width=10, max_width=28)
            t.add_column("n (%)", justify="right", no_wrap=True)
            t.add_column("keywords", min_width=10, max_width=26)
            t.add_column("representative quotes", min_width=16, max_width=70)
            for s in sugg:
                seen = describe(s.matches)
                t.add_row(
                    s.id,
                    Text(s.label).append(f"\n{seen}" if seen else "", style="dim"),
                    f"{s.size} ({100 * s.share:.0f}%)",
                    ", ".join(s.keywords[:4]),
                    _quotes(s, quotes),
                )
            con.print(t)
            con.print("  candidate themes:")
            for th in result.themes:
                if th.question == q.question:
                    con.print(f"    {th.id} {th.label}: {', '.join(th.suggestions)}")
        groups = [g for g in result.non_answer_groups if g.question == q.question]
        if groups:
            parts = ", ".join(f"{g.id} {g.label} {len(g.members)}" for g in groups)
            con.print(f"  non-answers (kept out of clustering): {parts}")
    con.print()
    matched = [s for s in result.suggestions if s.matches]
    if matched:
        con.print(
            f"{len(matched)} of {len(result.suggestions)} suggestions match existing codes "
            "(earlier decisions are kept; `autocode accept ID --matched` joins one to its code):"
        )
        for s in matched:
            con.print(f"  {s.id} {s.label!r} {describe(s.matches)}")
        con.print()
    hint = f"Review them: autocode review --project {project}" if project else ""
    if out:
        con.print(f"Wrote one row per response to {out}.")
    if hint:
        con.print(hint)


def write_assignments(path: Path, rs, result: SuggestResult) -> None:
    """One row per response: id, respondent, question, status, suggestion, label, theme,
    ``also`` (the other suggestions its segments joined, ";"-separated), text (CSV or XLSX
    by the extension, through :mod:`autocode.tabular`)."""
    by_id: dict[str, tuple] = {}
    also: dict[str, list[str]] = {}
    themes = {t.id: t for t in result.themes}
    for s in result.suggestions:  # an answer in several suggestions: the first one's row
        extra = set(s.assigned_outliers)
        th = themes.get(s.theme) if s.theme is not None else None
        for m in s.members:
            if m in by_id:
                also.setdefault(m, []).append(s.id)
                continue
            by_id[m] = (
                "assigned" if m in extra else "clustered",
                s.id,
                s.label,
                s.theme or "",
                th.label if th else "",
            )
    for ids in result.unassigned.values():
        for m in ids:
            by_id[m] = ("unassigned", "", "", "", "")
    for g in result.non_answer_groups:
        for m in g.members:
            by_id[m] = ("non_answer", g.id, g.label, "", "")
    df = rs.responses
    header = [
        "id", "respondent", "question", "status", "suggestion_id", "label", "theme_id", "theme",
        "also", "text",
    ]  # fmt: skip
    rows = (
        [rid, resp, q, *by_id[rid], ";".join(also.get(rid, [])), text]
        for rid, resp, q, text in zip(
            df["id"], df["respondent"], df["question"], df["text"], strict=True
        )
        if rid in by_id
    )
    write_table(path, header, rows, sheet="suggestions")
