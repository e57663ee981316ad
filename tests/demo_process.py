"""``herald demo`` as a separate process, as a newcomer starts it, for the tests that
need the real command: started on a free port with its own instance folder, waited for
until it answers, stopped with Ctrl-C; what it printed is kept."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.fakes import free_port
from tests.waiting import wait_until

# Generous: a loaded machine (both CI runs side by side) can be slow to shut down.
STOP_SECONDS = 60
HERALD = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "herald"


@dataclass
class Demo:
    base: str
    port: int
    output: str = ""  # what it printed, once stopped


@contextlib.contextmanager
def running_demo(instance: Path):
    """Yield a Demo answering at ``demo.base``; its ``output`` is filled on exit."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HERALD_")}
    environ.update(HERALD_INSTANCE_PATH=str(instance), HERALD_EMBEDDED_WORKER="false")
    process = subprocess.Popen(
        [str(HERALD), "demo", "--port", str(port)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    demo = Demo(f"http://127.0.0.1:{port}", port)

    def answers() -> bool:
        assert process.poll() is None, process.stdout.read().decode()
        try:
            urllib.request.urlopen(demo.base + "/", timeout=5).close()
        except (urllib.error.URLError, ConnectionError):
            return False
        return True

    try:
        wait_until(answers, 120, "the demo to answer", interval=0.25)
        yield demo
    finally:
        process.send_signal(signal.SIGINT)
        try:
            demo.output = process.communicate(timeout=STOP_SECONDS)[0].decode()
        except subprocess.TimeoutExpired:
            # Never leave it running (it would outlive the test and be blamed on another).
            process.kill()
            demo.output = process.communicate()[0].decode()
            raise AssertionError(
                f"herald demo did not stop within {STOP_SECONDS} s of Ctrl-C:\n{demo.output}"
            ) from None
