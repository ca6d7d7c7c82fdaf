"""Capitals in names: acronyms and names as respondents write them.

Candidate phrases (:mod:`.label`) are matched lower-cased, so a name would read "Smart
goals", "Ehr inbox", "Experiences of urim". :func:`written_case` finds, among a group's
texts, the words most members write with capitals; :func:`restore_case` shows a name or
keyphrase with them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Collection, Container, Sequence

_WORD = re.compile(r"[^\W_]+")
#: a sentence starts at the text's start or after one of these ...
_SENTENCE_END = frozenset(".!?:;\n•*-")
#: ... and any run of spaces, quotes and brackets
_OPENING = frozenset("\"'“‘([")
#: an acronym written in capitals ("EHR", "SMART", "GP") is at most this long
_ACRONYM_MAX = 6
#: the characters of a text looked at (as for phrases)
_READ = 2000


def _opens_sentence(gap: str, first: bool) -> bool:
    """Whether a word opens a sentence, from the characters between it and the previous
    word (``gap``; everything before it when it is the ``first``): the text's start or a
    sentence end, then only spaces, quotes and brackets."""
    i = len(gap)
    while i and (gap[i - 1].isspace() or gap[i - 1] in _OPENING):
        i -= 1
    if "\n" in gap[i:]:
        return True
    return gap[i - 1] in _SENTENCE_END if i else first


def written_case(
    texts: Sequence[str],
    ordinary: Container[str] = frozenset(),
    only: Collection[str] | None = None,
) -> dict[str, str]:
    """How members write the words they write with capitals, lower-cased word -> form.

    A word takes a capitalised form when most of its occurrences are written that way,
    counted over every occurrence for an acronym in capitals ("SMART", "EHR", "NHS"; at
    most six letters) and over occurrences inside a sentence for a name ("Bingham"; twice
    at least, since any word may open a sentence). A form with capitals inside a lower-case
    word ("URiM", "iPad") and a name are taken only for words not in ``ordinary`` (English
    words: :func:`.label.ordinary_words`), and never when the inner capitals are all "I"
    ("receIved", "vIsItIng": a typing or export artefact). Texts typed in capitals or with
    every word capitalised say nothing about case and are skipped.

    ``only`` (lower-cased words) limits the answer to those words, and the work to the
    texts that contain one: a word's form depends on its own occurrences alone, so the
    forms found are the same as without it."""
    forms: dict[str, Counter] = defaultdict(Counter)
    inside: dict[str, Counter] = defaultdict(Counter)
    wanted = None if only is None else frozenset(only)
    for whole in texts:
        text = whole[:_READ]
        if wanted is not None:
            low_text = text.lower()
            if not any(w in low_text for w in wanted):
                continue
        words = list(_WORD.finditer(text))
        letters = list(filter(str.isalpha, text))
        if not words or sum(map(str.isupper, letters)) > 0.5 * len(letters):
            continue  # SHOUTED
        if len(words) > 3 and sum(w.group()[0].isupper() for w in words) > 0.8 * len(words):
            continue  # Every Word Capitalised
        end = 0
        for m in words:
            w = m.group()
            low = w.lower()
            if wanted is not None and low not in wanted:
                end = m.end()
                continue
            forms[low][w] += 1
            if not _opens_sentence(text[end : m.start()], end == 0):
                inside[low][w] += 1
            end = m.end()
    out: dict[str, str] = {}
    for low, seen in forms.items():
        if len(low) < 2 or not any(f != low for f in seen):
            continue
        total = sum(seen.values())
        caps = Counter({f: c for f, c in seen.items() if f.isupper()})
        if caps and len(low) <= _ACRONYM_MAX:
            form, c = min(caps.items(), key=lambda kv: (-kv[1], kv[0]))
            if 2 * c > total:
                out[low] = form
                continue
        if low in ordinary:
            continue
        inner = Counter(
            {
                f: c
                for f, c in seen.items()
                if not f.isupper() and {ch for ch in f[1:] if ch.isupper()} - {"I"}
            }
        )
        if inner:
            form, c = min(inner.items(), key=lambda kv: (-kv[1], kv[0]))
            if 2 * c > total:
                out[low] = form
                continue
        mid = inside.get(low)
        if mid:
            n_caps = sum(c for f, c in mid.items() if f[0].isupper() and f[1:] == low[1:])
            if n_caps >= 2 and 2 * n_caps > sum(mid.values()):
                out[low] = low[:1].upper() + low[1:]
    return out


def restore_case(text: str, cased: dict[str, str]) -> str:
    """``text`` with each word in the form :func:`written_case` found (other words as
    they are, so a label's first capital stays)."""
    if not cased:
        return text
    return _WORD.sub(lambda m: cased.get(m.group().lower(), m.group()), text)


def as_written(shown: Sequence[str], texts: Sequence[str], ordinary: Container[str]) -> list[str]:
    """``shown`` (a name, keyphrases) with the capitals the group's ``texts`` use
    (:func:`written_case` over the words shown only)."""
    words = {m.group().lower() for t in shown for m in _WORD.finditer(t)}
    cased = written_case(texts, ordinary, only=words)
    return [restore_case(t, cased) for t in shown]
