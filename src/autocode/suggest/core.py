"""``suggest``: from responses and their embeddings to candidate codes and themes.

A short sequence of named, replaceable steps (BERTopic's composition, not its container):
cluster (:mod:`.cluster`) → label (:mod:`.label`) → pick quotes (:mod:`.exemplars`) →
group into candidate themes. Pure: takes a DataFrame and a matrix, returns dataclasses.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .cluster import ClusterParams, adapt_params, cluster, group_centroids
from .exemplars import pick_exemplars
from .label import PhraseIndex


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


@dataclass
class Theme:
    id: str
    question: str
    label: str
    suggestions: list[str]


@dataclass
class NonAnswerGroup:
    """Non-answers of one kind for one question (kept out of clustering, shown as a group)."""

    id: str
    question: str
    kind: str  # "no answer" | "nothing" | "don't know"
    label: str
    members: list[str]


_KIND_LABELS = {
    "no answer": "No answer given",
    "nothing": "Nothing / none",
    "don't know": "Don't know / not sure",
}
_NO_ANSWER = re.compile(
    r"^(?:did not answer|didn'?t answer|no answer|no response|not answered|n ?/ ?a|n\.?a\.?|"
    r"#n/a|not applicable|null|[-.?!x_*]+)$"
)
_DONT_KNOW = re.compile(
    r"^(?:i )?(?:don'?t|do not|dont) know|dunno|idk|no idea|not sure|unsure|no opinion"
)


def non_answer_kind(text: str) -> str:
    """Which kind of non-answer: "no answer", "don't know" or "nothing".

    They mean different things in an analysis: "did not answer" is missing data, while
    "nothing" to "what could we improve?" is often a positive verdict.
    """
    from ..io import normalise_answer

    t = normalise_answer(text)
    if _NO_ANSWER.match(t):
        return "no answer"
    if _DONT_KNOW.match(t):
        return "don't know"
    return "nothing"


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
) -> SuggestResult:
    """Candidate codes for ``responses`` (columns id, question, text, non_answer).

    ``X`` holds one L2-normalised embedding per row of ``responses`` (same order).
    Suggestions are made per question. Result ids (S1.., T1..) depend only on the data.
    """
    if len(responses) != len(X):
        raise ValueError("responses and embeddings differ in length")
    df = responses.reset_index(drop=True).copy()
    df["_row"] = np.arange(len(df))
    qs = questions or list(dict.fromkeys(df["question"]))
    suggestions: list[Suggestion] = []
    themes: list[Theme] = []
    unassigned: dict[str, list[str]] = {}
    non_answers: dict[str, list[str]] = {}
    summaries: list[QuestionSummary] = []
    groups: list[NonAnswerGroup] = []
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
        Xq = X[ans["_row"].to_numpy()] if len(ans) else np.zeros((0, X.shape[1]), np.float32)
        params = adapt_params(len(ans), min_cluster_size)
        sugg, th, unas = _one_question(
            q,
            ans,
            Xq,
            params,
            len(suggestions),
            len(themes),
            assign_outliers,
            outlier_threshold,
            n_exemplars,
        )
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
                params=params.to_dict(),
            )
        )
    return SuggestResult(suggestions, themes, unassigned, non_answers, summaries, seed, groups)


def _one_question(
    q: str,
    ans: pd.DataFrame,
    X: np.ndarray,
    params: ClusterParams,
    s_offset: int,
    t_offset: int,
    assign_outliers: bool,
    outlier_threshold: float,
    n_exemplars: int,
) -> tuple[list[Suggestion], list[Theme], list[str]]:
    n = len(ans)
    if n == 0:
        return [], [], []
    labels, _ = cluster(X, params)
    k = int(labels.max()) + 1 if n else 0
    ids = ans["id"].tolist()
    texts = ans["text"].tolist()
    if k == 0:
        return [], [], ids
    centroids = np.vstack([X[labels == c].mean(axis=0) for c in range(k)])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    assigned = np.zeros(n, dtype=bool)
    if assign_outliers:
        out = np.where(labels == -1)[0]
        if len(out):
            sims = X[out] @ centroids.T
            best = sims.argmax(axis=1)
            ok = sims[np.arange(len(out)), best] >= outlier_threshold
            labels = labels.copy()
            labels[out[ok]] = best[ok]
            assigned[out[ok]] = True
    index = PhraseIndex(texts)
    members = [np.where(labels == c)[0] for c in range(k)]
    terms = [index.describe(m, centrality=X[m] @ centroids[c]) for c, m in enumerate(members)]
    n_themes = _n_themes(k)
    theme_of = group_centroids(centroids, n_themes)
    theme_ids = [f"T{t_offset + t + 1}" for t in range(int(theme_of.max()) + 1)]
    sugg: list[Suggestion] = []
    for c in range(k):
        m = members[c]
        core = m[~assigned[m]]
        ex = pick_exemplars(X[core], [texts[i] for i in core], k=n_exemplars)
        sugg.append(
            Suggestion(
                id=f"S{s_offset + c + 1}",
                question=q,
                label=terms[c].label,
                keywords=terms[c].keywords,
                theme=theme_ids[int(theme_of[c])],
                size=len(m),
                share=share(len(m), n),
                exemplars=[{"id": ids[core[i]], "text": texts[core[i]]} for i in ex],
                members=[ids[i] for i in m],
                assigned_outliers=[ids[i] for i in m if assigned[i]],
            )
        )
    themes = []
    for t, tid in enumerate(theme_ids):
        cs = [c for c in range(k) if theme_of[c] == t]
        rows = np.concatenate([members[c] for c in cs])
        if len(cs) > 1:
            cen = X[rows].mean(axis=0)
            label = index.describe(rows, centrality=X[rows] @ cen).label
        else:
            label = terms[cs[0]].label
        themes.append(Theme(tid, q, label, [sugg[c].id for c in cs]))
    unas = [ids[i] for i in np.where(labels == -1)[0]]
    return sugg, themes, unas


def share(size: int, n_answers: int) -> float:
    """A suggestion's share of its question's answers (non-answers excluded), 4 decimals."""
    return round(size / n_answers, 4) if n_answers else 0.0


def _n_themes(k: int) -> int:
    """Candidate themes for k suggestions: about √k, as researchers report 3–12 themes."""
    if k < 4:
        return 1
    return int(np.clip(round(k**0.5), 2, 15))
