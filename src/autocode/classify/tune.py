"""``autocode code --tune``: contrastive fine-tuning of the embedding model on the seeds.

SetFit-style (Tunstall et al. 2022, "Efficient few-shot learning without prompts"): pairs
of human-coded seeds that share a code are pulled together, pairs where one has the code
and the other does not are pushed apart (cosine-similarity loss, one pass, linear learning
rate decay). Pairs are drawn per code, the same number for every code with at least two
positive seeds, so a rare code shapes the space as much as a common one.

The tuned model does not replace the bundled one: each response is represented by both
(``combine``: the two models' vectors side by side, scaled to unit length), and the usual
coder is trained on that. Benchmarked on nhs_fft_qdc_v6 (``scripts/exp_finetune.py``,
``scripts/bench_code_results.md``). Tuning reads only the seeds; coding then embeds every
response again with the tuned model, so it costs minutes where the default costs seconds.

``TUNE_DEFAULTS`` also holds opt-in speed-ups (length-grouped batches, frozen embeddings or
lower layers, tuned vectors for whole answers only): measured 0.44-0.65x the CPU of today's
recipe, not the default because grouped batches with a frozen embedding lost .008 macro
kappa on nhs_phase1_subcategory (``scripts/bench_code_results.md``, fifth round).

The tuned weights are saved with the coder as ``encoder.safetensors`` (tensors only: no
code runs on load) and identified by the hash of their bytes, which is also the key of
their embeddings in the store's cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..embed import SentenceTransformerEmbedder
from ..errors import InputError, ModelError

TUNE_DEFAULTS = {
    "pairs": 20,  # positive (and as many negative) pairs per code
    "lr": 2e-4,
    "epochs": 1,
    "batch": 16,
    "max_seq_length": 128,  # while tuning only (2 cores); encoding keeps the model's own
    "group_by_length": False,  # batches of pairs of like length (little padding), in random order
    "freeze_embeddings": False,  # the token/position embeddings stay as they are
    "freeze_layers": 0,  # the lowest transformer layers that stay as they are
    "sentences": True,  # tuned vectors for each sentence too (else the whole answer stands in)
}
ENCODER_FILE = "encoder.safetensors"


def pairs_for(Y: np.ndarray, per_code: int, rng: np.random.Generator) -> list:
    """``(i, j, target)`` row pairs of the 0/1 matrix ``Y``: for every code with at least two
    positive rows and one negative, ``per_code`` pairs of two positives (target 1) and
    ``per_code`` pairs of a positive and a negative (target 0), shuffled."""
    out = []
    for c in range(Y.shape[1]):
        pos = np.flatnonzero(Y[:, c])
        neg = np.flatnonzero(Y[:, c] == 0)
        if len(pos) < 2 or len(neg) == 0:
            continue
        for _ in range(per_code):
            a, b = rng.choice(pos, 2, replace=False)
            out.append((int(a), int(b), 1.0))
            out.append((int(rng.choice(pos)), int(rng.choice(neg)), 0.0))
    rng.shuffle(out)
    return out


def batches(pairs: list, lengths: Sequence[int], batch: int, group: bool, rng) -> list:
    """``pairs`` cut into batches of ``batch``; with ``group``, pairs sorted by the longer
    text's length first (stable), so a batch pads little, and the batches shuffled."""
    if not group:
        return [pairs[s : s + batch] for s in range(0, len(pairs), batch)]
    order = sorted(pairs, key=lambda p: max(lengths[p[0]], lengths[p[1]]))
    out = [order[s : s + batch] for s in range(0, len(order), batch)]
    return [out[k] for k in rng.permutation(len(out))]


def _freeze(model, embeddings: bool, layers: int) -> None:
    """Stop gradients into the embeddings and the ``layers`` lowest transformer layers of a
    BERT-like sentence-transformers model (others: what it has of them)."""
    inner = getattr(model[0], "auto_model", None)
    parts = []
    if embeddings:
        parts.append(getattr(inner, "embeddings", None))
    if layers:
        parts.extend(list(getattr(getattr(inner, "encoder", None), "layer", []))[:layers])
    for part in parts:
        for p in part.parameters() if part is not None else ():
            p.requires_grad_(False)


def check_tunable(embedder) -> None:
    """:class:`InputError` unless ``embedder`` is a sentence-transformers model."""
    if not isinstance(embedder, SentenceTransformerEmbedder):
        raise InputError(
            "--tune needs a sentence-transformers model, not the hash embedder",
            "leave out --model (the bundled MiniLM) or pass a local model folder",
        )


def _base_model(embedder):
    """A fresh trainable copy of ``embedder``'s sentence-transformers model."""
    from ..embed import _offline

    check_tunable(embedder)
    _offline()
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(str(embedder.path), device="cpu")
    except Exception as e:  # noqa: BLE001 - any load failure is a model error
        raise ModelError(f"cannot load the model at {embedder.path}: {e}") from None


def _digest(model) -> str:
    h = hashlib.sha256()
    for k, v in sorted(model.state_dict().items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


class TunedEmbedder(SentenceTransformerEmbedder):
    """The base model's embedder, over a fine-tuned copy of its model (already loaded)."""

    def __init__(self, base: SentenceTransformerEmbedder, model, params: dict):
        super().__init__(base.path, base.batch_size)
        self.base_model_id = base.model_id
        self.params = dict(params)
        self._model = model
        self.model_id = f"{base.model_id}+tuned:{_digest(model)}"

    def save(self, folder: str | Path) -> dict:
        """Write the tuned weights to ``folder``; the manifest entry that names them."""
        from safetensors.torch import save_file

        d = Path(folder)
        d.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self._load().state_dict().items()}
        tmp = d / (ENCODER_FILE + ".tmp")
        save_file(state, str(tmp))
        mask = os.umask(0)  # safetensors writes 0600; give it the mode of the other files
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        tmp.replace(d / ENCODER_FILE)
        return {
            "file": ENCODER_FILE,
            "model_id": self.model_id,
            "base_model_id": self.base_model_id,
            "params": self.params,
        }


