"""``make demo`` as a newcomer runs it: ``herald demo`` on a fresh checkout (no instance
folder yet) migrates, loads Brightwave, serves on the port asked for, and its links point
at that port."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.demo_process import running_demo

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
    assert "Demo staff sign-ins" in demo.output and "admin@example.com" in demo.output
    assert f"{demo.base}/p/sign-in/" in demo.output  # the private page's viewer
    assert f"{demo.base}/" in demo.output


@pytest.mark.parametrize(
    ("host", "in_links"),
    [("127.0.0.1", "127.0.0.1"), ("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"), ("::1", "[::1]")],
)
def test_links_name_a_host_a_browser_can_reach(host, in_links):
    from app.cli import _link_host

    assert _link_host(host) == in_links
