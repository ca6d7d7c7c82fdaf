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

import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .casing import as_written

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


@lru_cache(maxsize=1)
def ordinary_words() -> frozenset[str]:
    """Ordinary English words: the lemma table's forms and lemmas (:mod:`.casing` leaves
    their capitals alone)."""
    lemmas = _lemma_table()
    return frozenset(lemmas) | frozenset(lemmas.values())


# -- code names ---------------------------------------------------------------------------
#: words that only judge ("good", "excellent"): a name of these alone says how, not what
_PRAISE = {
    "good", "great", "excellent", "brilliant", "fantastic", "amazing", "lovely", "nice",
    "fine", "perfect", "wonderful", "superb", "outstanding", "best", "happy", "pleased",
    "satisfied", "fab", "fabulous", "marvellous", "spot", "well", "thank", "thanks", "ok",
    "thankyou",
}  # fmt: skip
_BLAME = {"bad", "poor", "terrible", "awful", "rubbish", "worst", "disappointed", "unhappy"}
#: how people are described ("friendly", "caring"): named with the people they describe
_MANNER = {
    "friendly", "helpful", "kind", "caring", "polite", "pleasant", "professional",
    "attentive", "courteous", "supportive", "respectful", "compassionate", "understanding",
    "reassuring", "approachable", "considerate", "efficient", "rude", "calm",
    "knowledgeable", "informative", "welcoming", "cheerful", "sympathetic", "empathetic",
}  # fmt: skip
_PEOPLE = {
    "staff", "nurse", "doctor", "crew", "driver", "paramedic", "team", "receptionist",
    "people", "everyone", "consultant", "carer", "mentor", "faculty", "resident", "teacher",
    "colleague", "supervisor", "physician", "student", "therapist", "worker",
}  # fmt: skip
_NOTHING = re.compile(
    r"^(?:absolutely |honestly |really |just |no[,.]? )?(?:nothing|none|no improvements?|"
    r"not really|no changes?|can'?t think|cannot think|keep (?:it )?up|keep doing|carry on|"
    r"(?:just )?continue)\b|(?:could ?n'?o?t|can'?t|cannot) (?:be )?(?:improved?|fault|better)"
)
NOTHING_NAME = "Nothing to improve"
#: describing words that make a poor second half of "X and Y"
_ADJECTIVES = {
    "long", "short", "quick", "slow", "easy", "hard", "clean", "dirty", "busy", "late",
    "early", "better", "worse", "quicker", "faster", "sooner", "prompt", "clear", "new",
    "old", "big", "small", "high", "low", "free", "open", "full", "available", "different",
    "right", "wrong", "far", "near", "noisy", "quiet", "tidy", "messy", "warm", "cold", "hot",
    "loud", "difficult", "important", "possible", "impossible", "sure", "able", "unable",
    "worth", "glad", "lucky", "worried", "scared", "anxious", "nervous", "grateful",
    "thankful", "enjoyable", "useful", "comfortable", "uncomfortable", "appropriate",
    "inappropriate",
}  # fmt: skip
#: what members write before a thing they say is missing ("not enough time", "no protected
#: time", "lack of recognition"); a bare "no X" is not one ("no waiting" is praise)
_LACK = re.compile(
    r"\b(?:lack(?:ing)?(?: of)?|not enough|never enough|too little|too few|insufficient|"
    r"inadequate|limited|shortage of|little or no|no|without)\s+(?:\w+\s+)?$"
)
_LACK_BARE = re.compile(r"\b(?:no|without)\s+$")
#: a thing is named "Lack of X" when this share of the members that mention it say it lacks
_LACK_SHARE = 0.5
#: words that say something is missing or wanted, not what ("Coaching and lack")
_VAGUE = {"lack", "need", "thing", "stuff", "way", "lot"}
#: words that judge or describe: they cannot head a name alone
_JUDGING = frozenset(_PRAISE | _BLAME | _MANNER | _ADJECTIVES | _VAGUE)
#: endings of describing words ("enjoyable", "grateful", "anxious", "pointless") ...
_DESCRIBING_ENDINGS = ("able", "ible", "ful", "ous", "less")
#: ... and the nouns among such words that a code may be named by
_NOUNS_SO_ENDING = {
    "table", "timetable", "vegetable", "constable", "cable", "variable", "handful",
}  # fmt: skip


