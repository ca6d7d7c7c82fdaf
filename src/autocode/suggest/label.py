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
def _lemma_table() -> dict[str, str]:
    """spaCy's English lookup lemmas (the table its ``lookup`` lemmatizer uses).

    Read straight from the ``spacy-lookups-data`` package: the same lemmas as
    ``spacy.blank("en")`` + lookup lemmatizer, without building a pipeline (10× faster on
    10k answers). Empty if the package is missing: words are then used as they are.
    """
    import gzip
    import json
    from importlib.resources import files

    try:
        path = files("spacy_lookups_data") / "data" / "en_lemma_lookup.json.gz"
        with gzip.open(str(path), "rt", encoding="utf-8") as f:
            return json.load(f)
    except (ImportError, FileNotFoundError, OSError, ValueError):  # pragma: no cover
        return {}


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS | _EXTRA_STOP | _MORE_STOP)


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
    lemmas = _lemma_table()
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
    ) -> GroupTerms:
        """Label and keywords for the documents at positions ``members``.

        With ``centrality`` (similarity of each member to the group's centroid), the label
        may be the most central short answer (2–6 words) that uses one of the top
        keyphrases — "More staff on the ward" reads better than any keyword list.
        """
        n_c = len(members)
        df_c: Counter = Counter()
        surfaces: dict[tuple[str, ...], Counter] = defaultdict(Counter)
        for i in members:
            for key, surf in self.doc_phrases[i].items():
                df_c[key] += 1
                surfaces[key][surf] += 1
        if not df_c:
            return GroupTerms(label="(no words)", keywords=[])
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
        label = None
        if centrality is not None and used:
            label = self._short_answer_label(members, centrality, used[:3])
        if label is None:
            label = _make_label(scored, used, surfaces)
        return GroupTerms(label=label, keywords=keywords)

    def _short_answer_label(self, members, centrality, top_keys) -> str | None:
        best = None
        for i, c in zip(members, centrality, strict=True):
            words = self.texts[i].split()
            if not 2 <= len(words) <= 6 or not self.doc_phrases[i]:
                continue
            if re.search(r"[.!?;]\s+\S", self.texts[i].strip()):
                continue  # two sentences make a poor code name
            if not any(k in self.doc_phrases[i] for k in top_keys):
                continue
            key = (-round(float(c), 6), len(words), self.texts[i])
            if best is None or key < best[0]:
                best = (key, self.texts[i])
        if best is None:
            return None
        return tidy_label(best[1])


def _contains(big: tuple[str, ...], small: tuple[str, ...]) -> bool:
    if len(small) > len(big):
        big, small = small, big
    m = len(small)
    return any(big[i : i + m] == small for i in range(len(big) - m + 1))


def _best_surface(c: Counter) -> str:
    return min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def tidy_label(text: str) -> str:
    """One line, no trailing punctuation, capitalised, at most 60 characters."""
    t = " ".join(text.split()).strip(" .,;:!?-–—\"'")
    if len(t) > 60:
        t = t[:57].rsplit(" ", 1)[0] + "…"
    return t[:1].upper() + t[1:]


def _make_label(scored, used, surfaces) -> str:
    """The top keyphrase; a strong phrase containing a top single word reads better."""
    if not used:
        return "(no words)"
    first = used[0]
    s_first = next(s for s, _, k in scored if k == first)
    if len(first) == 1:  # "waiting times" rather than "waiting"
        first = next(
            (k for sc, _, k in scored if len(k) > 1 and first[0] in k and sc >= 0.5 * s_first),
            first,
        )
    return tidy_label(_best_surface(surfaces[first]))
