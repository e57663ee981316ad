"""Run one fake in a process of its own (for benchmarks, so that the fake and the code
under test do not share a GIL): ``python -m tests.fakes sendgrid|twilio|webhook|smtp``.

Prints the base URL (or ``host:port`` for smtp) on the first line, then serves without
recording until stdin closes or the process is terminated.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from tests.fakes import FakeSendGrid, FakeTwilio, SmtpSink, WebhookReceiver


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes")
    parser.add_argument("kind", choices=("sendgrid", "twilio", "webhook", "smtp"))
    parser.add_argument("--tls", action="store_true", help="webhook: serve HTTPS")
    args = parser.parse_args(argv)
    if args.kind == "smtp":
        fake = SmtpSink()
    elif args.kind == "sendgrid":
        fake = FakeSendGrid(record=False)
    elif args.kind == "twilio":
        fake = FakeTwilio(record=False)
    else:
        fake = WebhookReceiver(tls=args.tls, record=False)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with fake:
        if args.kind == "smtp":
            print(f"{fake.host}:{fake.port}", flush=True)
        else:
            extra = f" {fake.ca_path}" if args.kind == "webhook" and args.tls else ""
            print(f"{fake.url}{extra}", flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
        done.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
