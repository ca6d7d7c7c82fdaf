"""The replaceable stages of ``suggest``: what a clusterer and a labeler are
(:class:`Clusterer`, :class:`Labeler`), the defaults (:class:`HDBSCANClusterer`,
:class:`CTfidfLabeler`), and how a stage given by name or object is resolved and called, its
failure one clear line (:class:`~autocode.errors.ModelError`). Plug-ins: :mod:`autocode.plugins`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..errors import ModelError
from .cluster import _renumber, adapt_params, cluster
from .label import GroupTerms, PhraseIndex


class Clusterer(Protocol):
    """Clusters one question's answer vectors (L2-normalised rows, in canonical order)."""

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        """One label per row: ``0..k-1`` for clusters, ``-1`` for unassigned."""
        ...


class Labeler(Protocol):
    """Names groups of one question's answers."""

    def label(
        self,
        texts: Sequence[str],
        groups: Sequence[np.ndarray],
        centrality: Sequence[np.ndarray],
    ) -> list[GroupTerms]:
        """A label and keywords per group: ``groups[g]`` are positions in ``texts`` and
        ``centrality[g]`` each member's similarity to the group's centroid."""
        ...


class HDBSCANClusterer:
    """The default clusterer: kNN smoothing → PCA → HDBSCAN → kNN vote (:mod:`.cluster`),
    with parameters adapted to the number of answers (:func:`.cluster.adapt_params`);
    ``min_cluster_size`` fixes that one. Deterministic: no random state."""

    def __init__(self, min_cluster_size: int | None = None):
        self.min_cluster_size = min_cluster_size

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        labels, _ = cluster(X, adapt_params(len(X), self.min_cluster_size))
        return labels

    def params_for(self, n: int) -> dict:
        """The parameters it clusters ``n`` answers with (recorded with the run)."""
        return adapt_params(n, self.min_cluster_size).to_dict()


class CTfidfLabeler:
    """The default labeler: class-based TF-IDF over lemmatised keyphrases (coverage in the
    group x log(1 + lift over the question), :class:`.label.PhraseIndex`), and as label the
    most central short answer using a top keyphrase when there is one."""

    def __init__(self, n_keywords: int = 8):
        self.n_keywords = n_keywords

    def label(
        self,
        texts: Sequence[str],
        groups: Sequence[np.ndarray],
        centrality: Sequence[np.ndarray],
        answers: Sequence[str] | None = None,
        topic: str = "",
    ) -> list[GroupTerms]:
        """``answers[i]``: the whole answer ``texts[i]`` is a segment of (default: itself);
        a name is never a member's whole answer, but may be one of its segments ("Staff" of
        "Food & staff."). ``topic``: the question's wording (its words alone name nothing)."""
        index = PhraseIndex(texts)
        return [
            index.describe(
                m,
                n_keywords=self.n_keywords,
                centrality=c,
                whole=None if answers is None else [answers[i] for i in m],
                topic=topic,
            )
            for m, c in zip(groups, centrality, strict=True)
        ]


def stage_params(clusterer: Any, n: int) -> dict:
    """What a run records about the clusterer for ``n`` answers: the default's parameters,
    or a plug-in's class name (and its ``params_for(n)`` if it has one)."""
    if hasattr(clusterer, "params_for"):
        return dict(clusterer.params_for(n))
    return {"clusterer": f"{type(clusterer).__module__}.{type(clusterer).__qualname__}"}


def labels_of(clusterer: Any, X: np.ndarray) -> np.ndarray:
    """The clusterer's labels, checked and numbered 0..k-1 by decreasing size."""
    try:
        labels = np.asarray(clusterer.fit_predict(X))
    except ModelError:
        raise
    except Exception as e:  # noqa: BLE001 - a plug-in's failure is one clear line
        raise ModelError(
            f"the clusterer {type(clusterer).__name__} failed: {type(e).__name__}: {e}"
        ) from None
    if (
        labels.shape != (len(X),)
        or not np.issubdtype(labels.dtype, np.integer)
        or (len(labels) and labels.min() < -1)
    ):
        raise ModelError(
            f"the clusterer {type(clusterer).__name__} returned {labels.shape} "
            f"{labels.dtype} labels for {len(X)} answers",
            "fit_predict must return one integer per row, -1 for unassigned",
        )
    return _renumber(labels.astype(int))


def terms_of(
    labeler: Any, texts, groups, centrality, answers=None, topic: str = ""
) -> list[GroupTerms]:
    try:
        if isinstance(labeler, CTfidfLabeler):  # a plug-in's label() takes three arguments
            out = list(labeler.label(texts, groups, centrality, answers=answers, topic=topic))
        else:
            out = list(labeler.label(texts, groups, centrality))
    except ModelError:
        raise
    except Exception as e:  # noqa: BLE001 - a plug-in's failure is one clear line
        raise ModelError(
            f"the labeler {type(labeler).__name__} failed: {type(e).__name__}: {e}"
        ) from None
    terms = []
    for t in out:
        if isinstance(t, GroupTerms):
            terms.append(t)
        elif isinstance(t, tuple | list) and len(t) == 2:
            terms.append(GroupTerms(str(t[0]), [str(k) for k in t[1]]))
        else:
            terms.append(GroupTerms(str(getattr(t, "label", t)), list(getattr(t, "keywords", []))))
    if len(terms) != len(groups):
        raise ModelError(
            f"the labeler {type(labeler).__name__} returned {len(terms)} labels "
            f"for {len(groups)} groups",
            "label must return one (label, keywords) per group",
        )
    return terms


def resolve_stage(kind: str, given: Any, default: Any) -> Any:
    """The stage object for ``given``: the default (None), a plug-in by name (a string,
    :func:`autocode.plugins.create`) or an object, checked to have what ``kind`` needs."""
    from .. import plugins

    if given is None:
        return default()
    if isinstance(given, str):
        return plugins.create(kind, given)
    return plugins.check(kind, given)
