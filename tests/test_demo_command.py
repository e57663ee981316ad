"""``make demo`` as a newcomer runs it: ``herald demo`` on a fresh checkout (no instance
folder yet) migrates, loads Brightwave, serves on the port asked for, and its links point
at that port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.error
import urllib.request

import pytest

from tests.demo_process import HERALD, running_demo

pytestmark = pytest.mark.demo_process


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_herald_demo_serves_the_demo_company_on_a_fresh_checkout(tmp_path):
    instance = tmp_path / "checkout" / "instance"  # does not exist yet
    with running_demo(instance) as demo:
        status, body = get(demo.base + "/")
        assert status == 200
        assert b"Brightwave Status" in body
        status, body = get(demo.base + "/api/v2/summary.json")
        assert status == 200
        assert json.loads(body)["page"]["url"] == demo.base
        assert (instance / "herald.db").is_file()
        # Other commands print URLs on the demo's port (found by a new user: port 5000).
        assert (instance / "demo_url").read_text().strip() == demo.base
    assert "Demo staff sign-ins" in demo.output and "admin@example.com" in demo.output
    assert f"{demo.base}/p/sign-in/" in demo.output  # the private page's viewer
    assert f"{demo.base}/" in demo.output
    # Where its messages can be read (found by a new user, who had to search for them).
    assert f"emails as .eml files in {instance / 'outbox'}" in demo.output
    assert f"SMS as lines of {instance / 'sms.log'}" in demo.output


@pytest.mark.parametrize(
    ("host", "in_links"),
    [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"), ("::1", "[::1]")],
)
def test_links_name_a_host_a_browser_can_reach(host, in_links):
    from app.cli import _link_host

    assert _link_host(host) == in_links


def test_a_taken_port_stops_the_demo_before_it_announces_writes_or_sends(tmp_path):
    """Found by a new user: with the port taken, the demo said it was serving, and its
    worker sent the seeded messages with links to a port it never served on."""
    instance = tmp_path / "instance"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    environ["HERALD_INSTANCE_PATH"] = str(instance)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(HERALD), "demo", "--port", str(port)],
            env=environ,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert f"Cannot serve on 127.0.0.1:{port}" in done.stderr
    assert "PORT=<port> make demo" in done.stderr
    assert "serving the demo" not in done.stdout
    assert not (instance / "herald.db").exists() and not (instance / "demo_url").exists()
