"""The project: one SQLite file per study, and the one package that reads and writes it.

No other module of autocode writes SQL. Each table group has one repository module, and the
rules of its rows are written there once:

- :mod:`.db`          opening a project (:func:`open_store`), transactions, runs, the
                      embedding cache;
- :mod:`.schema`      the numbered migrations;
- :mod:`.disk`        which files may be opened, read-only opening, what SQLite errors mean;
- :mod:`.responses`   responses, sources, respondents' attributes, question wording, blanks;
- :mod:`.suggestions` the output of ``autocode suggest``;
- :mod:`.decisions`   the append-only decision log;
- :mod:`.codebooks`   saved codebook versions;
- :mod:`.codings`     named coders, coded answers, codings and the machine's decisions;
- :mod:`.final`       the final coding of the study (derived, never stored).

:class:`Project` is the Python entry point over all of them.
"""

from __future__ import annotations

from .db import DEFAULT_PROJECT, Store, open_store, package_versions
from .sql import now_iso

__all__ = ["DEFAULT_PROJECT", "Store", "now_iso", "open_store", "package_versions"]
