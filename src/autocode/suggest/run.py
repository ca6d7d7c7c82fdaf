"""``run_suggest``: the suggest stage with the project store (responses, cache, run record)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..embed import Embedder, embed_texts
from ..errors import InputError, NotFoundError
from ..project import Store
from ..project import suggestions as suggestion_rows
from ..project.responses import save_responses, wording
from .core import SuggestResult, check_params, suggest
from .match import find_matches
from .segments import segment_texts

#: how answers are cut before clustering (``suggest --segments``)
SEGMENTS = ("sentences", "clauses", "off")


def select_question(rs, question: str | None) -> list[str]:
    """The questions to work on: all, or the one named by ``--question`` (key or label)."""
    if question is None:
        return list(rs.questions)
    from ..project.responses import resolve_question

    return [resolve_question(question, rs.questions, getattr(rs, "question_labels", None))]


def resolve_stages(clusterer: Any = None, labeler: Any = None) -> dict[str, Any]:
    """``{"clusterer", "labeler"}``: plug-in names made stage objects (None stays None:
    the default), so an unknown name is refused before anything is written."""
    from .. import plugins

    out = {}
    for kind, given in (("clusterer", clusterer), ("labeler", labeler)):
        out[kind] = plugins.create(kind, given) if isinstance(given, str) else given
    return out


def _stage_name(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


#: above this many answers they are embedded (or read from the cache) in steps of this many,
#: each step's vectors written into one preallocated matrix (1M answers: one copy of them)
EMBED_CHUNK = 100_000


def embed_answers(
    df: pd.DataFrame,
    embedder: Embedder,
    store: Store | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """One vector per row of ``df`` (columns text, non_answer): the answers embedded (cached
    in ``store`` when given), zeros for non-answers, which are never clustered. Returns
    (matrix, texts newly embedded). Above :data:`EMBED_CHUNK` answers they are embedded in
    steps straight into the matrix (``progress`` then counts over the steps so far)."""
    rows = np.flatnonzero(~df["non_answer"].astype(bool).to_numpy())
    if not len(rows):
        return np.zeros((len(df), 1), dtype=np.float32), 0
    texts = df["text"].to_numpy()[rows].tolist()
    if len(rows) <= EMBED_CHUNK:
        Xa, n_new = embed_texts(texts, embedder, store, progress)
        X = np.zeros((len(df), Xa.shape[1]), dtype=np.float32)
        X[rows] = Xa
        return X, n_new
    X = np.zeros((len(df), int(embedder.dim)), dtype=np.float32)
    n_new = 0
    for s in range(0, len(rows), EMBED_CHUNK):
        base = n_new

        def tick(done: int, total: int, base: int = base) -> None:
            if progress:
                progress(base + done, base + total)

        part, k = embed_texts(texts[s : s + EMBED_CHUNK], embedder, store, tick)
        X[rows[s : s + EMBED_CHUNK]] = part
        n_new += k
    return X, n_new


#: blocks at least this large get their own mapping, returned to the system when freed
MMAP_THRESHOLD = 4 << 20


def _bound_heap() -> None:
    """Stop glibc raising its mmap threshold as large blocks are freed (its default, up to
    32 MB): the model's per-batch tensors then stay in the heap, fragment it and hold
    resident memory. Measured on 3,000 NHS answers with ``--model onnx``: peak 911 -> 629
    MB, embedding ~8% more CPU (at 128 kB: 600 MB, 25-40% more CPU). Not glibc: no-op."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-3, MMAP_THRESHOLD)  # -3: M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def _release(embedder: Embedder) -> None:
    """Free the model's memory before clustering (it reloads if it is needed again), and
    hand the freed heap back to the system (glibc keeps it otherwise: measured with
    ``--model onnx``, 300 MB resident after the session is freed, 160 MB after the trim)."""
    close = getattr(embedder, "close", None)
    if not callable(close):
        return
    close()
    import gc

    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is simply reused later
        pass


def _wording(rs, qs: list[str]) -> dict[str, str]:
    """Each question's wording (:func:`autocode.project.responses.wording`)."""
    labels = getattr(rs, "question_labels", None)
    return {q: wording(q, labels) for q in qs}


