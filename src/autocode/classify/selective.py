"""Selective coding: the machine codes alone only the answers it can code at a target kappa.

From the out-of-fold predictions of cross-validation on the seeds (each seed coded by a model
that did not learn from it):

1. every (answer, code) cell gets the probability that the machine's decision on it is right:
   ``p`` where it decided *present*, ``1 - p`` where it decided *absent* (``p`` is the
   calibrated confidence; single-label: the top code's ``p`` for every cell of the answer);
2. an answer's score is the probability that all its applicable cells are right, taken as
   the product of its cells' (Chow 1970's reject option, one decision per answer);
3. answers are ranked by score; the threshold is the lowest score at which the answers at or
   above it still agree with the human at pooled kappa >= the target (the largest coverage
   that meets it). The estimate reported with it — the share of answers coded alone and their
   kappa — is measured on the same out-of-fold answers, with bootstrap percentile intervals.

Applied to new answers, the machine codes alone the *share* of them the estimate promised,
the most confident first (:meth:`Selection.cuts`): the coder that codes them was fitted on
all the seeds, so it is surer of its answers than the fold models the estimate came from, and
the out-of-fold score itself would code more answers alone, at a lower kappa, than promised
(measured in ``scripts/bench_selective.py``: +5 points of coverage and -.04 kappa on a
split). The others go to the review queue, most useful first (lowest score first), with the
cells that made them uncertain flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

_EPS = 1e-12


def cell_confidence(P: np.ndarray, decided: np.ndarray, multilabel: bool = True) -> np.ndarray:
    """(n, k) probability that each cell's decision is right (see the module doc)."""
    P = np.clip(np.asarray(P, dtype=float), 0.0, 1.0)
    D = np.asarray(decided).astype(bool)
    if multilabel:
        return np.where(D, P, 1.0 - P)
    top = (P * D).sum(axis=1, keepdims=True)  # the chosen code's probability
    return np.broadcast_to(top, P.shape).copy()


def answer_scores(C: np.ndarray, applies: np.ndarray | None = None) -> np.ndarray:
    """Probability that every applicable cell of an answer is right (product of cells)."""
    L = np.log(np.clip(C, _EPS, 1.0))
    if applies is not None:
        L = np.where(np.asarray(applies, bool), L, 0.0)
    return np.exp(L.sum(axis=1))


def pooled_kappa(Y: np.ndarray, A: np.ndarray, applies: np.ndarray | None = None) -> float | None:
    """Cohen's kappa over every applicable (answer, code) cell; None when undefined."""
    Y, A = np.asarray(Y).astype(bool), np.asarray(A).astype(bool)
    m = np.ones(Y.shape, bool) if applies is None else np.asarray(applies, bool)
    n = int(m.sum())
    if n == 0:
        return None
    y, a = Y[m], A[m]
    po = float((y == a).mean())
    py, pa = float(y.mean()), float(a.mean())
    pe = py * pa + (1 - py) * (1 - pa)
    return None if pe >= 1 - _EPS else (po - pe) / (1 - pe)


def _prefix_kappas(Y, A, M, order) -> np.ndarray:
    """Pooled kappa of the first m answers in ``order``, for every m (vectorised)."""
    Y, A, M = (np.asarray(x)[order].astype(bool) for x in (Y, A, M))
    cells = np.cumsum(M.sum(1))
    agree = np.cumsum(((Y == A) & M).sum(1))
    ny = np.cumsum((Y & M).sum(1))
    na = np.cumsum((A & M).sum(1))
    with np.errstate(divide="ignore", invalid="ignore"):
        po = agree / cells
        py, pa = ny / cells, na / cells
        pe = py * pa + (1 - py) * (1 - pa)
        k = (po - pe) / (1 - pe)
    k[~np.isfinite(k)] = np.nan
    return k


#: a question gets its own threshold (``per_question``) only with this many out-of-fold seeds;
#: below it, the question's kappa is too noisy to choose a cut on and the global one is used
MIN_QUESTION_SEEDS = 100


