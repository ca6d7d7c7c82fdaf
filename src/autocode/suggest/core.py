"""``suggest``: from responses and their embeddings to candidate codes and themes.

A short sequence of named, replaceable steps (BERTopic's composition, not its container):
cluster (a :class:`Clusterer`, default :class:`HDBSCANClusterer`, :mod:`.cluster`) → group
the clusters into candidate themes → label clusters and themes (a :class:`Labeler`, default
:class:`CTfidfLabeler`, :mod:`.label`, :mod:`.naming`) → pick quotes (:mod:`.exemplars`).
Pure: takes a DataFrame and a matrix, returns dataclasses. The stages' interfaces and
defaults live in :mod:`.stages`; other clusterers and labelers are plug-ins
(:mod:`autocode.plugins`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from .cluster import _normalise, group_centroids, nearest_centroid
from .define import finish
from .exemplars import pick_exemplars
from .merge import KIND_NOTHING, merge_near, nothing_label, nothing_mask
from .naming import shared_words
from .nonanswers import _KIND_LABELS, NonAnswerGroup, non_answer_kind
from .sample import SAMPLE_SIZE, quote_pool, sample_params, suggest_sampled
from .segments import units_of
from .stages import (
    Clusterer,
    CTfidfLabeler,
    HDBSCANClusterer,
    Labeler,
    labels_of,
    resolve_stage,
    stage_params,
    terms_of,
)

__all__ = [
    "MERGE_THRESHOLD",
    "CTfidfLabeler",
    "Clusterer",
    "HDBSCANClusterer",
    "Labeler",
    "QuestionSummary",
    "SuggestResult",
    "Suggestion",
    "Theme",
    "canonical_order",
    "check_params",
    "share",
    "suggest",
]

#: centroid cosine at or above which two suggestions of a question are one idea (measured
#: on the NHS sets against the human codes: scripts/bench_suggest_results.md)
MERGE_THRESHOLD = 0.9


def check_params(
    min_cluster_size: int | None = None,
    outlier_threshold: float = 0.55,
    n_exemplars: int = 5,
) -> None:
    """:class:`InputError` naming the parameter when one is out of range."""
    if min_cluster_size is not None and (
        isinstance(min_cluster_size, bool)
        or not isinstance(min_cluster_size, int | np.integer)
        or min_cluster_size < 2
    ):
        raise InputError(
            f"min_cluster_size must be an integer of at least 2, got {min_cluster_size!r}",
            "pass 2 or more, or None to adapt it to the number of answers",
        )
    if not 0 < float(outlier_threshold) <= 1:
        raise InputError(
            f"outlier_threshold must be in (0, 1], got {outlier_threshold!r}", "e.g. 0.55"
        )
    if not isinstance(n_exemplars, int | np.integer) or n_exemplars < 1:
        raise InputError(f"n_exemplars must be a positive integer, got {n_exemplars!r}")


@dataclass
class Suggestion:
    id: str
    question: str
    label: str
    keywords: list[str]
    theme: str | None
    size: int
    share: float
    exemplars: list[dict]
    members: list[str]
    assigned_outliers: list[str] = field(default_factory=list)
    #: the existing code it matches (:mod:`autocode.suggest.match`), or None
    matches: dict | None = None
    #: draft definition {definition, inclusion, exclusion, draft} (:mod:`.define`)
    definition: dict | None = None
    #: None, or "nothing to improve" (:mod:`.merge`): the answers that say so, one suggestion
    kind: str | None = None
    #: answers per question (suggest --across-questions; else just its own question)
    spread: dict[str, int] = field(default_factory=dict)


@dataclass
class Theme:
    id: str
    question: str
    label: str
    suggestions: list[str]


@dataclass
class QuestionSummary:
    question: str
    n_responses: int
    n_non_answers: int
    n_clustered: int
    n_unassigned: int
    params: dict


@dataclass
class SuggestResult:
    suggestions: list[Suggestion]
    themes: list[Theme]
    unassigned: dict[str, list[str]]  # question -> ids
    non_answers: dict[str, list[str]]  # question -> ids
    questions: list[QuestionSummary]
    seed: int
    non_answer_groups: list[NonAnswerGroup] = field(default_factory=list)

    @property
    def n_responses(self) -> int:
        return sum(q.n_responses for q in self.questions)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Options:
    """How one question's answers are cut and merged (see :func:`suggest`)."""

    embed: Callable[[list[str]], np.ndarray] | None = None
    clauses: bool = False
    merge_threshold: float = MERGE_THRESHOLD
    nothing: bool = True
    whole: bool = False
    #: more answers than this: a seeded sample is clustered, the rest assigned (:mod:`.sample`)
    sample_size: int = SAMPLE_SIZE
    seed: int = 0
    #: question id -> its wording; a name that only repeats it says nothing (.naming.code_name)
    topics: Mapping[str, str] = field(default_factory=dict)


