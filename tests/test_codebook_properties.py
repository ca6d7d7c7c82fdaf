"""Property tests: any codebook survives .qdc and YAML round trips exactly."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autocode.codebook import Code, Codebook, Theme, qdc, yaml_io
from autocode.errors import InputError

# XML 1.0 can hold tab, CR, LF and everything from U+0020 except surrogates and U+FFFE/F
_XML_CHARS = st.characters(
    blacklist_categories=("Cs",),
    blacklist_characters="\ufffe\uffff",
    min_codepoint=0x09,
).filter(lambda c: c in "\t\n\r" or ord(c) >= 0x20)
text = st.text(_XML_CHARS, max_size=40)
name = st.text(_XML_CHARS, min_size=1, max_size=20).filter(lambda s: s.strip())


@st.composite
def codebooks(draw):
    names = draw(
        st.lists(name, min_size=1, max_size=8, unique_by=lambda s: " ".join(s.split()).casefold())
    )
    theme_names = draw(
        st.lists(name, max_size=3, unique_by=lambda s: " ".join(s.split()).casefold())
    )
    themes = [Theme(name=t, description=draw(text)) for t in theme_names]
    loose = []
    for n in names:
        code = Code(name=n, definition=draw(text), inclusion=draw(text), exclusion=draw(text))
        home = draw(st.integers(-1, len(themes) - 1))
        (themes[home].codes if home >= 0 else loose).append(code)
    themes = [t for t in themes if t.codes]
    if not themes and not loose:
        loose = [Code(name="x")]
    return Codebook(themes=themes, loose=loose, name="cb")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codebooks())
def test_qdc_and_yaml_round_trips(cb):
    cb = cb.finalize()
    data = qdc.dumps(cb)
    back = qdc.loads(data, where="cb.qdc").finalize()
    assert qdc.dumps(back) == data
    # everything the standard holds survives, field by field
    assert [(c.name, c.description, c.guid) for c in back.all_codes()] == [
        (c.name, c.description, c.guid) for c in cb.all_codes()
    ]
    assert [(t.name, t.description, t.guid) for t in back.themes] == [
        (t.name, t.description, t.guid) for t in cb.themes
    ]
    y = yaml_io.dumps(back)
    again = yaml_io.loads(y).finalize()
    assert qdc.dumps(again) == data
    assert again.to_dict() == back.to_dict()


def test_characters_xml_cannot_hold_are_a_clear_error():
    cb = Codebook(loose=[Code(name="Bad\x0bname")])
    with pytest.raises(InputError, match="U\\+000B"):
        qdc.dumps(cb)
