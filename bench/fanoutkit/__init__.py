"""The parts of the fan-out benchmark (bench/fanout.py) and the spike (bench/spike.py),
one module per concern:

- ``seeding``: a fresh database, a million subscribers in one statement, the publish;
- ``stack``: the provider fakes and the workers (``herald worker`` or Celery), each in a
  process of its own;
- ``floor``: the same provider calls made directly, per channel, for the transport floor;
- ``results``: per-channel times read back from the deliveries, and the printed report.

Importing the package puts the repository root (and bench/) on ``sys.path`` so that
``app``, ``tests.fakes`` and ``pgschema`` import.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
os.environ.setdefault("HERALD_ENV", "development")

KEY_ACCOUNTS = 1000
SMS_CONCURRENCY = 8
SID, TOKEN, FROM = "AC" + "a1" * 16, "test-auth-token", "+14155550000"  # the fake's account


def email_address(i: int) -> str:
    """The i-th seeded email address (the floor sends to the same ones)."""
    return f"user{i:07d}@example.com"


def phone_number(i: int) -> str:
    """The i-th seeded phone number, counting email subscribers too."""
    return f"+1415{2000000 + i:07d}"
