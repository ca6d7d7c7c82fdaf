"""Train the seeded coder, code every response, and estimate agreement before applying it.

``train`` -> :class:`CodingModel` -> ``apply``: a short sequence of named steps::

    corpus = Corpus.from_frame(responses)                 # sorted by id: order-independent
    E = response_vectors(corpus.texts)                    # whole + sentence-mean embeddings
    D = embed(codebook texts)                             # cached in the store
    model = train(corpus, E, book, seeds, D, seed=0)      # features + SeededCoder
    coded = apply(model, corpus, E)                       # id, code, confidence, status
    report = evaluate(corpus, E, book, seeds, D)          # k-fold CV kappa with CIs

The codebook is used twice: each code's text (name, definition, inclusion notes) is a
feature direction (cosine similarity) and, with its examples, an extra positive seed — so a
code with few or no human seeds still has a prior.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from .estimator import SeededCoder
from .features import ResponseFeaturizer
from .seeds import Seeds
from .vectors import widen

DEFAULTS = {
    "C": 8.0,  # 4 before self-training; 8 measured +.004 macro kappa on nhs_fft_qdc_v6
    "tol": 1e-4,
    "balance_power": 1.0,
    "refit": "full",
    "threshold_repeats": 1,
    "threshold_bootstrap": 50,
    "whiten": 10.0,  # partial whitening of the embeddings on all responses (features.py)
    "threshold_cv": 3,
    "threshold_prior": 10.0,
    "definition_seeds": 1,
    "sentences": 1.0,  # weight of the sentence-mean block (vectors.py; needs wide E)
    "pseudo_weight": 0.3,  # self-training on the uncoded responses (estimator.py)
    "pseudo_ratio": 1.0,
    "threshold_stratify": True,  # threshold-CV folds stratified by each seed's rarest code
    "band": 0.5,
    # single-label: folds of the coder's own out-of-fold probabilities (0: none); set by
    # `code --target-kappa` for its fitted estimate (estimator.py, api.selection_for)
    "single_cv": 0,
}
MIN_SEEDS_WARN = 10  # positive seeds below which a code's CV estimate is flagged
CHUNK = 20_000  # responses featurised at once when coding
PSEUDO_POOL_MAX = 20_000  # uncoded responses searched for pseudo-labels (an even sample above)


# -- inputs ----------------------------------------------------------------------------------
@dataclass
class BookInfo:
    """What the coder needs from a codebook (any object with ``.codes`` and ``.exclusive``)."""

    names: list[str]
    texts: list[str]  # "name. definition ..." per code, to embed
    examples: list[list[tuple[str, str]]]  # per code: (response id, text)
    exclusive: bool
    digest: str
    #: per code, the questions it applies to (None: every question; the codebook's scope)
    scopes: list[list[str] | None] = field(default_factory=list)

    def applies(self, questions: list[str]) -> np.ndarray:
        """``(len(questions), k)`` bool: whether each code may code an answer to each
        question (:func:`scope_mask`)."""
        return scope_mask(self.scopes or [None] * len(self.names), questions)

    @classmethod
    def from_codebook(cls, cb) -> BookInfo:
        codes = [c for c in cb.codes if getattr(c, "codable", True)]
        if hasattr(cb, "node_scopes"):  # one classifier column per code name: codes of one
            # name in other questions (an "Other" per question) share it, masked by question
            first: dict[str, object] = {}
            for c in codes:
                first.setdefault(" ".join(str(c.name).split()).casefold(), c)
            codes = list(first.values())
        if not codes:
            raise InputError("the codebook has no codes", "add codes to the codebook first")
        names, texts, examples, doc = [], [], [], []
        of = getattr(cb, "questions_of", None)
        scopes = [(of(c.name) if of else None) for c in codes]
        for c in codes:
            definition = getattr(c, "description", "") or getattr(c, "definition", "") or ""
            names.append(c.name)
            texts.append(f"{c.name}. {definition}".strip())
            ex = [(e.id, e.text) for e in (getattr(c, "examples", None) or [])]
            examples.append(ex)
            doc.append([c.name, definition, sorted(ex)])
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise InputError(
                f"the codebook has the code {dup!r} twice", "give every code a unique name"
            )
        exclusive = bool(getattr(cb, "exclusive", False))
        doc_all: list = [doc, exclusive]
        if any(scopes):  # an unscoped codebook keeps the digest it always had
            doc_all.append([sorted(q) if q else None for q in scopes])
        digest = hashlib.sha256(json.dumps(doc_all).encode()).hexdigest()
        return cls(names, texts, examples, exclusive, digest, scopes)


def scope_mask(scopes: list[list[str] | None], questions: list[str]) -> np.ndarray:
    """``(len(questions), len(scopes))`` bool: code ``j`` applies to an answer to question
    ``q`` when its scope is None (every question) or lists ``q``."""
    M = np.ones((len(questions), len(scopes)), dtype=bool)
    q = np.asarray(questions, dtype=object)
    for j, qs in enumerate(scopes):
        if qs:
            M[:, j] = np.isin(q, list(qs))
    return M


@dataclass
class Corpus:
    """Responses sorted by id (natural order), so results never depend on input row order."""

    ids: list[str]
    texts: list[str]
    questions: list[str]
    #: answers flagged as non-answers ("N/A", "-", ...) when the responses were read
    non_answers: list[bool] = field(default_factory=list)

    def non_answer_mask(self) -> np.ndarray:
        if not self.non_answers:
            return np.zeros(len(self.ids), dtype=bool)
        return np.asarray(self.non_answers, dtype=bool)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> Corpus:
        from ..io import natural_key

        if df.empty:
            raise InputError("there are no responses to code", "load a survey export first")
        d = df.assign(id=df["id"].astype(str))
        if d["id"].duplicated().any():
            raise InputError(
                f"response id {d['id'][d['id'].duplicated()].iloc[0]!r} appears twice",
                "response ids must be unique",
            )
        d = d.iloc[sorted(range(len(d)), key=lambda i: natural_key(d["id"].iloc[i]))]
        q = d["question"].astype(str) if "question" in d else pd.Series([""] * len(d))
        na = (
            d["non_answer"].fillna(False).astype(bool).tolist()
            if "non_answer" in d
            else [False] * len(d)
        )
        return cls(d["id"].tolist(), d["text"].astype(str).tolist(), q.tolist(), na)

    def take(self, idx) -> Corpus:
        idx = list(idx)
        na = self.non_answer_mask()
        return Corpus(
            [self.ids[i] for i in idx],
            [self.texts[i] for i in idx],
            [self.questions[i] for i in idx],
            [bool(na[i]) for i in idx],
        )


@dataclass
class SeedCheck:
    """The validated seed set: row indices into the corpus, the 0/1 matrix, warnings."""

    rows: np.ndarray
    Y: np.ndarray
    warnings: list[str] = field(default_factory=list)


def coding_rules(corpus: Corpus, chk: SeedCheck) -> dict:
    """What the seeds say about answers that get no code, recorded with the model:

    - ``code_non_answers``: a non-answer ("N/A", "-") gets codes only when some seed
      non-answer was given a code; otherwise non-answers are never coded;
    - ``no_code_questions``: questions where a seed answer was coded with no code ("none of
      the codes fit"): there an answer may end with no code; elsewhere every answer gets
      at least one (the estimator's ``min_codes``)."""
    na = corpus.non_answer_mask()[chk.rows]
    coded = chk.Y.sum(1) > 0
    qs = np.asarray([corpus.questions[r] for r in chk.rows], dtype=object)
    return {
        "code_non_answers": bool((na & coded).any()),
        "no_code_questions": sorted({str(q) for q in qs[~na & ~coded]}),
    }


def check_seeds(corpus: Corpus, book: BookInfo, seeds: Seeds) -> SeedCheck:
    """Validate the seeds against the codebook and responses (:class:`InputError` if bad)."""
    if not seeds.ids:
        raise InputError(
            "the seed file has no coded responses",
            "code some responses by hand (`autocode next --out sheet.csv`)",
        )
    unknown = sorted(set(seeds.pairs["code"]) - set(book.names))
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5])
        raise InputError(
            f"the seeds use {len(unknown)} code(s) not in the codebook: {shown}",
            "fix the code names or add the codes to the codebook",
        )
    pos = {i: r for r, i in enumerate(corpus.ids)}
    missing = [i for i in seeds.ids if i not in pos]
    if missing:
        raise InputError(
            f"{len(missing)} seed id(s) are not among the responses (e.g. {missing[0]!r})",
            "check that seeds and responses use the same ids",
        )
    rows = np.array(sorted(pos[i] for i in seeds.ids))
    Y = seeds.matrix([corpus.ids[r] for r in rows], book.names)
    M = book.applies([corpus.questions[r] for r in rows])
    outside = Y.astype(bool) & ~M
    if outside.any():
        r, j = (int(v[0]) for v in np.nonzero(outside))
        raise InputError(
            f"seed answer {corpus.ids[rows[r]]!r} (question {corpus.questions[rows[r]]!r}) has "
            f"the code {book.names[j]!r}, which the codebook does not apply to that question",
            "fix the coding, or add the question to the code's questions in the codebook",
        )
    warnings = []
    npos = Y.sum(0)
    if book.exclusive:
        multi = int((Y.sum(1) > 1).sum())
        if multi:
            raise InputError(
                f"the codebook's codes are mutually exclusive but {multi} seed "
                "response(s) have more than one code",
                "give each response one code",
            )
        none = Y.sum(1) == 0
        if none.any():  # one code per response: a response coded with none teaches nothing
            warnings.append(
                f"{int(none.sum())} seed response(s) have no code and were left "
                "out (the codebook's codes are mutually exclusive)"
            )
            rows, Y = rows[~none], Y[~none]
            npos = Y.sum(0)
        if len(rows) < 2 or (npos > 0).sum() < 2:
            raise InputError(
                "the seeds use fewer than two codes",
                "code responses with at least two different codes",
            )
    none_def: list[str] = []
    none_name: list[str] = []
    few: list[str] = []
    for j, name in enumerate(book.names):
        has_prior = bool(book.texts[j].strip(". ") != name or book.examples[j])
        if not book.exclusive and npos[j] == int(M[:, j].sum()) and npos[j] > 0:
            raise InputError(
                f"every seed response has the code {name!r} (one class only)",
                "add seed responses without it",
            )
        if npos[j] == 0:
            (none_def if has_prior else none_name).append(name)
        elif npos[j] < MIN_SEEDS_WARN:
            few.append(f"{name} ({int(npos[j])})")
    if none_def:
        warnings.append(
            f"{_some(len(none_def))} no seeds and are coded from their definition only: "
            + _names(none_def)
        )
    if none_name:
        warnings.append(
            f"{_some(len(none_name))} no seeds and no definition (coded from the name only): "
            + _names(none_name)
        )
    if few:
        warnings.append(
            f"{_some(len(few))} fewer than {MIN_SEEDS_WARN} seeds, too few to estimate their "
            "agreement: " + _names(few)
        )
    return SeedCheck(rows, Y, warnings)


