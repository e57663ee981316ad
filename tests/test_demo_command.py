"""``make demo`` as a newcomer runs it: ``herald demo`` on a fresh checkout (no instance
folder yet) migrates, loads Brightwave, serves on the port asked for, and its links point
at that port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.fakes import free_port
from tests.waiting import wait_until

HERALD = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "herald"


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_herald_demo_serves_the_demo_company_on_a_fresh_checkout(tmp_path):
    instance = tmp_path / "checkout" / "instance"  # does not exist yet
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    environ.update(HERALD_INSTANCE_PATH=str(instance), HERALD_EMBEDDED_WORKER="false")
    demo = subprocess.Popen(
        [str(HERALD), "demo", "--port", str(port)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def answers() -> bool:
            assert demo.poll() is None, demo.stdout.read().decode()
            try:
                get(base + "/")
            except (urllib.error.URLError, ConnectionError):
                return False
            return True

        wait_until(answers, 120, "the demo to answer", interval=0.25)
        status, body = get(base + "/")
        assert status == 200
        assert b"Brightwave Status" in body
        status, body = get(base + "/api/v2/summary.json")
        assert status == 200
        assert json.loads(body)["page"]["url"] == base
        assert (instance / "herald.db").is_file()
    finally:
        demo.send_signal(signal.SIGINT)
        output = demo.communicate(timeout=30)[0].decode()
    assert "Demo staff sign-ins" in output and "admin@example.com" in output
    assert f"http://127.0.0.1:{port}/" in output


@pytest.mark.parametrize(
    ("host", "in_links"),
    [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"), ("::1", "[::1]")],
)
def test_links_name_a_host_a_browser_can_reach(host, in_links):
    from app.cli import _link_host

    assert _link_host(host) == in_links
