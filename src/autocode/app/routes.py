"""The workbench's pages and actions. Each action is one library call, the same the CLI
makes (:mod:`autocode.review` for decisions, :func:`autocode.codings.store.save_answer` for
a coder's codes); a refusal (:class:`~autocode.errors.AutocodeError`) becomes a one-line
message on the page it came from, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..errors import AutocodeError
from . import views

if TYPE_CHECKING:  # pragma: no cover
    from starlette.templating import Jinja2Templates

    from ..project import Store
    from .security import Session


class Pages:
    """The handlers, bound to one project file and the app's templates."""

    def __init__(self, project: Path, templates: Jinja2Templates, read_only: bool):
        self.project = project
        self.templates = templates
        self.read_only = read_only

    @contextmanager
    def store(self, write: bool = False) -> Iterator[Store]:
        from ..project import open_store

        s = open_store(self.project, create=False, readonly=not write)
        try:
            yield s
        finally:
            s.close()

    def render(self, request: Request, name: str, ctx: dict[str, Any], status: int = 200):
        session = _session(request)
        flash, session.flash = list(session.flash), []
        return self.templates.TemplateResponse(
            request,
            name,
            {
                **ctx,
                "csrf": session.csrf,
                "coder": session.coder,
                "read_only": self.read_only,
                "flash": flash,
                "project": self.project.name,
            },
            status_code=status,
        )

    def page(self, request: Request, name: str, build: Callable[[Store], dict[str, Any]]):
        try:
            with self.store() as s:
                ctx = build(s)
        except AutocodeError as e:
            return self.render(request, "error.html", {"message": _line(e)}, status=404)
        return self.render(request, name, ctx)

    # -- pages -----------------------------------------------------------------------------
    async def overview(self, request: Request) -> Response:
        return self.page(request, "overview.html", views.overview)

    async def board(self, request: Request) -> Response:
        p = request.query_params
        return self.page(
            request,
            "board.html",
            lambda s: views.board(s, p.get("question"), p.get("find", ""), p.get("run")),
        )

    async def members(self, request: Request) -> Response:
        p = request.query_params
        sid = request.path_params["sid"]
        page = int(p["page"]) if p.get("page", "").isdigit() else 1
        return self.page(
            request,
            "members.html",
            lambda s: views.members_page(s, sid, page, p.get("find", ""), p.get("run")),
        )

    async def code(self, request: Request) -> Response:
        p = request.query_params
        source = p.get("source", "next")
        session = _session(request)
        if not session.coder:
            return self.render(request, "coder.html", {"source": source})
        return self.page(
            request,
            "code.html",
            lambda s: (
                views.coding_item(s, str(session.coder), source, p.get("at"), p.get("after"))
                | {
                    "sources": views.SOURCES,
                    "back": session.history[-1] if session.history else None,
                }
            ),
        )

    async def agree(self, request: Request) -> Response:
        p = request.query_params
        return self.page(
            request, "agree.html", lambda s: views.agreement(s, p.get("a"), p.get("b"))
        )

    async def codebook(self, request: Request) -> Response:
        return self.page(request, "codebook.html", views.codebook_view)

    async def codebook_download(self, request: Request) -> Response:
        """``autocode codebook export --format F`` as a download."""
        from ..codebook import dumps, load

        fmt = request.path_params["fmt"]
        if fmt not in CODEBOOK_FORMATS:
            return HTMLResponse("unknown format", status_code=404)
        try:
            with self.store() as s:
                data = dumps(load(s), fmt)
        except AutocodeError as e:
            return self.render(request, "error.html", {"message": _line(e)}, status=404)
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        kind = {"yaml": "application/yaml", "qdc": "application/xml", "csv": "text/csv"}[fmt]
        head = {"content-disposition": f'attachment; filename="codebook.{fmt}"'}
        return Response(raw, media_type=kind, headers=head)

    async def report(self, request: Request) -> Response:
        return self.render(request, "report.html", {"formats": REPORT_FORMATS})

    async def report_view(self, request: Request) -> Response:
        """The report itself, framed by /report: its own stylesheet, no script at all."""
        try:
            with self.store() as s:
                text = views.report_html(s)
        except AutocodeError as e:
            text = f"<!doctype html><p>{_escape(_line(e))}</p>"
        csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
        return HTMLResponse(text, headers={"content-security-policy": csp})

    async def report_download(self, request: Request) -> Response:
        """``autocode report --format F`` as a download (written to a temporary file)."""
        import tempfile

        from starlette.background import BackgroundTask
        from starlette.responses import FileResponse

        from ..report import build_report, write_report

        fmt = request.path_params["fmt"]
        if fmt not in REPORT_FORMATS:
            return HTMLResponse("unknown format", status_code=404)
        folder = Path(tempfile.mkdtemp(prefix="autocode-app-"))
        path = folder / f"report.{fmt}"
        try:
            with self.store() as s:
                write_report(build_report(s), path, fmt)
        except AutocodeError as e:
            _cleanup(folder)
            return self.render(request, "error.html", {"message": _line(e)}, status=404)
        return FileResponse(path, filename=path.name, background=BackgroundTask(_cleanup, folder))

    # -- actions ---------------------------------------------------------------------------
    async def decide(self, request: Request) -> Response:
        """accept / reject / split / merge / undo on the board, through :mod:`autocode.review`."""
        from .. import review

        form = await request.form()
        action = str(form.get("action", ""))
        run = str(form.get("run", "")) or None
        who = _session(request).coder
        back = "/board?" + urlencode({"question": str(form.get("question", "")), "run": run or ""})
        name = " ".join(str(form.get("name", "")).split()) or None
        try:
            with self.store(write=True) as s:
                if action == "accept":
                    d = review.accept(s, str(form["sid"]), name=name, run_id=run, user=who)
                elif action == "reject":
                    d = review.reject(s, str(form["sid"]), run_id=run, user=who)
                elif action == "split":  # re-clusters its members: 2-4 parts by silhouette
                    d = review.split(s, str(form["sid"]), run_id=run, user=who)
                elif action == "merge":
                    sids = [str(x) for x in form.getlist("sids")]
                    d = review.merge(s, sids, name=name, run_id=run, user=who)
                elif action == "undo":
                    d = review.undo(s, int(str(form["decision"])), user=who)
                else:
                    raise AutocodeError(f"unknown action {action!r}")
            _flash(request, f"decision #{d.id}: {d.action} {review.summary(d)}")
        except AutocodeError as e:
            _flash(request, "not done: " + _line(e))
        except (KeyError, ValueError):
            _flash(request, "not done: the form was incomplete")
        return RedirectResponse(back, status_code=303)

    async def move(self, request: Request) -> Response:
        """Ticked answers of one suggestion to another, or to an accepted code (``to`` is
        ``code:NAME``) (:func:`autocode.review.move`)."""
        from .. import review

        form = await request.form()
        source, run = str(form.get("from", "")), str(form.get("run", "")) or None
        to = str(form.get("to", ""))
        code = to[len("code:") :] if to.startswith("code:") else None
        try:
            with self.store(write=True) as s:
                d = review.move(
                    s,
                    [str(a) for a in form.getlist("answer")],
                    source,
                    None if code is not None else to,
                    to_code=code,
                    run_id=run,
                    user=_session(request).coder,
                )
            _flash(request, f"decision #{d.id}: move {review.summary(d)}")
        except AutocodeError as e:
            _flash(request, "not done: " + _line(e))
        back = f"/suggestion/{source}?" + urlencode({"run": run or ""})
        return RedirectResponse(back, status_code=303)

    async def set_coder(self, request: Request) -> Response:
        from ..project.codings import check_coder_name

        form = await request.form()
        source = str(form.get("source", "next"))
        try:
            _session(request).coder = check_coder_name(str(form.get("coder", "")))
            _session(request).history.clear()
        except AutocodeError as e:
            _flash(request, "not done: " + _line(e))
        return RedirectResponse("/code?" + urlencode({"source": source}), status_code=303)

    async def save(self, request: Request) -> Response:
        """One answer's codes for the session's coder (:func:`save_answer`), then the next."""
        from ..codings.store import save_answer

        form = await request.form()
        session = _session(request)
        source = str(form.get("source", "next"))
        rid = str(form.get("answer", ""))
        if not session.coder:
            return RedirectResponse("/code?" + urlencode({"source": source}), status_code=303)
        try:
            with self.store(write=True) as s:
                got = save_answer(s, session.coder, rid, [str(c) for c in form.getlist("code")])
            session.history.append(got["answer"])
            codes = "; ".join(got["codes"]) or "no code"
            _flash(request, f"saved {got['answer']}: {codes}")
            q = {"source": source, "after": rid}
        except AutocodeError as e:
            _flash(request, "not saved: " + _line(e))
            q = {"source": source, "at": rid}
        return RedirectResponse("/code?" + urlencode(q), status_code=303)

    async def define(self, request: Request) -> Response:
        """A code's definition, inclusion and exclusion (:func:`autocode.review.define`, as
        ``autocode define``): an undoable decision."""
        from .. import review

        form = await request.form()
        code = str(form.get("code", ""))
        texts = {k: str(form.get(k, "")).strip() for k in ("definition", "inclusion", "exclusion")}
        try:
            with self.store(write=True) as s:
                d = review.define(
                    s,
                    code,
                    texts["definition"] or None,
                    inclusion=texts["inclusion"],
                    exclusion=texts["exclusion"],
                    user=_session(request).coder,
                )
            _flash(request, f"decision #{d.id}: defined {code} (undo on the board's log)")
        except AutocodeError as e:
            _flash(request, "not done: " + _line(e))
        return RedirectResponse("/codebook", status_code=303)

    async def scope(self, request: Request) -> Response:
        """The questions a code applies to, from its checkboxes (:func:`autocode.review.scope`,
        as ``autocode scope``): an undoable decision; none ticked = every question."""
        from .. import review

        form = await request.form()
        code = str(form.get("code", ""))
        try:
            with self.store(write=True) as s:
                d = review.scope(
                    s,
                    code,
                    [str(q) for q in form.getlist("question")],
                    user=_session(request).coder,
                )
            _flash(request, f"decision #{d.id}: {review.summary(d)} (undo on the board's log)")
        except AutocodeError as e:
            _flash(request, "not done: " + _line(e))
        return RedirectResponse("/codebook", status_code=303)

    async def codebook_import(self, request: Request) -> Response:
        """Replace the codebook with an uploaded YAML/.qdc/CSV file
        (:func:`autocode.review.import_codebook`, as ``autocode codebook import --yes``)."""
        import tempfile

        from starlette.datastructures import UploadFile

        from ..codebook import format_of, read_file
        from ..review import import_codebook

        form = await request.form()
        up = form.get("file")
        if not isinstance(up, UploadFile) or not up.filename:
            _flash(request, "not done: choose a codebook file (.yaml, .qdc or .csv)")
            return RedirectResponse("/codebook", status_code=303)
        name = Path(up.filename).name
        folder = Path(tempfile.mkdtemp(prefix="autocode-app-"))
        try:
            path = folder / ("upload" + Path(name).suffix.lower())
            path.write_bytes(await up.read())
            new = read_file(path, format_of(path))
            with self.store(write=True) as s:
                d = import_codebook(s, new, source=name, user=_session(request).coder)
            _flash(
                request,
                f"imported {name}: {d.result['themes']} themes, {d.result['codes']} codes "
                f"(decision #{d.id}; undo restores the previous codebook)",
            )
        except AutocodeError as e:
            _flash(request, "not done: " + _line(e))
        finally:
            _cleanup(folder)
        return RedirectResponse("/codebook", status_code=303)

    async def reconcile(self, request: Request) -> Response:
        """Settle one disagreement with one coder's coding (:func:`autocode.reconcile.take`,
        as ``autocode reconcile --take CODER --answer ID``)."""
        from ..reconcile import take

        form = await request.form()
        a, b = str(form.get("a", "")), str(form.get("b", ""))
        back = "/agree?" + urlencode({"a": a, "b": b})
        try:
            with self.store(write=True) as s:
                got = take(
                    s,
                    str(form.get("coder", "")),
                    answer=str(form.get("answer", "")),
                    user=_session(request).coder,
                )
            for rid, codes in got["answers"].items():
                _flash(request, f"reconciled {rid}: {'; '.join(codes) or 'no code'}")
        except AutocodeError as e:
            _flash(request, "not done: " + _line(e))
        return RedirectResponse(back, status_code=303)

    async def back(self, request: Request) -> Response:
        """`u`: the answer coded last, to change it (saving again replaces its coding)."""
        form = await request.form()
        session = _session(request)
        source = str(form.get("source", "next"))
        q = {"source": source}
        if session.history:
            q["at"] = session.history.pop()
        return RedirectResponse("/code?" + urlencode(q), status_code=303)


REPORT_FORMATS = ("html", "md", "xlsx")
CODEBOOK_FORMATS = ("yaml", "qdc", "csv")


def _cleanup(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _session(request: Request) -> Session:
    return request.scope["state"]["session"]


def _flash(request: Request, text: str) -> None:
    _session(request).flash.append(text)


def _line(e: AutocodeError) -> str:
    return e.message + (f" — {e.hint}" if e.hint else "")


def not_found(request: Request, exc: Exception) -> Response:
    return HTMLResponse("not found", status_code=404)