def _some(n: int) -> str:
    return "1 code has" if n == 1 else f"{n} codes have"


def _names(names: list[str], most: int = 8) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


# -- the model ---------------------------------------------------------------------------------
@dataclass
class CodingModel:
    """A fitted featurizer + estimator, the codes, and what it was trained on (manifest)."""

    featurizer: ResponseFeaturizer
    estimator: SeededCoder
    codes: list[str]
    multilabel: bool
    band: float
    manifest: dict

    def proba(self, corpus: Corpus, E: np.ndarray) -> np.ndarray:
        """(n, k) probabilities, columns in ``codes`` order."""
        step = CHUNK  # bounded memory: a 100k-response survey is featurised in slices
        parts = []
        for a in range(0, max(len(corpus.ids), 1), step):
            part = corpus.take(range(a, min(a + step, len(corpus.ids))))
            X = self.featurizer.transform(part.texts, part.questions, E[a : a + step])
            parts.append(self.estimator.predict_proba(X))
        P = np.vstack(parts) if len(parts) > 1 else parts[0]
        if self.multilabel:
            return P
        out = np.zeros((len(corpus.ids), len(self.codes)))
        out[:, self.estimator.classes_.astype(int)] = P
        return out

    def applicable(self, corpus: Corpus) -> np.ndarray:
        """``(n, k)`` bool: the cells the model may code — the code applies to the answer's
        question (the codebook's scope, recorded with the model) and, for a non-answer,
        only when the seeds coded non-answers (:func:`coding_rules`)."""
        scopes = self.manifest.get("scopes") or [None] * len(self.codes)
        M = scope_mask(scopes, corpus.questions)
        if not self.manifest.get("code_non_answers", True):
            M[corpus.non_answer_mask()] = False
        return M

    def decide(self, P: np.ndarray, corpus: Corpus | None = None) -> tuple[np.ndarray, np.ndarray]:
        """0/1 decisions and a per-cell ``flagged`` matrix (the cell is near its threshold:
        it needs review; a flag never changes the decision). Cells outside
        :meth:`applicable` (given ``corpus``) are 0 and never flagged.

        The band is in log-odds. Multi-label: a cell is flagged when its code's log-odds lie
        within ``band`` of that code's threshold (only codes whose probability is calibrated
        and informative: >= 3 seeds, Platt slope >= 0.3 — an uninformative code sits near
        its cut for every answer). An answer is given at least one code unless it is a
        question where the seeds left answers with no code. Single-label: the chosen code's
        cell is flagged when the two most probable codes are within ``band`` of each other
        (``log(p1 / p2) < band``).
        """
        n, k = P.shape
        M = np.ones((n, k), dtype=bool) if corpus is None else self.applicable(corpus)
        if self.multilabel:
            est = self.estimator
            free = set(self.manifest.get("no_code_questions") or [])
            force = None if corpus is None else np.array([q not in free for q in corpus.questions])
            A = est.decide(P, mask=M, force=force)
            gap = np.abs(_logit(P) - _logit(est.thresholds_))
            honest = (est.calib_ != (1.0, 0.0)).any(axis=1) & (est.calib_[:, 0] >= 0.3)
            return A, (gap < self.band) & honest[None, :] & M
        Pm = np.where(M, P, -1.0)
        A = np.zeros(P.shape, dtype=int)
        F = np.zeros(P.shape, dtype=bool)
        rows = np.arange(n)
        ok = M.any(axis=1)
        top = np.argsort(-Pm, axis=1, kind="stable")
        A[rows[ok], top[ok, 0]] = 1
        if k < 2:
            return A, F
        two = ok & (M.sum(axis=1) >= 2)
        p1, p2 = P[rows, top[:, 0]], P[rows, top[:, 1]]
        close = np.log(np.maximum(p1, 1e-12) / np.maximum(p2, 1e-12)) < self.band
        F[rows[two & close], top[two & close, 0]] = True
        return A, F


