"""A REFI-QDA project (``.qdpx``) for NVivo, ATLAS.ti, MAXQDA, QualCoder ... .

The zip holds ``project.qde`` (namespace ``urn:QDA-XML:project:1.0``, valid against the
REFI-QDA Project.xsd of 18 March 2019) and one UTF-8 text file per response under
``sources/`` (``plainTextPath="internal://<guid>.txt"``):

- Users: one per human coder, and one per machine coder named "<coder> (machine)".
- CodeBook: themes as non-codable parent codes, codes (and sub-codes) beneath them, with
  the codebook's GUIDs and colours.
- Variables and Cases: one case per respondent (named by the record id; the description
  gives the report pseudonym) with the respondent attributes as variable values
  (Integer/Float when every value is numeric, else Text).
- Sources: one text source per response ("<respondent> – <question>"); one selection
  spanning the whole answer carries every coding, each by its coder's user. Rejected
  machine codings are left out; machine confidence and status are in the selection's
  description.
- Sets: per machine status ("Machine codings: coded", "... needs_review", "... accepted"),
  the sources that carry such codings; one set per question.

GUIDs are uuid5 of stable keys (or the codebook's own), so exporting twice gives the same
identifiers.
"""

from __future__ import annotations

import math
import re
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..chars import xml_safe

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store
    from ..report.data import ProjectData

NS = "urn:QDA-XML:project:1.0"
_NAMESPACE = uuid.UUID("8f7b9a52-1c1e-5a8e-b1a4-3e7f0d6c2a11")
_GUID_RE = re.compile(
    r"^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\})$"
)
_RGB_RE = re.compile(r"^#(?:[A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")


