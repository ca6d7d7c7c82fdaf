"""Splitting a suggestion: re-cluster its members into parts (used by ``autocode split``).

Members are sorted by response id, embedded (from the store's cache when the suggest run
already embedded them), and clustered with seeded k-means (``n_init=10``, the run's seed).
Without ``k``, k in 2..4 is chosen by the mean silhouette (Rousseeuw 1987), ties to the
smaller k, among the k whose parts all have two or more members. Parts are ordered by size,
then first response id, and named ``S4a``, ``S4b`` ... They are labelled and quoted with the
suggest stage's phrase labeller and MMR quote picker when present, so their labels read like
the run's; otherwise keywords are class-based TF-IDF (Grootendorst 2022, BERTopic's
c-TF-IDF): ``w(t, c) = tf(t, c) / |c| * log(1 + A / f(t))``, A the mean words per part.
"""

from __future__ import annotations

import json
import re
import string
import warnings
from typing import TYPE_CHECKING

from ..errors import InputError, ModelError

if TYPE_CHECKING:  # pragma: no cover
    from ..embed import Embedder
    from ..project import Store
    from .state import Suggestion

K_RANGE = (2, 4)
N_EXEMPLARS = 3
MIN_PART = 2


def part_ids(sid: str, n: int) -> list[str]:
    """S4 -> S4a, S4b ...; S4a -> S4a1, S4a2 ... (letters after a digit, digits after a letter)."""
    if sid[-1:].isdigit():
        return [sid + string.ascii_lowercase[i] for i in range(n)]
    return [f"{sid}{i + 1}" for i in range(n)]


def embedder_for_run(run: dict, model: str | None = None) -> Embedder:
    """The embedder a suggest run used (its ``model_id``), or ``model`` when given."""
    from ..embed import HashEmbedder, get_embedder, is_default_model_id

    if model:
        return get_embedder(model)
    mid = run.get("model_id")
    if not mid or is_default_model_id(mid):
        return get_embedder(None)
    m = re.fullmatch(r"hash-embedder-v1-(\d+)", mid)
    if m:
        return HashEmbedder(int(m.group(1)))
    params = json.loads(run.get("params") or "{}")
    if params.get("model"):
        emb = get_embedder(params["model"])
        if emb.model_id == mid:
            return emb
    raise ModelError(
        f"run {run['id']} used the model {mid!r}, which cannot be found",
        "pass --model PATH with that model",
    )


def split_parts(
    store: Store,
    run: dict,
    s: Suggestion,
    members: list[str],
    k: int | None = None,
    embedder: Embedder | None = None,
    model: str | None = None,
) -> list[dict]:
    """The parts of ``s``: [{"id", "label", "keywords", "members", "exemplars"}]."""
    import numpy as np

    from ..embed import embed_texts, text_hash

    rids = sorted(members)
    texts_by_id = _texts(store, rids)
    texts = [texts_by_id.get(r, "") for r in rids]
    n = len(rids)
    lo, hi = K_RANGE
    if k is not None and k < 2:
        raise InputError(f"--k must be at least 2, got {k}")
    if n < (k or lo) + 1 or n < 4:
        raise InputError(f"{s.id} has {n} responses: too few to split", "split larger suggestions")
    if embedder is None:
        cached = store.get_embeddings(run.get("model_id") or "", [text_hash(t) for t in texts])
        if len(cached) == len({text_hash(t) for t in texts}):
            X = np.vstack([cached[text_hash(t)] for t in texts])
        else:
            X, _ = embed_texts(texts, embedder_for_run(run, model), store)
    else:
        X, _ = embed_texts(texts, embedder, store)
    X = np.asarray(X, dtype=np.float64)
    distinct = len(np.unique(np.round(X, 6), axis=0))
    if distinct < 2:
        raise InputError(f"the responses of {s.id} are all alike: nothing to split")
    seed = int(run.get("seed") or 0)
    if k is not None:
        if k > distinct:
            raise InputError(f"{s.id} has only {distinct} distinct responses; use --k {distinct}")
        labels = _kmeans(X, k, seed)
    else:
        labels = _best_k(X, range(lo, min(hi, distinct, n - 1) + 1), seed)
    groups: dict[int, list[int]] = {}
    for i, lab in enumerate(labels):
        groups.setdefault(int(lab), []).append(i)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), rids[g[0]]))
    from ..project import responses

    topic = responses.wording(s.question, responses.question_labels(store)) if s.question else ""
    described = describe_groups(texts, ordered, topic)
    parts = []
    for pid, g, (label, kw) in zip(part_ids(s.id, len(ordered)), ordered, described, strict=True):
        near = _exemplars(X[g], [texts[i] for i in g], [rids[i] for i in g])
        parts.append(
            {
                "id": pid,
                "label": label if label and label != "(no words)" else f"{s.label} ({pid})",
                "keywords": kw,
                "members": [rids[i] for i in g],
                "exemplars": [{"id": rids[g[j]], "text": texts[g[j]]} for j in near],
            }
        )
    return parts


