"""autocode.io: properties — texts survive any encoding exactly; row order never matters."""

from __future__ import annotations

import csv
import io
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocode.io import read_responses

_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789") + list(",;\t\"'.!?-\n") + list("éïüß€“”’–…")
)
_TEXT = st.text(_ALPHABET, min_size=0, max_size=60)


def _write(rows, header, encoding, delimiter) -> bytes:
    out = io.StringIO(newline="")
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode(encoding)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    answers=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=25),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
    seed=st.integers(0, 10_000),
)
def test_texts_survive_and_order_does_not_matter(tmp_path, answers, encoding, delimiter, seed):
    header = ["respondent_id", "q1", "q2"]
    rows = [[f"R{i}", a, b] for i, (a, b) in enumerate(answers, start=1)]
    if not any((a + b).strip() for _, a, b in rows):
        rows[0][1] = "At least one real answer."
    p1 = tmp_path / f"a_{seed}.csv"
    p1.write_bytes(_write(rows, header, encoding, delimiter))
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    p2 = tmp_path / f"b_{seed}.csv"
    p2.write_bytes(_write(shuffled, header, encoding, delimiter))

    kw = {"text": ["q1", "q2"], "id": "respondent_id"}
    a = read_responses(p1, **kw)
    b = read_responses(p2, **kw)
    assert a.content_hash == b.content_hash
    assert a.responses.equals(b.responses)

    expected = {}
    for rid, q1, q2 in rows:
        for q, t in (("q1", q1), ("q2", q2)):
            t = t.replace("\r\n", "\n").replace("\r", "\n").strip()
            if t:
                expected[f"{rid}:{q}"] = t
    got = dict(zip(a.responses["id"], a.responses["text"]))
    assert got == expected
    assert sum(a.blanks.values()) == 2 * len(rows) - len(expected)
