"""The workbench's guard: who may talk to the local server, and which requests may write.

A browser can reach a server on 127.0.0.1 from any page it shows, so every request passes
these checks (an ASGI middleware in front of every route, static files included):

- **Host** must be ``127.0.0.1:PORT`` or ``localhost:PORT`` (a DNS-rebinding page names its
  own host) — else 400.
- **Origin**, when the browser sends one, must be one of those two origins — else 403.
- **Token**: the URL printed at start carries a one-time random token; the first request
  with it gets a session cookie (HttpOnly, SameSite=Strict) and a redirect to the same page
  without the token; the token is then spent. Every other request needs that cookie — else
  403.
- **CSRF**: every POST carries the session's CSRF token in the ``X-CSRF-Token`` header
  (htmx sends it from ``hx-headers``) or a ``csrf`` form field (a file upload: ``?csrf=``
  in the form's action) — else 403.
- **Read-only** (``--read-only``): every POST is refused (403).

Responses never carry CORS headers; they forbid framing by other pages, caching, and any
script not served by the workbench itself (Content-Security-Policy).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

COOKIE = "autocode_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEADERS = [
    (b"content-security-policy", b"default-src 'self'; frame-ancestors 'self'; form-action 'self'"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"x-content-type-options", b"nosniff"),
    # not no-referrer: with it Chrome sends `Origin: null` on a plain (not htmx) form POST,
    # which the origin check refuses (the back button, pressed before htmx had started)
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


@dataclass
class Session:
    """One browser's session: its CSRF token, the coder it codes as, and messages to show."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    coder: str | None = None
    flash: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)  # answers coded, for `u` (back)


@dataclass
class Guard:
    """The checks above, with the server's state (the token, the sessions)."""

    port: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    read_only: bool = False
    sessions: dict[str, Session] = field(default_factory=dict)
    spent: bool = False

    @property
    def hosts(self) -> set[str]:
        return {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}

    @property
    def origins(self) -> set[str]:
        return {f"http://{h}" for h in self.hosts}

    def url(self, host: str = "127.0.0.1") -> str:
        """The URL to open: the one-time token in it."""
        return f"http://{host}:{self.port}/?token={self.token}"

    def session_of(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        for sid, s in self.sessions.items():
            if hmac.compare_digest(sid, cookie):
                return s
        return None

    def exchange(self, token: str) -> str | None:
        """A new session id for the right token (once); None otherwise."""
        if self.spent or not hmac.compare_digest(token, self.token):
            return None
        self.spent = True
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = Session()
        return sid


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers") or []:
        out.setdefault(k.decode("latin-1").lower(), v.decode("latin-1"))
    return out


def _cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        k, _, v = part.strip().partition("=")
        if k:
            out.setdefault(k, v)
    return out


async def _plain(send: Send, status: int, text: str, extra: list | None = None) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *HEADERS,
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class GuardMiddleware:
    """ASGI middleware applying :class:`Guard` to every HTTP request."""

    def __init__(self, app: ASGIApp, guard: Guard):
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return  # no websockets
        g = self.guard
        h = _headers(scope)
        if h.get("host", "") not in g.hosts:
            await _plain(send, 400, "bad Host header: open the URL autocode app printed")
            return
        origin = h.get("origin")
        if origin is not None and origin not in g.origins:
            await _plain(send, 403, "requests from other sites are refused")
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or [""])[0]
        if token and scope["method"] == "GET":
            sid = g.exchange(token)
            if sid is None:
                await _plain(send, 403, "this link was used already: restart autocode app")
                return
            rest = {k: v for k, v in query.items() if k != "token"}
            where = scope.get("path", "/") + ("?" + urlencode(rest, doseq=True) if rest else "")
            cookie = f"{COOKIE}={sid}; HttpOnly; SameSite=Strict; Path=/"
            await send(
                {
                    "type": "http.response.start",
                    "status": 303,
                    "headers": [
                        (b"location", where.encode()),
                        (b"set-cookie", cookie.encode()),
                        (b"content-length", b"0"),
                        *HEADERS,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        session = g.session_of(_cookies(h.get("cookie", "")).get(COOKIE))
        if session is None:
            await _plain(send, 403, "no valid session: open the URL autocode app printed")
            return
        if scope["method"] not in ("GET", "HEAD"):
            if g.read_only:
                await _plain(send, 403, "the workbench is read-only (--read-only)")
                return
            checked = await _check_csrf(scope, receive, send, h, session)
            if checked is None:
                return
            receive = checked
        scope.setdefault("state", {})["session"] = session

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in have]  # a route's own CSP wins
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _check_csrf(
    scope: Scope, receive: Receive, send: Send, h: dict[str, str], session: Session
) -> Receive | None:
    """The request's receive (replayed) when its CSRF token is right; None after a 403."""
    given = h.get(CSRF_HEADER)
    chunks: list[bytes] = []
    more = True
    while more:
        msg = await receive()
        chunks.append(msg.get("body", b""))
        more = bool(msg.get("more_body"))
        if sum(map(len, chunks)) > 2_000_000:
            await _plain(send, 413, "request too large")
            return None
    body = b"".join(chunks)
    kind = h.get("content-type", "")
    if given is None and kind.startswith("multipart/form-data"):
        # a file upload without JS: the token rides in the form's action (?csrf=)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get(CSRF_FIELD) or [None])[0]
    if given is None and kind.startswith("application/x-www-form-urlencoded"):
        fields = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD) or []
        given = fields[0] if fields else None
    if not given or not hmac.compare_digest(given, session.csrf):
        await _plain(send, 403, "missing or wrong CSRF token: reload the page and try again")
        return None
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