def guid(*key: str) -> str:
    """A deterministic GUID for a project element."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(key)))


def _clean(s: str) -> str:
    """Text XML can hold: a stored control character is written as a space (never a crash)."""
    return xml_safe(s)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _var_type(values: list[str]) -> str:
    vals = [v for v in values if v not in ("", None)]
    if not vals:
        return "Text"
    if all(re.fullmatch(r"[+-]?\d+", v) for v in vals):
        return "Integer"
    if all(re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", v) for v in vals):
        return "Float"
    return "Text"


def build_qde(data: ProjectData, project_name: str) -> tuple[bytes, dict[str, str]]:
    """(project.qde bytes, {zip path: source text}) for the project data."""
    from lxml import etree

    from .. import __version__

    def el(parent, tag: str, text: str | None = None, **attrs: Any):
        e = etree.SubElement(parent, f"{{{NS}}}{tag}")
        for k, v in attrs.items():
            if v is not None:
                e.set(k, _clean(str(v)))
        if text is not None:
            e.text = _clean(text)
        return e

    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    root = etree.Element(f"{{{NS}}}Project", nsmap={None: NS})
    root.set("name", _clean(project_name))
    root.set("origin", f"autocode {__version__}")
    root.set("creationDateTime", now)

    # users
    users = el(root, "Users")
    user_guid: dict[tuple[str, str], str] = {}
    for r in data.raters:
        g = guid("user", r.source, r.key)
        user_guid[(r.source, r.key)] = g
        el(
            users,
            "User",
            guid=g,
            name=r.key if r.source == "human" else f"{r.key} (machine)",
            id=f"{r.source}:{r.key}",
        )
    if not data.raters:
        g = guid("user", "autocode")
        el(users, "User", guid=g, name="autocode", id="autocode")
    root.set("creatingUserGUID", next(iter(user_guid.values()), guid("user", "autocode")))

    # codebook: themes -> codes -> sub-codes
    code_guid: dict[str, str] = {}
    coded = set(data.codings["code"])
    codes = list(data.codes)
    if codes:
        cbook = el(root, "CodeBook")
        top = el(cbook, "Codes")
        theme_el: dict[str, Any] = {}
        for c in codes:
            code_guid[c.name] = (
                c.guid if c.guid and _GUID_RE.match(c.guid) else guid("code", c.name)
            )
        by_name = {c.name: c for c in codes}

        def code_el(parent, c) -> Any:
            e = el(
                parent,
                "Code",
                guid=code_guid[c.name],
                name=c.name,
                isCodable="true",
                color=c.colour if c.colour and _RGB_RE.match(c.colour) else None,
            )
            if c.definition:
                el(e, "Description", c.definition)
            return e

        made: dict[str, Any] = {}
        pending = list(codes)
        # parents before children (sub-codes whose parent is a known code)
        for _ in range(len(pending) + 1):
            rest = []
            for c in pending:
                if c.parent and c.parent in by_name and c.parent not in made:
                    rest.append(c)
                    continue
                if c.parent and c.parent in made:
                    parent = made[c.parent]
                elif c.theme and c.theme != "Ungrouped":
                    if c.theme not in theme_el:
                        tg = (
                            c.theme_guid
                            if c.theme_guid and _GUID_RE.match(c.theme_guid)
                            else guid("theme", c.theme)
                        )
                        theme_el[c.theme] = el(
                            top, "Code", guid=tg, name=c.theme, isCodable="false"
                        )
                    parent = theme_el[c.theme]
                else:
                    parent = top
                made[c.name] = code_el(parent, c)
            pending = rest
            if not pending:
                break
        for c in pending:  # a cycle in parents: put them at the top
            made[c.name] = code_el(top, c)
    assert coded <= set(code_guid), "every coded code is in the codebook list"

    # variables and cases
    attrs = data.attributes
    respondents = sorted(set(data.responses["respondent"]))
    var_guid: dict[str, str] = {}
    var_type: dict[str, str] = {}
    if len(attrs.columns):
        variables = el(root, "Variables")
        for name in attrs.columns:
            vals = [str(v) for v in attrs[name].reindex(respondents).tolist() if not _missing(v)]
            var_guid[name] = guid("variable", str(name))
            var_type[name] = _var_type(vals)
            el(
                variables,
                "Variable",
                guid=var_guid[name],
                name=str(name),
                typeOfVariable=var_type[name],
            )

    source_guid = {rid: guid("source", rid) for rid in data.responses["id"]}
    by_resp = data.responses.groupby("respondent")["id"].apply(list).to_dict()
    if respondents:
        cases = el(root, "Cases")
        for resp in respondents:
            case = el(cases, "Case", guid=guid("case", resp), name=str(resp))
            el(case, "Description", f"{data.labels.get(resp, '')} in autocode reports")
            if resp in attrs.index:
                for name in attrs.columns:
                    v = attrs.at[resp, name]
                    if _missing(v) or str(v).strip() == "":
                        continue
                    vv = el(case, "VariableValue")
                    el(vv, "VariableRef", targetGUID=var_guid[name])
                    tag = {"Integer": "IntegerValue", "Float": "FloatValue"}.get(
                        var_type[name], "TextValue"
                    )
                    el(vv, tag, str(v).strip())
            for rid in sorted(by_resp.get(resp, [])):
                el(case, "SourceRef", targetGUID=source_guid[rid])

    # sources with one whole-answer selection carrying the codings
    files: dict[str, str] = {}
    status_sets: dict[str, list[str]] = {}
    question_sets: dict[str, list[str]] = {}
    codings = data.codings
    codings = codings[codings["status"] != "absent"]  # decided absent: not a coding
    by_response: dict[str, list[tuple]] = {}
    for t in sorted(
        zip(codings["response_id"], codings["source"], codings["coder"], codings["code"],
            codings["status"], codings["confidence"], strict=True),
        key=lambda t: (t[0], t[1], t[2], t[3]),
    ):  # fmt: skip
        by_response.setdefault(t[0], []).append(t)
    resp_sorted = data.responses.sort_values(["question", "respondent", "id"], kind="mergesort")
    if len(resp_sorted):
        sources = el(root, "Sources")
    for rid, respondent, q, raw in zip(
        resp_sorted["id"],
        resp_sorted["respondent"],
        resp_sorted["question"],
        resp_sorted["text"],
        strict=True,
    ):
        sg = source_guid[rid]
        text = _clean(str(raw))
        files[f"sources/{sg}.txt"] = text
        question_sets.setdefault(q, []).append(sg)
        src = el(sources, "TextSource", guid=sg, name=f"{respondent} \u2013 {q}",
                 plainTextPath=f"internal://{sg}.txt", creationDateTime=now)  # fmt: skip
        rows = by_response.get(rid)
        if not rows:
            continue
        sel = el(src, "PlainTextSelection", guid=guid("selection", rid), name=text[:60],
                 startPosition=0, endPosition=len(text))  # fmt: skip
        machine = [t for t in rows if t[1] == "machine"]
        if machine:
            note = "; ".join(
                f"{code}: {status or 'coded'}"
                + ("" if _missing(conf) else f", confidence {float(conf):.2f}")
                + f" ({coder})"
                for _, _, coder, code, status, conf in machine
            )
            el(sel, "Description", note)
            for st in sorted({t[4] or "coded" for t in machine}):
                status_sets.setdefault(st, []).append(sg)
        for _, source, coder, code, _, _ in rows:
            cd = el(sel, "Coding", guid=guid("coding", rid, code, source, coder),
                    creatingUser=user_guid[(source, coder)])  # fmt: skip
            el(cd, "CodeRef", targetGUID=code_guid[code])

    # sets
    if status_sets or len(question_sets) > 1:
        sets = el(root, "Sets")
        for st, members in sorted(status_sets.items()):
            s = el(sets, "Set", guid=guid("set", "machine", st), name=f"Machine codings: {st}")
            el(s, "Description", f"Responses with machine codings whose status is {st!r}.")
            for m in dict.fromkeys(members):
                el(s, "MemberSource", targetGUID=m)
        if len(question_sets) > 1:
            for q, members in question_sets.items():
                s = el(sets, "Set", guid=guid("set", "question", q), name=f"Question: {q}")
                for m in members:
                    el(s, "MemberSource", targetGUID=m)
    el(
        root,
        "Description",
        f"Exported by autocode {__version__} from {project_name}: {len(resp_sorted)} responses, "
        f"{len(respondents)} respondents, {len(codings)} codings.",
    )
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return xml, files


def export_qdpx(store: Store, out: str | Path, question: str | None = None) -> dict[str, Any]:
    """Write a ``.qdpx`` (zip: project.qde + sources/); returns a summary."""
    from ..files import atomic_write, check_output, output_format
    from ..report.data import load_project

    output_format(out, None, {"qdpx": (".qdpx",)}, "qdpx")  # never a .qdpx under .zip/.xlsx
    out = check_output(out)
    data = load_project(store, question)
    xml, files = build_qde(data, Path(store.path).stem)

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("project.qde", xml)
            for name, text in files.items():
                z.writestr(name, text.encode("utf-8"))

    atomic_write(out, write)
    return {
        "file": str(out),
        "sources": len(files),
        "respondents": int(data.responses["respondent"].nunique()),
        "codes": len(data.codes),
        "codings": len(data.codings),
        "users": [r.label for r in data.raters],
    }


def validate_qde(xml: bytes, xsd_path: str | Path | None = None) -> list[str]:
    """Schema errors of a project.qde against Project.xsd (empty list when valid); the XSD
    shipped in the package unless ``xsd_path`` names another (see :mod:`.validate`)."""
    from .validate import schema_errors

    return schema_errors(xml, "project", xsd_path)
