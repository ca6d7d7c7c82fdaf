"""Themes group code centroids by Ward linkage: the partition equals scikit-learn's."""

import numpy as np
import pytest
from sklearn.cluster import AgglomerativeClustering
from sklearn.metrics import adjusted_rand_score

from autocode.suggest.cluster import group_centroids


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n_groups", [2, 3, 7])
def test_same_partition_as_sklearn_ward(seed: int, n_groups: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(25, 12))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    ours = group_centroids(X, n_groups)
    ref = AgglomerativeClustering(n_clusters=n_groups, linkage="ward").fit_predict(X)
    assert adjusted_rand_score(ref, ours) == 1.0
    assert len(set(ours)) == n_groups
    # numbered by first appearance
    assert ours[0] == 0
    assert list(dict.fromkeys(ours)) == list(range(n_groups))


def test_small_inputs_are_one_group() -> None:
    X = np.eye(2)
    assert list(group_centroids(X, 5)) == [0, 0]
    assert list(group_centroids(np.eye(6), 1)) == [0] * 6


def test_more_groups_than_centroids() -> None:
    X = np.eye(4)
    assert sorted(set(group_centroids(X, 10))) == [0, 1, 2, 3]
