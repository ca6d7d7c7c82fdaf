"""What the README says about the code is what the code does."""

from __future__ import annotations

import re
from pathlib import Path

from autocode.suggest.cluster import adapt_params

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _n(word: str) -> int:
    word = word.replace(",", "")
    return int(word[:-1]) * 1000 if word.endswith("k") else int(word)


def test_min_cluster_size_figures_match_adapt_params():
    line = re.search(r"`min_cluster_size` is (.+?)\.\s", README, re.S)
    assert line, "the README states min_cluster_size by n"
    pairs = re.findall(r"(\d+) at ([\d,]+k?)(?:[–-]([\d,]+k?))? ?(?:answers)?", line.group(1))
    assert len(pairs) >= 3, line.group(1)
    for size, lo, hi in pairs:
        for n in [lo] + ([hi] if hi else []):
            assert adapt_params(_n(n)).min_cluster_size == int(size), (size, n)


def test_the_study_section_uses_the_files_it_writes():
    block = README.split("## A study from start to finish", 1)[1].split("```", 2)[1]
    written = set(re.findall(r"(?:-o|--out) (\S+)", block))
    for used in re.findall(r"(?:--codebook|-c|--seeds|-s) (\S+)", block):
        assert used in written, f"the README passes {used} but no earlier line writes it"
