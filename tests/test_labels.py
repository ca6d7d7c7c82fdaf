"""Code names and draft definitions of suggestions (:mod:`autocode.suggest.label`,
:mod:`autocode.suggest.naming`, :mod:`autocode.suggest.define`): short noun phrases, never
an answer's whole text, distinct within a question, the same whatever the row order."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autocode
from autocode.api import response_frame
from autocode.suggest.core import Suggestion
from autocode.suggest.define import distinct_names, draft_definition
from autocode.suggest.label import PhraseIndex


def norm(t: str) -> str:
    return " ".join(t.lower().split()).strip(" .,;:!?-–—\"'")


@pytest.fixture(scope="module")
def example():
    """The bundled example survey (407 answers to two questions), suggested with the
    deterministic hash embedder, in file order and shuffled."""
    from importlib.resources import files

    from autocode.embed import get_embedder

    rs = autocode.read_responses(str(files("autocode") / "data" / "example_survey.csv"))
    df = response_frame(rs)
    emb = get_embedder("hash")
    res = autocode.suggest(df, embedder=emb)
    shuffled = df.sample(frac=1.0, random_state=7).reset_index(drop=True)
    res2 = autocode.suggest(shuffled, embedder=emb)
    return df, res, res2


def test_names_are_short_and_never_an_answer(example):
    df, res, _ = example
    text = dict(zip(df["id"], df["text"], strict=True))
    assert len(res.suggestions) >= 5
    for s in res.suggestions:
        words = s.label.split()
        assert 1 <= len(words) <= 6, s.label
        assert s.label.count(" and ") <= 1, s.label  # never "Ward and staff and good"
        assert s.label[0].isupper(), s.label
        assert norm(s.label) not in {norm(text[m]) for m in s.members}, s.label
    sugg = {s.id: s for s in res.suggestions}
    for t in res.themes:
        members = {m for sid in t.suggestions for m in sugg[sid].members}
        assert norm(t.label) not in {norm(text[m]) for m in members}, t.label
        assert 1 <= len(t.label.split()) <= 6 + 2, t.label


def test_names_are_distinct_within_a_question(example):
    _, res, _ = example
    by_q: dict[str, list[str]] = {}
    for s in res.suggestions:
        by_q.setdefault(s.question, []).append(norm(s.label))
    for q, names in by_q.items():
        assert len(names) == len(set(names)), (q, names)
    for q in by_q:
        themes = [norm(t.label) for t in res.themes if t.question == q]
        assert len(themes) == len(set(themes)), themes


def test_names_and_definitions_ignore_row_order(example):
    _, res, res2 = example

    def key(r):
        return {(s.question, frozenset(s.members)): (s.label, s.definition) for s in r.suggestions}

    assert key(res) == key(res2)
    assert [t.label for t in res.themes] == [t.label for t in res2.themes]


def test_every_suggestion_has_a_draft_definition(example):
    _, res, _ = example
    labels = {s.label for s in res.suggestions}
    for s in res.suggestions:
        d = s.definition
        assert d is not None
        assert d["draft"] is True
        assert d["definition"].startswith("Answers ")
        assert s.label[:1].lower() + s.label[1:] in d["definition"] or s.label in d["definition"]
        assert "“" in d["definition"]  # a quote says what the keyphrases mean
        assert d["inclusion"].startswith("Answers that mention")
        # the exclusion names the nearest other suggestions of the question, by name
        named = re.findall(r"code them as '([^']+)'", d["exclusion"])
        assert named
        assert set(named) <= labels - {s.label}


def test_single_words_that_name_nothing_are_not_labels():
    texts = [
        "Able to see the doctor quickly",
        "Not able to get an appointment",
        "I was able to talk about my worries",
        "Waiting times were long",
        "Long waiting times",
        "Parking was hard",
    ]
    g = PhraseIndex(texts).describe([0, 1, 2])
    assert g.label.lower() != "able"


def test_label_is_never_a_member_answer():
    texts = ["Waiting times", "waiting times.", "The waiting times were long", "parking"]
    g = PhraseIndex(texts).describe([0, 1, 2])
    assert norm(g.label) not in {"waiting times"}
    assert "waiting" in g.label.lower()


def test_manner_words_name_the_people_they_describe():
    texts = [
        "Staff were friendly and helpful",
        "very friendly staff",
        "helpful and friendly nurses, staff lovely",
        "the food was cold",
        "parking is hard",
    ]
    g = PhraseIndex(texts).describe([0, 1, 2])
    assert g.label == "Friendly and helpful staff"


def test_past_tense_verbs_become_activities():
    texts = ["They listened to me", "listened well", "staff listened", "the food", "parking"]
    assert PhraseIndex(texts).describe([0, 1, 2]).label == "Listening"


def test_a_name_does_not_repeat_its_word_in_another_form():
    texts = [
        "Communication was poor",
        "communicating with us was poor",
        "communication between departments",
        "communicating the delay",
        "communication and contact",
        "communicating better",
        "the food",
        "parking",
        "food again",
        "more parking",
    ]
    label = PhraseIndex(texts).describe([0, 1, 2, 3, 4, 5]).label
    assert label == "Communicating"  # was "Communicating and communication"


def test_two_words_that_form_a_phrase_of_the_group_are_named_by_it():
    texts = [
        "Training on difficult feedback",
        "How to give feedback in difficult conversations",
        "Feedback when things are difficult",
        "Difficult feedback with residents",
        "feedback skills",
        "time management",
        "parking",
    ]
    label = PhraseIndex(texts).describe([0, 1, 2, 3, 4]).label
    assert label == "Difficult feedback"  # not "Feedback and difficult"


def test_a_phrase_joined_by_and_is_not_cut_inside_another_phrase():
    """'Feedback and difficult conversations workshop' holds the 3-gram 'feedback and
    difficult', a noun joined to the describing word of the next phrase: neither a name
    nor a keyword (the faculty survey's S18 was named "Feedback and difficult")."""
    texts = [
        "Training on how to give difficult feedback",
        "Feedback and difficult conversations workshop",
        "How to give feedback effectively",
        "Feedback and difficult conversations",
        "Motivational interviewing techniques",
        "time management",
        "parking",
    ]
    g = PhraseIndex(texts).describe([0, 1, 2, 3, 4])
    assert "feedback and difficult" not in [k.lower() for k in g.keywords]
    assert g.label.lower() != "feedback and difficult"
    # words of one kind still join: "friendly and kind", "food and parking"
    g2 = PhraseIndex(["friendly and kind staff", "so friendly and kind", "parking"]).describe(
        [0, 1]
    )
    assert "friendly and kind" in g2.keywords


def test_a_longer_phrase_that_is_an_answer_does_not_replace_the_word():
    """'empathy' is widened to 'empathy and compassion' only when no member answered just
    that; otherwise the name says more than one answer (the faculty survey's S8 was
    "Mentions of empathy")."""
    texts = [
        "Emotional intelligence",
        "self-awareness",
        "Empathy and compassion",
        "listening",
        "empathy",
        "Active listening and being genuinely available.",
        "Patience",
    ]
    g = PhraseIndex(texts).describe([0, 1, 2, 3, 4])
    assert g.label == "Empathy and emotional intelligence"


def test_a_thing_most_members_say_is_missing_is_named_lack_of_it():
    """The faculty survey's barriers: "Time and free minute" for answers saying there is not
    enough time; a researcher writes "Lack of time". The whole answers count (the segment
    "it all happens after hours" is of "No protected time for mentoring; ...")."""
    units = [
        "it all happens after hours",
        "Not enough time in the day",
        "The EHR inbox eats every free minute",
        "Time!!",
        "Residents rotate off service",
        "Clinical demands",
    ]
    whole = [
        "No protected time for mentoring; it all happens after hours",
        "Not enough time in the day",
        "The EHR inbox eats every free minute",
        "Time!!",
    ]
    assert PhraseIndex(units).describe([0, 1, 2, 3], whole=whole).label == "Lack of time"
    # one member saying so is not most of them
    assert PhraseIndex(units).describe([0, 1, 2, 3]).label != "Lack of time"
    # "no waiting" is praise, not a lack of waiting
    texts = ["No waiting", "no waiting at all", "Waiting was short", "no waiting, seen fast", "tea"]
    assert not PhraseIndex(texts).describe([0, 1, 2, 3]).label.startswith("Lack")
    texts = [
        "Not enough staff on the ward",
        "lack of staff at night",
        "too few staff",
        "staff were kind",
        "the food",
    ]
    assert PhraseIndex(texts).describe([0, 1, 2, 3]).label == "Lack of staff"


def test_a_segment_may_name_its_group_but_a_whole_answer_may_not():
    """Answers are cut into segments before clustering: "Parking" of "Food & parking." is
    a segment, not a respondent's whole answer, so it may be the name; when a respondent
    answered just "Parking." it may not."""
    units = ["parking", "Parking was hard", "parking costs", "no parking", "the food", "tea"]
    g = PhraseIndex(units).describe(
        [0, 1, 2, 3], whole=["Food & parking.", "Parking was hard", "parking costs", "no parking"]
    )
    assert g.label == "Parking"
    g = PhraseIndex(units).describe([0, 1, 2, 3])  # the segment "parking" is an answer too
    assert g.label != "Parking"


def test_an_activity_and_the_things_it_acts_on_make_one_name():
    """'goals' with 'setting': "Setting goals", not "Goals and setting" (the faculty
    survey's answers, suggested across questions, were so named)."""
    texts = [
        "Consistency - meeting regularly, not just when there is a crisis",
        "Goal setting, accountability, regular check-ins",
        "Helping them set SMART goals and reviewing progress",
        "Setting clear expectations and goals at the start of the relationship",
        "Patience",
        "Competing priorities",
        "Time and a willingness to make time.",
        "Networking and opening doors",
        "Active listening",
    ]
    assert PhraseIndex(texts).describe([0, 1, 2, 3, 4, 5]).label == "Setting goals"
    # nothing changes where the second word is no activity: "Food and parking"
    other = ["food and parking", "the food, the parking", "parking and food", "tea", "noise"]
    assert PhraseIndex(other).describe([0, 1, 2]).label != "Parking food"


def test_acronyms_and_names_keep_the_capitals_members_write():
    """Phrases are matched lower-cased; the label and keywords show a word as members write
    it when most do so with capitals: acronyms and inner capitals over every occurrence, a
    name over occurrences inside a sentence (twice at least); shouted or Title Case texts
    and sentence-initial capitals say nothing."""
    from autocode.suggest.casing import restore_case
    from autocode.suggest.casing import written_case as case_of
    from autocode.suggest.label import ordinary_words

    def written_case(texts):
        return case_of(texts, ordinary_words())

    texts = [
        "Helping them set SMART goals",
        "setting SMART goals and reviewing progress",
        "smart goals each term",
        "Understanding the experiences of URiM trainees",
        "The EHR inbox eats my time",
        "Same service at Bingham Health Centre.",
        "nice to go to Bingham clinic",
        "went to bingham",
        "Staff were good. Staff were kind",
        "STAFF WERE RUDE AND GOALS UNCLEAR",
        "Great Staff Very Kind Nurses Always",
    ]
    cased = written_case(texts)
    assert cased == {"smart": "SMART", "urim": "URiM", "ehr": "EHR", "bingham": "Bingham"}
    assert restore_case("Set smart goals", cased) == "Set SMART goals"
    assert restore_case("Ehr inbox", cased) == "EHR inbox"
    assert restore_case("Staff and goals", cased) == "Staff and goals"
    assert restore_case("Bingham health centre", cased) == "Bingham health centre"
    # through the labeler: the name and the keywords
    g = PhraseIndex(texts).describe([0, 1, 2])
    assert "SMART" in g.label
    assert any("SMART" in k for k in g.keywords)
    # capital I's inside ordinary words are an artefact of some exports (nhs_phase1 has
    # "receIved" 39 times); an ordinary word is never made a name ("Community Nursing")
    odd = [
        "care receIved was good",
        "the care receIved",
        "vIsItIng hours",
        "vIsItIng times",
        "the Community Nursing team",
        "our Community Nursing service",
    ]
    assert written_case(odd) == {}
    # one shouting respondent does not make a word an acronym
    shout = ["STAFF WERE RUDE", "staff were rude", "rude staff today"]
    assert written_case(shout) == {}


_CASE_WORDS = ["smart", "SMART", "Smart", "ehr", "EHR", "URiM", "urim", "receIved", "Bingham",
               "bingham", "goals", "Staff", "STAFF", "İx", "ΑΣ", "the"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.sampled_from(_CASE_WORDS), st.text(alphabet="aIS. \n-'(", max_size=4)),
            max_size=12,
        ).map(" ".join),
        max_size=8,
    ),
    st.sets(st.sampled_from([w.lower() for w in _CASE_WORDS] + ["none"]), max_size=4),
)
def test_written_case_of_some_words_is_the_whole_answer_for_them(texts, only):
    """The labeler asks only for the words it shows (``only``): the forms are those of the
    full answer, restricted to those words."""
    from autocode.suggest.casing import written_case
    from autocode.suggest.label import ordinary_words

    full = written_case(texts, ordinary_words())
    some = written_case(texts, ordinary_words(), only=only)
    assert some == {w: f for w, f in full.items() if w in only}


