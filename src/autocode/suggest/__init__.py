"""Candidate codes from survey responses (``autocode suggest``).

Library use::

    from autocode.suggest import suggest, run_suggest
    result = suggest(responses_df, embeddings, seed=0)        # pure
    run_id, result = run_suggest(store, response_set, embedder)  # with the project store
"""

from .core import QuestionSummary, Suggestion, SuggestResult, Theme, canonical_order, suggest
from .run import load_result, run_suggest

__all__ = [
    "QuestionSummary",
    "SuggestResult",
    "Suggestion",
    "Theme",
    "canonical_order",
    "load_result",
    "run_suggest",
    "suggest",
]
