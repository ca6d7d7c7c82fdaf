"""``autocode.Coder``: the seeded machine coder as a scikit-learn-style object.

A thin wrapper over :mod:`autocode.classify.pipeline` (``check_seeds``, ``train``,
``apply``), :func:`autocode.classify.evaluation.evaluate` and
:mod:`autocode.classify.persist`, on DataFrames and without a project file::

    coder = Coder(codebook, embedder="hash").fit(responses, seeds)
    decisions = coder.predict(responses)      # id, question, code, present, confidence, ...
    report = coder.evaluate(responses, seeds, folds=5)
    coder.save("models/my-coder");  Coder.load("models/my-coder")

``__init__`` only stores parameters; ``fit`` validates, learns ``model_`` (and the other
attributes ending in ``_``) and returns ``self``. A saved coder records the embedding
model's id, which carries the fingerprint of the model's files
(:func:`autocode.embed.default_model_id`); :meth:`Coder.load` refuses another model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, ModelError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def _check_folds(folds: Any) -> None:
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise InputError(f"folds must be an integer of at least 2, got {folds!r}")


class Coder:
    """The machine coder trained on human seeds (:mod:`autocode.classify`).

    ``codebook``: a :class:`autocode.codebook.Codebook` or the path of a codebook file
    (YAML, CSV, ``.qdc``); ``embedder``: None (the bundled model), ``"hash"``,
    ``"plugin:NAME"``, a model folder, or an embedder object; ``seed``: the random seed;
    ``band``: the confidence band (log-odds) within which a cell is flagged for review;
    ``target_kappa``: code alone only the answers the machine can code at this pooled kappa
    (as ``autocode code --target-kappa``; ``estimate`` and ``per_question`` as there): ``fit``
    then estimates the promise on the seeds (``selection_``) and ``predict`` /
    ``predict_answers`` send every other answer to review.
    """

    def __init__(
        self,
        codebook: Any,
        embedder: Any = None,
        *,
        seed: int = 0,
        band: float = 0.5,
        target_kappa: float | None = None,
        estimate: str = "auto",
        per_question: bool = False,
        folds: int = 5,
    ):
        self.codebook = codebook
        self.embedder = embedder
        self.seed = seed
        self.band = band
        self.target_kappa = target_kappa
        self.estimate = estimate
        self.per_question = per_question
        self.folds = folds

    def __repr__(self) -> str:
        extra = "" if self.target_kappa is None else f", target_kappa={self.target_kappa!r}"
        return f"Coder(embedder={self.embedder!r}, seed={self.seed!r}, band={self.band!r}{extra})"

    # -- inputs ----------------------------------------------------------------------------
    def _check_params(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InputError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not isinstance(self.band, int | float) or not 0 <= self.band <= 10:
            raise InputError(f"band must be between 0 and 10 (log-odds), got {self.band!r}")
        t = self.target_kappa
        if t is not None and (
            isinstance(t, bool) or not isinstance(t, int | float) or not 0 < t < 1
        ):
            raise InputError(f"target_kappa must be between 0 and 1 (or None), got {t!r}")
        if self.estimate not in ("auto", "fitted", "cv"):
            raise InputError(f"estimate must be auto, fitted or cv, got {self.estimate!r}")
        if self.per_question and t is None:
            raise InputError("per_question needs target_kappa", "pass target_kappa=0.85, say")
        _check_folds(self.folds)

    def _book(self):
        from .classify.pipeline import BookInfo
        from .codebook import Codebook, load

        cb = self.codebook
        if isinstance(cb, str | os.PathLike):
            cb = load(cb)
        elif not isinstance(cb, Codebook):
            raise InputError(
                "codebook must be a Codebook or the path of a codebook file, "
                f"got {type(cb).__name__}"
            )
        return cb, BookInfo.from_codebook(cb)

    def _embedder(self):
        from .api import embedder_of

        return embedder_of(self.embedder)

    @staticmethod
    def _corpus(responses: Any):
        from .api import response_frame
        from .classify.pipeline import Corpus

        return Corpus.from_frame(response_frame(responses))

    @staticmethod
    def _seeds(seeds: Any):
        """A :class:`~autocode.classify.seeds.Seeds` from a DataFrame ``id, code`` (a row
        with an empty code: the answer was coded with no code) or a mapping id -> codes."""
        import pandas as pd

        from .classify.seeds import Seeds

        if isinstance(seeds, dict):
            given = {str(k): [str(c) for c in v] for k, v in seeds.items()}
            return Seeds.from_coded(given, "<dict>")
        if not isinstance(seeds, pd.DataFrame):
            raise InputError(
                f"seeds must be a DataFrame (id, code) or a dict, got {type(seeds).__name__}"
            )
        if "id" not in seeds or "code" not in seeds:
            raise InputError(
                "seeds must have the columns id and code "
                f"(got {', '.join(map(str, seeds.columns)) or 'none'})",
                "one row per (answer, code); an empty code: coded, no code applies",
            )
        from .api import _cell

        coded: dict[str, list[str]] = {}
        for i, c in zip(seeds["id"].map(_cell), seeds["code"].map(_cell), strict=True):
            codes = coded.setdefault(i, [])
            if c and c not in codes:
                codes.append(c)
        return Seeds.from_coded(coded, "<DataFrame>")

    def _vectors(self, corpus, book, embedder):
        from .classify.inputs import _embed

        return _embed(corpus, book, embedder, None)

    # -- the estimator -----------------------------------------------------------------------
    def fit(self, responses: Any, seeds: Any) -> Coder:
        """Train on ``seeds`` (human codings of some of ``responses``); the other responses
        teach by self-training, as in ``autocode code``. Returns ``self``."""
        from .classify.pipeline import check_seeds, train

        self._check_params()
        cb, book = self._book()
        corpus = self._corpus(responses)
        chk = check_seeds(corpus, book, self._seeds(seeds))
        embedder = self._embedder()
        E, D, Ex = self._vectors(corpus, book, embedder)
        from .classify.api import fitted_estimate_params, resolve_estimate

        estimate = resolve_estimate(self.estimate, len(chk.rows))
        prm = {"band": self.band}
        if self.target_kappa is not None:
            prm |= fitted_estimate_params(book, estimate)
        model = train(corpus, E, book, chk, D, seed=self.seed, params=prm, E_examples=Ex)
        self.model_ = model
        self._selection_ = None
        if self.target_kappa is not None:
            from .classify.api import selection_for

            sel = selection_for(
                corpus, E, book, chk, D, Ex, self.seed, self.folds, self.band,
                float(self.target_kappa), None, None, cm=model, estimate=estimate,
                per_question=self.per_question,
            )  # fmt: skip
            self._selection_ = sel
        self._seed_ids_ = {corpus.ids[r] for r in chk.rows}
        self.codes_ = list(model.codes)
        self.warnings_ = list(chk.warnings)
        self.n_seeds_ = len(chk.rows)
        self.embedding_model_id_ = embedder.model_id
        self.codebook_digest_ = book.digest
        self.codebook_name_ = getattr(cb, "name", None)
        self.seeds_digest_ = self._seeds(seeds).digest()
        self._embedder_ = embedder
        return self

    def _fitted(self):
        if not hasattr(self, "model_"):
            raise ModelError(
                "this Coder is not fitted yet", "call fit(responses, seeds) or Coder.load(path)"
            )
        return self.model_

    def _embed_for_predict(self, corpus):
        from .classify.vectors import response_vectors

        emb = getattr(self, "_embedder_", None) or self._embedder()
        return response_vectors(corpus.texts, emb, None)

    def predict_proba(self, responses: Any) -> pd.DataFrame:
        """``(n, k)`` probabilities, a row per response (index: id, in natural id order) and
        a column per code."""
        import pandas as pd

        model = self._fitted()
        corpus = self._corpus(responses)
        P = model.proba(corpus, self._embed_for_predict(corpus))
        return pd.DataFrame(P, index=pd.Index(corpus.ids, name="id"), columns=model.codes)

    def predict(self, responses: Any) -> pd.DataFrame:
        """The machine's decisions: one row per (answer, code) cell that is present or
        flagged — ``id, question, code, present, confidence, flagged, status``
        (:func:`autocode.classify.pipeline.apply`). An answer with no row got no code.
        With ``target_kappa``, the cells of an answer it may not code alone are flagged."""
        return self._decisions(responses)[0]

    def predict_answers(self, responses: Any) -> pd.DataFrame:
        """One row per answer: ``id, answer_confidence`` (the probability that all its
        decisions are right) and ``answer_status`` — ``coded`` (coded alone) or
        ``needs_review`` (below the ``target_kappa`` threshold, or, without one, a cell
        within the band), as ``autocode code --out`` writes them."""
        return self._decisions(responses)[1]

    @property
    def selection_(self) -> dict | None:
        """What ``fit`` promised for ``target_kappa`` (as ``autocode code --json``'s
        ``selective``: expected coverage and kappa with CIs, ``by_question``, ...), or None."""
        sel = getattr(self, "_selection_", None)
        return None if sel is None else sel.to_json()

    def _decisions(self, responses: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        from .classify.api import decide_answers

        model = self._fitted()
        corpus = self._corpus(responses)
        sel = getattr(self, "_selection_", None)
        seeded: set[str] = getattr(self, "_seed_ids_", set())
        rows = [i for i, a in enumerate(corpus.ids) if a in seeded]
        return decide_answers(model, corpus, self._embed_for_predict(corpus), sel, rows)

    def evaluate(self, responses: Any, seeds: Any, folds: int = 5) -> dict:
        """k-fold cross-validated agreement with the human ``seeds`` (per-code kappa,
        precision, recall with CIs; :func:`autocode.classify.evaluation.evaluate`). Uses
        the parameters, not a fitted model: each fold trains its own."""
        from .classify.evaluation import evaluate
        from .classify.pipeline import check_seeds

        self._check_params()
        _check_folds(folds)
        _, book = self._book()
        corpus = self._corpus(responses)
        chk = check_seeds(corpus, book, self._seeds(seeds))
        E, D, Ex = self._vectors(corpus, book, self._embedder())
        return evaluate(
            corpus,
            E,
            book,
            chk,
            D,
            seed=self.seed,
            folds=folds,
            params={"band": self.band},
            E_examples=Ex,
        )

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted coder to the folder ``path`` (``manifest.json`` +
        ``weights.npz``, no pickle; models/README.md describes the format)."""
        from .classify.persist import save_model

        model = self._fitted()
        return save_model(
            model,
            path,
            {
                "codebook_name": getattr(self, "codebook_name_", None),
                "seeds_digest": getattr(self, "seeds_digest_", None),
                "embedding_model_id": self.embedding_model_id_,
                "run_id": None,
            },
        )

    @classmethod
    def load(cls, path: str | os.PathLike, embedder: Any = None, codebook: Any = None) -> Coder:
        """A coder saved by :meth:`save` or ``autocode code --save``. ``embedder``: the
        model it was trained with (default: the bundled model, or the hash embedder when it
        was trained with one); refused when its id is not the saved one. ``codebook``:
        when given, refused if it is not the codebook the coder was trained for."""
        from .classify.persist import load_model, read_manifest
        from .embed import HashEmbedder, same_model

        manifest = read_manifest(path)
        if manifest.get("tuned_encoder"):
            raise ModelError(
                f"the coder in {path} was saved with a tuned encoder",
                "apply it with `autocode code --load`",
            )
        saved = manifest.get("embedding_model_id")
        coder = cls(codebook, embedder, seed=int(manifest.get("seed", 0) or 0))
        if embedder is None and isinstance(saved, str) and saved.startswith("hash-embedder-v1-"):
            dim = saved.rsplit("-", 1)[-1]
            emb = HashEmbedder(int(dim)) if dim.isdigit() else coder._embedder()
        else:
            emb = coder._embedder()
        if not same_model(saved, emb.model_id):
            raise ModelError(
                f"the coder in {path} was trained with the embedding model {saved!r}, "
                f"not {emb.model_id!r}",
                "pass embedder= with the model it was trained with, or retrain",
            )
        digest = None
        if codebook is not None:
            digest = coder._book()[1].digest
        model = load_model(path, digest, None)
        coder.band = float(model.band)
        coder.model_ = model
        coder._selection_ = None  # a saved coder keeps no promise: refit with target_kappa
        coder.codes_ = list(model.codes)
        coder.warnings_ = []
        coder.n_seeds_ = int(model.manifest.get("n_seeds") or 0)
        coder.embedding_model_id_ = emb.model_id
        coder.codebook_digest_ = model.manifest.get("codebook_digest")
        coder.codebook_name_ = manifest.get("codebook_name")
        coder.seeds_digest_ = manifest.get("seeds_digest")
        coder._embedder_ = emb
        return coder
