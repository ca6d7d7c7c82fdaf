"""Every package that src/ imports is declared in pyproject.toml (runtime or an extra).

torch, safetensors and transformers were imported but not declared: an install that only
followed pyproject worked by luck (sentence-transformers happened to pull them in).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return {_name(r) for r in reqs}


def imported() -> dict[str, str]:
    """Top-level module -> the first file importing it (function-level imports included)."""
    out: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "autocode").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for n in names:
                top = n.split(".")[0]
                if top != "autocode" and top not in sys.stdlib_module_names:
                    out.setdefault(top, str(path.relative_to(ROOT)))
    return out


def test_every_imported_package_is_declared():
    dists = packages_distributions()
    have = declared()
    missing = []
    for module, where in imported().items():
        names = {_name(d) for d in dists.get(module, [module])}
        if not names & have:
            missing.append(f"{module} (imported in {where}; distribution {sorted(names)})")
    assert not missing, "not declared in pyproject.toml: " + "; ".join(missing)


def test_the_check_sees_the_imports_it_should():
    mods = imported()
    assert {"torch", "safetensors", "transformers", "typer", "numpy"} <= set(mods)
    assert "click" not in mods  # typer's own API only (typer >= 0.26 bundles its own click)