def _describing(word: str) -> bool:
    """A describing word by its ending ("enjoyable", "grateful"; at least 6 letters)."""
    return len(word) >= 6 and word.endswith(_DESCRIBING_ENDINGS) and word not in _NOUNS_SO_ENDING


def _describes(lemma: str, surface: str) -> bool:
    """A judging, manner or describing word, by its lemma or as written ("amazing" →
    "amaze")."""
    return lemma in _JUDGING or surface in _JUDGING or _describing(surface) or _describing(lemma)


def _noun_like(key: tuple[str, ...], surface: str) -> bool:
    """A phrase that can head a name: not a judgement, manner or describing word, an adverb
    or a past-tense verb (without a tagger, by word lists and endings)."""
    if len(key) > 1:
        return True
    w = key[0]
    if _describes(w, surface):
        return False
    return not (surface.endswith("ly") or (surface.endswith("ed") and w != surface))


def noun_like_phrase(phrase: str) -> bool:
    """:func:`_noun_like` for a shown phrase (its words looked up as they are)."""
    words = phrase.lower().split()
    if len(words) != 1:  # "absolutely brilliant" judges, "waiting times" names
        return any(w not in _JUDGING and not w.endswith("ly") for w in words)
    w = _lemma_table().get(words[0], words[0]).lower()
    return _noun_like((w,), words[0])


def overlaps(a: str, b: str) -> bool:
    """Whether two phrases share a word: by its first five letters ("explained"/"explaining")
    or by its lemma's ("caring"/"care", "helping"/"help")."""
    return bool(_stems(a) & _stems(b))


def _stems(phrase: str) -> set[str]:
    lemmas = _lemma_table()
    out = set()
    for w in re.findall(r"[^\W\d_]+", phrase.lower()):
        out.add(w[:5])
        out.add(lemmas.get(w, w).lower()[:5])
    return out


def shared_words(texts: Sequence[str]) -> str:
    """The words of ``texts[0]`` that every text has (by :func:`_stems`): what questions
    clustered together all ask about ("mentor" of "mentor skills", "mentor barriers")."""
    if not texts:
        return ""
    others = [_stems(t) for t in texts[1:]]
    words = re.findall(r"[^\W\d_]+", texts[0].lower())
    return " ".join(w for w in dict.fromkeys(words) if all(_stems(w) & o for o in others))


def _gerund(lemma: str) -> str:
    """ "listen" → "listening", "explain" → "explaining", "care" → "caring" (a verb as a name)."""
    if lemma.endswith("e") and not lemma.endswith(("ee", "ye", "oe")):
        return lemma[:-1] + "ing"
    return lemma + "ing"


def _norm(text: str) -> str:
    """A text as names are compared: lower case, single spaces, no end punctuation."""
    return " ".join(text.lower().replace("’", "'").split()).strip(" .,;:!?-–—\"'")


def nothing_share(texts: Sequence[str]) -> float:
    """Share of ``texts`` that say there is nothing to improve ("Nothing, all good")."""
    if not texts:
        return 0.0
    return sum(bool(_NOTHING.search(_norm(t))) for t in texts) / len(texts)


def code_name(
    scored,
    used,
    surfaces,
    member_texts: Sequence[str],
    whole: Sequence[str] | None = None,
    topic: str = "",
) -> str:
    """A short noun phrase (1–6 words, sentence case) naming a group, never one of its
    answers' whole text: its best keyphrase (a longer phrase holding a top single word,
    "waiting times" over "waiting"), the two best joined when one word says too little
    ("Food and parking"), manner words with the people they describe ("Friendly and
    helpful staff"), judgements alone as "Positive experience"; groups that mostly say there
    is nothing to improve are named so. ``whole``: the members' whole answers when
    ``member_texts`` are their segments. ``topic``: the question's wording; a phrase of
    its words only ("Residents" where the question asks about mentoring residents) heads
    the name only when no other phrase of the group names something."""
    taken = {_norm(t) for t in (member_texts if whole is None else whole)}
    for name in _name_candidates(scored, used, surfaces, member_texts, taken, topic, whole):
        name = tidy_label(name)
        short = 1 <= len(name.split()) <= 6 and name.count(" and ") <= 1  # one "and" at most
        if name and short and _norm(name) not in taken:
            return name
    if not used:
        return "(no words)"
    return tidy_label("Mentions of " + _best_surface(surfaces[used[0]]))


