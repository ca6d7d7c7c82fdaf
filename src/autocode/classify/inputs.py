"""What ``autocode code`` and ``autocode next`` read before they run: the answers (a survey
file or the project's), the codebook, the seeds (a file or a coder's stored codings), the
embedder and the vectors (cached in the project), a saved coder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..errors import InputError, NotFoundError
from .pipeline import BookInfo, Corpus, example_texts
from .seeds import Seeds, read_seeds

#: who the seeds of a --seeds file are stored as when no --seeds-coder names them
SEED_CODER = "human"


def stored_seeds(store, coder: str | None) -> tuple[Seeds, str]:
    """A human coder's stored coding as seeds (every answer they coded, those with no code
    too) and the coder's name; ``coder`` None: the primary coder. :class:`NotFoundError`
    when there is no such coder's work in the project."""
    from ..project import codings

    humans = codings.human_coders(store)
    who = coder if coder is not None else codings.primary_coder(store)
    if who is None or who not in humans:
        known = ", ".join(h for h in humans if h != codings.RECONCILED) or "none yet"
        if who is None:
            raise NotFoundError(
                "no seeds given and the project holds no human coding",
                "pass --seeds FILE, or store a coder's work first: autocode codings import "
                "FILE --coder NAME",
            )
        raise NotFoundError(
            f"coder {who!r} has coded no answers in this project (coders: {known})",
            f"import their work first: autocode codings import FILE --coder {who}",
        )
    units = codings.coded_units(store, [who])
    coded: dict[str, list[str]] = {
        str(i): [] for i in units.loc[units["source"] == "human", "response_id"]
    }
    rows = codings.codings(store, [who])
    rows = rows[(rows["source"] == "human") & rows["present"]]
    for i, c in zip(rows["response_id"].astype(str), rows["code"].astype(str), strict=True):
        if i in coded and c not in coded[i]:
            coded[i].append(c)
    return Seeds.from_coded(coded, f"coder:{who}"), who


def embedder_for(model: str | None):
    """``--model``: None (bundled MiniLM), a local model folder, or ``hash[:DIM]`` (tests)."""
    from ..embed import HashEmbedder, get_embedder

    m = re.fullmatch(r"hash(?::(\d+))?", model or "")
    if m:
        return HashEmbedder(int(m.group(1) or 64))
    return get_embedder(model)


def _responses(store, path, text, id_col, question, command: str = "code"):
    """The answers to code (``id, respondent, question, text, non_answer``) and a function
    that stores them (a survey file: called once the inputs are checked, so a refusal
    stores nothing; the project's own: does nothing). ``command``: the CLI command the
    hint names when the project has no answers."""
    cols = ["id", "respondent", "question", "text", "non_answer"]
    if path is not None:
        from ..io import read_responses
        from ..project.responses import save_responses

        kw = {"text": text, "id": id_col, "question": question}
        rs = read_responses(path, **{k: v for k, v in kw.items() if v})
        df = rs.responses
        df = df.assign(respondent=df["respondent"] if "respondent" in df else df["id"])
        # the one writer: sources and respondent attributes too
        return df[[c for c in cols if c in df]], lambda: save_responses(store, rs)
    from ..project import responses as response_rows

    df = response_rows.load(store)
    if df.empty:
        raise InputError(
            "the project has no responses",
            "load the survey first (autocode import SURVEY), or pass it: "
            f"autocode {command} SURVEY",
        )
    return df[cols], lambda: None


def _seed_file(store, path, df: pd.DataFrame, cb) -> Seeds:
    """A seeds file matched to the answers ``df`` and checked against the codebook."""
    from ..project import responses as response_rows

    return read_seeds(path, df, labels=response_rows.question_labels(store), codebook=cb)


def _codebook(store, path):
    from .. import codebook as cbmod

    if path is not None:
        return cbmod.load(path)
    cb = cbmod.current(store)
    run = store.latest_run("code")
    if cb is None and run is not None:  # the codebook file the last `code` run used
        used = json.loads(run["params"]).get("codebook")
        if used and Path(used).exists():
            return cbmod.load(used)
    if cb is None:
        raise NotFoundError(
            "no codebook given and the project has none", "pass --codebook FILE (YAML, .qdc or CSV)"
        )
    return cb


def _embed(corpus: Corpus, book: BookInfo, embedder, store, progress=None):
    """Response vectors (whole answer + sentence mean), codebook texts, examples."""
    from ..embed import embed_texts
    from .tune import tuned_vectors

    E = tuned_vectors(
        corpus.texts,
        embedder,
        store,
        progress=(lambda d, t: progress("embedding", d, t)) if progress else None,
    )
    D, _ = embed_texts(book.texts, embedder, store)
    ex = example_texts(book)
    Ex = embed_texts(ex, embedder, store)[0] if ex else None
    return E, D, Ex


def _with_tuned(corpus: Corpus, book: BookInfo, tuned, store, base, progress=None):
    """``base`` (E, D, Ex) of the bundled model with the tuned model's vectors beside them."""
    from .tune import combine

    E2, D2, Ex2 = _embed(corpus, book, tuned, store, progress)
    E, D, Ex = base
    return combine(E, E2, True), combine(D, D2, False), combine(Ex, Ex2, False)


def _load_coder(folder, corpus: Corpus, book: BookInfo, embedder, store, base, progress=None):
    """A saved coder (refused for another codebook or embedding model) and the vectors it
    codes with: ``base`` (E, D, Ex), with its tuned model's beside them if it has one.
    Returns ``(model, tuned embedder or None, (E, D, Ex))``."""
    from .persist import load_model
    from .tune import load_tuned

    cm = load_model(folder, book.digest, embedder.model_id)
    entry = cm.manifest.get("tuned_encoder")
    if not entry:
        return cm, None, base
    tuned = load_tuned(embedder, folder, entry)
    return cm, tuned, _with_tuned(corpus, book, tuned, store, base, progress)
