"""Codebook file formats: REFI-QDA .qdc (XSD-valid, round trip), YAML and CSV."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest

from autocode.codebook import Code, Codebook, Theme, csv_io, dumps, load, qdc, read_file, yaml_io
from autocode.errors import InputError

DATA = Path(__file__).parent / "data" / "codebook"
XSD = importlib.resources.files("autocode") / "data" / "refi-qda" / "Codebook.xsd"
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"


@pytest.fixture(scope="module")
def schema():
    import xmlschema  # a test dependency: a missing install fails, not skips

    return xmlschema.XMLSchema(str(XSD))


def _canon(data: bytes):
    """The content of a .qdc that the standard defines: elements, attributes, descriptions."""
    from lxml import etree

    def rec(el):
        local = etree.QName(el).localname
        attrs = tuple(sorted((k, v) for k, v in el.attrib.items() if not k.startswith(XSI)))
        text = el.text if local == "Description" else None
        return (local, attrs, text, tuple(rec(c) for c in el if isinstance(c.tag, str)))

    return rec(etree.fromstring(data))


def test_export_validates_against_the_xsd(schema):
    cb = load(DATA / "sample.qdc")
    schema.validate(dumps(cb, "qdc").decode("utf-8"))
    example = importlib.resources.files("autocode") / "data" / "example_codebook.csv"
    schema.validate(dumps(load(str(example)), "qdc").decode("utf-8"))


def test_sample_is_valid_and_is_read_faithfully(schema):
    schema.validate(str(DATA / "sample.qdc"))
    cb = load(DATA / "sample.qdc")
    assert [t.name for t in cb.themes] == ["Barrières", "Facilitators"]
    assert cb.themes[1].codable is True  # a codable parent stays codable
    assert [c.name for c in cb.loose] == ["Other ✨"]
    time = cb.code("manque de temps protégé")
    assert time.definition == "No protected time for mentoring."
    assert time.inclusion == "mentions of rota, schedule, workload"
    assert time.exclusion == "money"
    assert time.colour == "#4477AA"
    assert [c.name for c in time.codes] == ["Gardes de nuit 🌙"]
    night = cb.code("Gardes de nuit 🌙")
    assert night.theme == "Barrières"
    assert night.parent == "Manque de temps protégé"
    assert night.guid == "{1A2B3C4D-0000-4000-8000-000000000002}"
    assert cb.code("資金不足").definition == "資金が足りない — funding is lacking."
    assert cb.code("Supportive leadership").definition == "  Leaders who   make room.  "
    assert cb.sets[0].name == "Structural"
    assert cb.sets[0].members == [
        "1a2b3c4d-0000-4000-8000-000000000001",
        "1a2b3c4d-0000-4000-8000-000000000003",
    ]
    assert cb.origin == "QualCoder 3.5"
    assert [c.name for c in cb.codes] == [
        "Manque de temps protégé",
        "Gardes de nuit 🌙",
        "資金不足",
        "Supportive leadership",
        "Other ✨",
    ]


def test_round_trip_qdc_yaml_qdc_keeps_everything(tmp_path, schema):
    original = (DATA / "sample.qdc").read_bytes()
    first = dumps(load(DATA / "sample.qdc"), "qdc")
    assert _canon(first) == _canon(original)
    y = tmp_path / "cb.yaml"
    y.write_text(dumps(load(DATA / "sample.qdc"), "yaml"), encoding="utf-8")
    text = y.read_text(encoding="utf-8")
    assert "Gardes de nuit 🌙" in text
    assert "資金不足" in text
    again = dumps(load(y), "qdc")
    assert again == first  # byte for byte
    schema.validate(again.decode("utf-8"))
    q = tmp_path / "sample.qdc"  # .qdc holds no name: it comes from the file name
    q.write_bytes(again)
    assert dumps(load(q), "yaml") == text


def test_older_schema_location_and_namespace_are_accepted():
    cb = load(DATA / "old_schema_0_4.qdc")
    assert [c.name for c in cb.codes] == ["Workload", "Recognition"]
    assert cb.code("Workload").colour == "#112233"
    cb = load(DATA / "old_namespace_0_4.qdc")
    assert [c.name for c in cb.codes] == ["Time"]


def test_codebook_inside_a_project_file():
    data = (
        b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
        b'<CodeBook><Codes><Code guid="5e1f0d2c-1111-4222-8333-444455556666" name="A" '
        b'isCodable="true"><Description>d</Description></Code></Codes></CodeBook></Project>'
    )
    cb = qdc.loads(data).finalize()
    assert cb.code("A").definition == "d"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ((DATA / "malformed.qdc").read_bytes(), "not well-formed XML"),
        (b"<html><body/></html>", "not a REFI-QDA codebook"),
        (b'<x:Foo xmlns:x="urn:other"/>', "not a REFI-QDA codebook"),
        (
            (
                b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="nope" name="A" '
                b'isCodable="true"/></Codes></CodeBook>'
            ),
            "invalid GUID",
        ),
        (
            (
                b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="5e1f0d2c-1111-'
                b'4222-8333-444455556666" name="A" isCodable="true"/><Code guid="5e1f0d2c-1111-'
                b'4222-8333-444455556667" name="a" isCodable="true"/></Codes></CodeBook>'
            ),
            "duplicate code name",
        ),
        (
            (
                b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="5e1f0d2c-1111-4222-'
                b'8333-444455556666" name="A" isCodable="true" color="red"/></Codes></CodeBook>'
            ),
            "invalid colour",
        ),
    ],
)
def test_bad_qdc_is_one_clear_error(data, match):
    with pytest.raises(InputError, match=match):
        qdc.loads(data).finalize()


def test_xml_entities_are_not_expanded():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="5e1f0d2c-1111-4222-'
        b'8333-444455556666" name="A" isCodable="true"><Description>&x;</Description></Code>'
        b"</Codes></CodeBook>"
    )
    cb = qdc.loads(data).finalize()
    assert "root:" not in cb.code("A").definition


def test_guids_are_deterministic_and_kept():
    a = load(DATA / "barriers.csv")
    b = load(DATA / "barriers.csv")
    assert [c.guid for c in a.codes] == [c.guid for c in b.codes]
    assert dumps(a, "qdc") == dumps(b, "qdc")
    # an explicit GUID survives a rename
    a.code("Funding").name = "Money"
    assert a.code("Money").guid == b.code("Funding").guid


def test_csv_import_builds_themes_and_subcodes(tmp_path):
    cb = load(DATA / "barriers.csv")
    assert [t.name for t in cb.themes] == ["Barriers", "Facilitators"]
    assert cb.code("Night shifts").parent == "Lack of protected time"
    assert cb.code("Night shifts").theme == "Barriers"
    assert cb.code("Other").theme is None
    out = tmp_path / "out.csv"
    out.write_text(dumps(cb, "csv"), encoding="utf-8")
    back = load(out)
    assert dumps(back, "qdc") == dumps(cb, "qdc")


def test_bundled_example_codebook_csv():
    example = importlib.resources.files("autocode") / "data" / "example_codebook.csv"
    cb = load(str(example))
    assert len(cb.codes) == 37
    assert sum(bool(c.definition) for c in cb.codes) == 36  # "Admission" has none
    assert {c.theme for c in cb.codes} >= {"Staff", "General", "Communication & involvement"}


def test_yaml_duplicate_code_name_is_an_error():
    with pytest.raises(InputError, match="duplicate code name 'lack of  time'"):
        load(DATA / "duplicate_code.yaml")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("themes: [\n  - name: a\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("themes:\n  - name: A\n    name: B\n", "repeats the key 'name'"),
        ("themes:\n  - codes:\n      - name: x\n", "theme without a name"),
        ("autocode_codebook: 9\n", "schema 9"),
        ("exclusive: maybe\n", "true or false"),
        ("codes:\n  - name: A\nsets:\n  - name: S\n    codes: [Nope]\n", "unknown code 'Nope'"),
    ],
)
def test_bad_yaml_is_one_clear_error(text, match):
    with pytest.raises(InputError, match=match):
        yaml_io.loads(text).finalize()


def test_yaml_round_trip_keeps_autocode_fields():
    cb = Codebook(
        name="mentoring",
        exclusive=True,
        themes=[
            Theme(
                name="Barriers",
                description="What gets in the way",
                codes=[
                    Code(
                        name="Lack of time",
                        definition="No protected time",
                        inclusion="rota",
                        exclusion="money",
                        provenance={"run": "suggest-2", "suggestions": ["S3"]},
                    ),
                ],
            )
        ],
        loose=[Code(name="Ñandú 🐦", definition="línea 1\nlínea 2")],
    )
    text = yaml_io.dumps(cb)
    back = yaml_io.loads(text).finalize()
    assert back.exclusive is True
    assert back.to_dict() == cb.finalize().to_dict()
    assert back.code("Lack of time").provenance == {"run": "suggest-2", "suggestions": ["S3"]}
    assert back.code("ñandú 🐦").definition == "línea 1\nlínea 2"


def test_wrong_file_type(tmp_path):
    p = tmp_path / "codes.docx"
    p.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match=r"unknown codebook file type '\.docx'"):
        read_file(p)
    with pytest.raises(InputError, match="no such file"):
        read_file(tmp_path / "missing.yaml")


def test_csv_errors(tmp_path):
    with pytest.raises(InputError, match="no 'name' column"):
        csv_io.loads("label,description\nA,b\n")
    with pytest.raises(InputError, match="duplicate code name"):
        csv_io.loads("name,parent\nA,T\na,U\n")
    with pytest.raises(InputError, match="empty"):
        csv_io.loads("")
    with pytest.raises(InputError, match="cycle"):
        csv_io.loads("name,parent\nA,B\nB,A\nC,T\n")


def test_empty_codebook_cannot_be_exported_as_qdc():
    with pytest.raises(InputError, match="no codes"):
        dumps(Codebook(), "qdc")


def test_codebook_from_a_qdpx_project_archive(tmp_path):
    import zipfile

    qde = (
        '<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
        'name="p"><CodeBook><Codes><Code guid="5e1f0d2c-1111-4222-8333-444455556666" '
        'name="Zeitmangel ⏰" isCodable="true"><Description>kein Zeit</Description></Code>'
        "</Codes></CodeBook><Sources/></Project>"
    )
    p = tmp_path / "study.qdpx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("project.qde", qde.encode("utf-8"))
    cb = load(p)
    assert cb.name == "study"
    assert cb.code("Zeitmangel ⏰").definition == "kein Zeit"
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"not a \.qdpx archive"):
        load(bad)
