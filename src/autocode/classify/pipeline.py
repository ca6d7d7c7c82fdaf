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

    @classmethod
    def from_codebook(cls, cb) -> BookInfo:
        codes = [c for c in cb.codes if getattr(c, "codable", True)]
        if not codes:
            raise InputError("the codebook has no codes", "add codes to the codebook first")
        names, texts, examples, doc = [], [], [], []
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
        digest = hashlib.sha256(json.dumps([doc, exclusive]).encode()).hexdigest()
        return cls(names, texts, examples, exclusive, digest)


@dataclass
class Corpus:
    """Responses sorted by id (natural order), so results never depend on input row order."""

    ids: list[str]
    texts: list[str]
    questions: list[str]

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
        return cls(d["id"].tolist(), d["text"].astype(str).tolist(), q.tolist())

    def take(self, idx) -> Corpus:
        return Corpus(
            [self.ids[i] for i in idx],
            [self.texts[i] for i in idx],
            [self.questions[i] for i in idx],
        )


@dataclass
class SeedCheck:
    """The validated seed set: row indices into the corpus, the 0/1 matrix, warnings."""

    rows: np.ndarray
    Y: np.ndarray
    warnings: list[str] = field(default_factory=list)


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
    for j, name in enumerate(book.names):
        has_prior = bool(book.texts[j].strip(". ") != name or book.examples[j])
        if not book.exclusive and npos[j] == len(rows):
            raise InputError(
                f"every seed response has the code {name!r} (one class only)",
                "add seed responses without it",
            )
        if npos[j] == 0:
            what = "its definition" if has_prior else "its name (it has no definition)"
            warnings.append(f"code {name!r} has no seeds: coded from {what} only")
        elif npos[j] < MIN_SEEDS_WARN:
            warnings.append(
                f"code {name!r} has only {int(npos[j])} seed(s): too few to estimate its agreement"
            )
    return SeedCheck(rows, Y, warnings)


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

    def decide(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """0/1 decisions and a per-response ``needs_review`` flag (inside the uncertain band).

        The band is in log-odds. Multi-label: a response needs review when some code's
        log-odds lie within ``band`` of that code's threshold. Single-label: when the two most
        probable codes are within ``band`` of each other (``log(p1 / p2) < band``).
        Measured on nhs_fft_qdc_v6 (20% seeds, band 0.5): 35% of responses flagged, micro F1
        0.58 on them vs 0.80 on the rest; nhs_phase1_subcategory: 22% flagged, accuracy 0.33
        vs 0.69.
        """
        if self.multilabel:
            est = self.estimator
            A = est.decide(P)
            gap = np.abs(_logit(P) - _logit(est.thresholds_))
            # only codes whose probability is calibrated and informative (>= 3 seeds, Platt
            # slope >= 0.3): an uninformative code sits near its cut for every response
            honest = (est.calib_ != (1.0, 0.0)).any(axis=1) & (est.calib_[:, 0] >= 0.3)
            return A, (gap[:, honest] < self.band).any(axis=1)
        A = np.zeros(P.shape, dtype=int)
        top = np.argsort(-P, axis=1, kind="stable")
        rows = np.arange(len(P))
        A[rows, top[:, 0]] = 1
        if P.shape[1] < 2:
            return A, np.zeros(len(P), dtype=bool)
        p1, p2 = P[rows, top[:, 0]], P[rows, top[:, 1]]
        return A, np.log(np.maximum(p1, 1e-12) / np.maximum(p2, 1e-12)) < self.band


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
    fz = ResponseFeaturizer(
        question_emb=float(prm.get("question_emb", 0.0)),
        whiten=float(prm["whiten"]),
        sentences=float(prm["sentences"]),
    ).fit(texts, questions, Es, D, E_pool=E, dim=D.shape[1])
    X = fz.transform(texts, questions, Es)
    multilabel = not book.exclusive
    Xu = None
    if multilabel and prm["pseudo_weight"]:  # uncoded responses teach by pseudo-labels
        pool = np.setdiff1d(np.arange(len(corpus.ids)), chk.rows)
        if len(pool) > PSEUDO_POOL_MAX:  # evenly spaced in id order: deterministic
            pool = pool[np.linspace(0, len(pool) - 1, PSEUDO_POOL_MAX).astype(int)]
        if len(pool):
            part = corpus.take(pool)
            Xu = fz.transform(part.texts, part.questions, E[pool])
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
        random_state=seed,
    )
    if multilabel:
        est.fit(X, Y, X_unlabeled=Xu)
    else:
        est.fit(X, Y.argmax(1))
    return CodingModel(
        fz,
        est,
        list(book.names),
        multilabel,
        float(prm["band"]),
        {"params": prm, "seed": seed, "codebook_digest": book.digest, "n_seeds": len(chk.rows)},
    )


def apply(model: CodingModel, corpus: Corpus, E: np.ndarray) -> pd.DataFrame:
    """One row per (response, assigned code): id, question, code, confidence, status."""
    P = model.proba(corpus, E)
    A, review = model.decide(P)
    r, c = np.nonzero(A)
    return pd.DataFrame(
        {
            "id": [corpus.ids[i] for i in r],
            "question": [corpus.questions[i] for i in r],
            "code": [model.codes[j] for j in c],
            "confidence": np.round(P[r, c], 4),
            "status": np.where(review[r], "needs_review", "coded"),
        }
    )
