"""Features of a response for the seeded coder.

A response becomes one sparse row, the concatenation of weighted blocks:

- its sentence embedding (L2-normalised, cached in the store);
- optionally (``sentences`` > 0 and response vectors of twice the embedding width, see
  :mod:`autocode.classify.vectors`) the mean of its sentences' embeddings, whitened like
  the first block and re-normalised;
- TF-IDF of word 1-2 grams and of character 2-5 grams within word boundaries
  (sublinear tf, L2-normalised; Salton & Buckley 1988) — exact wording matters for short
  survey answers ("no", "none", "nothing") that embeddings blur together;
- a one-hot of the question it answers: the same "Nothing" means "nothing to improve"
  under "How could we improve?" and is a non-answer elsewhere;
- its cosine similarity to each code's definition (the codebook as a prior: a code with
  few seeds still has a direction to learn from).

Optionally (``whiten`` > 0) the embeddings are first partially whitened with statistics of
*all* responses, unlabelled ones included: centred, rotated onto their principal axes and
each axis scaled by ``1 / sqrt(lambda_i + whiten * mean(lambda))``, then re-normalised
(a ridge-regularised ZCA/PCA whitening; cf. Su et al. 2021, "Whitening sentence
representations"). Directions the survey's answers barely vary along are amplified, so the
L2-penalised regression can use the small differences that separate narrow codes.

Everything the transform needs is plain data (vocabularies, idf weights, question list,
definition vectors), so a fitted featurizer is saved as JSON + arrays, never pickled.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse


class ResponseFeaturizer:
    """Turn (texts, questions, embeddings) into the coder's feature matrix.

    Parameters are the weight of each block (0 turns a block off).
    """

    # learned by fit
    dim_: int
    sent_: bool
    white_mean_: np.ndarray | None
    white_proj_: np.ndarray | None
    questions_: list[str]
    definitions_: np.ndarray | None

    def __init__(
        self,
        emb: float = 1.0,
        word: float = 1.0,
        char: float = 1.0,
        question: float = 1.0,
        definitions: float = 1.0,
        min_df: int = 1,
        question_emb: float = 0.0,
        whiten: float = 0.0,
        sentences: float = 1.0,
    ):
        self.emb = emb
        self.word = word
        self.char = char
        self.question = question
        self.definitions = definitions
        self.min_df = min_df
        self.question_emb = question_emb
        self.whiten = whiten
        self.sentences = sentences

    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        w = TfidfVectorizer(
            ngram_range=(1, 2),
            min_df=self.min_df,
            sublinear_tf=True,
            lowercase=True,
            token_pattern=r"(?u)\b\w+\b",
        )
        c = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            min_df=max(2, self.min_df),
            sublinear_tf=True,
            lowercase=True,
        )
        return w, c

    def fit(
        self,
        texts: Sequence[str],
        questions: Sequence[str],
        E: np.ndarray,
        D: np.ndarray | None = None,
        E_pool: np.ndarray | None = None,
        dim: int | None = None,
    ) -> ResponseFeaturizer:
        """Learn vocabularies and the question list from the seeds; the whitening (if
        any) from ``E_pool``, the embeddings of every response (default: ``E``).

        ``dim`` is the width of one embedding; ``E`` twice as wide carries the sentence
        means in its second half (default: ``E`` is one embedding wide)."""
        texts = list(texts)
        self.dim_ = int(E.shape[1] if dim is None else dim)
        if E.shape[1] not in (self.dim_, 2 * self.dim_):
            raise ValueError(f"E has {E.shape[1]} columns; expected {self.dim_} or {2 * self.dim_}")
        self.sent_ = bool(self.sentences) and E.shape[1] == 2 * self.dim_
        self.white_mean_ = self.white_proj_ = None
        if self.whiten:
            pool = E if E_pool is None else E_pool
            self.fit_whitening(np.asarray(pool)[:, : self.dim_])
        self.word_, self.char_ = self._vectorizers()
        if self.word:
            self.word_.fit(texts)
        if self.char:
            self.char_.fit(texts)
        self.questions_ = sorted(set(questions))
        self.definitions_ = None if D is None else self._white(D).astype(np.float32)
        return self

    def fit_whitening(self, E_pool: np.ndarray) -> None:
        """Mean and scaled principal axes of ``E_pool`` (the partial whitening above)."""
        X = np.asarray(E_pool, dtype=np.float64)
        mean = X.mean(axis=0)
        _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
        lam = s**2 / max(len(X), 1)
        scale = 1.0 / np.sqrt(lam + float(self.whiten) * max(float(lam.mean()), 1e-12))
        self.white_mean_ = mean
        self.white_proj_ = Vt.T * scale  # (d, r)

    def _white(self, E: np.ndarray) -> np.ndarray:
        E = np.asarray(E, dtype=np.float64)
        if getattr(self, "white_proj_", None) is None:
            return E
        W = (E - self.white_mean_) @ self.white_proj_
        return W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-12)

    def fit_transform(
        self, texts, questions, E, D=None, E_pool=None, dim=None
    ) -> sparse.csr_matrix:
        return self.fit(texts, questions, E, D, E_pool, dim).transform(texts, questions, E)

    def _split(self, E: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The whole-text block and (if this featurizer uses it) the sentence-mean block."""
        E = np.asarray(E)
        d = self.dim_ if hasattr(self, "dim_") else int(E.shape[1])
        if not getattr(self, "sent_", False):
            return E[:, :d], None
        if E.shape[1] != 2 * d:
            raise ValueError(
                f"this coder needs response vectors with sentence means ({2 * d} columns), "
                f"got {E.shape[1]}"
            )
        return E[:, :d], E[:, d:]

    def transform(
        self, texts: Sequence[str], questions: Sequence[str], E: np.ndarray
    ) -> sparse.csr_matrix:
        texts = list(texts)
        blocks = []
        E, M = self._split(E)
        E = self._white(E)
        if self.emb:
            blocks.append(sparse.csr_matrix(E * self.emb))
        if M is not None:
            M = self._white(M)
            M = M / np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-12)
            blocks.append(sparse.csr_matrix(M * self.sentences))
        if self.word:
            blocks.append(self.word_.transform(texts) * self.word)
        if self.char:
            blocks.append(self.char_.transform(texts) * self.char)
        if self.question and len(self.questions_) > 1:
            qi = {q: i for i, q in enumerate(self.questions_)}
            rows = [i for i, q in enumerate(questions) if q in qi]
            cols = [qi[questions[i]] for i in rows]
            blocks.append(
                sparse.csr_matrix(
                    (np.full(len(rows), float(self.question)), (rows, cols)),
                    shape=(len(texts), len(self.questions_)),
                )
            )
        if self.question_emb and len(self.questions_) > 1:  # question x embedding
            qi = {q: i for i, q in enumerate(self.questions_)}
            d = E.shape[1]
            rows, cols, vals = [], [], []
            for r, q in enumerate(questions):
                if q in qi:
                    rows.extend([r] * d)
                    cols.extend(range(qi[q] * d, (qi[q] + 1) * d))
                    vals.extend(E[r] * self.question_emb)
            blocks.append(
                sparse.csr_matrix(
                    (vals, (rows, cols)), shape=(len(texts), d * len(self.questions_))
                )
            )
        if self.definitions and self.definitions_ is not None:
            blocks.append(
                sparse.csr_matrix((E @ self.definitions_.T.astype(np.float64)) * self.definitions)
            )
        return sparse.hstack(blocks, format="csr")