#: a phrase not of the question's words heads the name over one of them when this many
#: members, relative to it, say it
_TOPIC_SHARE = 0.25
#: a word written before another in this share of its uses describes it (:func:`_shared_head`)
_MODIFIER_SHARE = 2 / 3


def _lacking(shown: str, forms, member_texts: Sequence[str]) -> str | None:
    """ "Lack of time" when most members that write the phrase say it is missing ("not enough
    time", "no protected time", "lack of time"; at least 2 of them), else None."""
    pattern = re.compile(
        r"\b(?:"
        + "|".join(re.escape(f.lower()) for f in sorted(forms, key=len, reverse=True))
        + r")\b"
    )
    said = lacking = 0
    for text in member_texts:
        low = text.lower().replace("’", "'")
        hits = list(pattern.finditer(low))
        if not hits:
            continue
        said += 1
        before = [low[max(0, h.start() - 40) : h.start()] for h in hits]
        lacking += any(_LACK.search(b) and not _LACK_BARE.search(b) for b in before)
    if lacking >= 2 and lacking >= _LACK_SHARE * said:
        return f"Lack of {shown}"
    return None


def _shared_head(a: tuple[str, ...], b: tuple[str, ...], surfaces) -> str | None:
    """The word both one-word phrases ``a`` and ``b`` describe in the members' phrases
    ("clinical demands" and "competing demands": "demands"), as written; the most said
    (then alphabetical), or None. Both must be single words that members mostly write
    before another word (as describing words are: "clinical", "competing"; a theme of
    "appointment" and "hospital" is not narrowed to "Appointment and hospital booking"),
    and the shared word a noun-like one that is neither of them."""
    if len(a) != 1 or len(b) != 1:
        return None
    for w in (a[0], b[0]):
        before = sum(sum(c.values()) for k, c in surfaces.items() if len(k) == 2 and k[0] == w)
        if before < _MODIFIER_SHARE * sum(surfaces[(w,)].values()):
            return None
    heads: Counter = Counter()
    for key, seen in surfaces.items():
        if len(key) == 2 and key[0] == a[0] and key[1] not in (a[0], b[0]):
            other = surfaces.get((b[0], key[1]))
            if other:
                shown = _best_surface(other).split()[-1]
                if _noun_like((key[1],), shown):
                    heads[shown] += sum(seen.values()) + sum(other.values())
    return _best_surface(heads) if heads else None