def run_suggest(
    store: Store,
    rs,
    embedder: Embedder,
    *,
    question: str | None = None,
    seed: int = 0,
    min_cluster_size: int | None = None,
    assign_outliers: bool = False,
    outlier_threshold: float = 0.55,
    progress: Callable[[int, int], None] | None = None,
    save: bool = True,
    clusterer: Any = None,
    labeler: Any = None,
    segments: str = "sentences",
    across_questions: bool = False,
    sample_size: int | None = None,
) -> tuple[str, SuggestResult, dict]:
    """Store the responses, embed (cached), cluster, label and record the run.

    ``segments`` (:data:`SEGMENTS`): "sentences" (default) or "clauses": answers are split
    into idea units (embedded through the same cache) and an answer joins every suggestion
    one of its units joins (:func:`.core.suggest`); "off": whole answers.
    ``across_questions``: one clustering of all the questions' answers.
    ``sample_size`` (default :data:`.sample.SAMPLE_SIZE`): above it a question's answers are
    sampled (seeded by ``seed``) for clustering and the rest assigned (:mod:`.sample`).

    ``clusterer``/``labeler``: stage objects or plug-in names (default HDBSCAN and
    c-TF-IDF; a plug-in's name and class are recorded with the run).
    ``save=False``: ``rs`` holds the project's own responses (:func:`stored_responses`),
    which are not written again. Returns (run_id, result, info) where info has
    ``embedded`` (texts newly embedded) and ``cached`` counts. Nothing is written if the
    input is unusable.
    """
    qs = select_question(rs, question)
    df: pd.DataFrame = rs.responses
    df = df[df["question"].isin(qs)].reset_index(drop=True)
    if df.empty:
        raise InputError("no answers to work on (every answer is blank)", "check the file")
    check_params(min_cluster_size, outlier_threshold)
    if segments not in SEGMENTS:
        raise InputError(
            f"segments must be one of {', '.join(SEGMENTS)}, got {segments!r}",
            "sentences (the default), clauses (finer) or off (whole answers)",
        )
    stages = resolve_stages(clusterer, labeler)
    if save:
        save_responses(store, rs)
    params = {
        "question": question,
        "questions": qs,
        "min_cluster_size": min_cluster_size,
        "assign_outliers": assign_outliers,
        "outlier_threshold": outlier_threshold,
        "segments": segments,
        "across_questions": across_questions,
        "sample_size": sample_size,
        "blanks": {q: int(rs.blanks.get(q, 0)) for q in qs},
        "stages": {k: _stage_name(v) for k, v in stages.items() if v is not None},
        "source": {"path": str(rs.path), "sha256": rs.sha256, "format": rs.format},
    }
    input_hash = getattr(rs, "content_hash", "") or rs.sha256
    run_id = store.start_run(
        "suggest", params, seed=seed, model_id=embedder.model_id, input_hash=input_hash
    )
    with store.failed_if_raised(run_id):
        answers = df[~df["non_answer"].astype(bool)]
        _bound_heap()
        X, n_new = embed_answers(df, embedder, store, progress)
        n_seg = [0]  # segments newly embedded
        asked: set[str] = set()  # the segments asked for (all questions)
        writable = store is not None and not getattr(store, "readonly", False)
        if segments != "off" and writable:
            # the segments embedded into the cache now, per question (per pool with
            # --across-questions): the batches suggest would embed; then the model is freed
            # before clustering (peak memory: the model's or the clustering's, not both)
            for group in [qs] if across_questions else [[q] for q in qs]:
                mine = answers.loc[answers["question"].isin(group), "text"].tolist()
                todo = segment_texts(mine, clauses=segments == "clauses")
                if todo:
                    n_seg[0] += embed_texts(todo, embedder, store, progress)[1]
        if segments == "off" or writable:
            _release(embedder)

        def embed_segments(texts: list[str]) -> np.ndarray:
            E, k = embed_texts(texts, embedder, store, progress)  # cached: embedded above
            n_seg[0] += k
            asked.update(texts)
            return E

        result = suggest(
            df,
            X,
            seed=seed,
            min_cluster_size=min_cluster_size,
            assign_outliers=assign_outliers,
            outlier_threshold=outlier_threshold,
            questions=qs,
            clusterer=stages["clusterer"],
            labeler=stages["labeler"],
            embed_segments=embed_segments if segments != "off" else None,
            clauses=segments == "clauses",
            across_questions=across_questions,
            sample_size=sample_size,
            question_texts=_wording(rs, qs),
        )
        n_new += n_seg[0]
        # a project that already has codes: say which suggestions match one of them
        matches = find_matches(store, result.suggestions, df["id"].tolist(), X, embedder)
        for s in result.suggestions:
            s.matches = matches.get(s.id)
        # one transaction: a run is 'done' with all its suggestions, or has none of them
        # (Ctrl-C or a crash in between leaves a failed run and no partial suggestions)
        with store.transaction():
            suggestion_rows.save(store, run_id, result)
            p = dict(params)
            p["cluster"] = {s.question: s.params for s in result.questions}
            p["matches"] = {s.id: s.matches for s in result.suggestions}
            p["definitions"] = {s.id: s.definition for s in result.suggestions}
            p["kinds"] = {s.id: s.kind for s in result.suggestions if s.kind}
            store.update_run_params(run_id, p)
            store.finish_run(run_id)
    # texts embedded: the distinct answers, then their segments (asked for per question)
    n_unique = len(set(answers["text"]) | asked)
    return run_id, result, {"embedded": n_new, "cached": n_unique - n_new}


