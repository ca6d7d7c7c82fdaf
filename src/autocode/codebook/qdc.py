"""REFI-QDA codebook exchange (``.qdc``), the standard NVivo, ATLAS.ti, MAXQDA, Dedoose and
QualCoder read and write (REFI-QDA Codebook.xsd 1.0, namespace ``urn:QDA-XML:codebook:1.0``).

Mapping: a top-level ``Code`` with children (or ``isCodable="false"``) is a theme; other
``Code`` elements are codes, nested as sub-codes. ``Description`` holds the definition,
followed by ``Inclusion:``/``Exclusion:`` paragraphs when the code has them (split again on
import). ``Sets`` are kept. Examples and provenance are autocode's own (YAML and store only).

Files that declare the older schema location ``urn:QDA-XML:codebook:0:4`` (or use it as
namespace) are read the same way; the codebook of a REFI-QDA project (``project.qde``) too.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from .model import GUID_RE, Code, Codebook, CodeSet, Theme, split_description

NS = "urn:QDA-XML:codebook:1.0"
OLD_NS = "urn:QDA-XML:codebook:0:4"
_ACCEPTED_NS = (NS, OLD_NS, "urn:QDA-XML:project:1.0", "")


def dumps(codebook: Codebook) -> bytes:
    """The ``.qdc`` XML (UTF-8 bytes) of a codebook; it validates against Codebook.xsd."""
    from lxml import etree

    cb = codebook.finalize()
    if not cb.themes and not cb.loose:
        raise InputError("the codebook has no codes; nothing to export")
    cb.check_characters()
    q = f"{{{NS}}}"
    root = etree.Element(q + "CodeBook", nsmap={None: NS})
    root.set("origin", cb.origin or "autocode")
    codes_el = etree.SubElement(root, q + "Codes")

    # guid: str | None as the model types it; never None here (finalize assigned them all)
    def code_el(
        parent, name: str, guid: str | None, codable: bool, colour, desc: str, kids
    ) -> None:
        el = etree.SubElement(parent, q + "Code")
        el.set("guid", guid)
        el.set("name", name)
        el.set("isCodable", "true" if codable else "false")
        if colour:
            el.set("color", colour)
        if desc:
            etree.SubElement(el, q + "Description").text = desc
        for k in kids:
            code_el(el, k.name, k.guid, k.codable, k.colour, k.description, k.codes)

    for t in cb.themes:
        code_el(codes_el, t.name, t.guid, t.codable, t.colour, t.description, t.codes)
    for c in cb.loose:
        code_el(codes_el, c.name, c.guid, c.codable, c.colour, c.description, c.codes)
    if cb.sets:
        sets_el = etree.SubElement(root, q + "Sets")
        for s in cb.sets:
            s_el = etree.SubElement(sets_el, q + "Set")
            s_el.set("guid", s.guid)
            s_el.set("name", s.name)
            if s.description:
                etree.SubElement(s_el, q + "Description").text = s.description
            for g in s.members:
                etree.SubElement(s_el, q + "MemberCode").set("guid", g)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def loads(data: bytes, where: str = "the .qdc file") -> Codebook:
    """Parse a REFI-QDA codebook (GUIDs kept; call :meth:`Codebook.finalize`)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as e:
        raise InputError(f"{where} is not well-formed XML ({e.msg})") from None
    ns, local = _split(root.tag)
    if ns not in _ACCEPTED_NS and not ns.startswith("urn:QDA-XML:codebook:"):
        raise InputError(
            f"{where} is not a REFI-QDA codebook (root namespace {ns!r})",
            f"expected {NS} (or the older {OLD_NS})",
        )
    if local == "Project":
        book = next((c for c in root if _split(c.tag)[1] == "CodeBook"), None)
        if book is None:
            raise InputError(f"{where} is a REFI-QDA project without a codebook")
        sets_parent = root
    elif local == "CodeBook":
        book = sets_parent = root
    else:
        raise InputError(f"{where} is not a REFI-QDA codebook (root element <{local}>)")
    codes_el = next((c for c in book if _split(c.tag)[1] == "Codes"), None)
    if codes_el is None:
        raise InputError(f"{where} has no <Codes> element")

    cb = Codebook(name=Path(where).stem or "codebook", origin=root.get("origin"))
    for el in _children(codes_el, "Code"):
        code = _code(el, where)
        if code.codes or not code.codable:
            cb.themes.append(
                Theme(
                    name=code.name,
                    description=code.description,
                    colour=code.colour,
                    guid=code.guid,
                    codable=code.codable,
                    codes=code.codes,
                )
            )
        else:
            cb.loose.append(code)
    sets_el = next((c for c in sets_parent if _split(c.tag)[1] == "Sets"), None)
    if sets_el is not None:
        for s in _children(sets_el, "Set"):
            name = s.get("name")
            guid = s.get("guid")
            if not name:
                raise InputError(f"{where}: a <Set> has no name")
            if guid is not None and not GUID_RE.match(guid):
                raise InputError(f"{where}: set {name!r} has an invalid GUID {guid!r}")
            members = [m.get("guid") for m in _children(s, "MemberCode") if m.get("guid")]
            cb.sets.append(CodeSet(name=name, description=_desc(s), guid=guid, members=members))
    return cb


def read(path: str | os.PathLike) -> Codebook:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"no such file: {p}") from None
    return loads(data, where=p.name)


def read_qdpx(path: str | os.PathLike) -> Codebook:
    """The codebook of a REFI-QDA project archive (``.qdpx``: a zip with ``project.qde``)."""
    import zipfile
    import zlib

    from ..files import read_zip_member

    p = Path(path)
    try:
        with zipfile.ZipFile(p) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".qde")]
            if not names:
                raise InputError(f"{p.name} holds no project.qde", "is it a REFI-QDA .qdpx?")
            data = read_zip_member(z, names[0], p.name)  # capped: no zip bomb
    except FileNotFoundError:
        raise InputError(f"no such file: {p}") from None
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError):
        raise InputError(f"{p.name} is not a .qdpx archive (not a readable zip file)") from None
    cb = loads(data, where=p.name)
    cb.name = p.stem
    return cb


def _split(tag) -> tuple[str, str]:
    if not isinstance(tag, str):  # processing instructions etc.
        return "", ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _children(el, local: str) -> list:
    return [c for c in el if _split(c.tag)[1] == local]


def _desc(el) -> str:
    d = next((c for c in el if _split(c.tag)[1] == "Description"), None)
    return (d.text or "") if d is not None else ""


def _code(el, where: str) -> Code:
    name = el.get("name")
    if name is None or not name.strip():
        raise InputError(f"{where}: a <Code> has no name")
    codable_attr = (el.get("isCodable") or "true").strip().lower()
    if codable_attr not in ("true", "false", "1", "0"):
        raise InputError(f"{where}: code {name!r} has isCodable={codable_attr!r}")
    definition, inclusion, exclusion = split_description(_desc(el))
    return Code(
        name=name,
        definition=definition,
        inclusion=inclusion,
        exclusion=exclusion,
        colour=el.get("color"),
        guid=el.get("guid"),
        codable=codable_attr in ("true", "1"),
        codes=[_code(c, where) for c in _children(el, "Code")],
    )