def _s(sid: str, label: str, size: int, keywords: list[str], members: list[str]) -> Suggestion:
    return Suggestion(sid, "q", label, keywords, None, size, 0.1, [], members)


def test_shared_names_are_disambiguated_by_the_next_phrase():
    a = _s("S1", "Staff", 10, ["staff", "attitude", "rude"], ["a"])
    b = _s("S2", "Staff", 5, ["staff", "shortage", "more staff"], ["b"])
    c = _s("S3", "Staff and shortage", 3, ["shortage"], ["c"])
    distinct_names([b, a, c], {"a": "x", "b": "y", "c": "Staff and shortage"})
    assert a.label == "Staff"  # the larger keeps it
    assert b.label == "Staff and shortage"  # the next distinctive phrase
    assert c.label != "Staff and shortage"  # taken, and c's own answer's text
    assert len({a.label, b.label, c.label}) == 3


def test_a_shared_name_is_not_extended_by_a_describing_word_or_its_own_word():
    """ "Ward and noise", not "Ward and noisy"; "Caring and support", not "Caring and care"
    (the nhs_phase1 suggestions that read so before)."""
    big = _s("S1", "Ward", 20, ["ward"], ["a"])
    ward = _s("S2", "Ward", 9, ["ward", "noisy", "tidy", "noise"], ["b"])
    caring = _s("S3", "Caring", 8, ["caring"], ["c"])
    caring2 = _s("S4", "Caring", 6, ["caring", "care", "grateful", "support"], ["d"])
    distinct_names([big, ward, caring, caring2], dict.fromkeys("abcd", "x"))
    assert ward.label == "Ward and noise"
    assert caring2.label == "Caring and support"