def stored_responses(store: Store):
    """The project's stored responses as a :class:`~autocode.io.ResponseSet` (what
    ``autocode import`` or an earlier command loaded), for a run without a survey file;
    :class:`NotFoundError` when the project has none."""
    import hashlib

    from ..io.responses import ResponseSet
    from ..project import responses as rows

    df = rows.load(store)
    if df.empty:
        raise NotFoundError(
            "no survey given and the project has no responses",
            "pass the survey file (autocode suggest SURVEY), or load it first "
            "(autocode import SURVEY)",
        )
    digest = hashlib.sha256()
    for rid, h in zip(df["id"], df["text_hash"], strict=True):
        digest.update(f"{rid}\x1f{h}\x1e".encode())
    sources = rows.sources(store)
    return ResponseSet(
        responses=df[["id", "respondent", "question", "text", "non_answer"]].reset_index(drop=True),
        attributes=rows.attributes(store),
        questions=rows.questions(store),
        blanks=rows.question_blanks(store),
        path=str(sources[-1]["path"]) if sources else str(store.path),
        sha256=digest.hexdigest(),
        format="project",
        layout="long",
        question_labels=rows.question_labels(store),
        content_hash=digest.hexdigest(),
    )


def result_to_json(run_id: str, result: SuggestResult, model_id: str | None = None) -> dict:
    """The documented JSON document of a suggest run (scripts rely on its shape)."""
    several = len(result.questions) > 1
    across = any(s.question is None for s in result.suggestions)
    sugg = []
    for s in result.suggestions:
        d = {
            "id": s.id,
            "label": s.label,
            "keywords": s.keywords,
            "theme": s.theme,
            "size": s.size,
            "share": s.share,
            "exemplars": s.exemplars,
            "members": s.members,
            "assigned_outliers": s.assigned_outliers,
            "matches": s.matches,
            "definition": s.definition,
            "kind": s.kind,
        }
        if several:
            d["question"] = s.question
        if across:
            d["spread"] = s.spread
        sugg.append(d)
    themes = []
    for t in result.themes:
        d = {"id": t.id, "label": t.label, "suggestions": t.suggestions}
        if several:
            d["question"] = t.question
        themes.append(d)
    return {
        "run_id": run_id,
        "across_questions": across,
        "n_responses": result.n_responses,
        "seed": result.seed,
        "model_id": model_id,
        "questions": [
            {
                "question": q.question,
                "n_responses": q.n_responses,
                "n_non_answers": q.n_non_answers,
                "n_clustered": q.n_clustered,
                "n_unassigned": q.n_unassigned,
            }
            for q in result.questions
        ],
        "suggestions": sugg,
        "themes": themes,
        "unassigned": [i for q in result.questions for i in result.unassigned[q.question]],
        "non_answers": [i for q in result.questions for i in result.non_answers[q.question]],
        "non_answer_groups": [
            {
                "id": g.id,
                "question": g.question,
                "kind": g.kind,
                "label": g.label,
                "size": len(g.members),
                "members": g.members,
            }
            for g in result.non_answer_groups
        ],
    }


def load_result(store: Store, run_id: str | None = None) -> dict:
    """The JSON document of a stored suggest run (default: the latest finished one): the
    same document :func:`result_to_json` gave when the run was made."""
    rid, result, model_id = load_suggest_result(store, run_id)
    return result_to_json(rid, result, model_id)


