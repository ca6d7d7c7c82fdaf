"""The workbench's security model, in-process (Starlette's TestClient): the one-time token and
its cookie, Host and Origin checks, CSRF on every write, read-only mode, no CORS, escaping
of hostile answers and code names."""

from __future__ import annotations

import json
import sqlite3

import pytest
from _app_project import HOSTILE, PORT, build, cli, client, csrf
from starlette.testclient import TestClient

from autocode.app import create_app
from autocode.app.security import COOKIE, Guard

BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return build(tmp_path_factory.mktemp("app"))


def _decisions(project) -> int:
    con = sqlite3.connect(project)
    try:
        return con.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
    finally:
        con.close()


def _first_pending(project) -> str:
    con = sqlite3.connect(project)
    try:
        decided = {
            json.loads(p).get("suggestion") for (p,) in con.execute("SELECT payload FROM decisions")
        }
        ids = [r[0] for r in con.execute("SELECT id FROM suggestions ORDER BY rowid")]
    finally:
        con.close()
    return next(i for i in ids if i not in decided)


def test_without_the_token_or_its_cookie_every_request_is_refused(project):
    guard = Guard(port=PORT)
    c = TestClient(create_app(project, guard), base_url=BASE)
    for path in ("/", "/board", "/code", "/suggestion/S1", "/static/htmx.min.js"):
        assert c.get(path).status_code == 403, path
    assert c.get("/?token=wrong").status_code == 403
    assert c.post("/decide", data={"action": "reject", "sid": "S1"}).status_code == 403
    c.cookies.set(COOKIE, "forged")
    assert c.get("/").status_code == 403
    assert _decisions(project) == 0


def test_the_token_is_spent_once_for_an_httponly_samesite_strict_cookie(project):
    guard = Guard(port=PORT)
    c = TestClient(create_app(project, guard), base_url=BASE)
    r = c.get(f"/board?token={guard.token}&question=x", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/board?question=x"  # the token leaves the address bar
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert guard.token not in cookie
    c.cookies.set(COOKIE, r.cookies[COOKIE])
    assert c.get("/").status_code == 200
    other = TestClient(create_app(project, guard), base_url=BASE)
    assert other.get(f"/?token={guard.token}").status_code == 403  # used already


@pytest.mark.parametrize(
    "host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:9", f"0.0.0.0:{PORT}", ""]
)
def test_a_foreign_host_header_is_refused_dns_rebinding(project, host):
    c, _ = client(project)
    assert c.get("/", headers={"host": host}).status_code == 400


def test_localhost_is_a_valid_host(project):
    c, _ = client(project)
    assert c.get("/", headers={"host": f"localhost:{PORT}"}).status_code == 200


def test_a_post_from_a_foreign_origin_is_refused_and_writes_nothing(project):
    c, g = client(project)
    before = _decisions(project)
    sid = _first_pending(project)
    for origin in ("http://evil.example", f"http://127.0.0.1:{PORT + 1}", "null"):
        r = c.post(
            "/decide",
            data={"csrf": csrf(g), "action": "reject", "sid": sid},
            headers={"origin": origin},
        )
        assert r.status_code == 403, origin
    assert _decisions(project) == before


def test_every_post_needs_the_sessions_csrf_token(project):
    c, g = client(project)
    before = _decisions(project)
    sid = _first_pending(project)
    assert c.post("/decide", data={"action": "reject", "sid": sid}).status_code == 403
    r = c.post("/decide", data={"csrf": "x" * 32, "action": "reject", "sid": sid})
    assert r.status_code == 403
    _other, g2 = client(project)  # another session's token is not this one's
    r = c.post("/decide", data={"csrf": csrf(g2), "action": "reject", "sid": sid})
    assert r.status_code == 403
    assert c.post("/coder", data={"coder": "alice"}).status_code == 403
    assert _decisions(project) == before
    # the header htmx sends works as the form field does
    r = c.post(
        "/decide",
        data={"action": "reject", "sid": sid},
        headers={"x-csrf-token": csrf(g), "origin": BASE},
    )
    assert r.status_code == 200
    assert _decisions(project) == before + 1


