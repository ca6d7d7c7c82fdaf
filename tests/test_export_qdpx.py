"""`autocode export qdpx`: a REFI-QDA project whose project.qde validates against the
REFI-QDA Project.xsd and carries sources, cases, variables, codebook, users and codings."""

from __future__ import annotations

import re
import zipfile
from importlib.resources import files

import pytest
from _report_project import build_example, example_frames
from lxml import etree

from autocode.cli import main
from autocode.export.qdpx import validate_qde

XSD = files("autocode") / "data" / "refi-qda" / "Project.xsd"  # the packaged schema
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp("qdpx")
    p = build_example(d / "study.db", second_human=True, machine=True)
    out = d / "study.qdpx"
    assert main(["export", "qdpx", "-p", str(p), "-o", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        xml = z.read("project.qde")
        files = {n: z.read(n).decode("utf-8") for n in z.namelist() if n != "project.qde"}
    return p, out, xml, files


def test_validates_against_refi_qda_schema(exported):
    _, _, xml, _ = exported
    assert validate_qde(xml, XSD) == []
    import xmlschema

    xmlschema.XMLSchema(str(XSD)).validate(xml.decode("utf-8"))  # a second, independent validator


def test_the_validator_rejects_a_broken_project(exported):
    _, _, xml, _ = exported
    broken = xml.replace(b'isCodable="true"', b"", 1)
    assert validate_qde(broken, XSD)
    bad_guid = re.sub(rb'guid="[0-9a-f-]{36}"', b'guid="not-a-guid"', xml, count=1)
    assert validate_qde(bad_guid, XSD)


def test_contents(exported):
    _, _, xml, files = exported
    root = etree.fromstring(xml)
    users = {u.get("name"): u.get("guid") for u in root.findall("q:Users/q:User", NS)}
    assert set(users) == {"coder_a", "coder_b", "autocode (machine)"}
    # codebook: themes are non-codable parents of the codes
    _, _, codings, cb = example_frames()
    themes = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    assert {t.get("name") for t in themes if t.get("isCodable") == "false"} == set(cb["parent"]) - {
        ""
    }
    all_codes = {
        c.get("name")
        for c in root.iter("{urn:QDA-XML:project:1.0}Code")
        if c.get("isCodable") == "true"
    }
    assert all_codes == set(cb["name"])
    # cases with attributes as variables
    variables = {
        v.get("name"): v.get("typeOfVariable") for v in root.findall("q:Variables/q:Variable", NS)
    }
    assert variables == {"service": "Text", "fft_score": "Integer"}
    cases = root.findall("q:Cases/q:Case", NS)
    assert len(cases) == 250
    assert sum(len(c.findall("q:SourceRef", NS)) for c in cases) == 407
    # sources: one per response, text stored in the zip, selection spans the answer
    sources = root.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == 407 == len(files)
    responses, _, _, _ = example_frames()
    # characters XML 1.0 cannot hold (vertical tabs in the example) become spaces
    texts = {re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", " ", t) for t in responses["text"]}
    for s in sources:
        path = s.get("plainTextPath")
        assert path.startswith("internal://")
        text = files["sources/" + path[len("internal://") :]]
        assert text in texts
        for sel in s.findall("q:PlainTextSelection", NS):
            assert int(sel.get("startPosition")) == 0
            assert int(sel.get("endPosition")) == len(text)
    # codings: the human ones all there, by their user; rejected machine ones left out
    by_user = {}
    for c in root.iter("{urn:QDA-XML:project:1.0}Coding"):
        by_user[c.get("creatingUser")] = by_user.get(c.get("creatingUser"), 0) + 1
    assert by_user[users["coder_a"]] == len(codings)
    with __import__("sqlite3").connect(exported[0]) as con:
        n_machine = con.execute(
            "SELECT COUNT(*) FROM codings WHERE source='machine' AND present = 1"
        ).fetchone()[0]
    assert by_user[users["autocode (machine)"]] == n_machine
    sets = {s.get("name") for s in root.findall("q:Sets/q:Set", NS)}
    assert {
        "Machine codings: needs_review",
        "Machine codings: coded",
    } <= sets
    assert "Machine codings: absent" not in sets


def test_guids_are_stable(exported, tmp_path):
    p, _, xml, _ = exported
    out = tmp_path / "again.qdpx"
    assert main(["export", "qdpx", "-p", str(p), "-o", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        again = z.read("project.qde")

    def strip(b: bytes) -> bytes:
        return re.sub(rb'(creationDateTime)="[^"]+"', b"", b)

    assert strip(again) == strip(xml)


def test_question_and_json(exported, tmp_path, capsys):
    import json

    p = exported[0]
    out = tmp_path / "q.qdpx"
    capsys.readouterr()
    assert (
        main(["export", "qdpx", "-p", str(p), "-o", str(out), "-q", "what_was_good", "--json"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["sources"] == 222
    with zipfile.ZipFile(out) as z:
        assert validate_qde(z.read("project.qde"), XSD) == []
