"""The codebook model: deterministic GUIDs, validation, navigation, diff and reconcile."""

from __future__ import annotations

import uuid

import pytest

from autocode.codebook import Code, Codebook, Theme, path_guid
from autocode.codebook.diff import diff, reconcile, render
from autocode.codebook.model import THEME_MARK, join_description, palette_colour, split_description
from autocode.errors import InputError


def book() -> Codebook:
    return Codebook(
        themes=[
            Theme(
                name="Barriers",
                codes=[
                    Code(name="Time", definition="no time", codes=[Code(name="Nights")]),
                    Code(name="Money", definition="no money"),
                ],
            ),
        ],
        loose=[Code(name="Other")],
    )


def test_guids_are_uuid5_of_the_path_and_stable():
    a, b = book().finalize(), book().finalize()
    assert [c.guid for c in a.all_codes()] == [c.guid for c in b.all_codes()]
    assert a.code("Nights").guid == path_guid(["Barriers", "Time", "Nights"])
    assert uuid.UUID(a.code("Other").guid).version == 5
    assert a.themes[0].guid == path_guid([THEME_MARK, "Barriers"])
    assert len({c.guid for c in a.all_codes()} | {a.themes[0].guid}) == 5


def test_a_theme_and_a_code_of_the_same_name_get_different_guids():
    cb = Codebook(themes=[Theme(name="Staff", codes=[Code(name="Kind")])], loose=[Code("Staff")])
    cb.finalize()
    assert cb.themes[0].guid != cb.code("Staff").guid


def test_navigation():
    cb = book().finalize()
    assert [c.name for c in cb.codes] == ["Time", "Nights", "Money", "Other"]
    nights = cb.code("  NIGHTS ")
    assert (nights.theme, nights.parent) == ("Barriers", "Time")
    assert (cb.code("Time").theme, cb.code("Time").parent) == ("Barriers", "Barriers")
    assert (cb.code("Other").theme, cb.code("Other").parent) == (None, None)
    assert cb.theme("barriers") is cb.themes[0]
    cb.code("Money").codable = False
    assert "Money" not in [c.name for c in cb.codes]
    assert "Money" in [c.name for c in cb.all_codes()]


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda cb: cb.loose.append(Code(name="time ")), "duplicate code name 'time '"),
        (lambda cb: cb.themes.append(Theme(name="BARRIERS")), "two themes named"),
        (lambda cb: cb.loose.append(Code(name="  ")), "code without a name"),
        (lambda cb: setattr(cb.loose[0], "guid", "123"), "invalid GUID"),
        (lambda cb: setattr(cb.loose[0], "colour", "blue"), "invalid colour"),
        (
            lambda cb: (
                setattr(cb.loose[0], "guid", path_guid(["x"])),
                setattr(cb.code("Money"), "guid", path_guid(["x"])),
            ),
            "GUID .* twice",
        ),
    ],
)
def test_validation(mutate, match):
    cb = book()
    mutate(cb)
    with pytest.raises(InputError, match=match):
        cb.finalize()


def test_description_join_and_split_are_inverse():
    for parts in [("d", "", ""), ("d", "i", ""), ("d", "", "e"), ("d\n\nmore", "i\nj", "e")]:
        assert split_description(join_description(*parts)) == parts
    odd = "x\n\nExclusion: a\n\nInclusion: b"
    assert join_description(*split_description(odd)) == odd
    assert split_description("x\n\nInclusion: ") == ("x\n\nInclusion: ", "", "")


def test_palette_colour_is_stable():
    g = path_guid(["A"])
    assert palette_colour(g) == palette_colour(g.upper()) == palette_colour("{" + g + "}")


def test_diff_matches_by_guid_then_name():
    old = book().finalize()
    new = book().finalize()
    new.code("Money").name = "Funding"  # same GUID: a rename
    new.code("Time").definition = "no protected time"
    nights = new.code("Nights")
    new.code("Time").codes.remove(nights)
    new.loose.append(nights)  # moved
    new.loose.append(Code(name="Leadership"))
    new.loose.remove(new.code("Other"))
    new.exclusive = True
    lines = render(diff(old, new.finalize()))
    assert "~ setting 'exclusive': False → True" in lines
    assert "~ code 'Money': renamed to 'Funding'" in lines
    assert "~ code 'Time': definition changed" in lines
    assert "~ code 'Nights': moved from Time to (top)" in lines
    assert "+ code 'Leadership'" in lines
    assert "- code 'Other'" in lines
    assert diff(old, book().finalize()) == []


def test_reconcile_inherits_guids_by_name_and_keeps_extras():
    from autocode.codebook import Example

    current = book().finalize()
    current.code("Time").examples = [Example("r1", "no time at all")]
    current.code("Time").provenance = {"run": "suggest-1", "suggestions": ["S1"]}
    edited = book()  # no GUIDs, as if typed by hand
    edited.code("Time").name = "Time pressure"  # unmatched by name: new GUID
    edited.themes[0].codes.append(Code(name="Nights2"))
    out = reconcile(current, edited, keep_extras=True)
    assert out.code("Money").guid == current.code("Money").guid
    assert out.code("Time pressure").guid != current.code("Time").guid
    assert out.code("Nights").guid == current.code("Nights").guid
    cur2 = book().finalize()
    cur2.code("Money").examples = [Example("r2", "x")]
    again = reconcile(cur2, book(), keep_extras=True)
    assert again.code("Money").examples == [Example("r2", "x")]
    assert reconcile(cur2, book(), keep_extras=False).code("Money").examples == []
