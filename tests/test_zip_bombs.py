"""Archives are inflated with a size cap: a small `.qdpx` whose project.qde inflates to
hundreds of megabytes, an `.xlsx` whose sheet inflates past a gigabyte, a `.csv.gz` bomb and
a saved coder whose weights are a bomb are refused with one line, before they fill the
memory (issue 11, section 3). The bombs are generated here, small on disk."""

from __future__ import annotations

import gzip
import hashlib
import importlib.resources
import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
from _report_project import build_example

from autocode import files as files_mod
from autocode.cli import main
from autocode.errors import InputError

DATA = importlib.resources.files("autocode") / "data"
MiB = 1024**2


def zip_bomb(path: Path, member: str, size: int, head: bytes = b"", extra=()) -> Path:
    """A zip whose ``member`` inflates to ``size`` bytes (``head`` then zeros)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in extra:
            z.writestr(name, data)
        with z.open(member, "w", force_zip64=True) as fh:
            fh.write(head)
            left, chunk = size - len(head), b"\0" * MiB
            while left > 0:
                fh.write(chunk[: min(left, MiB)])
                left -= MiB
    return path


@pytest.fixture(scope="module")
def xlsx_bomb(tmp_path_factory) -> Path:
    """A workbook (content types, a sheet) whose sheet inflates past the 1 GiB cap."""
    p = tmp_path_factory.mktemp("bomb") / "survey.xlsx"
    ns = b"http://schemas.openxmlformats.org/package/2006/content-types"
    types = b'<?xml version="1.0"?><Types xmlns="' + ns + b'"/>'
    zip_bomb(p, "xl/worksheets/sheet1.xml", files_mod.MAX_ARCHIVE_BYTES + MiB, b"<worksheet>",
             extra=[("[Content_Types].xml", types)])  # fmt: skip
    assert p.stat().st_size < 8 * MiB
    return p


def fingerprint(p: Path) -> tuple:
    con = sqlite3.connect(p)
    n = con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    con.close()
    return hashlib.sha256(p.read_bytes()).hexdigest(), n


def refused(capsys, args, needle="zip bomb") -> str:
    capsys.readouterr()
    assert main([str(a) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: "), err
    assert "\n" not in err, err
    assert needle in err, err
    return err


def test_qdpx_codebook_bomb(tmp_path, capsys):
    bomb = zip_bomb(tmp_path / "big.qdpx", "project.qde", files_mod.MAX_MEMBER_BYTES + MiB,
                    b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0">')  # fmt: skip
    assert bomb.stat().st_size < 2 * MiB
    project = build_example(tmp_path / "p.db")
    before = fingerprint(project)
    err = refused(capsys, ["codebook", "import", bomb, "-p", project, "--yes"])
    assert "big.qdpx" in err
    assert "project.qde" in err
    assert fingerprint(project) == before


def test_xlsx_bomb_as_survey(xlsx_bomb, tmp_path, capsys):
    p = tmp_path / "s.db"
    refused(capsys, ["suggest", xlsx_bomb, "--model", "hash", "-p", p])
    assert not p.exists()


def test_xlsx_bomb_as_seeds_and_codings(xlsx_bomb, tmp_path, capsys):
    survey = str(DATA / "example_survey.csv")
    book = str(DATA / "example_codebook.csv")
    refused(capsys, ["code", survey, "-c", book, "-s", xlsx_bomb, "--model", "hash",
                     "-p", tmp_path / "c.db"])  # fmt: skip
    assert not (tmp_path / "c.db").exists()
    refused(capsys, ["agree", xlsx_bomb, xlsx_bomb])


def test_gzip_bomb_as_survey(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(files_mod, "MAX_ARCHIVE_BYTES", 4 * MiB)  # a real one would be >1 GiB
    p = tmp_path / "survey.csv.gz"
    with gzip.open(p, "wb", compresslevel=1) as fh:
        fh.write(b"id,answer\n1,")
        for _ in range(5):
            fh.write(b"a" * MiB)
    refused(capsys, ["suggest", p, "--model", "hash", "-p", tmp_path / "s.db"])


def test_saved_coder_weights_bomb(tmp_path, capsys, monkeypatch, seeds):
    survey = str(DATA / "example_survey.csv")
    book = str(DATA / "example_codebook.csv")
    coder = tmp_path / "coder"
    assert main(["code", survey, "-c", book, "-s", seeds, "--model", "hash", "-p",
                 str(tmp_path / "p.db"), "--save", str(coder)]) == 0  # fmt: skip
    monkeypatch.setattr(files_mod, "MAX_ARCHIVE_BYTES", 4 * MiB)
    zip_bomb(coder / "weights.npz", "coef.npy", 5 * MiB)
    refused(capsys, ["code", survey, "-c", book, "--load", coder, "--model", "hash",
                     "-p", tmp_path / "p.db"])  # fmt: skip


def test_gunzip_reads_members_and_refuses_damage():
    data = gzip.compress(b"a,b\n") + gzip.compress(b"1,2\n")
    assert files_mod.gunzip(data, "x.gz") == b"a,b\n1,2\n"
    with pytest.raises(InputError, match="damaged gzip"):
        files_mod.gunzip(data[:-12], "x.gz")
    with pytest.raises(InputError, match="zip bomb"):
        files_mod.gunzip(gzip.compress(b"\0" * (3 * MiB)), "x.gz", cap=2 * MiB)


def test_the_bytes_are_counted_even_when_a_header_lies():
    # zipfile itself stops at the declared size; the counter is the second line of defence
    with pytest.raises(InputError, match="zip bomb"):
        files_mod._read_capped(io.BytesIO(b"x" * (3 * MiB)), 2 * MiB, "a.zip", "m")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("m", b"x" * 1000)
    with zipfile.ZipFile(buf) as z:
        assert files_mod.read_zip_member(z, "m", "a.zip", cap=1000) == b"x" * 1000
        with pytest.raises(InputError, match="zip bomb"):
            files_mod.read_zip_member(z, "m", "a.zip", cap=999)