def _logit(p) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _design(
    corpus: Corpus,
    E: np.ndarray,
    book: BookInfo,
    chk: SeedCheck,
    D: np.ndarray,
    definition_seeds: int,
    E_examples: np.ndarray | None,
):
    """Training rows: the human seeds, plus each code's definition (and examples) as positives."""
    texts = [corpus.texts[i] for i in chk.rows]
    questions = [corpus.questions[i] for i in chk.rows]
    Es, Y = [E[chk.rows]], [chk.Y]
    k = len(book.names)
    for _ in range(definition_seeds):
        texts += book.texts
        questions += [""] * k
        Es.append(D)
        Y.append(np.eye(k, dtype=int))
    if E_examples is not None and len(E_examples):
        ex = [(j, t) for j, exs in enumerate(book.examples) for _, t in exs if t]
        texts += [t for _, t in ex]
        questions += [""] * len(ex)
        Es.append(E_examples)
        Yx = np.zeros((len(ex), k), dtype=int)
        Yx[np.arange(len(ex)), [j for j, _ in ex]] = 1
        Y.append(Yx)
    return texts, questions, np.vstack(Es), np.vstack(Y)


def example_texts(book: BookInfo) -> list[str]:
    return [t for exs in book.examples for _, t in exs if t]


def train(
    corpus: Corpus,
    E: np.ndarray,
    book: BookInfo,
    chk: SeedCheck,
    D: np.ndarray,
    seed: int = 0,
    params: dict | None = None,
    E_examples: np.ndarray | None = None,
) -> CodingModel:
    """Fit the featurizer and the seeded coder on the seeds (+ codebook priors)."""
    prm = {**DEFAULTS, **(params or {})}
    texts, questions, Es, Y = _design(
        corpus, E, book, chk, widen(D, E), int(prm["definition_seeds"]), widen(E_examples, E)
    )
    rules = coding_rules(corpus, chk)
    # code j learns only from answers to questions it applies to (codebook rows: all codes)
    M = np.ones(Y.shape, dtype=bool)
    M[: len(chk.rows)] = book.applies([corpus.questions[r] for r in chk.rows])
    fz = ResponseFeaturizer(
        question_emb=float(prm.get("question_emb", 0.0)),
        whiten=float(prm["whiten"]),
        sentences=float(prm["sentences"]),
    ).fit(texts, questions, Es, D, E_pool=E, dim=D.shape[1])
    X = fz.transform(texts, questions, Es)
    multilabel = not book.exclusive
    Xu = Mu = None
    if multilabel and prm["pseudo_weight"]:  # uncoded responses teach by pseudo-labels
        pool = np.setdiff1d(np.arange(len(corpus.ids)), chk.rows)
        if not rules["code_non_answers"]:  # a non-answer never teaches a code
            pool = pool[~corpus.non_answer_mask()[pool]]
        if len(pool) > PSEUDO_POOL_MAX:  # evenly spaced in id order: deterministic
            pool = pool[np.linspace(0, len(pool) - 1, PSEUDO_POOL_MAX).astype(int)]
        if len(pool):
            part = corpus.take(pool)
            Xu = fz.transform(part.texts, part.questions, E[pool])
            Mu = book.applies(part.questions)
    est = SeededCoder(
        C=prm["C"],
        tol=prm["tol"],
        balance_power=prm["balance_power"],
        refit=prm["refit"],
        threshold_repeats=int(prm["threshold_repeats"]),
        threshold_bootstrap=int(prm["threshold_bootstrap"]),
        threshold_cv=int(prm["threshold_cv"]),
        threshold_prior=prm["threshold_prior"],
        pseudo_weight=float(prm["pseudo_weight"]),
        pseudo_ratio=float(prm["pseudo_ratio"]),
        threshold_stratify=bool(prm["threshold_stratify"]),
        single_cv=int(prm["single_cv"]),
        random_state=seed,
    )
    if multilabel:
        est.fit(X, Y, X_unlabeled=Xu, mask=M, mask_unlabeled=Mu if Xu is not None else None)
    else:
        est.fit(X, Y.argmax(1))
    return CodingModel(
        fz,
        est,
        list(book.names),
        multilabel,
        float(prm["band"]),
        {
            "params": prm,
            "seed": seed,
            "codebook_digest": book.digest,
            "n_seeds": len(chk.rows),
            "scopes": [list(q) if q else None for q in book.scopes] or None,
            **rules,
        },
    )


