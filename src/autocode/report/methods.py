"""The methods paragraph, generated from the project: coders and the answers each coded,
the machine's seeds (answers its coding runs trained on), the validation sample and how it
was drawn (the latest ``validation`` run), and coverage (answers by the basis of their
final coding; the share of machine-coded answers with a flagged cell)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .study import coverage

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store
    from .study import Study

BASIS_WORDS = {
    "reconciled": "reconciled after disagreement",
    "human": "coded by the human coder(s) in agreement",
    "primary": "the primary coder's coding (human coders disagreed, not yet reconciled)",
    "machine": "the machine's decisions",
}


def methods_facts(store: Store, study: Study) -> dict[str, Any]:
    """The numbers the methods paragraph states."""
    from ..project.codings import FINAL, MACHINE, training_answers

    ids = set(study.responses["id"])
    coded = {c: len(study.coded[c]) for c in study.coders if c != FINAL}
    seeds = set().union(*training_answers(store, study.machine_runs).values()) & ids
    validation = None
    for run in study.runs:
        if run.get("stage") == "validation" and run.get("status") != "failed":
            p = run.get("params") or {}
            validation = {
                "run_id": run.get("id"),
                "n": p.get("n"),
                "seed": run.get("seed"),
                "per_question": p.get("per_question") or {},
                "method": p.get("method")
                or "simple random sample, stratified by question (proportional allocation)",
            }
    selective = None
    for run in study.runs:  # the latest coding run that coded at a target kappa
        p = run.get("params") or {}
        if run.get("stage") == "code" and run.get("status") == "done" and not p.get("evaluate"):
            selective = p.get("selective")
    return {
        "selective": selective,
        "answers": len(ids),
        "questions": list(study.questions),
        "coders": [{"coder": c, "answers": n} for c, n in coded.items()],
        "primary": study.primary,
        "machine": MACHINE in study.coded,
        "seeds": len(seeds),
        "validation": validation,
        "coverage": coverage(study),
    }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def methods_paragraph(facts: dict[str, Any]) -> str:
    """The paragraph, in plain sentences, every number from ``facts``."""
    from ..project.codings import MACHINE, RECONCILED

    parts = [
        f"The survey gave {_plural(facts['answers'], 'non-blank answer')} to "
        f"{_plural(len(facts['questions']), 'open-ended question')}."
    ]
    humans = [c for c in facts["coders"] if c["coder"] not in (MACHINE, RECONCILED)]
    if humans:
        who = "; ".join(f"{c['coder']} coded {c['answers']}" for c in humans)
        lead = f" ({facts['primary']} is the primary coder)" if facts["primary"] else ""
        parts.append(f"{_plural(len(humans), 'human coder')} coded the answers{lead}: {who}.")
    rec = next((c for c in facts["coders"] if c["coder"] == RECONCILED), None)
    if rec:
        parts.append(f"Reconciliation settled {_plural(rec['answers'], 'answer')}.")
    mach = next((c for c in facts["coders"] if c["coder"] == MACHINE), None)
    if mach:
        parts.append(
            f"autocode coded {_plural(mach['answers'], 'answer')}, trained on "
            f"{_plural(facts['seeds'], 'seed answer')} coded by a human; its agreement with "
            "the primary coder is measured on the answers it did not train on."
        )
    sel = facts.get("selective")
    if mach and sel:
        lo, hi = sel.get("expected_kappa_ci") or (None, None)
        ci = f" [{lo:.2f}, {hi:.2f}]" if lo is not None and hi is not None else ""
        k = sel.get("expected_kappa")
        each = " within each question" if sel.get("per_question") else ""
        parts.append(
            f"It coded alone only the answers it could code at pooled \u03ba \u2265 "
            f"{sel['target_kappa']:.2f}{each}: cross-validation on its seeds expected "
            f"{100 * sel['expected_coverage']:.0f}% of answers"
            + (f" at \u03ba {k:.2f}{ci}" if k is not None else "")
            + "; it coded alone that share of the answers no human had coded, those it was "
            "surest of, and flagged the others for human review."
        )
    v = facts.get("validation")
    if v:
        per_q = ", ".join(f"{q}: {k}" for q, k in v["per_question"].items())
        parts.append(
            f"A validation sample of {v['n']} answers was drawn ({v['method']}; seed "
            f"{v['seed']}" + (f"; {per_q}" if per_q else "") + ")."
        )
    cov = facts["coverage"]
    basis = "; ".join(f"{n} {BASIS_WORDS[b]}" for b, n in cov["by_basis"].items() if n)
    parts.append(
        f"The final coding covers {cov['final']} of the {cov['answers']} answers"
        + (f" ({basis})" if basis else "")
        + "."
    )
    if cov["by_basis"].get("machine"):
        share = cov["machine_flagged_share"] or 0.0
        parts.append(
            f"Of the answers coded by the machine only, {cov['machine_flagged']} "
            f"({100 * share:.1f}%) have a flagged decision (near its threshold; needs review)."
        )
    return " ".join(parts)