def load_suggest_result(
    store: Store, run_id: str | None = None
) -> tuple[str, SuggestResult, str | None]:
    """``(run id, SuggestResult, model id)`` of a stored suggest run, equal to the result
    the run returned (default: the latest finished run)."""
    from .core import _KIND_LABELS, NonAnswerGroup, QuestionSummary, Suggestion, Theme, share

    run = store.get_run(run_id) if run_id else store.latest_run("suggest")
    if run is None or run["stage"] != "suggest":
        raise NotFoundError(
            f"no suggest run {run_id!r}" if run_id else "no suggest run in this project",
            "run `autocode suggest FILE` first",
        )
    rid = run["id"]
    params = json.loads(run["params"])
    members: dict[str, list[str]] = {}
    assigned: dict[str, list[str]] = {}
    for sid, m, extra in suggestion_rows.members(store, rid):
        members.setdefault(sid, []).append(m)
        if extra:
            assigned.setdefault(sid, []).append(m)
    # each response's status and question, in the order the run wrote them (a run lists
    # stored responses only, and responses are never deleted)
    status = [
        (resp, st, gid, kind, str(q))
        for resp, st, gid, kind, q in suggestion_rows.statuses(store, rid)
        if q is not None
    ]
    qs = list(params.get("questions") or dict.fromkeys(q for *_, q in status))
    unassigned: dict[str, list[str]] = {q: [] for q in qs}
    non_answers: dict[str, list[str]] = {q: [] for q in qs}
    counts = {q: {"n": 0, "clustered": 0} for q in qs}
    groups: dict[str, NonAnswerGroup] = {}
    for resp, st, gid, kind, q in status:
        k = counts.setdefault(q, {"n": 0, "clustered": 0})
        k["n"] += 1
        if st == "unassigned":
            unassigned.setdefault(q, []).append(resp)
        elif st == "non_answer":
            non_answers.setdefault(q, []).append(resp)
            if gid and kind:  # written together (runs before migration 3 have neither)
                g = groups.setdefault(
                    gid, NonAnswerGroup(gid, q, kind, _KIND_LABELS.get(kind, kind), [])
                )
                g.members.append(resp)
        else:
            k["clustered"] += 1
    cluster = params.get("cluster") or {}
    matched = params.get("matches") or {}
    drafts = params.get("definitions") or {}
    summaries = [
        QuestionSummary(
            question=q,
            n_responses=counts[q]["n"],
            n_non_answers=len(non_answers[q]),
            n_clustered=counts[q]["clustered"],
            n_unassigned=len(unassigned[q]),
            params=cluster.get(q, {}),
        )
        for q in qs
    ]
    n_answers: dict[str | None, int] = {
        s.question: s.n_responses - s.n_non_answers for s in summaries
    }
    n_answers[None] = sum(n_answers.values())  # suggestions of all questions (--across)
    kinds = params.get("kinds") or {}
    q_of = {resp: q for resp, *_, q in status}
    sugg = []
    for r in suggestion_rows.suggestions(store, rid):
        mem = members.get(r["id"], [])
        spread = dict.fromkeys(qs, 0)
        for m in mem:
            q = q_of.get(m, r["question"])
            spread[q] = spread.get(q, 0) + 1
        sugg.append(
            Suggestion(
                id=r["id"],
                question=r["question"],
                label=r["label"],
                keywords=r["keywords"],
                theme=r["theme_id"],
                size=r["size"],
                share=share(r["size"], n_answers.get(r["question"], 0)),
                exemplars=r["exemplars"],
                members=mem,
                assigned_outliers=assigned.get(r["id"], []),
                matches=matched.get(r["id"]),
                definition=drafts.get(r["id"]),
                kind=kinds.get(r["id"]),
                spread={q: k for q, k in spread.items() if k},
            )
        )
    themes = [
        Theme(t["id"], t["question"], t["label"], [s.id for s in sugg if s.theme == t["id"]])
        for t in suggestion_rows.themes(store, rid)
    ]
    ordered = sorted(groups.values(), key=lambda g: int(g.id[1:]) if g.id[1:].isdigit() else 0)
    result = SuggestResult(sugg, themes, unassigned, non_answers, summaries, run["seed"], ordered)
    return rid, result, run["model_id"]
