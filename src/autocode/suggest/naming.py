"""Code names: a short noun phrase per group of answers, built from its keyphrases
(:class:`.label.PhraseIndex` scores them), never one member's whole answer; and the word
lists and helpers those rules use (:mod:`.define` shares them)."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence

from .lemmas import lemma_table


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
    w = lemma_table().get(words[0], words[0]).lower()
    return _noun_like((w,), words[0])


def overlaps(a: str, b: str) -> bool:
    """Whether two phrases share a word: by its first five letters ("explained"/"explaining")
    or by its lemma's ("caring"/"care", "helping"/"help")."""
    return bool(_stems(a) & _stems(b))


def _stems(phrase: str) -> set[str]:
    lemmas = lemma_table()
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