def test_read_only_refuses_every_write_and_hides_the_write_controls(project):
    c, g = client(project, read_only=True)
    before = _decisions(project)
    sid = _first_pending(project)
    r = c.post("/decide", data={"csrf": csrf(g), "action": "reject", "sid": sid})
    assert r.status_code == 403
    assert c.post("/coder", data={"csrf": csrf(g), "coder": "alice"}).status_code == 403
    assert _decisions(project) == before
    board = c.get("/board").text
    assert "read-only" in board
    assert 'action="/decide"' not in board
    assert "<button" not in board.split("</form>", 1)[1]  # only the find form has one


def test_no_response_carries_cors_headers(project):
    c, g = client(project)
    heads = [
        c.get("/", headers={"origin": BASE}),
        c.get("/board", headers={"origin": "http://evil.example"}),
        c.get("/static/htmx.min.js"),
        c.options("/", headers={"origin": "http://evil.example"}),
        c.post("/coder", data={"csrf": csrf(g), "coder": "alice"}, headers={"origin": BASE}),
    ]
    for r in heads:
        assert not any(k.lower().startswith("access-control-") for k in r.headers), r.headers
    assert "frame-ancestors 'self'" in heads[0].headers["content-security-policy"]


def _hostile_ids(project) -> dict[str, tuple[str, str, bool]]:
    """hostile text -> (answer id, question, member of a suggestion), read with sqlite3."""
    con = sqlite3.connect(project)
    try:
        out = {}
        for h in HOSTILE:
            rid, q = con.execute(
                "SELECT id, question FROM responses WHERE text = ?", (h,)
            ).fetchone()
            member = con.execute(
                "SELECT COUNT(*) FROM suggestion_members WHERE response_id = ?", (rid,)
            ).fetchone()[0]
            out[h] = (rid, q, member > 0)
    finally:
        con.close()
    return out


def _escaped(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace('"', "&#34;").replace("'", "&#39;")
    )  # fmt: skip


def test_hostile_answers_and_code_names_are_shown_as_text(project):
    c, g = client(project)
    hostile = _hostile_ids(project)
    assert any(m for _, _, m in hostile.values())  # some are on the board
    c.post("/coder", data={"csrf": csrf(g), "coder": "alice"})
    for text, (rid, q, member) in hostile.items():
        pages = [c.get("/code", params={"at": rid, "source": "next"}).text]
        if member:
            board = c.get("/board", params={"question": q, "find": text[:12]}).text
            assert _escaped(text) in board
            pages.append(board)
        assert _escaped(text) in pages[0]
        for html in pages:
            assert text not in html
            assert "<img" not in html
            assert "<script>alert" not in html
    # a hostile code name typed in the board: stored as typed, shown as text
    sid = _first_pending(project)
    name = "<b onmouseover=alert(2)>=SUM(A1)</b>"
    r = c.post("/decide", data={"csrf": csrf(g), "action": "accept", "sid": sid, "name": name})
    assert r.status_code == 200
    assert name not in r.text
    assert "&lt;b onmouseover=alert(2)&gt;=SUM(A1)&lt;/b&gt;" in r.text
    r = cli("decisions", "--json", "-p", project)
    assert r.returncode == 0, r.stderr
    assert any(d["payload"].get("name") == name for d in json.loads(r.stdout))
    c.post("/coder", data={"csrf": csrf(g), "coder": "<i>eve</i>"})
    page = c.get("/code").text
    assert "<i>eve</i>" not in page
    assert "&lt;i&gt;eve&lt;/i&gt;" in page


def test_a_bad_coder_name_and_unknown_pages_get_one_line_not_a_traceback(project):
    c, g = client(project)
    for bad in ("a\x00b", "=cmd\x00"):
        r = c.post("/coder", data={"csrf": csrf(g), "coder": bad})
        assert r.status_code == 200
        assert "not usable" in r.text
        assert c.get("/board", params={"find": bad, "question": bad}).status_code == 200
        r = c.post("/decide", data={"csrf": csrf(g), "action": "reject", "sid": bad})
        assert r.status_code == 200
        assert "not done" in r.text
    r = c.post("/coder", data={"csrf": csrf(g), "coder": "autocode"})
    assert r.status_code == 200
    assert "reserved coder name" in r.text
    r = c.get("/suggestion/S999")
    assert r.status_code == 404
    assert "no suggestion" in r.text
    assert "Traceback" not in r.text
    assert c.get("/nowhere").status_code == 404
