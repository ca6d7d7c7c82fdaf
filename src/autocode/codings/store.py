"""A coder's work into the project (``autocode codings import``) and the list of coders.

:func:`import_codings` reads and checks the whole file against the project before it
writes anything (:mod:`.resolve`), then, in one transaction: records an ``import`` run
(file, sha256, coder, counts), replaces each coder's coding of the answers in the file
(:func:`autocode.project.codings.replace_human`: answers not in the file keep their
coding), and sets the primary coder when asked. A refusal stores nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from ..project import Store
    from .resolve import Resolved


def read_for_project(
    store: Store,
    path: str | Path,
    *,
    coder: str | None = None,
    id: str | None = None,
    question: str | None = None,
    code: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    need_coder: bool = True,
) -> Resolved:
    """Read a codings file and match it to the project's answers and codebook (nothing is
    written). ``need_coder=False`` accepts a file that names no coder (seeds)."""
    from .. import codebook as codebooks
    from ..project import responses
    from .read import read_file
    from .resolve import resolve

    if coder is not None and need_coder:
        from ..project.codings import check_coder_name

        coder = check_coder_name(coder)
    raw = read_file(path, id=id, question=question, code=code, sheet=sheet, encoding=encoding)
    return resolve(
        raw,
        responses.load(store),
        labels=responses.question_labels(store),
        codebook=codebooks.current(store),
        coder=coder,
        need_coder=need_coder,
    )


def import_codings(
    store: Store,
    path: str | Path,
    *,
    coder: str | None = None,
    id: str | None = None,
    question: str | None = None,
    code: str | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    primary: bool = False,
) -> dict[str, Any]:
    """Store the codings of ``path`` as ``coder``'s (or as the coders the file names: the
    users of a ``.qdpx``, a coder column); ``primary`` makes the coder the primary one.
    Returns what was stored: the run id and, per coder, answers, answers with no code,
    codings and replaced answers (coded by that coder before)."""
    from ..project import codings

    res = read_for_project(
        store, path, coder=coder, id=id, question=question, code=code, sheet=sheet,
        encoding=encoding,
    )  # fmt: skip
    if primary and len(res.coded) != 1:
        raise InputError(
            f"{Path(path).name} holds {len(res.coded)} coders' work; the primary coder is one",
            "name the coder to import (and make primary), or set it afterwards "
            "(autocode coders primary NAME)",
        )
    params: dict[str, Any] = {
        "kind": "codings",
        "file": str(path),
        "sha256": res.sha256,
        "format": res.format,
        "coder": sorted(res.coded)[0] if len(res.coded) == 1 else sorted(res.coded),
    }
    stored: list[dict[str, Any]] = []
    with store.transaction():
        run_id = store.start_run("import", params, input_hash=res.sha256)
        for who, work in res.coded.items():
            n = codings.replace_human(store, who, work, run_id=run_id)
            stored.append(
                {
                    "coder": who,
                    "answers": n["answers"],
                    "no_code": sum(1 for codes in work.values() if not codes),
                    "codings": n["codings"],
                    "replaced": n["replaced"],
                }
            )
        if primary:
            codings.set_primary(store, next(iter(res.coded)))
        store.update_run_params(run_id, {**params, "counts": stored})
        store.finish_run(run_id)
    return {
        "run_id": run_id,
        "file": str(path),
        "sha256": res.sha256,
        "format": res.format,
        "coders": stored,
        "primary": codings.primary_coder(store),
    }


def coder_table(store: Store) -> list[dict[str, Any]]:
    """Every coder with stored work: name, kind (human, machine, reconciled), answers
    coded, codings (codes present), first coded (UTC), primary (bool)."""
    from ..project import codings

    primary = codings.primary_coder(store)
    out = []
    for c in codings.coders(store):
        kind = (
            "machine"
            if c["source"] == codings.MACHINE_SOURCE
            else "reconciled"
            if c["coder"] == codings.RECONCILED
            else "human"
        )
        out.append(
            {
                "coder": c["coder"],
                "kind": kind,
                "answers": int(c["answers"]),
                "codings": int(c["codings"]),
                "first_coded": c["first"],
                "primary": kind == "human" and c["coder"] == primary,
            }
        )
    return out


def set_primary(store: Store, coder: str) -> str:
    """Make ``coder`` (a human coder with stored work) the primary coder."""
    from ..errors import NotFoundError
    from ..project import codings

    humans = [c for c in codings.human_coders(store) if c != codings.RECONCILED]
    match = [h for h in humans if h == coder]
    match = match or [h for h in humans if h.casefold() == coder.casefold()]
    if not match:
        raise NotFoundError(
            f"no human coder {coder!r} in the project"
            + (f" (coders: {', '.join(humans)})" if humans else ""),
            "import the coder's work first (autocode codings import FILE --coder NAME)",
        )
    codings.set_primary(store, match[0])
    return match[0]


def save_answer(store: Store, coder: str, answer: str, codes: list[str]) -> dict[str, Any]:
    """One answer's codes by a named coder (the workbench's coding screen; an empty list:
    coded, no code applies). Checked exactly as a row of an imported file is
    (:func:`.resolve.resolve`: the answer is the project's, each code is a codable code of
    the codebook that applies to the answer's question) and stored by the same writer
    (:func:`autocode.project.codings.replace_human`), replacing that coder's earlier coding
    of the answer. Returns the answer id, the coder, the codes stored and whether it was
    coded before."""
    from .. import codebook as codebooks
    from ..project import codings, responses
    from .read import RawCodings, Row
    from .resolve import resolve

    who = codings.check_coder_name(coder)
    rows = [Row(f"code {c!r}", str(answer), None, str(c)) for c in dict.fromkeys(codes)]
    raw = RawCodings(
        path="the coding screen",
        sha256="",
        format="long",
        rows=rows or [Row("the answer", str(answer), None, None)],
    )
    res = resolve(
        raw,
        responses.load(store),
        labels=responses.question_labels(store),
        codebook=codebooks.current(store),
        coder=who,
    )
    work = res.coded[who]
    n = codings.replace_human(store, who, work)
    rid = next(iter(work))
    return {"answer": rid, "coder": who, "codes": list(work[rid]), "replaced": n["replaced"] > 0}
