"""The parts of the drill (bench/drill.py), one module per concern:

- ``stack``: the database, the SMTP sink and Twilio fake, the Herald server (gunicorn);
- ``seed``: the teams, components, subscribers and staff the drill's incident is about;
- ``client``: the management API as the drill calls it (token auth, JSON);
- ``check``: what each address received against what it should have, message by message.

Importing the package puts the repository root (and bench/) on ``sys.path`` so that
``app``, ``tests.fakes`` and ``pagebench`` import.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
