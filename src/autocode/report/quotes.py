"""Representative quotes: typical of the code and different from each other.

For each code the candidate answers (coded with it, not non-answers) are scored by
*centrality* — cosine similarity to the code's centroid — and picked greedily by Maximal
Marginal Relevance (Carbonell & Goldstein 1998):

    next = argmax_i  λ · sim(i, centroid) − (1 − λ) · max_{j picked} sim(i, j)

Vectors are the sentence embeddings cached in the store (the model most of the answers were
embedded with); when a code's answers are not all embedded, TF-IDF vectors of the texts are
used instead (text-based fallback). Answers of 5–60 words are preferred; long answers are
shortened at a word boundary with an ellipsis. Ties break on the response id, so the same
project always gives the same quotes whatever the row order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from ..project import Store

MAX_QUOTE_CHARS = 280
MAX_POOL = 300  # candidates kept for MMR (the most central ones)


@dataclass
class Quote:
    response_id: str
    respondent: str
    label: str  # "Respondent 29"
    question: str
    text: str  # as shown (shortened, maybe redacted)
    centrality: float


def shorten(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """Collapse whitespace; cut a long answer at a word boundary and add an ellipsis."""
    t = " ".join(text.split())
    if len(t) <= limit:
        return t
    cut = t[:limit].rsplit(" ", 1)[0].rstrip(",;:-–—")
    return cut + "…"


def mmr(
    vectors: np.ndarray,
    k: int,
    lam: float = 0.7,
    weights: np.ndarray | None = None,
    relevance: np.ndarray | None = None,
) -> list[int]:
    """Indices of k rows picked by MMR (rows must be L2-normalised, dense).

    ``relevance`` is each row's centrality (default: cosine to the rows' own centroid);
    ``weights`` multiplies it (length preference). Ties go to the earlier row.
    """
    import numpy as np

    n = vectors.shape[0]
    if n == 0:
        return []
    rel = centrality(vectors) if relevance is None else np.asarray(relevance, dtype=float)
    if weights is not None:
        rel = rel * weights
    sims = vectors @ vectors.T
    picked: list[int] = []
    for _ in range(min(k, n)):
        score = lam * rel - (1 - lam) * sims[:, picked].max(axis=1) if picked else rel.copy()
        score[picked] = -np.inf
        picked.append(int(np.argmax(score)))  # first max: rows are sorted by id
    return picked


def centrality(vectors) -> np.ndarray:
    """Cosine of each (L2-normalised) row to the normalised centroid; dense or sparse rows."""
    import numpy as np

    c = np.asarray(vectors.mean(axis=0)).ravel()
    n = float(np.linalg.norm(c))
    if n == 0:
        return np.zeros(vectors.shape[0])
    return np.asarray(vectors @ (c / n)).ravel()


def _normalise(m: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


def embedding_lookup(store: Store | None, hashes: list[str]) -> dict[str, np.ndarray]:
    """Cached vectors of the model that covers most of ``hashes`` (empty if none)."""
    if store is None or not hashes:
        return {}
    uniq = list(dict.fromkeys(hashes))
    counts = store.embedding_models(uniq)
    if not counts:
        return {}
    best = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return store.get_embeddings(best, uniq)


def select_quotes(
    candidates: pd.DataFrame,
    labels: dict[str, str],
    k: int = 3,
    vectors: dict[str, np.ndarray] | None = None,
    lam: float = 0.7,
) -> tuple[list[Quote], str]:
    """Pick up to k quotes from ``candidates`` (id, respondent, question, text, text_hash,
    non_answer). Returns the quotes and the method used ('embeddings' | 'tf-idf' | 'none')."""
    import numpy as np

    c = candidates[~candidates["non_answer"].astype(bool)]
    c = c[c["text"].str.strip() != ""]
    # the same respondent once per code, identical texts once (after sorting: row-order free)
    c = c.sort_values("id", kind="mergesort").drop_duplicates("respondent")
    c = c.drop_duplicates("text").reset_index(drop=True)
    if c.empty:
        return [], "none"
    words = np.array([len(t.split()) for t in c["text"]], dtype=np.int64)
    weights = np.where((words >= 5) & (words <= 60), 1.0, np.where(words < 3, 0.6, 0.85))
    method = "tf-idf"
    if vectors and all(h in vectors for h in c["text_hash"]):
        mat = _normalise(np.vstack([vectors[h] for h in c["text_hash"]]).astype(np.float64))
        method = "embeddings"
    else:
        mat = _tfidf(c["text"].tolist())  # sparse rows
    cent = centrality(mat)
    # MMR on the most central MAX_POOL answers only: memory stays small for big codes
    pool = np.argsort(-(cent * weights), kind="stable")[:MAX_POOL]
    pool.sort()
    sub = mat[pool]
    sub = sub.toarray() if hasattr(sub, "toarray") else sub
    order = [
        int(pool[i]) for i in mmr(sub, k, lam=lam, weights=weights[pool], relevance=cent[pool])
    ]
    quotes = [
        Quote(
            response_id=str(c.at[i, "id"]),
            respondent=str(c.at[i, "respondent"]),
            label=labels.get(str(c.at[i, "respondent"]), "Respondent"),
            question=str(c.at[i, "question"]),
            text=shorten(str(c.at[i, "text"])),
            centrality=round(float(cent[i]), 4),
        )
        for i in order
    ]
    return quotes, method


def _tfidf(texts: list[str]):
    """L2-normalised TF-IDF rows (scipy sparse), English stop words removed."""
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        return TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts).tocsr()
    except ValueError:  # only stop words / empty vocabulary
        return sparse.csr_matrix(np.ones((len(texts), 1)))