def _name_candidates(
    scored, used, surfaces, member_texts, taken: set[str], topic: str = "", whole=None
):
    """Names in order of preference (the first that is no member's text wins)."""
    if nothing_share(member_texts) >= 0.5:
        yield NOTHING_NAME
    if not used:
        return
    score = {k: sc for sc, _, k in scored}
    cov = {k: c for _, c, k in scored}
    top = used[:6]

    def words(k) -> str:
        """How a phrase is shown: one word as its lemma when it has half as many uses as the
        most written form at least ("food" over "foods"), else as most members write it
        ("residents"), a verb as its activity ("listens", "listened" → "listening")."""
        seen = surfaces[k]
        if len(k) == 1:
            ing = [w for w in seen if w.endswith("ing")]
            if ing:
                return _best_surface(Counter({w: seen[w] for w in ing}))
            if any(w.endswith("ed") and w != k[0] for w in seen) and k[0] not in _PEOPLE:
                return _gerund(k[0])
            if k[0] in seen and 2 * seen[k[0]] >= max(seen.values()):
                return k[0]
        return _best_surface(seen)

    said = _stems(topic) if topic else set()

    def asked(k) -> bool:
        """The phrase only repeats the question's words (judgements have their own rules:
        "Positive experience" where "what was good?" is answered "good")."""
        return bool(said) and not set(k) <= _JUDGING and _stems(words(k)) <= said

    first = top[0]
    if asked(first):  # "Residents" when the question asks about residents
        first = next(
            (
                k
                for k in top
                if not asked(k) and _noun_like(k, words(k)) and cov[k] >= _TOPIC_SHARE * cov[first]
            ),
            first,
        )
    if cov[first] == 1:  # one member's phrase ("EHR inbox eats") under what most say ("time")
        first = next(
            (
                k
                for k in top
                if cov[k] >= max(2, 0.5 * len(member_texts)) and _noun_like(k, words(k))
            ),
            first,
        )
    if len(first) == 1:  # "waiting times" rather than "waiting" (unless an answer says only it)
        first = next(
            (
                k
                for sc, _, k in scored
                if len(k) > 1
                and first[0] in k
                and sc >= 0.5 * score[first]
                and _norm(words(k)) not in taken
            ),
            first,
        )
    lacked = _lacking(words(first), surfaces[first], member_texts if whole is None else whole)
    if lacked and _noun_like(first, words(first)):
        yield lacked
    lemmas = set(first)
    if lemmas <= _PRAISE | _BLAME:  # "good", "very good": say what was good if a phrase does
        better = next((k for k in top[1:4] if set(k) - _PRAISE - _BLAME - _MANNER), None)
        if better is not None and cov[better] >= 0.4 * cov[top[0]]:
            first, lemmas = better, set(better)
        else:
            yield "Negative experience" if lemmas & _BLAME else "Positive experience"
    if lemmas <= _MANNER:  # "friendly" → "Friendly and helpful staff"
        manner = [k for k in top if len(k) == 1 and k[0] in _MANNER][:2] or [first]
        people = next((k for k in top if len(k) == 1 and k[0] in _PEOPLE), None)
        text = " and ".join(words(k) for k in manner)
        if people is not None:
            yield f"{text} {words(people)}"
        yield text + " staff" if any(t.lower().find("staff") >= 0 for t in member_texts) else text
    # the next phrase that names something and is not the first again in another form
    # ("Communication and communicating")
    head = words(first)
    others = [
        k
        for k in top[1:]
        if not _contains(k, first) and not overlaps(words(k), head) and not asked(k)
    ]
    second = next((k for k in others if _noun_like(k, words(k))), None)
    # the next phrase, a describing word too ("difficult"): it may form a phrase with the first
    partner = next(iter(others), None)
    one = len(first) == 1
    # an activity and the things it acts on ("setting" + "goals"): "Setting goals"
    acting = None
    if one and second is not None and len(second) == 1:
        things, act = _best_surface(surfaces[first]), words(second)
        if act.endswith("ing") and things.endswith("s") and things != first[0]:
            acting = f"{act} {things}"
    if one and _noun_like(first, words(first)):
        # one word says too little; a phrase of the group that holds both says it best
        # ("goal setting" over "Goal and setting", "difficult feedback"), else "X and Y"
        for other in dict.fromkeys(k for k in (partner, second) if k is not None):
            if cov[other] < 0.5 * cov[first]:
                continue
            both = next(
                (k for _, _, k in scored if len(k) <= 3 and first[0] in k and set(other) <= set(k)),
                None,
            )
            if both is not None:
                if "and" in both and acting:  # "Setting goals" over "Goals and setting"
                    yield acting
                yield words(both)
        if second is not None and cov[second] >= 0.5 * cov[first]:
            if acting:
                yield acting
            shared = _shared_head(first, second, surfaces)
            if shared:  # "clinical demands", "competing demands": "Clinical and competing demands"
                yield f"{words(first)} and {words(second)} {shared}"
            yield f"{words(first)} and {words(second)}"
    yield words(first)
    if second is not None:  # the name is an answer's text ("Listening."): say more
        yield f"{words(first)} and {words(second)}"
    yield from sorted(surfaces[first], key=lambda s: (-surfaces[first][s], s))  # "waiting time"
    if second is not None:
        third = next((k for k in top[2:] if k != second and not _contains(k, first)), None)
        if third is not None:
            yield f"{words(first)}, {words(second)} and {words(third)}"
    # every name so far is a member's whole answer ("Staff"): the group's best phrases that
    # hold it ("Friendly staff"), before "Mentions of staff"
    longer = (k for _, _, k in scored if len(k) > len(first) and _contains(k, first))
    yield from (words(k) for k in itertools.islice(longer, 3))