def describe_groups(
    texts: list[str], groups: list[list[int]], topic: str = ""
) -> list[tuple[str, list[str]]]:
    """(label, keywords) per group: the suggest stage's phrase labeller when it is there
    (labels comparable with the run's; ``topic``: the question's wording), else c-TF-IDF
    keywords between the parts."""
    try:
        from ..suggest.label import PhraseIndex
    except ImportError:  # pragma: no cover - depends on the suggest stage
        kws = class_keywords([[texts[i] for i in g] for g in groups])
        return [(" / ".join(k[:3]), k) for k in kws]
    index = PhraseIndex(texts)
    out = []
    for g in groups:
        terms = index.describe(g, n_keywords=6, topic=topic)
        out.append((terms.label, list(dict.fromkeys(terms.keywords))))
    return out


def _exemplars(X, texts: list[str], ids: list[str]) -> list[int]:
    """Positions of up to N_EXEMPLARS quotes: the suggest stage's MMR picker if present,
    else the members nearest the centroid (ties by response id)."""
    try:
        from ..suggest.exemplars import pick_exemplars
    except ImportError:  # pragma: no cover - depends on the suggest stage
        centre = X.mean(axis=0)
        dist = ((X - centre) ** 2).sum(axis=1)
        order = sorted(range(len(ids)), key=lambda j: (round(float(dist[j]), 9), ids[j]))
        return order[:N_EXEMPLARS]
    return list(pick_exemplars(X, texts, k=N_EXEMPLARS))


def _texts(store: Store, rids: list[str]) -> dict[str, str]:
    from ..project.responses import texts

    return texts(store, rids)


def _kmeans(X, k: int, seed: int):
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(X)


def _best_k(X, ks, seed: int):
    """The k with the best mean silhouette among those whose parts all have at least
    ``MIN_PART`` members (a one-response part is rarely a code); else the best overall."""
    import numpy as np
    from sklearn.metrics import silhouette_score

    best = best_any = None
    for k in ks:
        labels = _kmeans(X, k, seed)
        sizes = np.bincount(labels)
        sizes = sizes[sizes > 0]
        if len(sizes) < 2:
            continue
        score = float(silhouette_score(X, labels))
        if best_any is None or score > best_any[0] + 1e-12:
            best_any = (score, labels)
        if sizes.min() >= MIN_PART and (best is None or score > best[0] + 1e-12):
            best = (score, labels)
    if best is None:
        best = best_any
    if best is None:
        raise InputError("could not split: the responses do not form separate groups")
    return best[1]


def class_keywords(docs_per_class: list[list[str]], top: int = 6) -> list[list[str]]:
    """Top c-TF-IDF terms per class (see the module docstring); ties broken alphabetically."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    joined = [" ".join(d) for d in docs_per_class]
    try:
        tf = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{2,}\b").fit(
            joined
        )
    except ValueError:  # empty vocabulary (only stop words / digits)
        return [[] for _ in joined]
    m = tf.transform(joined).toarray().astype(float)
    terms = tf.get_feature_names_out()
    sizes = m.sum(axis=1, keepdims=True)
    a = m.sum() / max(len(joined), 1)
    idf = np.log1p(a / np.maximum(m.sum(axis=0), 1))
    w = (m / np.maximum(sizes, 1)) * idf
    out = []
    for row in w:
        order = sorted(
            (i for i in range(len(terms)) if row[i] > 0), key=lambda i: (-row[i], terms[i])
        )
        out.append([str(terms[i]) for i in order[:top]])
    return out