@dataclass
class Selection:
    """The threshold chosen for a target kappa, and what it promises (out-of-fold)."""

    target_kappa: float
    threshold: float | None  # None: no coverage meets the target (everything to review)
    expected_coverage: float
    expected_kappa: float | None
    coverage_ci: tuple[float | None, float | None] = (None, None)
    kappa_ci: tuple[float | None, float | None] = (None, None)
    n_seeds: int = 0
    curve: list[dict] = field(default_factory=list)  # coverage -> kappa, for --evaluate
    estimate: str = "cv"  # how the out-of-fold codings were made (cv | fitted)
    #: per question: its own threshold (``per_question``) or None where the global one holds
    thresholds: dict[str, float | None] = field(default_factory=dict)
    per_question: bool = False
    #: the promise per question: n_seeds, threshold used, expected coverage and kappa
    by_question: list[dict] = field(default_factory=list)
    #: out of fold, the share coded alone of the seeds under the global threshold (with
    #: ``per_question``: of the seeds of questions without their own threshold)
    common_coverage: float | None = None
    #: out of fold, the share coded alone of each question with its own threshold
    shares: dict[str, float] = field(default_factory=dict)
    #: the cuts last applied on the coder's own score scale (:meth:`cuts`): "" the global one
    applied: dict[str, float | None] = field(default_factory=dict)

    def cuts(
        self,
        scores: np.ndarray,
        groups: Sequence[str] | None = None,
        pool: np.ndarray | None = None,
    ) -> np.ndarray:
        """The score each answer must reach to be coded alone (inf: none), on the scale of
        the coder that scored them (``scores``): per stratum — a question with its own
        threshold, or all the other answers — the lowest score at which the stratum's
        ``pool`` answers (bool mask; default all: the answers no human coded; all of the
        stratum's where it has none) reach the share coded alone that the estimate promised
        for it, the most confident first.
        Ties at the cut are all coded alone. Records the cuts in :attr:`applied`."""
        s = np.asarray(scores, float)
        n = len(s)
        pool = np.ones(n, bool) if pool is None else np.asarray(pool, bool)
        g = None if groups is None else np.asarray(list(groups), dtype=object)
        out = np.full(n, np.inf)
        common = np.ones(n, bool)
        self.applied = {}
        if self.per_question and g is not None:
            for q, t in self.thresholds.items():
                m = g == q
                common &= ~m
                cut = None if t is None else _share_cut(_pool(s, m, pool), self.shares.get(q, 0.0))
                out[m] = np.inf if cut is None else cut
                self.applied[q] = cut
        share = self.expected_coverage if self.common_coverage is None else self.common_coverage
        cut = None if self.threshold is None else _share_cut(_pool(s, common, pool), share)
        out[common] = np.inf if cut is None else cut
        self.applied[""] = cut
        return out

    def to_json(self) -> dict:
        return {
            "target_kappa": self.target_kappa,
            "threshold": self.threshold,
            "expected_coverage": self.expected_coverage,
            "expected_coverage_ci": list(self.coverage_ci),
            "expected_kappa": self.expected_kappa,
            "expected_kappa_ci": list(self.kappa_ci),
            "n_seeds": self.n_seeds,
            "estimate": self.estimate,
            "per_question": self.per_question,
            "thresholds": dict(self.thresholds),
            "by_question": list(self.by_question),
            "cuts_applied": dict(self.applied),
        }


