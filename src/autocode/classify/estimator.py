"""The seeded coder: one-vs-rest logistic regression with kappa-optimal per-code thresholds.

Follows the scikit-learn estimator contract: ``__init__`` only stores parameters, ``fit``
learns attributes ending in ``_`` and returns ``self``, randomness comes in as
``random_state``. ``X`` is any numeric feature matrix (dense or sparse; see
:mod:`autocode.classify.features` for the one autocode builds from responses).

- **Multi-label** (``y`` a 0/1 indicator matrix, one column per code): one binary logistic
  regression per code (Cox 1958; balanced class weights, King & Zeng 2001). Each code gets
  its own decision threshold, chosen on out-of-fold probabilities of the seeds to maximise
  Cohen's kappa with the human coder (:mod:`autocode.classify.thresholds`). A response that
  clears no threshold gets the code whose probability is highest relative to its threshold
  (``min_codes=1``): in survey coding every answer carries at least one code.
  With unlabelled responses (``fit(X, y, X_unlabeled=...)``) each code is also taught by
  pseudo-labels (self-training; Yarowsky 1995, Lee 2013): the uncoded responses its
  seed-only model scores highest, as many as it has positive seeds, are added as positives
  with a small weight, and the model, its cross-validation folds and so its threshold are
  fitted with them.
- **Single-label** (``y`` 1-D): one multinomial logistic regression; ``predict`` is the
  most probable code.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data
from threadpoolctl import threadpool_limits

from .thresholds import bagged_threshold


def _seed_from(random_state) -> int:
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


class SeededCoder(ClassifierMixin, BaseEstimator):
    """One-vs-rest logistic regression with per-code thresholds that maximise kappa.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength of every logistic regression.
    class_weight : "balanced", None or dict
        Weighting of the classes within each fit (a dict maps class -> weight).
    threshold_cv : int
        Folds used to produce the out-of-fold probabilities the thresholds are chosen on
        (0: no cross-validation, every threshold is 0.5).
    min_codes : int
        0 or 1; with 1 (multi-label), a response that clears no threshold gets its best code.
    max_iter : int
        Iterations of the L-BFGS solver.
    tol : float
        Stopping tolerance of the solver (1e-3 halves the time but cost ~0.01 macro
        kappa on nhs_fft_qdc_v6, so the default stays at 1e-4).
    threshold_prior : float
        Pseudo-count of positives pulling each code's threshold towards 0.5 (on the logit
        scale): a code with few seeds keeps a cautious cut instead of a noisy one.
    calibrate : bool
        Multi-label: map each code's score to a calibrated probability with Platt (1999)
        scaling fitted on the out-of-fold scores (thresholds move with it, so decisions do
        not change; the confidence becomes an honest probability).
    balance_power : float
        Multi-label with ``class_weight="balanced"``: class weights are raised to this
        power (1: fully balanced, 0: unweighted).
    refit : "full" or "average"
        Multi-label: the final model per code is refitted on all seeds ("full"), or is the
        mean of the cross-validation fold models ("average": the thresholds are then chosen
        on the score scale the model really has, and one fit per code is saved).
    threshold_repeats : int
        Multi-label: repeat the threshold cross-validation with this many different fold
        splits and choose each threshold on all their out-of-fold scores together
        (benchmarked on nhs_fft_qdc_v6: 2 repeats changed macro kappa by -0.001, so 1).
    threshold_bootstrap : int
        Multi-label: each code's cut is the mean (logit scale) of the kappa-optimal cuts on
        this many bootstrap resamples of its out-of-fold scores (bagging; 0: the plain
        argmax). Benchmarked on nhs_fft_qdc_v6 (3 splits): 50 resamples raised macro kappa
        by +0.005 with 20% seeds and +0.006 with 10 seeds per code, pooled kappa by +0.002
        and +0.007.
    pseudo_weight : float
        Multi-label with ``X_unlabeled``: sample weight of each pseudo-labelled positive
        (0: no self-training). Benchmarked on nhs_fft_qdc_v6 (3 splits, with the sentence
        vectors): weight 0.3 with as many pseudo-positives as seeds raised macro kappa by
        +.009 (20% seeds) and +.006 (10 seeds per code), pooled kappa by +.008 / +.006.
    pseudo_ratio : float
        Pseudo-positives per positive seed of the code (at most its candidate pool). A code
        draws none when its candidate pool (the unlabeled rows of its mask) holds fewer than
        ``PSEUDO_MIN_POOL`` rows: taking most of a handful of answers as positives only adds
        noise (measured: cross-validating a 111-answer survey whose answers were all coded,
        each fold's pool being the other fold's few answers, pooled kappa fell from .6 to .18).
    threshold_stratify : bool
        Multi-label: stratify the threshold-CV folds by each seed's rarest code, so a code
        with 3 seeds keeps 2 in every fold's training part (benchmarked on nhs_fft_qdc_v6:
        +.003 macro / +.004 pooled kappa with 20% seeds, ±.001 with 10 seeds per code).
    single_cv : int
        Single-label: out-of-fold probabilities of the training rows (``oof_proba_``) from
        this many stratified folds, the regression refitted per fold from the full fit's
        coefficients (0: none, the default). ``autocode code --target-kappa`` states its
        promise from them (``--estimate fitted``) instead of refitting the whole pipeline per
        fold; measured in ``scripts/bench_selective.py``.
    random_state : int, numpy Generator/RandomState or None
        Seeds the fold assignment of the threshold cross-validation.
    """

    # learned by fit (the scikit-learn contract: they exist only on a fitted coder)
    multilabel_: bool
    classes_: np.ndarray
    coef_: np.ndarray
    intercept_: np.ndarray
    n_iter_: np.ndarray
    thresholds_: np.ndarray | None  # multi-label only, like the four below
    cv_kappa_: np.ndarray
    calib_: np.ndarray
    n_pseudo_: np.ndarray
    oof_proba_: np.ndarray

    def __init__(
        self,
        C: float = 8.0,
        class_weight: str | dict[int, float] | None = "balanced",
        threshold_cv: int = 3,
        min_codes: int = 1,
        max_iter: int = 300,
        tol: float = 1e-4,
        threshold_prior: float = 10.0,
        calibrate: bool = True,
        balance_power: float = 1.0,
        refit: str = "full",
        threshold_repeats: int = 1,
        threshold_bootstrap: int = 50,
        pseudo_weight: float = 0.3,
        pseudo_ratio: float = 1.0,
        threshold_stratify: bool = True,
        single_cv: int = 0,
        random_state=None,
    ):
        self.C = C
        self.class_weight = class_weight
        self.threshold_cv = threshold_cv
        self.min_codes = min_codes
        self.max_iter = max_iter
        self.tol = tol
        self.threshold_prior = threshold_prior
        self.calibrate = calibrate
        self.balance_power = balance_power
        self.refit = refit
        self.threshold_repeats = threshold_repeats
        self.threshold_bootstrap = threshold_bootstrap
        self.pseudo_weight = pseudo_weight
        self.pseudo_ratio = pseudo_ratio
        self.threshold_stratify = threshold_stratify
        self.single_cv = single_cv
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------------
    def _check_params(self) -> None:
        if not (isinstance(self.C, (int, float)) and self.C > 0):
            raise ValueError(f"C must be a positive number, got {self.C!r}")
        if not (self.class_weight in ("balanced", None) or isinstance(self.class_weight, dict)):
            raise ValueError(
                f"class_weight must be 'balanced', None or a dict, got {self.class_weight!r}"
            )
        for name in ("threshold_cv", "single_cv"):
            v = getattr(self, name)
            if not (isinstance(v, (int, np.integer)) and v >= 0 and v != 1):
                raise ValueError(f"{name} must be 0 or an integer >= 2, got {v!r}")
        if self.refit not in ("full", "average"):
            raise ValueError(f"refit must be 'full' or 'average', got {self.refit!r}")
        if self.min_codes not in (0, 1):
            raise ValueError(f"min_codes must be 0 or 1, got {self.min_codes!r}")
        for name in ("pseudo_weight", "pseudo_ratio"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and v >= 0):
                raise ValueError(f"{name} must be a number >= 0, got {v!r}")

    def _lr(self, seed: int, y=None) -> LogisticRegression:
        """One code's logistic regression. With binary ``y``, "balanced" weights are fixed
        here from its class counts (raised to ``balance_power``), so sample weights given to
        ``fit`` (pseudo-labels) do not change the class balance."""
        cw = self.class_weight
        if cw == "balanced" and y is not None:
            n, npos = len(y), float(np.sum(y))
            cw = {
                0: (n / (2 * (n - npos))) ** self.balance_power,
                1: (n / (2 * npos)) ** self.balance_power,
            }
        return LogisticRegression(
            C=float(self.C),
            class_weight=cw,
            max_iter=self.max_iter,
            tol=self.tol,
            random_state=seed,
        )

    def fit(self, X, y, X_unlabeled=None, mask=None, mask_unlabeled=None):
        """Fit on features ``X`` and human codes ``y`` (1-D labels or a 0/1 indicator matrix).

        ``X_unlabeled``: features of responses no human has coded (multi-label: the source
        of pseudo-labels; ignored for single-label codebooks).

        ``mask`` (multi-label, ``(n, k)`` bool, default all True): ``mask[i, j]`` False means
        row ``i`` is no training row of code ``j`` (e.g. an answer to a question the code
        does not apply to): code ``j``'s model, its threshold-CV folds, threshold and
        calibration use the other rows only. ``mask_unlabeled`` does the same for
        ``X_unlabeled`` (no pseudo-label of code ``j`` is drawn from a False row). Each code
        needs both classes among its rows. Ignored by a single-label fit."""
        self._check_params()
        X, y = validate_data(
            self, X, y, accept_sparse="csr", multi_output=True, dtype=np.float64, y_numeric=False
        )
        if X_unlabeled is not None:
            X_unlabeled = validate_data(
                self, X_unlabeled, accept_sparse="csr", dtype=np.float64, reset=False
            )
        seed = _seed_from(self.random_state)
        target = type_of_target(y, raise_unknown=True)
        with threadpool_limits(1):
            if target == "multilabel-indicator":
                Y = np.asarray(y, dtype=int)
                M = _mask(mask, Y.shape, "mask")
                nu = 0 if X_unlabeled is None else X_unlabeled.shape[0]
                Mu = _mask(mask_unlabeled, (nu, Y.shape[1]), "mask_unlabeled")
                self._fit_multilabel(X, Y, seed, X_unlabeled, M, Mu)
            elif target in ("binary", "multiclass"):
                self._fit_single(X, np.asarray(y), seed)
            else:
                raise ValueError(
                    f"y must be 1-D class labels or a 0/1 indicator matrix, got {target}"
                )
        return self

    def _fit_single(self, X, y, seed: int) -> None:
        self.multilabel_ = False
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("y has one class only: need at least two codes among the seeds")
        m = self._lr(seed).fit(X, y)
        self.coef_, self.intercept_ = m.coef_, m.intercept_
        self.n_iter_ = np.asarray(m.n_iter_)
        self.thresholds_ = None
        if self.single_cv:
            self.oof_proba_ = self._cross_fit_single(X, y, seed)

    def _cross_fit_single(self, X, y, seed: int) -> np.ndarray:
        """Out-of-fold class probabilities (columns in ``classes_`` order; 0 for a class a
        fold's training part lacks) from ``single_cv`` folds stratified by class (a class on
        fewer rows than folds joins the largest), each fold's regression started at the full
        fit: the same optimum, reached in fewer iterations."""
        nf = min(int(self.single_cv), len(y))
        values, counts = np.unique(y, return_counts=True)
        strat = np.where(np.isin(y, values[counts < nf]), values[np.argmax(counts)], y)
        oof = np.zeros((len(y), len(self.classes_)))
        folds = StratifiedKFold(n_splits=nf, shuffle=True, random_state=seed)
        for tr, te in folds.split(X, strat):
            if len(np.unique(y[tr])) < 2:  # one class left: it is certain
                oof[np.ix_(te, np.searchsorted(self.classes_, y[tr][:1]))] = 1.0
                continue
            m = self._lr(seed)
            cols = np.searchsorted(self.classes_, np.unique(y[tr]))
            if len(cols) == len(self.classes_):
                m.set_params(warm_start=True)
                m.coef_, m.intercept_ = self.coef_.copy(), self.intercept_.copy()
            m.fit(_take(X, tr), y[tr])
            oof[np.ix_(te, cols)] = m.predict_proba(_take(X, te))
        return oof

    def _pseudo(self, X, Y, Xu, seed: int, M, Mu) -> tuple[list[np.ndarray], list]:
        """Per code, the rows of ``Xu`` taken as pseudo-positives (the top-scored among the
        code's rows ``Mu[:, j]`` by a model fitted on its seeds ``M[:, j]`` alone,
        ``pseudo_ratio`` per positive seed) and that model's (coef, intercept), the
        starting point of the refit."""
        k = Y.shape[1]
        rows: list[np.ndarray] = [np.zeros(0, dtype=int)] * k
        inits: list = [None] * k
        if Xu is None or not self.pseudo_weight or not Xu.shape[0]:
            return rows, inits
        for j in range(k):
            r, cand = _rows(M[:, j]), _rows(Mu[:, j])
            Xj, yj = _take(X, r), Y[r, j]
            m = min(round(float(self.pseudo_ratio) * float(yj.sum())), len(cand))
            if m <= 0 or len(cand) < PSEUDO_MIN_POOL:
                continue
            lr = self._lr(seed, yj).fit(Xj, yj)
            z = lr.decision_function(_take(Xu, cand))
            rows[j] = np.sort(cand[np.argsort(-z, kind="stable")[:m]])
            inits[j] = (lr.coef_[0], float(lr.intercept_[0]))
        return rows, inits

    def _fit_code(self, X, y, seed: int, Xu=None, rows=None, init=None):
        """One code's logistic regression on the seeds ``X, y`` plus pseudo-positive ``rows``
        of ``Xu`` (weighted ``pseudo_weight``), the solver started at ``init`` (coef,
        intercept) when given: the same optimum, reached in fewer iterations."""
        if rows is None or not len(rows):
            return self._lr(seed, y).fit(X, y)
        Xa = sparse.vstack([sparse.csr_matrix(X), sparse.csr_matrix(Xu[rows])], format="csr")
        ya = np.r_[y, np.ones(len(rows), dtype=y.dtype)]
        w = np.r_[np.ones(len(y)), np.full(len(rows), float(self.pseudo_weight))]
        m = self._lr(seed, ya)  # balanced on counts, as without pseudo-labels
        if init is not None:
            m.set_params(warm_start=True)
            m.coef_ = np.asarray(init[0], dtype=np.float64).reshape(1, -1).copy()
            m.intercept_ = np.array([float(init[1])])
        return m.fit(Xa, ya, sample_weight=w)

    def _fit_multilabel(self, X, Y, seed: int, Xu=None, M=None, Mu=None) -> None:
        self.multilabel_ = True
        n, k = Y.shape
        M = np.ones((n, k), dtype=bool) if M is None else M
        self.classes_ = np.arange(k)
        bad = [j for j in range(k) if not _two_classes(Y[M[:, j], j])]
        if bad:
            raise ValueError(
                f"codes {bad[:5]} have a single class among the seeds (all 0 or all 1)"
            )
        self.n_iter_ = np.zeros(k, dtype=int)
        thresholds = self.thresholds_ = np.full(k, 0.5)
        self.cv_kappa_ = np.full(k, np.nan)
        self.calib_ = np.tile([1.0, 0.0], (k, 1))  # p = sigmoid(a * z + b), z = logit score
        averaged = self.refit == "average" and self.threshold_cv
        if Mu is None and Xu is not None:
            Mu = np.ones((Xu.shape[0], k), dtype=bool)
        pseudo, inits = self._pseudo(X, Y, Xu, seed, M, Mu)
        self.n_pseudo_ = np.array([len(r) for r in pseudo], dtype=int)
        if not averaged:
            coef = np.zeros((k, X.shape[1]))
            intercept = np.zeros(k)
            for j in range(k):
                r = _rows(M[:, j])
                m = self._fit_code(_take(X, r), Y[r, j], seed, Xu, pseudo[j], inits[j])
                coef[j], intercept[j] = m.coef_[0], m.intercept_[0]
                self.n_iter_[j] = int(np.max(m.n_iter_))
            self.coef_, self.intercept_ = coef, intercept
        if self.threshold_cv:
            warm = None if averaged else list(zip(self.coef_, self.intercept_, strict=True))
            oof, coef, intercept = self._cross_fit(X, Y, seed, Xu, pseudo, warm, M)
            if averaged:
                self.coef_, self.intercept_ = coef, intercept
            Yr, Mr = Y, M
            for rep in range(1, int(self.threshold_repeats)):  # other fold splits, stacked
                oof = np.vstack([oof, self._cross_fit(X, Y, seed + rep, Xu, pseudo, warm, M)[0]])
                Yr, Mr = np.vstack([Yr, Y]), np.vstack([Mr, M])
            boot = np.random.default_rng(seed)
            for j in range(k):
                rj = Mr[:, j]
                t, kap = bagged_threshold(
                    oof[rj, j], Yr[rj, j], int(self.threshold_bootstrap), boot
                )
                self.cv_kappa_[j] = kap
                if not kap > 0:  # no cut beats chance: keep the neutral one
                    continue
                npos = float(Y[M[:, j], j].sum())
                w = npos / (npos + float(self.threshold_prior))
                t = float(np.clip(t, 1e-4, 1 - 1e-4))
                thresholds[j] = 1.0 / (1.0 + np.exp(-w * np.log(t / (1 - t))))
            if self.calibrate:
                self._fit_calibration(oof, Yr, Mr)
            out = self.oof_proba_ if self.calibrate else oof
            # rows outside a code's mask have no out-of-fold estimate of it
            self.oof_proba_ = np.where(M, out[:n], np.nan)

    def _fit_calibration(self, oof: np.ndarray, Y: np.ndarray, M: np.ndarray) -> None:
        """Platt scaling per code on out-of-fold logits (rows of its mask ``M``); thresholds
        mapped through it."""
        oof = np.where(M, oof, 0.5)
        z = np.log(np.clip(oof, 1e-6, 1 - 1e-6) / (1 - np.clip(oof, 1e-6, 1 - 1e-6)))
        thresholds = self._thresholds()
        for j in range(Y.shape[1]):
            rj = M[:, j]
            if Y[rj, j].sum() < 3 or not _two_classes(Y[rj, j]):
                continue
            m = LogisticRegression(C=1e4, max_iter=200).fit(z[rj][:, [j]], Y[rj, j])
            a, b = float(m.coef_[0, 0]), float(m.intercept_[0])
            if a <= 0:  # uninformative scores: keep the raw probability
                continue
            t = np.clip(thresholds[j], 1e-6, 1 - 1e-6)
            self.calib_[j] = (a, b)
            thresholds[j] = 1.0 / (1.0 + np.exp(-(a * np.log(t / (1 - t)) + b)))
        self.oof_proba_ = 1.0 / (1.0 + np.exp(-(z * self.calib_[:, 0] + self.calib_[:, 1])))

    def _folds(self, Y: np.ndarray, nf: int, seed: int):
        """Threshold-CV folds. Stratified (default): each row is labelled by its rarest code
        (codes on fewer than ``nf`` rows pooled), so every fold's training part keeps some
        positives of the rare codes; plain shuffled K-fold otherwise."""
        if not self.threshold_stratify:
            return KFold(n_splits=nf, shuffle=True, random_state=seed).split(Y)
        freq = Y.sum(0)
        strat = np.full(len(Y), -1)
        for i, r in enumerate(Y):
            on = np.flatnonzero(r)
            if len(on):
                strat[i] = on[np.argmin(freq[on])]
        values, counts = np.unique(strat, return_counts=True)
        strat = np.where(np.isin(strat, values[counts < nf]), -1, strat)
        if (strat == -1).sum() and (strat == -1).sum() < nf:  # too few pooled rows
            strat[strat == -1] = values[np.argmax(counts)]
        return StratifiedKFold(n_splits=nf, shuffle=True, random_state=seed).split(Y, strat)

    def _cross_fit(
        self, X, Y, seed: int, Xu=None, pseudo=None, warm=None, M=None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Out-of-fold probabilities of every code (``threshold_cv`` folds, shuffled by
        seed; each fold's model also sees the code's pseudo-positives, and code ``j`` only
        the rows of its mask ``M[:, j]``) and the fold models' mean coefficients and
        intercepts."""
        n, k = Y.shape
        M = np.ones((n, k), dtype=bool) if M is None else M
        oof = np.zeros((n, k))
        coef = np.zeros((k, X.shape[1]))
        intercept = np.zeros(k)
        nf = min(self.threshold_cv, n)
        for tr_all, te_all in self._folds(Y, nf, seed):
            for j in range(k):
                tr, te = tr_all[M[tr_all, j]], te_all[M[te_all, j]]
                yj = Y[tr, j]
                if not len(yj) or yj.min() == yj.max():
                    oof[te, j] = float(yj[0]) if len(yj) else 0.5
                    intercept[j] += (10.0 if len(yj) and yj[0] else -10.0) / nf
                    continue
                m = self._fit_code(
                    _take(X, tr),
                    yj,
                    seed,
                    Xu,
                    None if pseudo is None else pseudo[j],
                    None if warm is None else warm[j],
                )
                if len(te):
                    oof[te, j] = m.predict_proba(_take(X, te))[:, 1]
                coef[j] += m.coef_[0] / nf
                intercept[j] += m.intercept_[0] / nf
                self.n_iter_[j] = max(self.n_iter_[j], int(np.max(m.n_iter_)))
        return oof, coef, intercept

    # -- prediction ------------------------------------------------------------------------
    def _thresholds(self) -> np.ndarray:
        """The per-code thresholds of a fitted multi-label coder."""
        check_is_fitted(self, "coef_")
        if self.thresholds_ is None:
            raise ValueError("per-code thresholds belong to a multi-label coder; this one is not")
        return self.thresholds_

    def _scores(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        return z[:, 0] if z.shape[1] == 1 else z

    def decision_function(self, X) -> np.ndarray:
        """Single-label: class scores. Multi-label: calibrated log-odds minus the log-odds
        of each code's threshold, so ``> 0`` means the code clears its threshold."""
        z = self._scores(X)
        if not self.multilabel_:
            return z
        t = np.clip(self._thresholds(), 1e-12, 1 - 1e-12)
        return z * self.calib_[:, 0] + self.calib_[:, 1] - np.log(t / (1 - t))

    def predict_proba(self, X) -> np.ndarray:
        """Per-code probability (multi-label: independent, calibrated; single-label: softmax)."""
        z = self._scores(X)
        if self.multilabel_:
            return 1.0 / (1.0 + np.exp(-(z * self.calib_[:, 0] + self.calib_[:, 1])))
        if z.ndim == 1:  # two classes: sklearn keeps one coefficient row
            p1 = 1.0 / (1.0 + np.exp(-z))
            return np.column_stack([1 - p1, p1])
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """Multi-label: 0/1 matrix (thresholds applied); single-label: one code per row."""
        P = self.predict_proba(X)
        if not self.multilabel_:
            return self.classes_[np.argmax(P, axis=1)]
        return self.decide(P)

    def decide(self, P: np.ndarray, mask=None, force=None) -> np.ndarray:
        """Apply the per-code thresholds (and ``min_codes``) to a probability matrix.

        ``mask`` (``(n, k)`` bool): cells that may be coded at all (False: never, e.g. a code
        outside the answer's question); ``force`` (``(n,)`` bool, default all True): rows
        ``min_codes`` applies to (it never picks a masked cell)."""
        thresholds = self._thresholds()
        M = np.ones(P.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        P = np.where(M, P, 0.0)
        out = ((P >= thresholds) & M).astype(int)
        if self.min_codes and len(out):
            F = np.ones(len(out), dtype=bool) if force is None else np.asarray(force, dtype=bool)
            empty = (out.sum(axis=1) == 0) & F & M.any(axis=1)
            if empty.any():
                ratio = P[empty] / np.maximum(thresholds, 1e-9)
                out[np.nonzero(empty)[0], np.argmax(ratio, axis=1)] = 1
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        return tags


#: the fewest unlabeled candidates a code draws pseudo-positives from
PSEUDO_MIN_POOL = 50


def _mask(mask, shape: tuple[int, int], name: str) -> np.ndarray:
    """A boolean ``(n, k)`` mask (default all True), checked against ``shape``."""
    if mask is None:
        return np.ones(shape, dtype=bool)
    m = np.asarray(mask, dtype=bool)
    if m.shape != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {m.shape}")
    return m


def _rows(col: np.ndarray) -> np.ndarray:
    return np.flatnonzero(col)


def _take(X, rows: np.ndarray):
    """Rows of a dense or sparse matrix (all of them, uncopied, when ``rows`` is every row)."""
    if len(rows) == X.shape[0] and (len(rows) == 0 or rows[-1] == len(rows) - 1):
        return X
    return X[rows]


def _two_classes(y: np.ndarray) -> bool:
    return len(y) > 0 and y.min() != y.max()


def hstack_features(blocks: list) -> sparse.csr_matrix:
    """Column-stack dense and sparse feature blocks into one CSR matrix."""
    return sparse.hstack([sparse.csr_matrix(b) for b in blocks], format="csr")
