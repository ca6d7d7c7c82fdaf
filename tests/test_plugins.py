"""Stage plug-ins: a package registers an embedder, clusterer or labeler under the
``autocode.embedders`` / ``autocode.clusterers`` / ``autocode.labelers`` entry-point groups
and autocode uses it (``--model plugin:NAME``, ``--clusterer``, ``--labeler``, the API).

The fake plug-in is a real installed distribution: a module and a ``.dist-info`` folder with
``entry_points.txt`` in a temporary directory on the path (PYTHONPATH for the commands)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import autocode
from autocode import plugins
from autocode.errors import ModelError, NotFoundError

ROOT = Path(__file__).resolve().parents[1]

PLUGIN = '''
import numpy as np
from autocode.suggest.label import GroupTerms


class FakeEmbedder:
    """Vectors from the first letter of each answer (deterministic, no model)."""

    model_id = "fakeplug/first-letter@1"
    dim = 26

    def encode(self, texts, progress=None):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            c = (t.strip().lower() or "a")[0]
            out[i, (ord(c) - 97) % 26 if c.isalpha() else 0] = 1.0
        if progress:
            progress(len(texts))
        return out


class FirstWordClusterer:
    """One cluster per first word of the answer's dominant dimension (argmax)."""

    def fit_predict(self, X):
        top = X.argmax(axis=1)
        _, labels = np.unique(top, return_inverse=True)
        return labels


class SizeLabeler:
    def label(self, texts, groups, centrality):
        return [GroupTerms(f"group of {len(g)}", ["fake"]) for g in groups]


class Broken:
    def __init__(self):
        raise RuntimeError("no licence key")
'''

ENTRY_POINTS = """[autocode.embedders]
fake = fakeplug:FakeEmbedder
broken = fakeplug:Broken

[autocode.clusterers]
firstletter = fakeplug:FirstWordClusterer

[autocode.labelers]
size = fakeplug:SizeLabeler
"""


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    d = tmp_path / "site"
    d.mkdir()
    (d / "fakeplug.py").write_text(PLUGIN, encoding="utf-8")
    info = d / "fakeplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fakeplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(d))
    return d


def _cli(plugin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_dir), str(ROOT / "src")])}
    return subprocess.run(
        [sys.executable, "-m", "autocode", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


def test_the_builtin_stages_are_the_ones_pyproject_declares():
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = doc["project"]["entry-points"]
    assert {g: dict(v) for g, v in declared.items() if g.startswith("autocode.")} == (
        plugins.BUILTIN
    )
    assert set(plugins.GROUPS.values()) == set(plugins.BUILTIN)


def test_the_plugin_is_listed_with_the_builtins(plugin_dir):
    assert plugins.available("embedder") == {
        "broken": "fakeplug:Broken",
        "fake": "fakeplug:FakeEmbedder",
        "hash": "autocode.embed:HashEmbedder",
        "minilm": "autocode.embed:SentenceTransformerEmbedder",
        "onnx": "autocode.embed_onnx:OnnxEmbedder",
    }
    assert "firstletter" in plugins.available("clusterer")
    assert "size" in plugins.available("labeler")


def test_a_plugin_embedder_through_the_command(plugin_dir, tmp_path):
    r = _cli(
        plugin_dir,
        tmp_path,
        "suggest",
        "--example",
        "--model",
        "plugin:fake",
        "--clusterer",
        "firstletter",
        "--labeler",
        "size",
        "--json",
        "-p",
        "p.db",
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["model_id"] == "fakeplug/first-letter@1"
    assert doc["suggestions"]
    # the plug-in labeler names every cluster; the one suggestion of the answers that say
    # there is nothing to improve is gathered before clustering, by autocode's own rule
    clustered = [s for s in doc["suggestions"] if s.get("kind") is None]
    assert clustered
    # (it is given the idea units it clusters: at least one per member answer)
    for s in clustered:
        assert s["label"].startswith("group of ")
        assert int(s["label"].split()[-1]) >= s["size"]
    assert {s["label"] for s in doc["suggestions"] if s.get("kind")} <= {
        "Nothing to improve",
        "Nothing in particular",
    }
    # each cluster holds answers with a segment (an idea unit: autocode.suggest.segments)
    # that starts with its letter (the fake stages' rule; not a letter counts as "a")
    from autocode.suggest.segments import split_segments

    def first(t: str) -> str:
        c = (t.strip().lower() or "a")[0]
        return c if c.isalpha() else "a"

    con = sqlite3.connect(tmp_path / "p.db")
    text = dict(con.execute("SELECT id, text FROM responses").fetchall())
    for s in clustered:
        starts = [{first(p) for p in split_segments(text[m])} for m in s["members"]]
        assert set.intersection(*starts)
    # the cache and the run are keyed by the plug-in's model id
    (mid,) = con.execute("SELECT DISTINCT model_id FROM embeddings").fetchone()
    assert mid == "fakeplug/first-letter@1"
    (params,) = con.execute("SELECT params FROM runs").fetchone()
    assert json.loads(params)["stages"] == {
        "clusterer": "fakeplug.FirstWordClusterer",
        "labeler": "fakeplug.SizeLabeler",
    }


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--model", "plugin:nope"], "no embedder named 'nope'"),
        (["--model", "plugin:broken"], "failed to start: RuntimeError: no licence key"),
        (["--clusterer", "nope"], "no clusterer named 'nope'"),
        (["--labeler", "nope"], "no labeler named 'nope'"),
    ],
)
def test_an_unknown_or_broken_plugin_is_one_line_and_stores_nothing(
    plugin_dir, tmp_path, args, expect
):
    r = _cli(plugin_dir, tmp_path, "suggest", "--example", *args, "-p", "p.db")
    assert r.returncode == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error:")
    assert expect in lines[0]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "p.db").exists()


def test_plugins_through_the_api(plugin_dir):
    df = pd.DataFrame(
        {"id": [f"r{i}" for i in range(9)], "text": ["apple", "ant", "arm"] * 2 + ["bee"] * 3}
    )
    result = autocode.suggest(df, embedder="plugin:fake", clusterer="firstletter", labeler="size")
    assert sorted(sorted(s.members) for s in result.suggestions) == [
        ["r0", "r1", "r2", "r3", "r4", "r5"],
        ["r6", "r7", "r8"],
    ]
    assert {s.label for s in result.suggestions} == {"group of 6", "group of 3"}
    # stage objects work as well as names
    import fakeplug

    again = autocode.suggest(
        df,
        embedder=fakeplug.FakeEmbedder(),
        clusterer=fakeplug.FirstWordClusterer(),
        labeler=fakeplug.SizeLabeler(),
    )
    assert [s.members for s in again.suggestions] == [s.members for s in result.suggestions]


def test_a_plugin_that_breaks_its_contract_is_one_clear_error(plugin_dir):
    class Bad:
        def fit_predict(self, X):
            return [0.5] * len(X)

    df = pd.DataFrame({"text": ["apple", "ant", "bee", "bat"]})
    with pytest.raises(ModelError, match=r"returned .* labels for 4 answers"):
        autocode.suggest(df, embedder="plugin:fake", clusterer=Bad())
    with pytest.raises(NotFoundError, match=r"registered in autocode\.labelers: ctfidf, size"):
        autocode.suggest(df, embedder="plugin:fake", labeler="nope")
