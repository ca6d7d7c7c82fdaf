"""Codebook YAML: the readable, diff-friendly form kept under ``codebooks/``.

The schema is documented in ``docs/codebook.md``; it is :meth:`Codebook.to_dict` dumped
with block style, Unicode kept as is (accents, CJK, emoji) and keys in a fixed order.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from .model import Codebook

_ESCAPE = set("\r\x85\u2028\u2029\ufeff")
HEADER = "# autocode codebook — schema: docs/codebook.md\n"


def dumps(codebook: Codebook) -> str:
    """The YAML text of a codebook (deterministic)."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False):
            return super().increase_indent(flow, False)  # indent lists under their key

    def _str(dumper: yaml.SafeDumper, value: str):
        if any(c in _ESCAPE for c in value):
            style = '"'  # line breaks YAML would normalise: escaped in double quotes
        else:
            style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    body = yaml.dump(
        codebook.to_dict(),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    return HEADER + body


def loads(text: str, where: str = "the YAML codebook") -> Codebook:
    """Parse YAML text (GUIDs not yet filled in: call :meth:`Codebook.finalize`)."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    def _no_dup_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
        keys = set()
        for k, _ in node.value:
            key = loader.construct_object(k, deep=deep)
            if key in keys:
                raise InputError(
                    f"{where} repeats the key {key!r} (line {k.start_mark.line + 1})",
                    "remove the duplicate",
                )
            keys.add(key)
        return loader.construct_mapping(node, deep=deep)

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_dup_mapping)
    try:
        doc = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise InputError(f"{where} is not valid YAML{line}: {problem}") from None
    return Codebook.from_dict(doc, where)


def read(path: str | os.PathLike) -> Codebook:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"no such file: {p}") from None
    except UnicodeDecodeError:
        raise InputError(f"{p} is not UTF-8 text", "save the YAML file as UTF-8") from None
    return loads(text, where=str(p.name))


def write(codebook: Codebook, path: str | os.PathLike) -> None:
    Path(path).write_text(dumps(codebook), encoding="utf-8")