@pytest.mark.parametrize(
    ("phrase", "names"),
    [
        ("enjoyable", False), ("grateful", False), ("anxious", False), ("pointless", False),
        ("noisy", False), ("right", False), ("appropriate", False), ("lack", False),
        ("timetable", True), ("vegetables", True), ("noise", True), ("cleanliness", True),
        ("waiting times", True),
    ],
)  # fmt: skip
def test_describing_words_do_not_name_a_code(phrase, names):
    from autocode.suggest.naming import noun_like_phrase

    assert noun_like_phrase(phrase) is names


def test_definition_is_written_not_a_keyword_dump():
    s = _s("S1", "Waiting times", 10, ["waiting times", "phone", "appointment"], ["a"])
    s.exemplars = [{"id": "a", "text": "=cmd <script>x</script> long wait on the phone"}]
    n = _s("S2", "Staff attitude", 8, ["staff"], ["b"])
    d = draft_definition(s, [n])
    assert d == {
        "definition": "Answers about waiting times, e.g. “=cmd <script>x</script> long wait on "
        "the phone”.",
        "inclusion": "Answers that mention waiting times, phone or appointment, in any words.",
        "exclusion": "Answers mainly about staff attitude (code them as 'Staff attitude').",
        "draft": True,
    }


def test_inclusion_lists_what_is_said_not_that_something_lacks():
    s = _s("S1", "Promotion", 7, ["promotion", "lack", "recognition", "need", "tenure"], ["a"])
    d = draft_definition(s, [])
    assert d["inclusion"] == "Answers that mention promotion, recognition or tenure, in any words."


