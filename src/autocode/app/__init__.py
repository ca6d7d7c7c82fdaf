"""``autocode app``: the study in a local browser workbench.

A Starlette (ASGI) app served by uvicorn on 127.0.0.1 only, rendering Jinja2 templates
(autoescaped) with a vendored htmx (``static/htmx.min.js``): no CDN, no build step, works
offline. Every request passes :class:`~.security.GuardMiddleware` (Host and Origin checks,
the one-time token exchanged for a session cookie, CSRF on every write, ``--read-only``).
Every action is a library call the CLI also makes (:mod:`.routes`), so a decision made in
the browser is in ``autocode decisions`` at once, and the other way round.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from starlette.applications import Starlette

    from .security import Guard

HERE = Path(__file__).parent


def create_app(project: str | Path, guard: Guard) -> Starlette:
    """The ASGI app for ``project`` behind ``guard``."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles
    from starlette.templating import Jinja2Templates

    from .routes import Pages
    from .security import GuardMiddleware

    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
    templates = Jinja2Templates(env=env)
    pages = Pages(Path(project), templates, guard.read_only)
    routes = [
        Route("/", pages.overview),
        Route("/board", pages.board),
        Route("/suggestion/{sid}", pages.members),
        Route("/code", pages.code),
        Route("/codebook", pages.codebook),
        Route("/codebook/download/{fmt}", pages.codebook_download),
        Route("/define", pages.define, methods=["POST"]),
        Route("/scope", pages.scope, methods=["POST"]),
        Route("/codebook/import", pages.codebook_import, methods=["POST"]),
        Route("/agree", pages.agree),
        Route("/report", pages.report),
        Route("/report/view", pages.report_view),
        Route("/report/download/{fmt}", pages.report_download),
        Route("/reconcile", pages.reconcile, methods=["POST"]),
        Route("/decide", pages.decide, methods=["POST"]),
        Route("/move", pages.move, methods=["POST"]),
        Route("/coder", pages.set_coder, methods=["POST"]),
        Route("/code/save", pages.save, methods=["POST"]),
        Route("/code/back", pages.back, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(GuardMiddleware, guard=guard)])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(
    project: str | Path,
    *,
    port: int | None = None,
    read_only: bool = False,
    open_browser: bool = True,
    say=print,
    started=None,
) -> None:
    """Serve the workbench on 127.0.0.1 until Ctrl-C; prints the URL with its token
    (``started``: called with ``{"url", "port", "project", "read_only"}`` instead)."""
    import uvicorn

    from ..project import open_store
    from .security import Guard

    open_store(project, create=False, readonly=True).close()  # a clear error before serving
    if port is not None and not 0 < port < 65536:
        raise InputError(f"--port must be 1-65535, got {port}")
    guard = Guard(port=port or free_port(), read_only=read_only)
    app = create_app(project, guard)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=guard.port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    mode = " (read-only)" if read_only else ""
    if started is not None:
        started(
            {
                "url": guard.url(),
                "port": guard.port,
                "project": str(project),
                "read_only": read_only,
            }
        )
    else:
        say(f"autocode workbench for {project}{mode}: open {guard.url()}")
        say("the link works once, in one browser; Ctrl-C stops the server")
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(0.5, lambda: webbrowser.open(guard.url())).start()
    server.run()