def _pool(s: np.ndarray, stratum: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """The scores the share of a stratum is taken of: its pool answers, or all its answers
    where a human coded every one of them."""
    m = stratum & pool
    return s[m] if m.any() else s[stratum]


def _share_cut(scores: np.ndarray, share: float) -> float | None:
    """The score of the ``round(share * n)``-th most confident of ``scores`` (None: none)."""
    m = round(float(share) * len(scores))
    if m <= 0:
        return None
    return float(np.sort(scores)[::-1][min(m, len(scores)) - 1])


def _choose(s, Y, A, M, target) -> tuple[float | None, int]:
    order = np.argsort(-s, kind="stable")
    k = _prefix_kappas(Y, A, M, order)
    ok = np.nonzero(np.nan_to_num(k, nan=-np.inf) >= target)[0]
    if not len(ok):
        return None, 0
    m = int(ok[-1]) + 1  # the largest coverage that still meets the target
    # ties: every answer scoring like the m-th goes with it (a threshold, not a count)
    tau = float(s[order[m - 1]])
    return tau, int((s >= tau).sum())


def _cut_vector(s, Y, A, M, g, target, per_question) -> tuple[np.ndarray, float | None, dict]:
    """Per answer, the score it must reach; the global threshold; per-question thresholds."""
    tau, _ = _choose(s, Y, A, M, target)
    cut = np.full(len(s), np.inf if tau is None else tau)
    own: dict[str, float | None] = {}
    if per_question and g is not None:
        for q in sorted(set(g.tolist())):
            m = g == q
            if m.sum() < MIN_QUESTION_SEEDS:
                continue
            t, _ = _choose(s[m], Y[m], A[m], M[m], target)
            own[str(q)] = t
            cut[m] = np.inf if t is None else t
    return cut, tau, own


def choose_threshold(
    scores: np.ndarray,
    Y: np.ndarray,
    A: np.ndarray,
    applies: np.ndarray | None,
    target: float,
    *,
    groups: Sequence[str] | None = None,
    per_question: bool = False,
    bootstrap: int = 200,
    seed: int = 0,
    curve_points: int = 20,
) -> Selection:
    """The lowest score threshold whose answers meet ``target`` pooled kappa (out-of-fold
    ``scores``, human ``Y``, machine ``A``, ``applies`` mask), with bootstrap intervals.

    ``groups`` (each answer's question) adds the promise per question; with
    ``per_question`` each question with at least :data:`MIN_QUESTION_SEEDS` out-of-fold
    answers gets its own threshold, chosen so that its own answers meet the target (the
    others keep the global one)."""
    s = np.asarray(scores, float)
    Y, A = np.asarray(Y).astype(bool), np.asarray(A).astype(bool)
    M = np.ones(Y.shape, bool) if applies is None else np.asarray(applies, bool)
    g = None if groups is None else np.asarray(list(groups), dtype=object)
    n = len(s)
    cut, tau, own = _cut_vector(s, Y, A, M, g, target, per_question)
    keep = s >= cut
    est_k = pooled_kappa(Y[keep], A[keep], M[keep]) if keep.any() else None
    rng = np.random.default_rng(seed)
    covs, kaps = [], []
    for _ in range(bootstrap):
        b = rng.integers(0, n, n)
        cb, _, _ = _cut_vector(
            s[b], Y[b], A[b], M[b], None if g is None else g[b], target, per_question
        )
        kb = s[b] >= cb
        covs.append(float(kb.mean()))
        if kb.any():
            kv = pooled_kappa(Y[b][kb], A[b][kb], M[b][kb])
            if kv is not None:
                kaps.append(kv)
    ci = lambda v: (  # noqa: E731
        (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) if len(v) else (None, None)
    )
    by_question = []
    if g is not None:
        for q in sorted(set(g.tolist())):
            m = g == q
            km = keep & m
            kq = pooled_kappa(Y[km], A[km], M[km]) if km.any() else None
            t = own.get(str(q), tau) if per_question else tau
            by_question.append(
                {
                    "question": str(q),
                    "n_seeds": int(m.sum()),
                    "threshold": t,
                    "own_threshold": str(q) in own,
                    "expected_coverage": round(float(km.sum() / m.sum()), 4),
                    "expected_kappa": None if kq is None else round(kq, 4),
                }
            )
    common = np.ones(n, bool)
    shares = {}
    if per_question and g is not None:
        common = ~np.isin(g, list(own))
        shares = {q: float(keep[g == q].mean()) for q in own}
    return Selection(
        shares=shares,
        target_kappa=float(target),
        common_coverage=float(keep[common].mean()) if common.any() else 0.0,
        threshold=tau,
        expected_coverage=float(keep.mean()) if n else 0.0,
        expected_kappa=est_k,
        coverage_ci=ci(covs),
        kappa_ci=ci(kaps),
        n_seeds=n,
        curve=coverage_curve(s, Y, A, M, curve_points),
        thresholds=own,
        per_question=per_question,
        by_question=by_question,
    )


def coverage_curve(
    scores: np.ndarray, Y: np.ndarray, A: np.ndarray, applies: np.ndarray | None, points: int = 20
) -> list[dict]:
    """Pooled kappa of the surest answers at ``points`` evenly spaced coverages (the share
    of answers coded alone, surest first): the trade-off ``--evaluate`` shows."""
    s = np.asarray(scores, float)
    Y, A = np.asarray(Y).astype(bool), np.asarray(A).astype(bool)
    M = np.ones(Y.shape, bool) if applies is None else np.asarray(applies, bool)
    n = len(s)
    if not n:
        return []
    order = np.argsort(-s, kind="stable")
    prefix = _prefix_kappas(Y, A, M, order)
    curve = []
    for c in np.linspace(1 / points, 1.0, points):
        j = max(round(c * n) - 1, 0)
        kv = prefix[j]
        curve.append({"coverage": round(float((j + 1) / n), 4),
                      "kappa": None if np.isnan(kv) else round(float(kv), 4)})  # fmt: skip
    return curve


def apply_threshold(
    scores: np.ndarray,
    C: np.ndarray,
    applies: np.ndarray | None,
    threshold: float | np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(answer coded alone?, flagged cells) for new answers: an answer below its threshold
    (one for all, or one per answer: :meth:`Selection.cuts`) needs review; its cells that are
    less sure than the threshold are flagged (at least its least sure applicable cell)."""
    s = np.asarray(scores, float)
    C = np.asarray(C, float)
    M = np.ones(C.shape, bool) if applies is None else np.asarray(applies, bool)
    t = np.full(len(s), np.inf) if threshold is None else np.broadcast_to(threshold, s.shape)
    alone = s >= t
    cut = np.where(np.isfinite(t), t, 0.0)
    flagged = (C < np.maximum(cut, _EPS)[:, None]) & M & ~alone[:, None]
    weakest = np.where(M, C, np.inf).argmin(axis=1)
    rows = np.nonzero(~alone & ~flagged.any(axis=1) & M.any(axis=1))[0]
    flagged[rows, weakest[rows]] = True
    return alone, flagged