def test_suggest_json_and_stored_run_carry_the_definition(example_survey):
    """Through the console script: the JSON document has each suggestion's definition, and
    the stored run gives it back (what review copies into the codebook on accept)."""
    import json
    import subprocess
    import sys

    survey = example_survey
    env_cmd = [sys.executable, "-m", "autocode"]
    r = subprocess.run(
        [*env_cmd, "suggest", str(survey), "--model", "hash", "-p", "p.db", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["suggestions"]
    for s in doc["suggestions"]:
        assert s["definition"]["draft"] is True
        assert s["definition"]["definition"].startswith("Answers ")
    r = subprocess.run(
        [*env_cmd, "accept", doc["suggestions"][0]["id"], "-p", "p.db"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    y = subprocess.run(
        [*env_cmd, "codebook", "export", "-f", "yaml", "-p", "p.db"],
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    assert doc["suggestions"][0]["definition"]["definition"].split("“")[0] in y
    assert "draft: true" in y


def test_frame_order_does_not_matter_for_names():
    df = pd.DataFrame(
        {
            "id": [str(i) for i in range(6)],
            "text": ["Waiting times long", "long waiting times", "waiting times", "a", "b", "c"],
        }
    )
    ix1 = PhraseIndex(df["text"].tolist())
    ix2 = PhraseIndex(df["text"].tolist()[::-1])
    assert ix1.describe([0, 1, 2]).label == ix2.describe([5, 4, 3]).label


@pytest.mark.parametrize(
    ("gap", "first", "opens"),
    [
        ("", True, True),  # the text's first word
        ("  “(", True, True),
        (" ", False, False),  # "the Bingham": inside a sentence
        (", ", False, False),
        (". ", False, True),
        ('! "', False, True),
        (" - ", False, True),  # "Consistency - Meeting"
        ("\n", False, True),
        (" \n  (", False, True),
        ("_", False, False),
    ],
)
def test_a_word_opens_a_sentence_after_an_end_and_spaces_quotes_brackets(gap, first, opens):
    from autocode.suggest.casing import _opens_sentence

    assert _opens_sentence(gap, first) is opens


def test_two_describing_words_name_the_thing_they_describe():
    """ "Clinical and competing" says nothing; members write "clinical demands" and
    "competing demands": "Clinical and competing demands" (the faculty survey's barriers).
    Two words that are mostly things in themselves are not narrowed to a shared third
    ("Appointment and hospital", not "... hospital booking")."""
    from autocode.suggest.naming import _shared_head

    texts = [
        "Clinical demands",
        "Clinical productivity expectations (RVUs) make it impossible",
        "Competing priorities",
        "Time and workload",
        "Time constraints and competing demands (research, admin, clinical)",
        "Time. My clinical schedule leaves almost no room.",
        "Workload",
    ]
    others = [
        "Not enough time in the day",
        "No protected time for mentoring",
        "Time!!",
        "Residents don't reach out",
        "No space for regular meetings",
        "Lack of institutional support",
        "Residents' schedules",
        "Time for meetings is short",
    ]
    g = PhraseIndex(texts + others).describe(range(len(texts)))
    assert g.label == "Clinical and competing demands"

    idx = PhraseIndex(
        [
            "appointment booking was slow",
            "the appointment was late",
            "my appointment",
            "hospital booking lost my letter",
            "the hospital was clean",
            "a big hospital",
        ]
    )
    surfaces: dict = defaultdict(Counter)
    for ph in idx.doc_phrases:
        for key, surf in ph.items():
            surfaces[key][surf] += 1
    assert ("appointment", "book") in surfaces
    assert ("hospital", "book") in surfaces
    assert _shared_head(("appointment",), ("hospital",), surfaces) is None


def test_a_phrase_one_member_wrote_does_not_name_what_most_say():
    """Four barriers, three about time and one saying "The EHR inbox eats every free
    minute" (the faculty survey): the name is about time, not "EHR inbox eats"; "Time"
    alone is one member's whole answer."""
    from autocode.suggest.naming import code_name

    group = [
        "No protected time for mentoring; it all happens after hours",
        "Not enough time in the day",
        "The EHR inbox eats every free minute",
        "Time!!",
    ]
    scored = [
        (1.0, 1, ("ehr", "inbox", "eat")),
        (0.9, 1, ("free", "minute")),
        (0.8, 3, ("time",)),
        (0.5, 1, ("day",)),
    ]
    surfaces = {
        ("ehr", "inbox", "eat"): Counter({"ehr inbox eats": 1}),
        ("free", "minute"): Counter({"free minute": 1}),
        ("time",): Counter({"time": 3}),
        ("day",): Counter({"day": 1}),
    }
    name = code_name(scored, [k for _, _, k in scored], surfaces, group)
    assert name == "Lack of time"  # two of the three that write "time" say it is missing


def test_a_word_a_member_answered_alone_is_named_by_a_phrase_holding_it():
    """The bundled example: one respondent answered just "Staff", so "Staff" cannot name
    the group of 47 answers about staff; "Friendly staff" (a phrase of the group) does,
    before the fallback "Mentions of staff"."""
    from autocode.suggest.naming import code_name

    members = ["Staff", "Friendly staff at medical hatch.", "Very friendly staff.", "Staff nice."]
    scored = [
        (1.0, 10, ("staff",)),  # friendly in fewer than half: no "A and B" search
        (0.6, 2, ("friendly",)),
        (0.3, 2, ("friendly", "staff")),
        (0.2, 1, ("nice",)),
    ]
    surfaces = {
        ("staff",): Counter({"staff": 4}),
        ("friendly",): Counter({"friendly": 2}),
        ("friendly", "staff"): Counter({"friendly staff": 2}),
        ("nice",): Counter({"nice": 1}),
    }
    used = [("staff",), ("friendly",), ("nice",)]
    assert code_name(scored, used, surfaces, members) == "Friendly staff"


def test_the_questions_own_words_do_not_name_a_group():
    """A barriers question on mentoring residents: a group of answers about residents'
    schedules and meetings is named by what they say ("Meetings …"), not "Residents" (the
    issue's "Residents" catch-all); judgements keep their own rule ("Positive
    experience" for "good" answers to "What was good?")."""
    from autocode.suggest.naming import code_name

    members = [
        "Duty hours and resident call schedules make meetings hard to coordinate",
        "Residents' schedules - they rotate off service and I never see them",
        "No space or structure for regular meetings",
        "Residents don't reach out; it feels one-sided",
        "Virtual meetings feel less personal and residents are less engaged",
    ]
    scored = [
        (1.0, 4, ("resident",)),
        (0.8, 3, ("meeting",)),
        (0.5, 2, ("schedule",)),
        (0.3, 1, ("space",)),
    ]
    surfaces = {
        ("resident",): Counter({"residents": 3, "resident": 1}),
        ("meeting",): Counter({"meetings": 3}),
        ("schedule",): Counter({"schedules": 2}),
        ("space",): Counter({"space": 1}),
    }
    used = [k for _, _, k in scored]
    question = "What barriers limit your ability to mentor, advise or coach residents?"
    assert code_name(scored, used, surfaces, members).startswith("Resident")
    named = code_name(scored, used, surfaces, members, topic=question)
    assert named.startswith("Meeting")
    assert "esident" not in named
    # a raw export's variable name says as much ("mentor_barriers": "Mentoring" names nothing)
    scored2 = [(1.0, 5, ("mentoring",)), (0.5, 2, ("promotion",))]
    surfaces2 = {
        ("mentoring",): Counter({"mentoring": 5}),
        ("promotion",): Counter({"promotion": 2}),
    }
    texts2 = ["Mentoring doesn't count toward promotion", "Mentoring is invisible work"]
    used2 = [k for _, _, k in scored2]
    assert code_name(scored2, used2, surfaces2, texts2, topic="mentor barriers") == "Promotion"
    good = [(1.0, 5, ("good",)), (0.4, 2, ("stay",))]
    gsurf = {("good",): Counter({"good": 5}), ("stay",): Counter({"stay": 2})}
    gtexts = ["Good", "It was good", "good stay", "Very good", "All good, nice stay"]
    assert code_name(
        good, [k for _, _, k in good], gsurf, gtexts, topic="What was good?"
    ) == code_name(good, [k for _, _, k in good], gsurf, gtexts)


def test_a_question_is_worded_by_its_label_or_its_column():
    from types import SimpleNamespace

    from autocode.suggest.run import _wording

    rs = SimpleNamespace(question_labels={"q2": "What barriers limit you?"})
    assert _wording(rs, ["q2", "mentor_barriers"]) == {
        "q2": "What barriers limit you?",
        "mentor_barriers": "mentor barriers",
    }
    assert _wording(SimpleNamespace(), ["What training would help you?"]) == {
        "What training would help you?": "What training would help you?"
    }


@pytest.mark.parametrize(
    ("seen", "name"),
    [
        ({"residents": 4, "resident": 1}, "Residents"),  # as most members write it
        ({"food": 5, "foods": 1}, "Food"),
        ({"parents": 2, "parent": 1}, "Parent"),  # the lemma: half as many uses as the top form
        ({"sessions": 3}, "Sessions"),
    ],
)
def test_a_word_is_shown_as_most_members_write_it(seen, name):
    from autocode.suggest.naming import code_name

    lemma = min(seen, key=len)
    key = (lemma.rstrip("s") if lemma.endswith("s") else lemma,)
    scored = [(1.0, sum(seen.values()), key)]
    texts = [f"the {w} here" for w, c in seen.items() for _ in range(c)]
    assert code_name(scored, [key], {key: Counter(seen)}, texts) == name


def test_questions_clustered_together_share_what_they_all_ask_about():
    from autocode.suggest.naming import shared_words

    assert shared_words(["mentor skills", "mentor barriers", "mentor training"]) == "mentor"
    assert shared_words(["What is mentoring?", "Barriers to mentors"]) == "mentoring"
    assert shared_words(["Food", "Parking"]) == ""
    assert shared_words([]) == ""
