"""autocode: a local, reproducible engine for coding open-ended survey responses.

The Python API (``docs/python-api.md``), imported lazily so that ``import autocode`` and
``autocode --help`` stay fast:

- :class:`Project` — a project file's responses, codebook, coders' codings and final
  coding as DataFrames;
- :func:`read_responses` — a survey export file or a pandas DataFrame to responses;
- :func:`suggest` — candidate codes, in memory (``clusterer=``, ``labeler=`` replaceable);
- :class:`Coder` — the seeded machine coder: ``fit``, ``predict``, ``evaluate``, ``save``,
  ``Coder.load``;
- :func:`agree` — agreement between coders from long codings (``id, coder, code``).

``autocode.suggest`` and ``autocode.agree`` are also the names of subpackages
(``autocode.suggest.core``, ``autocode.agree.coefficients`` ...): the subpackage module is
made callable, so ``autocode.suggest(df)`` and ``autocode.suggest.core`` both work
whichever was used first.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

__version__ = "0.1.0"

#: public name -> the module that defines it (imported on first use)
_LAZY = {
    "Project": "autocode.api",
    "read_responses": "autocode.api",
    "Coder": "autocode.coder",
}
#: subpackages that are also API functions: name -> the function's module
_CALLABLE = {"suggest": "autocode.api", "agree": "autocode.api"}

__all__ = ["Coder", "Project", "__version__", "agree", "read_responses", "suggest"]


class _CallableModule(ModuleType):
    """A subpackage that, called, runs the API function of its name (``autocode.api``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from importlib import import_module

        name = self.__name__.rpartition(".")[2]
        return getattr(import_module(_CALLABLE[name]), name)(*args, **kwargs)


class _Package(ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # the import system binds a loaded subpackage here: make suggest/agree callable
        if name in _CALLABLE and isinstance(value, ModuleType):
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    from importlib import import_module

    if name in _CALLABLE:  # the subpackage, callable (bound by the import system)
        return import_module(f"{__name__}.{name}")
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'autocode' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_CALLABLE))
