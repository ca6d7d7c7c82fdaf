"""Reduce and cluster response embeddings: kNN smoothing → PCA → HDBSCAN → kNN vote.

1. **kNN graph** (cosine, blocked matrix products on a 64-d PCA above 2,000 responses;
   exact up to 30,000, an inverted-file approximation above, so 100k+ stays tractable).
2. **Smoothing**: each vector is replaced by the mean of its nearest neighbours, twice (a
   diffusion step, as in diffusion maps). Density concentrates along the manifold, which is
   what UMAP buys BERTopic, without UMAP's numba compilation (~30 s per process) or its
   run-to-run randomness.
3. **PCA** to ≤10 dims (eigendecomposition, signs fixed: deterministic) and **HDBSCAN**
   (Campello et al. 2013, McInnes et al. 2017), ``min_cluster_size`` growing with √n so that
   20 and 100,000 responses both give a reviewable number of suggestions.
4. **Small surveys** (under 1,000 units): a large cluster far less coherent than the others
   is broken up (:func:`_dissolve_incoherent`), so a catch-all is not offered as a code.
5. **kNN vote**: HDBSCAN leaves boundary points as noise; a point whose neighbours mostly
   (a plurality holding ≥ ``vote`` of them) sit in one cluster joins it. The rest stay
   unassigned and are reported.

Every step depends only on the set of vectors, not their order: callers pass responses in
a canonical order (see :func:`canonical_order`), and ties are broken by position in it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

# how far (mean pairwise cosine) a large cluster of a small survey may fall below the median
# of the others before it is broken up; 0 to 0.15 give the same results (bench_small.py)
INCOHERENT_MARGIN = 0.05


@dataclass(frozen=True)
class ClusterParams:
    """Parameters of one clustering; :func:`adapt_params` picks them from the data size."""

    n_neighbors: int
    smooth_k: int
    smooth_steps: int
    dims: int
    min_cluster_size: int
    min_samples: int
    vote: float
    max_share: float = 0.0  # > 0: no cluster may hold more than this share (small surveys)
    split_share: float = 0.0  # > 0: incoherent clusters above this share are broken up

    def to_dict(self) -> dict:
        return asdict(self)


def adapt_params(n: int, min_cluster_size: int | None = None) -> ClusterParams:
    """Parameters for ``n`` responses (20 → clusters of 3; 10k → 12; 100k → 40).

    Tuned on the NHS sets against the human codes (scripts/bench_suggest.py).

    Small surveys get little smoothing (a neighbour is a large share of the data); large
    ones get more, and larger minimum clusters so the list stays reviewable.
    """
    small = n < 1000
    if min_cluster_size:
        mcs = min_cluster_size
    elif small:
        mcs = int(np.clip(round(n**0.5 / 3), 3, 8))
    else:
        mcs = int(np.clip(round(n**0.5 / 8), 8, 60))
    return ClusterParams(
        n_neighbors=int(np.clip(n - 1, 1, 15)),
        smooth_k=int(np.clip(n // 40, 2, 10)) if small else 15,
        smooth_steps=1 if small else 2,
        dims=int(np.clip(n - 2, 1, 10)),
        min_cluster_size=mcs,
        min_samples=int(np.clip(mcs // 3, 2, 5)) if small else 1,
        vote=0.3,
        max_share=0.4 if small else 0.0,
        split_share=0.2 if small else 0.0,
    )


def nearest_centroid(U: np.ndarray, C: np.ndarray, threshold: float):
    """For each row of ``U``: the most similar row of ``C`` by cosine (unit vectors; ties to
    the first) and whether that similarity reaches ``threshold``."""
    sims = U @ C.T
    best = sims.argmax(axis=1)
    return best, sims[np.arange(len(U)), best] >= threshold


def knn(X: np.ndarray, k: int, block: int | None = None, width: int = 16) -> np.ndarray:
    """Indices of the ``k`` nearest neighbours by cosine (row 0 = the point itself).

    Exact, in blocks of rows sized so one block's similarities stay near 50 MB. Columns are
    dealt into ``n // width`` groups (column j in group j mod groups); the k-th largest group
    maximum of a row bounds its k-th largest similarity from below, so only the members of
    groups whose maximum reaches it (and the few leftover columns) are candidates: ~20
    groups of 16 instead of an argpartition over all n columns. Ties at the k-th place go
    to the smaller index, like every other tie.
    """
    n = len(X)
    k = min(k, n)
    groups = n // width
    if groups < k:
        return _knn_small(X, k)
    block = block or int(np.clip(12_000_000 // max(n, 1), 64, 4096))
    ind = np.zeros((n, k), dtype=np.int64)
    tail = np.arange(groups * width, n)
    offsets = groups * np.arange(width)
    for s in range(0, n, block):
        S = X[s : s + block] @ X.T
        b = S.shape[0]
        rows = np.arange(b)
        S[rows, rows + s] = np.inf  # self first, even among exact duplicates
        top = S[:, : groups * width].reshape(b, width, groups).max(axis=1)
        bound = np.partition(top, groups - k, axis=1)[:, groups - k]
        rr, gg = np.nonzero(top >= bound[:, None])
        r = np.repeat(rr, width)
        c = (gg[:, None] + offsets).ravel()
        if len(tail):
            r = np.concatenate([r, np.repeat(rows, len(tail))])
            c = np.concatenate([c, np.tile(tail, b)])
        v = S[r, c]
        keep = v >= bound[r]
        r, c, v = r[keep], c[keep], v[keep]
        # by row, then similarity, ties by index: deterministic whatever the input order was
        c = c[np.lexsort((c, -v, r))]
        starts = np.concatenate([[0], np.cumsum(np.bincount(r, minlength=b))[:-1]])
        ind[s : s + b] = c[starts[:, None] + np.arange(k)]
    return ind


def _knn_small(X: np.ndarray, k: int) -> np.ndarray:
    """:func:`knn` for a few hundred points: one sort of every row."""
    S = X @ X.T
    np.fill_diagonal(S, np.inf)
    cols = np.broadcast_to(np.arange(len(X)), S.shape)
    order = np.lexsort((cols, -S), axis=1)
    return order[:, :k].astype(np.int64)


def knn_approx(X: np.ndarray, k: int, n_probe: int = 10, iters: int = 6) -> np.ndarray:
    """Approximate kNN for large n: an inverted file over k-means cells (as in FAISS IVF).

    Cells: ~√n centroids from a few Lloyd iterations started at evenly spaced rows (no
    randomness; rows come in canonical order). Each cell's points are compared with the
    members of the ``n_probe`` cells nearest to it — ~30× fewer comparisons at 100k.
    """
    n = len(X)
    c = int(np.clip(round(n**0.5), 16, 2048))
    C = X[np.linspace(0, n - 1, c).astype(int)].copy()
    assign = np.zeros(n, dtype=np.int64)
    step = max(1, 25_000_000 // c)
    for _ in range(iters):
        for s in range(0, n, step):
            assign[s : s + step] = (X[s : s + step] @ C.T).argmax(axis=1)
        sums = np.zeros_like(C)
        np.add.at(sums, assign, X)
        counts = np.bincount(assign, minlength=c)
        keep = counts > 0
        C[keep] = _normalise(sums[keep])
    probes = np.argsort(-(C @ C.T), axis=1, kind="stable")[:, :n_probe]
    members = [np.where(assign == j)[0] for j in range(c)]
    ind = np.zeros((n, k), dtype=np.int64)
    for j in range(c):
        q = members[j]
        if len(q) == 0:
            continue
        cand = np.sort(np.concatenate([members[p] for p in probes[j]]))
        if len(cand) < k:
            cand = np.arange(n)
        S = X[q] @ X[cand].T
        S[np.arange(len(q)), np.searchsorted(cand, q)] = np.inf  # self first
        m = len(cand)
        part = np.argpartition(S, m - k, axis=1)[:, m - k :]
        ps = np.take_along_axis(S, part, 1)
        order = np.lexsort((cand[part], -ps), axis=1)
        ind[q] = cand[np.take_along_axis(part, order, 1)]
    return ind


def _pca_large(X: np.ndarray, dims: int) -> np.ndarray:
    """PCA via the covariance matrix (d×d): fast and memory-light for large n."""
    Xc = X - X.mean(axis=0)
    C = Xc.T @ Xc
    _, V = np.linalg.eigh(C.astype(np.float64))
    V = V[:, ::-1][:, :dims]
    signs = np.sign(V[np.abs(V).argmax(axis=0), np.arange(V.shape[1])])
    signs[signs == 0] = 1
    return (Xc @ (V * signs)).astype(np.float32)


def _normalise(X: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(X, axis=1, keepdims=True)
    n[n == 0] = 1
    return X / n


def cluster(X: np.ndarray, params: ClusterParams) -> tuple[np.ndarray, np.ndarray]:
    """Cluster L2-normalised vectors. Returns (labels with -1 = unassigned, knn indices).

    Labels are renumbered 0..k-1 by decreasing size (ties: smallest member position).
    """
    n = len(X)
    if n < 3:
        return np.full(n, -1), np.arange(n)[:, None]
    # neighbours in a 64-d PCA space: 6x fewer flops than 384-d, the same neighbours mostly
    base = _normalise(_pca_large(X, 64)) if n > 2000 and X.shape[1] > 64 else X
    ind = (
        knn(base, params.n_neighbors + 1)
        if n <= 30000
        else knn_approx(base, params.n_neighbors + 1)
    )
    Y = base
    for _ in range(params.smooth_steps):
        Y = _normalise(Y[ind[:, : params.smooth_k + 1]].mean(axis=1))
    Z = _pca_large(Y, params.dims)
    max_size = int(params.max_share * n) if params.max_share else 0
    if params.min_samples == 1:
        # our own HDBSCAN (density.py): the exact tree, 4x faster than hdbscan's here, and
        # no import of scikit-learn; the same labels as hdbscan's exact tree (tests)
        from .density import hdbscan_labels

        labels = hdbscan_labels(Z, params.min_cluster_size, 1, max_size)
    else:
        import hdbscan

        cl = hdbscan.HDBSCAN(
            min_cluster_size=params.min_cluster_size,
            min_samples=params.min_samples,
            cluster_selection_method="eom",
            core_dist_n_jobs=1,
            max_cluster_size=max_size,
        )
        labels = cl.fit_predict(Z.astype(np.float64))
    if params.split_share:
        labels = _dissolve_incoherent(labels, base, params)
    if params.vote and labels.max() >= 0:
        # the vote keeps HDBSCAN's cap on a cluster's share (small surveys)
        cap = int(params.max_share * n) if params.max_share else 0
        labels = knn_vote(labels, ind[:, 1:], params.vote, cap=cap)
    return _renumber(labels), ind


def _dissolve_incoherent(labels: np.ndarray, X: np.ndarray, params: ClusterParams) -> np.ndarray:
    """Break up large clusters that are far less coherent than their siblings (small surveys).

    On a few dozen answers HDBSCAN can leave one cluster of unrelated answers (the faculty
    survey's barriers: scheduling, engagement, recognition, role clarity as one suggestion of
    13). A cluster holding more than ``split_share`` of the units (and more than twice the
    minimum size) whose mean pairwise cosine is more than ``INCOHERENT_MARGIN`` below the
    median of the other clusters' is cut (average linkage) where its groups are as coherent
    as those siblings; groups of at least the minimum size stay clusters, the rest is
    unassigned (the vote may still place it). Measured: scripts/bench_small.py."""
    from scipy.cluster.hierarchy import fcluster, linkage

    k = int(labels.max()) + 1
    if k < 2:
        return labels
    Xn = _normalise(X.astype(np.float64))
    coherence = []
    for c in range(k):
        V = Xn[labels == c]
        m = len(V)
        coherence.append(float(((V @ V.T).sum() - m) / (m * (m - 1))) if m > 1 else 1.0)
    lab = labels.copy()
    nxt = k
    big = max(params.split_share * len(labels), 2 * params.min_cluster_size)
    for c in range(k):
        idx = np.where(labels == c)[0]
        target = float(np.median(coherence[:c] + coherence[c + 1 :]))
        if len(idx) <= big or coherence[c] >= target - INCOHERENT_MARGIN:
            continue
        groups = fcluster(linkage(Xn[idx], "average", "cosine"), t=1 - target, criterion="distance")
        lab[idx] = -1
        for g in np.unique(groups):
            if (groups == g).sum() >= params.min_cluster_size:
                lab[idx[groups == g]] = nxt
                nxt += 1
    return lab


def knn_vote(
    labels: np.ndarray, nbrs: np.ndarray, frac: float, rounds: int = 3, cap: int = 0
) -> np.ndarray:
    """Give unassigned points the plurality cluster of their neighbours when it holds ≥ frac.

    Each round counts, for every unassigned point at once, its neighbours per cluster (ties:
    the smaller label) from the labels the round started with. ``cap`` > 0: a cluster that
    held that many points when the round started takes no more (the faculty survey's training
    question: a suggestion of 14 of 37 answers grew to 17 by the vote)."""
    lab = labels.copy()
    k = nbrs.shape[1]
    n_labels = int(lab.max()) + 1
    if n_labels <= 0:
        return lab
    for _ in range(rounds):
        todo = np.where(lab == -1)[0]
        if len(todo) == 0:
            break
        nb = lab[nbrs[todo]]
        rows, cols = np.nonzero(nb >= 0)
        counts = np.zeros((len(todo), n_labels), dtype=np.int32)
        np.add.at(counts, (rows, nb[rows, cols]), 1)
        best = counts.argmax(axis=1)  # the first maximum: the smaller label
        win = counts[np.arange(len(todo)), best]
        ok = (win > 0) & (win >= frac * k)
        if cap:
            full = np.bincount(lab[lab >= 0], minlength=n_labels) >= cap
            ok &= ~full[best]
        if not ok.any():
            break
        lab[todo[ok]] = best[ok]  # nb above is a copy: the round's own starting labels
    return lab


def _renumber(labels: np.ndarray) -> np.ndarray:
    ids = [c for c in np.unique(labels) if c >= 0]
    key = {c: (-(labels == c).sum(), int(np.argmax(labels == c))) for c in ids}
    order = sorted(ids, key=lambda c: key[c])
    m = {c: i for i, c in enumerate(order)}
    return np.array([m.get(c, -1) for c in labels])


def group_centroids(X: np.ndarray, n_groups: int) -> np.ndarray:
    """Group normalised centroids into candidate themes (Ward linkage; deterministic)."""
    k = len(X)
    if k <= 2 or n_groups <= 1:
        return np.zeros(k, dtype=int)
    from scipy.cluster.hierarchy import cut_tree, linkage

    # SciPy's Ward tree cut into n groups: the partition scikit-learn's
    # AgglomerativeClustering(linkage="ward") gives (tests/test_group_centroids.py),
    # without importing scikit-learn on the suggest path
    tree = linkage(np.asarray(X, dtype=np.float64), method="ward")
    lab = cut_tree(tree, n_clusters=[min(n_groups, k)]).ravel()
    return _renumber_first_seen(lab)


def _renumber_first_seen(labels: np.ndarray) -> np.ndarray:
    m: dict[int, int] = {}
    for c in labels:
        m.setdefault(int(c), len(m))
    return np.array([m[int(c)] for c in labels])
