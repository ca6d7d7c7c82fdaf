"""Reading human seed codings: long, wide, coding sheets; bad files get clear errors."""

from __future__ import annotations

import pytest

from autocode.classify.seeds import read_seeds
from autocode.errors import InputError


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_long(tmp_path):
    s = read_seeds(write(tmp_path, "l.csv", "id,code\nr1,A\nr1,B\nr2,A\nr3,\n"))
    assert s.ids == ["r1", "r2", "r3"]  # r3: coded, no code
    assert sorted(map(tuple, s.pairs.values.tolist())) == [("r1", "A"), ("r1", "B"), ("r2", "A")]
    Y = s.matrix(["r1", "r2", "r3"], ["A", "B"])
    assert Y.tolist() == [[1, 1], [1, 0], [0, 0]]


def test_wide_sheet_skips_blank_rows(tmp_path):
    s = read_seeds(
        write(tmp_path, "w.csv", "id,question,text,A,B\nr1,q,hello,1,\nr2,q,bye,,\nr3,q,x,0,0\n")
    )
    assert s.ids == ["r1", "r3"]
    assert s.pairs.values.tolist() == [["r1", "A"]]


def test_digest_ignores_row_order(tmp_path):
    a = read_seeds(write(tmp_path, "a.csv", "id,code\nr1,A\nr2,B\n"))
    b = read_seeds(write(tmp_path, "b.csv", "id,code\nr2,B\nr1,A\n"))
    assert a.digest() == b.digest()


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("x,y\n1,2\n", "no id column"),
        ("id,A\nr1,maybe\n", "has 'maybe' in column 'A'"),
        ("id\nr1\n", "no codes"),
    ],
)
def test_bad_files(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        read_seeds(write(tmp_path, "bad.csv", text))


def test_wide_answer_on_two_rows_is_refused_once_matched(tmp_path):
    import pandas as pd

    from autocode.codebook import load

    book = load(write(tmp_path, "b.yaml", "codes:\n  - name: A\n"))
    answers = pd.DataFrame({"id": ["r1"], "respondent": ["r1"], "question": ["q"]})
    with pytest.raises(InputError, match="again"):
        read_seeds(write(tmp_path, "w.csv", "id,A\nr1,1\nr1,0\n"), answers, codebook=book)