def tune(
    embedder,
    texts: Sequence[str],
    Y: np.ndarray,
    seed: int = 0,
    params: dict | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> TunedEmbedder:
    """Fine-tune a copy of ``embedder``'s model on the seed ``texts`` and their 0/1 codes
    ``Y`` (rows in a fixed order, e.g. sorted by id: the result depends only on the seeds
    and ``seed``)."""
    import torch

    prm = {**TUNE_DEFAULTS, **(params or {})}
    rng = np.random.default_rng(seed)
    Y = np.asarray(Y, dtype=int)
    if not any(Y[:, c].sum() >= 2 and (Y[:, c] == 0).any() for c in range(Y.shape[1])):
        raise InputError(
            "--tune needs at least one code with two or more seeds",
            "code more responses, or leave out --tune",
        )
    torch.manual_seed(seed)  # before loading: the same draws as scripts/exp_finetune.py
    model = _base_model(embedder)
    keep_len = model.max_seq_length
    model.max_seq_length = int(prm["max_seq_length"])
    model.train()
    _freeze(model, bool(prm["freeze_embeddings"]), int(prm["freeze_layers"]))
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=float(prm["lr"]))
    batch = int(prm["batch"])
    lengths = (
        [
            len(ids)
            for ids in model.tokenizer(
                list(texts), truncation=True, max_length=model.max_seq_length
            )["input_ids"]
        ]
        if prm["group_by_length"]
        else []
    )
    for _ in range(int(prm["epochs"])):
        pairs = pairs_for(Y, int(prm["pairs"]), rng)
        chunks = batches(pairs, lengths, batch, bool(prm["group_by_length"]), rng)
        steps = len(chunks)

        def decay(s: int, n: int = steps) -> float:  # linear, to 0 at the epoch's last step
            return max(0.0, 1 - s / n)

        sched = torch.optim.lr_scheduler.LambdaLR(opt, decay)
        for s, chunk in enumerate(chunks):
            ea = model(model.preprocess([texts[i] for i, _, _ in chunk]))["sentence_embedding"]
            eb = model(model.preprocess([texts[j] for _, j, _ in chunk]))["sentence_embedding"]
            target = torch.tensor([t for _, _, t in chunk])
            cos = torch.nn.functional.cosine_similarity(ea, eb)
            loss = torch.nn.functional.mse_loss(cos, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if progress:
                progress(s + 1, steps)
    for p in model.parameters():
        p.requires_grad_(True)
    model.eval()
    model.max_seq_length = keep_len
    return TunedEmbedder(embedder, model, prm)


def load_tuned(embedder, folder: str | Path, entry: dict) -> TunedEmbedder:
    """The tuned embedder saved beside a coder (``entry``: its manifest record)."""
    from safetensors.torch import load_file

    if entry.get("base_model_id") != embedder.model_id:
        raise ModelError(
            f"the saved coder's tuned encoder was tuned from {entry.get('base_model_id')!r}, "
            f"not {embedder.model_id!r}",
            "pass the same --model it was trained with, or retrain",
        )
    path = Path(folder) / entry.get("file", ENCODER_FILE)
    try:
        state = load_file(str(path))
    except Exception as e:  # noqa: BLE001 - missing or corrupt file
        raise ModelError(
            f"cannot read the tuned encoder {path} ({e})", "retrain the coder"
        ) from None
    model = _base_model(embedder)
    try:
        model.load_state_dict(state)
    except Exception as e:  # noqa: BLE001 - weights of another architecture
        raise ModelError(f"{path} does not fit the model {embedder.model_id!r} ({e})") from None
    model.eval()
    out = TunedEmbedder(embedder, model, entry.get("params", {}))
    if out.model_id != entry.get("model_id"):
        raise ModelError(
            f"{path} does not hold the weights the coder was trained with "
            f"({out.model_id} vs {entry.get('model_id')})",
            "retrain the coder",
        )
    return out


def tuned_vectors(texts: Sequence[str], embedder, store=None, progress=None) -> np.ndarray:
    """Response vectors (:func:`.vectors.response_vectors`) of ``embedder``; for a model
    tuned with ``sentences`` off, only whole answers are embedded and each stands in for the
    mean of its sentences too (the pass then costs answers, not answers and sentences)."""
    from ..embed import embed_texts
    from .vectors import response_vectors

    if not isinstance(embedder, TunedEmbedder) or embedder.params.get("sentences", True):
        return response_vectors(texts, embedder, store, progress)
    E, _ = embed_texts([str(t) for t in texts], embedder, store, progress=progress)
    return np.hstack([E, E]).astype(np.float32, copy=False)


def combine(A: np.ndarray | None, B: np.ndarray | None, wide: bool) -> np.ndarray | None:
    """Base-model vectors ``A`` and tuned-model vectors ``B`` side by side, / sqrt(2).

    ``wide``: rows are response vectors ``[whole | sentence mean]`` (:mod:`.vectors`); the
    result keeps two blocks, ``[A_whole, B_whole | A_sent, B_sent]``."""
    if A is None or B is None:
        return None
    r = np.float32(np.sqrt(2.0))
    if not wide:
        return (np.hstack([A, B]) / r).astype(np.float32, copy=False)
    d, e = A.shape[1] // 2, B.shape[1] // 2
    out = np.hstack([A[:, :d], B[:, :e], A[:, d:], B[:, e:]]) / r
    return out.astype(np.float32, copy=False)
