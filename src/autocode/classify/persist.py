"""Saving and loading a trained coder without pickle.

A saved model is a folder with two files:

- ``weights.npz`` — numeric arrays only, read with ``allow_pickle=False`` (coefficients,
  thresholds, calibration, TF-IDF idf weights, code-definition vectors);
- ``manifest.json`` — everything else as plain JSON: format version, codes, codebook digest
  (and version), seed-set digest, embedding model id, package versions, parameters, and the
  TF-IDF vocabularies.

Nothing in either file can execute code on load. :func:`load_model` refuses a model whose
codebook or embedding model differs from the current ones, naming which.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..embed import same_model
from ..errors import ModelError
from .estimator import SeededCoder
from .features import ResponseFeaturizer
from .pipeline import CodingModel

FORMAT = "autocode-classifier/2"  # /2: sentence-mean block, pseudo-labels
_FZ_PARAMS = (
    "emb",
    "word",
    "char",
    "question",
    "definitions",
    "min_df",
    "question_emb",
    "whiten",
    "sentences",
)
_EST_PARAMS = (
    "C",
    "class_weight",
    "threshold_cv",
    "min_codes",
    "max_iter",
    "tol",
    "threshold_prior",
    "calibrate",
    "balance_power",
    "refit",
    "threshold_repeats",
    "threshold_bootstrap",
    "pseudo_weight",
    "pseudo_ratio",
    "threshold_stratify",
    "single_cv",  # fit-time only (the out-of-fold estimate); recorded as it was set
    "random_state",
)


def _vocab(vec) -> list[str] | None:
    if not hasattr(vec, "vocabulary_"):
        return None
    terms = [""] * len(vec.vocabulary_)
    for t, i in vec.vocabulary_.items():
        terms[i] = t
    return terms


def save_model(model: CodingModel, folder: str | os.PathLike, info: dict) -> Path:
    """Write ``model`` to ``folder`` (created; an existing model there is replaced)."""
    from ..project import package_versions

    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    fz, est = model.featurizer, model.estimator
    arrays = {
        "coef": est.coef_,
        "intercept": np.atleast_1d(est.intercept_),
        "classes": np.asarray(est.classes_, dtype=np.int64),
    }
    if est.thresholds_ is not None:  # multi-label
        arrays.update(thresholds=est.thresholds_, calib=est.calib_)
    if fz.definitions_ is not None:
        arrays["definitions"] = fz.definitions_
    white_mean, white_proj = getattr(fz, "white_mean_", None), getattr(fz, "white_proj_", None)
    if white_mean is not None and white_proj is not None:
        arrays.update(white_mean=white_mean, white_proj=white_proj)
    for name in ("word", "char"):
        vec = getattr(fz, f"{name}_")
        if hasattr(vec, "idf_"):
            arrays[f"{name}_idf"] = vec.idf_
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "codes": model.codes,
        "multilabel": model.multilabel,
        "band": model.band,
        "package_versions": package_versions(),
        "featurizer": {
            "params": {k: getattr(fz, k) for k in _FZ_PARAMS},
            "questions": fz.questions_,
            "dim": int(fz.dim_),
            "sentence_block": bool(fz.sent_),
            "word_vocabulary": _vocab(fz.word_),
            "char_vocabulary": _vocab(fz.char_),
        },
        "estimator": {
            "params": {k: getattr(est, k) for k in _EST_PARAMS},
            "n_features_in": int(est.n_features_in_),
        },
        **model.manifest,
        **info,
    }
    tmp_w, tmp_m = d / "weights.npz.tmp", d / "manifest.json.tmp"
    with open(tmp_w, "wb") as fh:
        # Any: numpy's stub would match a dict of arrays to its allow_pickle: bool (numpy >= 2.1)
        named: dict[str, Any] = {k: np.asarray(v) for k, v in arrays.items()}
        np.savez_compressed(fh, **named)
    tmp_m.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp_w, d / "weights.npz")
    os.replace(tmp_m, d / "manifest.json")
    return d


def _damaged(d: Path, what: str) -> ModelError:
    return ModelError(
        f"the saved coder in {d} is damaged ({what})",
        "retrain it with `autocode code --seeds ... --save FOLDER`",
    )


def read_manifest(folder: str | os.PathLike) -> dict:
    d = Path(folder)
    if d.exists() and not d.is_dir():
        raise ModelError(
            f"{d} is a file, not a saved coder", "pass the folder written by `autocode code`"
        )
    try:
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(
            f"{d} holds no saved coder (manifest.json missing)",
            "pass a folder written by `autocode code --save`",
        ) from None
    except (OSError, ValueError):
        raise _damaged(d, "manifest.json is not readable JSON") from None
    if not isinstance(manifest, dict):
        raise _damaged(d, "manifest.json is not a JSON object")
    if manifest.get("format") != FORMAT:
        raise ModelError(
            f"{d} was saved in format {manifest.get('format')!r}, not {FORMAT}",
            "retrain with this version of autocode",
        )
    return manifest


def load_model(
    folder: str | os.PathLike,
    codebook_digest: str | None = None,
    embedding_model_id: str | None = None,
) -> CodingModel:
    """Load a saved coder, refusing one trained for another codebook or embedding model."""
    d = Path(folder)
    m = read_manifest(d)
    if codebook_digest is not None and m.get("codebook_digest") != codebook_digest:
        raise ModelError(
            f"the saved coder in {d} was trained with a different codebook "
            f"(version {m.get('codebook_version', '?')})",
            "retrain it with `autocode code --seeds ...` for the current codebook",
        )
    if embedding_model_id is not None and not same_model(
        m.get("embedding_model_id"), embedding_model_id
    ):
        raise ModelError(
            f"the saved coder in {d} uses the embedding model "
            f"{m.get('embedding_model_id')!r}, not {embedding_model_id!r}",
            "pass the same --model it was trained with, or retrain",
        )
    arr = _weights(d)
    try:
        return _rebuild(m, arr)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        raise _damaged(d, "manifest.json and weights.npz do not fit together") from None


def _weights(d: Path) -> dict[str, np.ndarray]:
    """The arrays of ``weights.npz`` (a zip: its declared sizes are capped first)."""
    import zipfile
    import zlib

    from ..files import MAX_ARCHIVE_BYTES, check_zip

    path = d / "weights.npz"
    try:
        with zipfile.ZipFile(path) as z:
            check_zip(z, str(path), MAX_ARCHIVE_BYTES)
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise _damaged(d, "weights.npz is missing") from None
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error):
        raise _damaged(d, "weights.npz is not a readable array archive") from None


def _rebuild(m: dict, arr: dict[str, np.ndarray]) -> CodingModel:
    fzm = m["featurizer"]
    fz = ResponseFeaturizer(**fzm["params"])
    fz.word_, fz.char_ = fz._vectorizers()
    for name in ("word", "char"):
        terms = fzm.get(f"{name}_vocabulary")
        if terms is not None and f"{name}_idf" in arr:
            vec = getattr(fz, f"{name}_")
            vec.vocabulary_ = {t: i for i, t in enumerate(terms)}
            vec.idf_ = arr[f"{name}_idf"]
    fz.questions_ = fzm["questions"]
    fz.dim_, fz.sent_ = int(fzm["dim"]), bool(fzm["sentence_block"])
    fz.definitions_ = arr.get("definitions")
    fz.white_mean_, fz.white_proj_ = arr.get("white_mean"), arr.get("white_proj")
    est = SeededCoder(**m["estimator"]["params"])
    est.multilabel_ = bool(m["multilabel"])
    est.coef_, est.intercept_ = arr["coef"], arr["intercept"]
    est.classes_ = arr["classes"]
    est.n_features_in_ = int(m["estimator"]["n_features_in"])
    if est.multilabel_:
        est.thresholds_, est.calib_ = arr["thresholds"], arr["calib"]
    keep = ("params", "seed", "codebook_digest", "n_seeds", "tuned_encoder")
    return CodingModel(
        fz,
        est,
        list(m["codes"]),
        bool(m["multilabel"]),
        float(m["band"]),
        {k: m[k] for k in keep if k in m},
    )
