"""Stage plug-ins: embedders, clusterers and labelers found through entry points.

Each replaceable stage of the pipeline has an entry-point group; a package that provides a
stage declares it in its ``pyproject.toml``::

    [project.entry-points."autocode.embedders"]
    mymodel = "mypackage.embed:MyEmbedder"

The object an entry point names is called with no arguments and must return the stage
object:

- ``autocode.embedders``: an embedder — ``model_id`` (a string naming the model exactly: it
  keys the embedding cache), ``dim`` and ``encode(texts, progress=None) -> (n, dim)``
  float32, L2-normalised (:class:`autocode.embed.Embedder`). Selected with
  ``--model plugin:NAME`` or ``embedder="plugin:NAME"``.
- ``autocode.clusterers``: ``fit_predict(X) -> labels`` (``-1`` = unassigned)
  (:class:`autocode.suggest.stages.Clusterer`); ``clusterer="NAME"`` in
  :func:`autocode.suggest`.
- ``autocode.labelers``: ``label(texts, groups, centrality) -> [GroupTerms]``
  (:class:`autocode.suggest.stages.Labeler`); ``labeler="NAME"``.

autocode's own stages are registered the same way (in its ``pyproject.toml``) and are also
known from :data:`BUILTIN`, so they work from a source tree whose metadata is not installed.
A plug-in of the same name as a built-in replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from .errors import AutocodeError, ModelError, NotFoundError

#: stage kind -> entry-point group
GROUPS = {
    "embedder": "autocode.embedders",
    "clusterer": "autocode.clusterers",
    "labeler": "autocode.labelers",
}
#: autocode's own stages, as registered in pyproject.toml (a test keeps the two equal)
BUILTIN: dict[str, dict[str, str]] = {
    "autocode.embedders": {
        "minilm": "autocode.embed:SentenceTransformerEmbedder",
        "hash": "autocode.embed:HashEmbedder",
        "onnx": "autocode.embed_onnx:OnnxEmbedder",
    },
    "autocode.clusterers": {"hdbscan": "autocode.suggest.stages:HDBSCANClusterer"},
    "autocode.labelers": {"ctfidf": "autocode.suggest.stages:CTfidfLabeler"},
}
#: what each kind of stage must have
_NEEDS = {
    "embedder": ("model_id", "dim", "encode"),
    "clusterer": ("fit_predict",),
    "labeler": ("label",),
}


def _group(kind: str) -> str:
    if kind not in GROUPS:
        raise ValueError(f"kind must be one of {', '.join(GROUPS)}, got {kind!r}")
    return GROUPS[kind]


def available(kind: str) -> dict[str, str]:
    """Name -> ``module:attribute`` of every stage of ``kind`` (built-ins and installed
    plug-ins), sorted by name."""
    from importlib.metadata import entry_points

    group = _group(kind)
    found = dict(BUILTIN[group])
    for ep in entry_points(group=group):
        found[ep.name] = ep.value
    return dict(sorted(found.items()))


def load(kind: str, name: str) -> Callable[..., Any]:
    """The factory registered as ``name`` for ``kind`` (:class:`NotFoundError` naming the
    registered ones if there is none; :class:`ModelError` if it cannot be imported)."""
    from importlib.metadata import entry_points

    group = _group(kind)
    eps = [ep for ep in entry_points(group=group) if ep.name == name]
    target = eps[-1].value if eps else BUILTIN[group].get(name)
    if target is None:
        names = ", ".join(available(kind)) or "none"
        raise NotFoundError(
            f"no {kind} named {name!r} (registered in {group}: {names})",
            f"install the package that provides it, or use one of: {names}",
        )
    try:
        if eps:
            return eps[-1].load()
        module, _, attr = target.partition(":")
        obj: Any = import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        return obj
    except Exception as e:  # noqa: BLE001 - a broken plug-in is one clear line
        raise ModelError(
            f"the {kind} {name!r} ({target}) cannot be loaded: {type(e).__name__}: {e}",
            "check that the package providing it is installed and works",
        ) from None


def create(kind: str, name: str) -> Any:
    """A stage object: the factory registered as ``name``, called with no arguments, and
    checked to have what a ``kind`` needs."""
    factory = load(kind, name)
    try:
        obj = factory()
    except AutocodeError:
        raise
    except Exception as e:  # noqa: BLE001 - a plug-in's own failure, as one line
        raise ModelError(
            f"the {kind} {name!r} failed to start: {type(e).__name__}: {e}",
            "check the plug-in's installation",
        ) from None
    return check(kind, obj, name)


def check(kind: str, obj: Any, name: str | None = None) -> Any:
    """``obj`` if it has the methods and attributes a ``kind`` needs, else
    :class:`ModelError` saying which is missing."""
    missing = [a for a in _NEEDS[kind] if not hasattr(obj, a)]
    what = f"the {kind} {name!r}" if name else f"the {kind} {type(obj).__name__}"
    if missing:
        raise ModelError(
            f"{what} has no {', '.join(missing)}",
            f"a {kind} needs {', '.join(_NEEDS[kind])} (see autocode.plugins)",
        )
    if kind == "embedder":
        mid = obj.model_id
        if not isinstance(mid, str) or not mid.strip() or mid != mid.strip():
            raise ModelError(
                f"{what} has no usable model_id ({mid!r})",
                "give the embedder a model_id string that names its model and version",
            )
    return obj


def create_embedder(name: str) -> Any:
    """The plug-in embedder ``name`` (``--model plugin:NAME``)."""
    return create("embedder", name)
