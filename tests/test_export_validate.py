"""`--validate`: REFI-QDA exports checked against the XSDs shipped in the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib.resources import as_file, files

import pytest
from _report_project import build_example
from lxml import etree

from autocode.cli import main
from autocode.errors import InputError
from autocode.export import validate as V

XSD_NS = "{http://www.w3.org/2001/XMLSchema}"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return build_example(tmp_path_factory.mktemp("v") / "study.db", second_human=True)


def test_the_package_ships_both_refi_qda_schemas_with_their_licence():
    folder = files("autocode") / "data" / "refi-qda"
    assert "MIT" in (folder / "NOTICE.md").read_text(encoding="utf-8")
    for kind, (name, ns) in V.SCHEMAS.items():
        with as_file(V.schema_file(kind)) as path:
            root = etree.parse(str(path)).getroot()
        assert root.tag == f"{XSD_NS}schema"
        assert root.get("targetNamespace") == ns
        assert root.get("version") == "1.0"
        assert "Copyright 2019 REFI" in (folder / name).read_text(encoding="utf-8")


def test_export_qdpx_validate_through_the_entry_point(project, tmp_path):
    out = tmp_path / "study.qdpx"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "autocode",
            "export",
            "qdpx",
            "-p",
            str(project),
            "-o",
            str(out),
            "--validate",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    line = f"valid: {out} conforms to the REFI-QDA schema Project.xsd (urn:QDA-XML:project:1.0)"
    assert line in " ".join(proc.stdout.split())  # rich may wrap the line
    with zipfile.ZipFile(out) as z:  # the packaged schema agrees with an independent check
        xml = z.read("project.qde")
    assert V.schema_errors(xml, "project") == []


def test_an_invalid_qdpx_is_reported_in_one_line_with_exit_2(
    project, tmp_path, capsys, monkeypatch
):
    from autocode.export import qdpx

    real = qdpx.build_qde

    def broken(*a, **k):
        xml, files_ = real(*a, **k)
        return xml.replace(b'isCodable="true"', b"", 1), files_

    monkeypatch.setattr(qdpx, "build_qde", broken)
    out = tmp_path / "broken.qdpx"
    rc = main(["export", "qdpx", "-p", str(project), "-o", str(out), "--validate"])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith(f"error: project.qde in {out} is not valid REFI-QDA (Project.xsd): line ")
    assert "isCodable" in err
    assert len(err.splitlines()) == 1
    assert out.exists()  # written as is, for a bug report
    assert main(["export", "qdpx", "-p", str(project), "-o", str(out)]) == 0  # no check asked


def test_codebook_export_qdc_validate_to_a_file_and_to_stdout(project, tmp_path, capsys):
    out = tmp_path / "cb.qdc"
    assert main(["codebook", "export", "-p", str(project), "-o", str(out), "--validate"]) == 0
    err = capsys.readouterr().err
    assert f"valid: {out} conforms to the REFI-QDA schema Codebook.xsd" in " ".join(err.split())
    assert V.schema_errors(out.read_bytes(), "codebook") == []
    assert main(["codebook", "export", "-p", str(project), "-f", "qdc", "--validate"]) == 0
    cap = capsys.readouterr()
    assert etree.fromstring(cap.out.encode("utf-8")).tag.endswith("CodeBook")
    assert "valid: the exported codebook conforms" in cap.err


def test_validate_needs_the_qdc_format(project, tmp_path, capsys):
    rc = main(["codebook", "export", "-p", str(project), "-f", "yaml", "--validate"])
    assert rc == 2
    assert "--validate checks REFI-QDA .qdc files, not yaml" in capsys.readouterr().err


def test_an_invalid_qdc_exits_2(project, tmp_path, capsys, monkeypatch):
    import autocode.codebook as cbmod

    real = cbmod.dumps
    monkeypatch.setattr(
        cbmod, "dumps", lambda cb, fmt: real(cb, fmt).replace(b'isCodable="true"', b"", 1)
    )
    out = tmp_path / "bad.qdc"
    assert main(["codebook", "export", "-p", str(project), "-o", str(out), "--validate"]) == 2
    err = capsys.readouterr().err
    assert f"error: {out} is not valid REFI-QDA (Codebook.xsd): line " in err


def test_schema_messages_hide_values_that_could_be_data():
    xml = (
        b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        b'<Code guid="my answer was private" name="x" isCodable="true"/></Codes></CodeBook>'
    )
    (error,) = V.schema_errors(xml, "codebook")
    assert error.startswith("line 1: ")
    assert "guid" in error
    assert "private" not in error
    assert "'…'" in error
    assert V.schema_errors(b"<CodeBook", "codebook")[0].startswith("line 1: not well-formed")


def test_validate_file_refuses_what_is_not_a_qdpx(tmp_path):
    p = tmp_path / "x.qdpx"
    p.write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"cannot read .* as a \.qdpx zip"):
        V.validate_file(p, "project")
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("other.txt", "x")
    with pytest.raises(InputError, match=r"has no project\.qde"):
        V.validate_file(p, "project")
