"""Apply a codebook with a classifier trained on human seeds (``autocode code`` / ``next``).

Library API (plain values in and out; the CLI is a thin shell over :mod:`.api`)::

    from autocode.classify.api import code, next_batch
    res = code("study.db", "survey.csv", codebook="codebook.yaml", seeds="seeds.csv",
               evaluate=True)                   # cross-validated kappa, precision, recall
    res = code("study.db", "survey.csv", codebook="codebook.yaml", seeds="seeds.csv",
               out="machine.csv")               # trains, saves models/<run>/, codes all
    sheet = next_batch("study.db", n=20, out="sheet.xlsx")

Modules, by task: ``api`` (``code``), ``sheets`` (``next``: coding sheets, the validation
sample), ``inputs`` (answers, codebook, seeds, vectors, saved coders for both), ``seeds``
(reading human codings), ``features (embeddings + TF-IDF +
question + definition similarity), ``estimator`` (:class:`SeededCoder`, scikit-learn
contract), ``thresholds`` (kappa-optimal cuts), ``pipeline`` (train / apply),
``evaluation`` (``--evaluate``, out-of-fold codings), ``selective`` (``--target-kappa``),
``active`` (``next``'s pick), ``persist`` (npz + JSON, no pickle).
"""

from __future__ import annotations

from .estimator import SeededCoder

__all__ = ["SeededCoder"]
