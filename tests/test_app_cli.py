"""``autocode app`` through the console script: it serves on 127.0.0.1 only, prints its
one-time URL, refuses a request without the token, and stops cleanly on Ctrl-C; a missing
project or a bad port is one line, no traceback."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from _app_project import build, cli

from autocode.app import free_port

EXE = str(Path(sys.executable).with_name("autocode"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, headers: dict | None = None):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


def _other_address() -> str | None:
    """An address of this machine that is not loopback (None if it has none)."""
    try:
        addr = socket.gethostbyname(socket.gethostname())
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def _connects(addr: str, port: int) -> bool:
    try:
        socket.create_connection((addr, port), timeout=2).close()
    except OSError:
        return False
    return True


def test_app_serves_on_loopback_with_a_one_time_token_and_stops_on_ctrl_c(tmp_path):
    project = build(tmp_path)
    port = free_port()
    proc = subprocess.Popen(
        [EXE, "app", "-p", str(project), "--port", str(port), "--no-browser", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        doc = json.loads(proc.stdout.readline())
        assert doc["port"] == port
        assert doc["url"].startswith(f"http://127.0.0.1:{port}/?token=")
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                status, _ = _get(base + "/")
                break
            except OSError:  # not listening yet
                time.sleep(0.1)
        assert status == 403
        status, heads = _get(doc["url"])
        assert status == 303
        cookie = heads["set-cookie"].split(";")[0]
        assert _get(base + "/board", {"Cookie": cookie})[0] == 200
        assert _get(doc["url"])[0] == 403  # spent
        addr = _other_address()
        if addr is not None:  # loopback only: another address of the machine is refused
            assert not _connects(addr, port)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode in (0, 130), err
    assert "Traceback" not in err


def test_app_refuses_a_missing_project_and_a_bad_port_in_one_line(tmp_path):
    r = cli("app", "--no-browser", "-p", tmp_path / "nothing.db")
    assert r.returncode != 0
    assert r.stderr.startswith("error: no project at")
    assert len(r.stderr.strip().splitlines()) == 1
    project = build(tmp_path)
    r = cli("app", "--no-browser", "--port", "70000", "-p", project)
    assert r.returncode != 0
    assert "--port must be 1-65535" in r.stderr
    assert "Traceback" not in r.stderr
