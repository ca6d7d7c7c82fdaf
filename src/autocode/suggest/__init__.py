"""Candidate codes from survey responses (``autocode suggest``).

Library use::

    from autocode.suggest import suggest, run_suggest
    result = suggest(responses_df, embeddings, seed=0)        # pure, in memory
    run_id, result, info = run_suggest(store, response_set, embedder)  # with the project store

``responses_df`` has columns id, question, text, non_answer (``ResponseSet.responses``).
The stages are replaceable: ``suggest(..., clusterer=..., labeler=...)`` takes objects with
``fit_predict(X)`` / ``label(texts, groups, centrality)``, or names of plug-ins
(:mod:`autocode.plugins`). ``autocode.suggest(df, embedder="hash")`` embeds for you.
"""

from .core import (
    CTfidfLabeler,
    HDBSCANClusterer,
    QuestionSummary,
    Suggestion,
    SuggestResult,
    Theme,
    canonical_order,
    suggest,
)
from .run import load_result, run_suggest

__all__ = [
    "CTfidfLabeler",
    "HDBSCANClusterer",
    "QuestionSummary",
    "SuggestResult",
    "Suggestion",
    "Theme",
    "canonical_order",
    "load_result",
    "run_suggest",
    "suggest",
]
