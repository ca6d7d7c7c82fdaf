"""Check REFI-QDA files against the XML Schemas shipped in the package (offline).

``autocode export qdpx --validate`` and ``autocode codebook export --format qdc --validate``
validate the file they wrote with lxml against ``autocode/data/refi-qda/Project.xsd`` (the
``project.qde`` inside a ``.qdpx``) or ``Codebook.xsd`` (a ``.qdc``), the REFI-QDA 1.0
schemas (MIT, REFI 2019; see ``data/refi-qda/NOTICE.md``). :func:`validate_file` returns a
one-line verdict or raises :class:`~autocode.errors.InputError` naming the first schema error.
"""

from __future__ import annotations

import functools
import os
import re
import zipfile
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from ..errors import InputError

SCHEMAS = {
    "project": ("Project.xsd", "urn:QDA-XML:project:1.0"),
    "codebook": ("Codebook.xsd", "urn:QDA-XML:codebook:1.0"),
}
MAX_QDE_BYTES = 2 * 1024**3  # a project.qde inflating past this is not read (zip bomb)
_NAME = re.compile(r"^(\{[^}]*\})?[A-Za-z_][\w.-]*$")


def schema_file(kind: str) -> Any:
    """The packaged XSD of ``kind`` ("project" or "codebook") as an importlib resource."""
    return files("autocode") / "data" / "refi-qda" / SCHEMAS[kind][0]


@functools.cache
def _schema(kind: str) -> Any:
    from lxml import etree

    with as_file(schema_file(kind)) as path:
        return etree.XMLSchema(etree.parse(str(path)))


def _quiet_values(message: str) -> str:
    """Schema messages quote values; keep element/attribute names, hide anything else (a
    value could be a code name or response text)."""
    return re.sub(r"'([^']*)'", lambda m: m.group(0) if _NAME.match(m.group(1)) else "'…'", message)


def schema_errors(xml: bytes, kind: str, xsd: str | os.PathLike | None = None) -> list[str]:
    """Every schema error of the document ``xml`` as ``"line N: message"`` (empty: valid).

    ``xsd``: another schema file instead of the packaged one of ``kind``."""
    from lxml import etree

    schema = _schema(kind) if xsd is None else etree.XMLSchema(etree.parse(str(xsd)))
    try:
        doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as e:
        return [f"line {e.lineno}: not well-formed XML ({_quiet_values(e.msg)})"]
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {_quiet_values(e.message)}" for e in schema.error_log]


def _read_qde(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("project.qde")
            if info.file_size > MAX_QDE_BYTES:
                raise InputError(f"{path}: project.qde is larger than 2 GiB; not validated")
            return z.read(info)
    except KeyError:
        raise InputError(f"{path} has no project.qde", "it is not a REFI-QDA .qdpx") from None
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(f"cannot read {path} as a .qdpx zip ({type(e).__name__})") from None


def validate_file(path: str | os.PathLike, kind: str) -> str:
    """Validate a written ``.qdpx`` (kind "project") or ``.qdc`` (kind "codebook").

    Returns the one-line verdict for a valid file; raises :class:`InputError` with the first
    schema error (and how many there are) otherwise. The file is left as written.
    """
    p = Path(path)
    xml = _read_qde(p) if kind == "project" else p.read_bytes()
    return verdict(xml, kind, str(p))


def verdict(xml: bytes, kind: str, name: str) -> str:
    """The one-line verdict on the document ``xml`` (shown as ``name``); see
    :func:`validate_file`."""
    xsd, ns = SCHEMAS[kind]
    errors = schema_errors(xml, kind)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        part = "project.qde in " if kind == "project" else ""
        raise InputError(
            f"{part}{name} is not valid REFI-QDA ({xsd}): {errors[0]}{more}",
            "the file was written as is; please report this as an autocode bug",
        )
    return f"valid: {name} conforms to the REFI-QDA schema {xsd} ({ns})"