def canonical_order(responses: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by (question, text, id): the order every step below works in."""
    return responses.sort_values(["question", "text", "id"], kind="mergesort").reset_index(
        drop=True
    )


def suggest(
    responses: pd.DataFrame,
    X: np.ndarray,
    *,
    seed: int = 0,
    min_cluster_size: int | None = None,
    assign_outliers: bool = False,
    outlier_threshold: float = 0.55,
    n_exemplars: int = 5,
    questions: list[str] | None = None,
    clusterer: Clusterer | str | None = None,
    labeler: Labeler | str | None = None,
    embed_segments: Callable[[list[str]], np.ndarray] | None = None,
    clauses: bool = False,
    merge_threshold: float = MERGE_THRESHOLD,
    gather_nothing: bool = True,
    across_questions: bool = False,
    sample_size: int | None = None,
    question_texts: Mapping[str, str] | None = None,
) -> SuggestResult:
    """Candidate codes for ``responses`` (columns id, question, text, non_answer).

    ``X`` holds one L2-normalised embedding per row of ``responses`` (same order).
    Suggestions are made per question (``across_questions``: one clustering of every
    question's answers, each suggestion's ``spread`` saying how many answers of each
    question it holds; its ``question`` is then None). Result ids (S1.., T1..) depend only
    on the data.

    ``embed_segments`` (texts → L2-normalised vectors, e.g. the embedder through its cache):
    answers are split into idea units (:mod:`.segments`: sentences and connectives; with
    ``clauses`` commas and "and" too, and the whole answer is a unit beside its segments)
    and the units are clustered; an answer belongs to every suggestion one of its units
    joins (members and sizes count answers; quotes carry their ``segment``).
    None: whole answers. Suggestions whose centroids have cosine ≥ ``merge_threshold`` are
    merged, and answers that say there is nothing to improve become one suggestion of kind
    "nothing to improve" (``gather_nothing``; :mod:`.merge`).
    ``clusterer`` (default :class:`HDBSCANClusterer` with ``min_cluster_size``) and
    ``labeler`` (default :class:`CTfidfLabeler`) are the replaceable stages: objects, or
    names registered in the ``autocode.clusterers`` / ``autocode.labelers`` entry-point
    groups (:mod:`autocode.plugins`).
    More than ``sample_size`` answers of a question (default :data:`.sample.SAMPLE_SIZE`):
    a sample drawn with ``seed`` is clustered and the other answers join their nearest
    suggestion at cosine ≥ ``outlier_threshold`` (:mod:`.sample`; recorded in ``params``).
    ``question_texts`` (question id -> its wording, as exports carry it): the default
    labeler does not name a suggestion by the question's own words alone ("Residents" for a
    question on mentoring residents) where the members say more.
    """
    missing = [c for c in ("id", "question", "text", "non_answer") if c not in responses]
    if missing:
        raise InputError(
            f"responses has no column {', '.join(missing)} (needs id, question, text, non_answer)",
            "read the survey with autocode.read_responses first",
        )
    if len(responses) != len(X):
        raise InputError(
            f"X has {len(X)} rows and responses {len(responses)}: one embedding per response",
            "pass X in the order of the responses",
        )
    check_params(min_cluster_size, outlier_threshold, n_exemplars)
    if not 0 < float(merge_threshold) <= 1.0:
        raise InputError(
            f"merge_threshold must be in (0, 1], got {merge_threshold!r}", "1 merges nothing"
        )
    # at the clause level an answer is a unit beside its segments (measured: fft 7/42 codes
    # recovered with, 6/42 without); at the sentence level not (4/42 with, 2/42 without)
    size = SAMPLE_SIZE if sample_size is None else sample_size
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 2:
        raise InputError(f"sample_size must be an integer of at least 2, got {sample_size!r}")
    opts = _Options(
        embed_segments,
        clauses,
        float(merge_threshold),
        gather_nothing,
        clauses,
        int(size),
        seed,
        dict(question_texts or {}),
    )
    if clusterer is not None and min_cluster_size is not None:
        raise InputError(
            "min_cluster_size belongs to the default clusterer and a clusterer was given",
            "pass clusterer=HDBSCANClusterer(min_cluster_size=...) instead",
        )
    cl: Clusterer = resolve_stage(
        "clusterer", clusterer, lambda: HDBSCANClusterer(min_cluster_size)
    )
    lab: Labeler = resolve_stage("labeler", labeler, CTfidfLabeler)
    df = responses.reset_index(drop=True).copy()
    df["_row"] = np.arange(len(df))
    qs = questions or list(dict.fromkeys(df["question"]))
    if across_questions and opts.topics:  # what every question asks about names nothing
        asked = shared_words([opts.topics.get(q, "") for q in qs])
        opts = replace(opts, topics={**opts.topics, "": asked})
    suggestions: list[Suggestion] = []
    themes: list[Theme] = []
    unassigned: dict[str, list[str]] = {}
    non_answers: dict[str, list[str]] = {}
    summaries: list[QuestionSummary] = []
    groups: list[NonAnswerGroup] = []
    pooled: list[pd.DataFrame] = []
    for q in qs:
        part = canonical_order(df[df["question"] == q])
        na = part["non_answer"].to_numpy(dtype=bool)
        non_answers[q] = part.loc[na, "id"].tolist()
        kinds = [non_answer_kind(t) for t in part.loc[na, "text"]]
        for kind in _KIND_LABELS:
            m = [i for i, k in zip(non_answers[q], kinds, strict=True) if k == kind]
            if m:
                groups.append(NonAnswerGroup(f"N{len(groups) + 1}", q, kind, _KIND_LABELS[kind], m))
        ans = part[~na].reset_index(drop=True)
        if across_questions:
            pooled.append(ans)
            summaries.append(QuestionSummary(q, len(part), int(na.sum()), len(ans), 0, {}))
            continue
        sugg, th, unas = _cluster_answers(
            q,
            ans,
            X,
            cl,
            lab,
            len(suggestions),
            len(themes),
            assign_outliers,
            outlier_threshold,
            n_exemplars,
            opts,
        )
        for s in sugg:
            s.spread = {q: s.size}
        suggestions += sugg
        themes += th
        unassigned[q] = unas
        summaries.append(
            QuestionSummary(
                question=q,
                n_responses=len(part),
                n_non_answers=int(na.sum()),
                n_clustered=len(ans) - len(unas),
                n_unassigned=len(unas),
                params=_params(cl, len(ans), opts, outlier_threshold),
            )
        )
    if across_questions:
        _across(pooled, X, cl, lab, assign_outliers, outlier_threshold, n_exemplars, opts,
                suggestions, themes, unassigned, summaries)  # fmt: skip
    result = SuggestResult(suggestions, themes, unassigned, non_answers, summaries, seed, groups)
    # distinct names per question (the default labeler's), draft definitions (:mod:`.define`)
    finish(result, df, X, names=isinstance(lab, CTfidfLabeler))
    return result


def _rows(X: np.ndarray, ans: pd.DataFrame) -> np.ndarray:
    return X[ans["_row"].to_numpy()] if len(ans) else np.zeros((0, X.shape[1]), np.float32)


def _cluster_answers(q: str, ans: pd.DataFrame, X: np.ndarray, *args: Any) -> tuple[Any, ...]:
    """:func:`_one_question` on ``ans`` (rows ``ans._row`` of ``X``), or on a seeded sample
    of it, the rest assigned, above ``opts.sample_size`` answers (:mod:`.sample`)."""
    if len(ans) > args[-1].sample_size:  # args: the rest of _one_question's, opts last
        return suggest_sampled(q, ans, X, *args)
    return _one_question(q, ans, _rows(X, ans), *args)


def _params(cl: Any, n: int, opts: _Options, threshold: float) -> dict:
    """A question's recorded parameters (and its sample's, when it had one)."""
    p = stage_params(cl, min(n, opts.sample_size))
    if n > opts.sample_size:
        p["sample"] = sample_params(opts.sample_size, opts.seed, n, threshold)
    return p


def _across(
    pooled: list[pd.DataFrame],
    X: np.ndarray,
    cl: Clusterer,
    lab: Labeler,
    assign_outliers: bool,
    outlier_threshold: float,
    n_exemplars: int,
    opts: _Options,
    suggestions: list[Suggestion],
    themes: list[Theme],
    unassigned: dict[str, list[str]],
    summaries: list[QuestionSummary],
) -> None:
    """``suggest(across_questions=True)``: one clustering of every question's answers (in
    canonical order: by question, text, id); suggestions and themes have question None and
    each suggestion's ``spread`` counts its answers per question."""
    ans = pd.concat(pooled, ignore_index=True) if pooled else pd.DataFrame()
    sugg: list[Suggestion]
    th: list[Theme]
    if len(ans):
        sugg, th, unas = _cluster_answers(
            "", ans, X, cl, lab, 0, 0, assign_outliers, outlier_threshold, n_exemplars, opts
        )
    else:
        sugg, th, unas = _one_question(
            "", ans, X[:0], cl, lab, 0, 0, assign_outliers, outlier_threshold, n_exemplars, opts
        )
    q_of = dict(zip(ans["id"], ans["question"], strict=True)) if len(ans) else {}
    order = {q.question: i for i, q in enumerate(summaries)}
    for s in sugg:
        s.question = None  # type: ignore[assignment]
        counts: dict[str, int] = {}
        for m in s.members:
            counts[q_of[m]] = counts.get(q_of[m], 0) + 1
        s.spread = dict(sorted(counts.items(), key=lambda kv: order[kv[0]]))
        s.share = share(s.size, len(ans))
    for t in th:
        t.question = None  # type: ignore[assignment]
    suggestions += sugg
    themes += th
    gone = set(unas)
    params = _params(cl, len(ans), opts, outlier_threshold)
    for qs in summaries:
        unassigned[qs.question] = [i for i in ans["id"] if i in gone and q_of[i] == qs.question]
        qs.n_unassigned = len(unassigned[qs.question])
        qs.n_clustered -= qs.n_unassigned
        qs.params = params