def apply(model: CodingModel, corpus: Corpus, E: np.ndarray) -> pd.DataFrame:
    """The machine's decisions: one row per (answer, code) cell that is present or flagged —
    id, question, code, present, confidence (the code's probability), flagged, status
    (``coded``, ``needs_review``: present and flagged, ``absent``: flagged and decided
    absent). Answers with no row got no code; cells outside a code's questions are never
    present or flagged."""
    P = model.proba(corpus, E)
    A, F = model.decide(P, corpus)
    return cells_frame(model, corpus, P, A, F)


def cells_frame(
    model: CodingModel, corpus: Corpus, P: np.ndarray, A: np.ndarray, F: np.ndarray
) -> pd.DataFrame:
    """The rows :func:`apply` returns, from probabilities ``P``, decisions ``A`` and flags
    ``F`` (``(n, k)`` each)."""
    r, c = np.nonzero(A.astype(bool) | F)
    present = A[r, c].astype(bool)
    flagged = F[r, c]
    return pd.DataFrame(
        {
            "id": [corpus.ids[i] for i in r],
            "question": [corpus.questions[i] for i in r],
            "code": [model.codes[j] for j in c],
            "present": present,
            "confidence": np.round(P[r, c], 4),
            "flagged": flagged,
            "status": np.select([~present, flagged], ["absent", "needs_review"], default="coded"),
        }
    )
