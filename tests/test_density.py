"""Our HDBSCAN (suggest/density.py) against the hdbscan package's, on data where the
minimum spanning tree is unique (continuous points, min_samples = 1)."""

import hdbscan
import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from autocode.suggest import density


def _blobs(n: int, seed: int, noise: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, 10)) * 3
    X = centres[rng.integers(0, 12, n)] + rng.normal(size=(n, 10)) * rng.uniform(0.3, 1.5)
    if noise:
        X = np.vstack([X, rng.uniform(-8, 8, size=(int(noise * n), 10))])
    return X


def _reference(X, mcs, mx=0):
    return hdbscan.HDBSCAN(
        min_cluster_size=mcs,
        min_samples=1,
        approx_min_span_tree=False,
        max_cluster_size=mx,
        core_dist_n_jobs=1,
    ).fit_predict(X)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("n", "mcs", "share"), [(300, 8, 0), (900, 10, 0.2), (1800, 15, 0)])
def test_dense_tree_gives_hdbscans_clusters(seed, n, mcs, share):
    X = _blobs(n, seed, noise=0.1)
    mx = int(share * len(X))
    ours = density.hdbscan_labels(X, mcs, 1, mx)
    ref = _reference(X, mcs, mx)
    assert (ours < 0).sum() == (ref < 0).sum()
    assert adjusted_rand_score(ref, ours) == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_sparse_graph_tree_is_near_the_exact_tree(seed, monkeypatch):
    X = _blobs(3200, seed)
    a, _, w = density.spanning_tree(X, 1)  # above DENSE_MAX: the neighbour graph
    assert len(a) == len(X) - 1
    monkeypatch.setattr(density, "DENSE_MAX", 10_000)
    exact = density.spanning_tree(X, 1)[2].sum()
    assert exact * (1 - 1e-9) <= w.sum() <= exact * 1.001  # the graph can miss an edge
    monkeypatch.undo()
    ours = density.hdbscan_labels(X, 15, 1)
    assert adjusted_rand_score(_reference(X, 15), ours) > 0.97


def test_duplicates_and_order():
    X = _blobs(2800, 3)
    X = np.vstack([X, X[:400]])  # exact copies: distance 0, λ = ∞
    ours = density.hdbscan_labels(X, 15, 1)
    assert (ours[-400:] == ours[:400]).all()
    perm = np.random.default_rng(0).permutation(len(X))
    again = density.hdbscan_labels(X[perm], 15, 1)
    assert adjusted_rand_score(ours[perm], again) == pytest.approx(1.0)


def test_tiny_inputs():
    assert density.hdbscan_labels(np.zeros((1, 3)), 3).tolist() == [-1]
    assert (density.hdbscan_labels(np.zeros((50, 3)), 5) >= -1).all()
    assert (density.hdbscan_labels(np.ones((4000, 2)), 5) >= -1).all()
