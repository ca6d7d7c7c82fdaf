"""Readable labels and keyphrases for groups of responses (class-based TF-IDF over phrases).

Candidates are word n-grams (1–3 tokens) that start and end with a content word (a few
joining words allowed inside: "lack of time", "easy to understand"), matched on spaCy's
lookup lemmas (spacy-lookups-data) so "nurse"/"nurses" count together, and shown in their
most frequent surface form.

A phrase's score in group c combines how many of c's responses use it (coverage) with how
much more often c uses it than the whole question does (lift): ``cov * log(1 + lift)``,
a document-frequency form of c-TF-IDF (Grootendorst 2022) that favours phrases a researcher
would recognise as what the group is about.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .casing import as_written
from .lemmas import lemma_table
from .naming import NOTHING_NAME, _best_surface, _contains, _describes, code_name, nothing_share
from .stopwords import SKLEARN_ENGLISH_STOP_WORDS

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

_EXTRA_STOP = {
    "nt",
    "n't",
    "'s",
    "’s",
    "etc",
    "also",
    "really",
    "very",
    "just",
    "would",
    "could",
    "get",
    "got",
    "thing",
    "things",
    "lot",
    "lots",
    "bit",
    "ve",
    "im",
    "i'm",
    "dont",
    "didnt",
    "s",
    "much",
    "well",
    "even",
    "still",
    "always",
    "never",
    "ever",
    "yes",
    "ok",
    "okay",
    # verbs and fillers that name no topic ("Able", "Think")
    "able",
    "include",
    "includes",
    "including",
    "included",
    "think",
    "know",
    "want",
    "feel",
    "felt",
    "way",
    "come",
    "came",
    "go",
    "went",
    "going",
    "like",
    "need",
    "needs",
    "needed",
    "maybe",
    "overall",
    "there's",
    "that's",
    "they're",
    "we're",
    "you're",
    "sure",
    "true",
    "improve",
    "improved",
    "improvement",
    "improvements",
}
_MAX_N = 3
_REDACTED = re.compile(r"^(x{2,}|\[?name\]?|redacted)$")
# stop words allowed inside a phrase ("lack of time", "easy to understand", "friendly and kind")
_JOINERS = {"of", "to", "and", "for", "with", "from", "on"}


@dataclass(frozen=True)
class _Tok:
    lemma: str
    surface: str
    content: bool


_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]", re.UNICODE)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    return frozenset(SKLEARN_ENGLISH_STOP_WORDS | _EXTRA_STOP | _MORE_STOP)


# spaCy's English stop words that scikit-learn's list lacks
_MORE_STOP = {
    "'d",
    "'ll",
    "'m",
    "'re",
    "'s",
    "'ve",
    "n't",
    "ca",
    "did",
    "does",
    "doing",
    "just",
    "make",
    "quite",
    "really",
    "regarding",
    "say",
    "unless",
    "used",
    "using",
    "various",
    "whereafter",
    "whereas",
    "whose",
    "'",
    "don't",
    "didn't",
    "i've",
    "i'd",
    "i'll",
    "it's",
    "can't",
    "won't",
    "wasn't",
    "weren't",
    "isn't",
    "couldn't",
    "wouldn't",
}


def tokenize(texts: Sequence[str]) -> list[list[_Tok | None]]:
    """Tokens of each text with lemma, lower-cased surface and a content-word flag.

    ``None`` marks punctuation (a phrase boundary).
    """
    lemmas = lemma_table()
    stop = _stop_words()
    memo: dict[str, _Tok | None] = {}
    out = []
    for text in texts:
        toks: list[_Tok | None] = []
        for raw in _TOKEN.findall(text[:2000]):
            low = raw.lower().replace("’", "'")
            if low in memo:
                tok = memo[low]
            else:
                if not re.search(r"\w", low):
                    tok = None
                else:
                    lemma = lemmas.get(low, low).lower()
                    content = (
                        low not in stop
                        and lemma not in stop
                        and len(low) > 1
                        and not low.isdigit()
                        and re.search(r"[^\W\d_]", low) is not None
                        and not _REDACTED.match(low)
                    )
                    tok = _Tok(lemma, low, content)
                memo[low] = tok
            toks.append(tok)
        out.append(toks)
    return out


def _phrases(toks: list[_Tok | None]) -> dict[tuple[str, ...], str]:
    """All candidate n-grams of one text: lemma key -> surface form."""
    found: dict[tuple[str, ...], str] = {}
    n = len(toks)
    for i in range(n):
        a = toks[i]
        if a is None or not a.content:
            continue
        span: list[_Tok] = []  # toks[i : j + 1]
        for j in range(i, min(n, i + _MAX_N)):
            b = toks[j]
            if b is None:
                break
            span.append(b)
            if not b.content:
                if b.surface not in _JOINERS:
                    break
                continue
            joined = any(t.surface == "and" for t in span)
            if joined and _describes(a.lemma, a.surface) != _describes(b.lemma, b.surface):
                continue  # "feedback and difficult" (… conversations) is cut inside a phrase
            key = tuple(t.lemma for t in span)
            found.setdefault(key, " ".join(t.surface for t in span))
    return found


@dataclass
class GroupTerms:
    label: str
    keywords: list[str]


class PhraseIndex:
    """Phrase document frequencies over a corpus, for labelling any grouping of it."""

    def __init__(self, texts: Sequence[str]):
        self.texts = list(texts)
        self.n_docs = len(texts)
        uniq = list(dict.fromkeys(self.texts))
        by_text = {t: _phrases(toks) for t, toks in zip(uniq, tokenize(uniq), strict=True)}
        self.doc_phrases: list[dict[tuple[str, ...], str]] = [by_text[t] for t in self.texts]
        self.df: Counter = Counter()
        for ph in self.doc_phrases:
            self.df.update(ph.keys())

    def describe(
        self,
        members: Sequence[int] | np.ndarray,
        n_keywords: int = 8,
        centrality: Sequence[float] | np.ndarray | None = None,
        whole: Sequence[str] | None = None,
        topic: str = "",
    ) -> GroupTerms:
        """Label and keywords for the documents at positions ``members``.

        The label is a code name built from the keyphrases (:func:`code_name`), never one
        member's whole answer: ``whole`` are the members' whole answers when the documents
        are their segments (default: the documents). ``centrality`` is accepted for
        labelers that use it. ``topic``: the question's wording, whose words alone name
        nothing (:func:`code_name`).
        """
        n_c = len(members)
        df_c: Counter = Counter()
        surfaces: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for i in members:
            for key, surf in self.doc_phrases[i].items():
                df_c[key] += 1
                surfaces[key][surf] += 1
        if not df_c:
            texts = [self.texts[i] for i in members]
            label = NOTHING_NAME if nothing_share(texts) >= 0.5 else "(no words)"
            return GroupTerms(label=label, keywords=[])
        min_df = 1 if n_c < 6 else 2
        scored = []
        for key, c in df_c.items():
            if c < min_df:
                continue
            cov = c / n_c
            lift = cov / (self.df[key] / self.n_docs)
            # longer phrases are more readable; a small bonus lets "waiting times" beat "waiting"
            bonus = 1.0 + 0.15 * (len(key) - 1)
            scored.append((cov * math.log1p(lift) * bonus, c, key))
        if not scored:
            scored = [(c / n_c, c, key) for key, c in df_c.items()]
        # deterministic: score, then coverage, then the key itself
        scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
        keywords: list[str] = []
        used: list[tuple[str, ...]] = []
        for _, _, key in scored:
            if len(keywords) >= n_keywords:
                break
            if any(_contains(u, key) for u in used):
                continue  # "waiting" after "waiting times"
            keywords.append(_best_surface(surfaces[key]))
            used.append(key)
        texts = [self.texts[i] for i in members]
        name = code_name(scored, used, surfaces, texts, whole, topic)
        label, *keywords = as_written([name, *keywords], texts, ordinary_words())
        return GroupTerms(label=label, keywords=keywords)


@lru_cache(maxsize=1)
def ordinary_words() -> frozenset[str]:
    """Ordinary English words: the lemma table's forms and lemmas (:mod:`.casing` leaves
    their capitals alone)."""
    lemmas = lemma_table()
    return frozenset(lemmas) | frozenset(lemmas.values())
