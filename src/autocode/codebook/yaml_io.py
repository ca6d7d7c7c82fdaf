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
        style = None
        if any(c in _ESCAPE for c in value):
            style = '"'  # line breaks YAML would normalise: escaped in double quotes
        elif "\n" in value:
            style = "|"
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


#: how many nodes aliases may add to a document beyond those written out
MAX_ALIAS_NODES = 10_000


def load_document(text: str, where: str = "the YAML codebook"):
    """Parse YAML text safely: plain data only (SafeLoader), no repeated keys, and aliases
    bounded — a "billion laughs" file whose aliases would expand beyond
    :data:`MAX_ALIAS_NODES` extra nodes, or whose aliases form a cycle, is refused before
    anything is built from it."""
    import yaml

    class _Loader(yaml.SafeLoader):
        def get_single_node(self):
            node = super().get_single_node()
            if node is not None:
                _check_aliases(node, where)
            return node

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
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or "invalid YAML"
        raise InputError(f"{where} is not valid YAML{line}: {problem}") from None
    except RecursionError:
        raise InputError(f"{where} is nested too deeply", "flatten the codebook") from None


def _children(node) -> list:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_aliases(root, where: str) -> None:
    """Refuse a node graph (aliases share nodes) that is cyclic or whose tree would have more
    than :data:`MAX_ALIAS_NODES` nodes beyond the distinct ones. Iterative, linear time."""
    size: dict[int, int] = {}  # node id -> nodes in its expanded tree
    open_: set[int] = set()  # nodes on the current path
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        k = id(node)
        if done:
            open_.discard(k)
            size[k] = 1 + sum(size[id(c)] for c in _children(node))
            continue
        if k in size:
            continue
        open_.add(k)
        stack.append((node, True))
        for c in _children(node):
            if id(c) in open_:
                line = c.start_mark.line + 1
                raise InputError(
                    f"{where}: the node at line {line} contains an alias (*name) of itself "
                    "(a cycle)",
                    "replace the alias by what it stands for",
                )
            if id(c) not in size:
                stack.append((c, False))
    if size[id(root)] > len(size) + MAX_ALIAS_NODES:
        raise InputError(
            f"{where}: its aliases (*name) expand it to more than {MAX_ALIAS_NODES:,} extra "
            "nodes (a YAML bomb?)",
            "write the codebook out without nested aliases",
        )


def loads(text: str, where: str = "the YAML codebook") -> Codebook:
    """Parse YAML text (GUIDs not yet filled in: call :meth:`Codebook.finalize`)."""
    doc = load_document(text, where)
    try:
        return Codebook.from_dict(doc, where)
    except RecursionError:
        raise InputError(f"{where} is nested too deeply", "flatten the codebook") from None


def read(path: str | os.PathLike) -> Codebook:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"no such file: {p}") from None
    except UnicodeDecodeError:
        raise InputError(f"{p} is not UTF-8 text", "save the YAML file as UTF-8") from None
    return loads(text, where=str(p.name))
