"""The parts of the signals benchmark (bench/signals.py), one module per concern:

- ``vendors``: the fake vendors (200 status documents on one local server: Statuspage
  summaries, RSS and Atom feeds; some slow, some failing) and the one that flips;
- ``watch``: what the benchmark reads back from Herald (the sources' last polls through
  the management API, a component's status on the internal page as staff see it);
- ``alerts``: Alertmanager's deliveries at a fixed rate, each one timed.

Importing the package puts the repository root (and bench/) on ``sys.path`` so that
``app``, ``tests.fakes``, ``drillkit`` and ``pagebench`` import.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