def _one_question(
    q: str,
    ans: pd.DataFrame,
    X: np.ndarray,
    clusterer: Clusterer,
    labeler: Labeler,
    s_offset: int,
    t_offset: int,
    assign_outliers: bool,
    outlier_threshold: float,
    n_exemplars: int,
    opts: _Options | None = None,
    keep: dict | None = None,
) -> tuple[list[Suggestion], list[Theme], list[str]]:
    """Suggestions of one question's answers ``ans`` (canonical order; ``X`` their vectors).

    Clustering works on idea units (:mod:`.segments`: the answers themselves, or their
    segments when ``opts.embed`` is given); members, sizes and shares count answers.
    ``keep`` (a dict, for :mod:`.sample`): filled with the suggestions' unit centroids,
    kinds and candidate quotes."""
    opts = opts or _Options()
    n = len(ans)
    if n == 0:
        return [], [], []
    ids = ans["id"].tolist()
    texts = ans["text"].tolist()
    owner, utexts, U = units_of(texts, X, opts.embed, opts.clauses, opts.whole)
    nothing = nothing_mask(utexts, opts.nothing)
    rest = np.flatnonzero(~nothing)
    labels = np.full(len(utexts), -1)
    if len(rest):
        labels[rest] = labels_of(clusterer, U[rest])
    labels = merge_near(labels, U, opts.merge_threshold)
    k = int(labels.max()) + 1 if len(labels) else 0
    assigned = np.zeros(len(utexts), dtype=bool)
    if k and assign_outliers:
        centroids = _normalise(np.vstack([U[labels == c].mean(axis=0) for c in range(k)]))
        out = np.flatnonzero((labels == -1) & ~nothing)
        if len(out):
            best, ok = nearest_centroid(U[out], centroids, outlier_threshold)
            labels[out[ok]] = best[ok]
            assigned[out[ok]] = True
    kinds: list[str | None] = [None] * k
    if nothing.any():  # the answers that say "nothing": one suggestion, after the others
        labels[nothing] = k
        kinds.append(KIND_NOTHING)
        k += 1
    if k == 0:
        return [], [], ids
    members = [np.flatnonzero(labels == c) for c in range(k)]
    centroids = _normalise(np.vstack([U[m].mean(axis=0) for m in members]))
    if keep is not None:
        keep["centroids"], keep["kinds"] = centroids, kinds
        keep["quotes"] = [
            quote_pool(U, utexts, owner, m[~assigned[m]], centroids[c])
            for c, m in enumerate(members)
        ]
    n_themes = _n_themes(k)
    theme_of = group_centroids(centroids, n_themes)
    theme_ids = [f"T{t_offset + t + 1}" for t in range(int(theme_of.max()) + 1)]
    in_theme = [[c for c in range(k) if theme_of[c] == t] for t in range(len(theme_ids))]
    # one call labels the clusters and the themes of several clusters (one index of the
    # question's units, so a theme's label is scored against the same corpus)
    groups = list(members)
    central = [U[m] @ centroids[c] for c, m in enumerate(members)]
    for cs in in_theme:
        if len(cs) > 1:
            rows = np.concatenate([members[c] for c in cs])
            groups.append(rows)
            central.append(U[rows] @ _normalise(U[rows].mean(axis=0, keepdims=True))[0])
    whole = [texts[o] for o in owner]
    named = terms_of(labeler, utexts, groups, central, answers=whole, topic=opts.topics.get(q, ""))
    terms, theme_terms = named[:k], iter(named[k:])
    sugg: list[Suggestion] = []
    for c in range(k):
        m = members[c]
        core = m[~assigned[m]]
        ex = pick_exemplars(U[core], [utexts[i] for i in core], k=n_exemplars, owner=owner[core])
        answers = np.unique(owner[m])
        extra = set(np.unique(owner[m[assigned[m]]])) - set(np.unique(owner[core]))
        label = nothing_label(q) if kinds[c] == KIND_NOTHING else terms[c].label
        sugg.append(
            Suggestion(
                id=f"S{s_offset + c + 1}",
                question=q,
                label=label,
                keywords=terms[c].keywords,
                theme=theme_ids[int(theme_of[c])],
                size=len(answers),
                share=share(len(answers), n),
                exemplars=[
                    {
                        "id": ids[owner[core[i]]],
                        "text": texts[owner[core[i]]],
                        "segment": utexts[core[i]],
                    }
                    for i in ex
                ],
                members=[ids[i] for i in answers],
                assigned_outliers=[ids[i] for i in answers if i in extra],
                kind=kinds[c],
            )
        )
    themes = []
    for tid, cs in zip(theme_ids, in_theme, strict=True):
        label = next(theme_terms).label if len(cs) > 1 else sugg[cs[0]].label
        themes.append(Theme(tid, q, label, [sugg[c].id for c in cs]))
    joined = np.zeros(n, dtype=bool)
    joined[owner[labels >= 0]] = True
    unas = [ids[i] for i in np.flatnonzero(~joined)]
    return sugg, themes, unas


def share(size: int, n_answers: int) -> float:
    """A suggestion's share of its question's answers (non-answers excluded), 4 decimals."""
    return round(size / n_answers, 4) if n_answers else 0.0


def _n_themes(k: int) -> int:
    """Candidate themes for k suggestions: about √k, as researchers report 3–12 themes."""
    if k < 4:
        return 1
    return int(np.clip(round(k**0.5), 2, 15))
