"""A model is identified by the fingerprint of its files: the sha256 over its folder
(recomputed here with hashlib from the rule models/embedding-model.json states), checked
against the manifest for the default model, part of the id that keys the embedding cache;
old projects' cache rows under the bare id are still used."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import numpy as np
import pytest

from autocode import embed
from autocode.embed import (
    DEFAULT_MODEL_ID,
    SentenceTransformerEmbedder,
    default_model_id,
    embed_texts,
    folder_fingerprint,
    folder_sha256,
    same_model,
)
from autocode.errors import ModelError
from autocode.project import open_store


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOCODE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(embed, "_memo", {})


def _folder(tmp_path):
    d = tmp_path / "my-model"
    (d / "pooling").mkdir(parents=True)
    (d / "config.json").write_text('{"a": 1}')
    (d / "modules.json").write_text("[]")
    (d / "pooling" / "config.json").write_text("{}")
    (d / "__pycache__").mkdir()
    (d / "__pycache__" / "x.pyc").write_bytes(b"ignored")
    return d


def _sha(folder) -> str:
    h = hashlib.sha256()
    files = sorted(
        (p.relative_to(folder).as_posix(), p)
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.relative_to(folder).parts
    )
    for name, p in files:
        data = p.read_bytes()
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()


def test_the_fingerprint_is_the_stated_rule(tmp_path):
    d = _folder(tmp_path)
    assert folder_sha256(d) == _sha(d)
    assert folder_fingerprint(d) == _sha(d)


def test_a_changed_file_of_the_same_size_changes_the_id(tmp_path):
    d = _folder(tmp_path)
    before = SentenceTransformerEmbedder(d).model_id
    assert before == f"local:my-model:{_sha(d)[:16]}"
    (d / "config.json").write_text('{"a": 2}')  # same size, other bytes
    after = SentenceTransformerEmbedder(d).model_id
    assert after != before
    assert after == f"local:my-model:{_sha(d)[:16]}"


def test_the_fingerprint_is_remembered_per_installation_and_a_damaged_memo_is_ignored(
    tmp_path, monkeypatch
):
    d = _folder(tmp_path)
    digest = folder_fingerprint(d)
    memo = tmp_path / "cache" / "model-fingerprints.json"
    assert json.loads(memo.read_text())[str(d.resolve())]["sha256"] == digest
    monkeypatch.setattr(embed, "_memo", {})
    monkeypatch.setattr(embed, "folder_sha256", lambda f: pytest.fail("hashed again"))
    assert folder_fingerprint(d) == digest  # read from the memo file
    monkeypatch.undo()
    monkeypatch.setenv("AUTOCODE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(embed, "_memo", {})
    memo.write_text("{not json")
    assert folder_fingerprint(d) == digest


def test_the_default_model_is_checked_against_the_manifest(tmp_path, monkeypatch):
    d = _folder(tmp_path)
    manifest = {"model_id": DEFAULT_MODEL_ID, "files_sha256": _sha(d), "package": "p"}
    monkeypatch.setattr(embed, "model_manifest", lambda: manifest)
    assert default_model_id(d) == f"{DEFAULT_MODEL_ID}@{_sha(d)[:16]}"
    (d / "modules.json").write_text("[1]")  # the files changed: another model
    monkeypatch.setattr(embed, "_memo", {})
    with pytest.raises(ModelError, match="is not the one autocode ships with"):
        default_model_id(d)


def test_the_installed_default_model_has_the_manifests_id():
    manifest = embed.model_manifest()
    emb = SentenceTransformerEmbedder(None)  # the files are hashed; the model is not loaded
    assert emb.model_id == manifest["id_in_projects"]
    assert emb._model is None


def test_old_cache_rows_under_the_bare_id_are_read_and_copied(tmp_path, monkeypatch):
    emb = SentenceTransformerEmbedder(None)
    monkeypatch.setattr(emb, "encode", lambda *a, **k: pytest.fail("embedded again"))
    vec = np.arange(384, dtype=np.float32) / 384
    with open_store(tmp_path / "old.db") as store:
        store.put_embeddings(DEFAULT_MODEL_ID, {embed.text_hash("good food"): vec})
        X, n_new = embed_texts(["good food"], emb, store)
    assert n_new == 0
    np.testing.assert_allclose(X[0], vec)
    con = sqlite3.connect(tmp_path / "old.db")
    ids = {r[0] for r in con.execute("SELECT model_id FROM embeddings")}
    assert ids == {DEFAULT_MODEL_ID, emb.model_id}  # copied under the fingerprinted id


def test_same_model_accepts_the_bare_id_only_for_the_default_model():
    fp = f"{DEFAULT_MODEL_ID}@0123456789abcdef"
    assert same_model(DEFAULT_MODEL_ID, fp)
    assert same_model(fp, fp)
    assert not same_model(DEFAULT_MODEL_ID, "local:x:0123")
    assert not same_model(f"{DEFAULT_MODEL_ID}@ffffffffffffffff", fp)
    assert not same_model(DEFAULT_MODEL_ID + "+tuned:aa", fp + "+tuned:bb")
    assert same_model(DEFAULT_MODEL_ID + "+tuned:aa", fp + "+tuned:aa")
    assert not same_model(None, fp)
