"""The parts of the page benchmark (bench/page.py), one module per concern:

- ``seed``: the seeded page (groups, components, dependencies, incidents);
- ``servers``: child processes, gunicorn start and stop, free ports, HTTP GETs;
- ``load``: wrk runs and their parsing, the servers' CPU accounting;
- ``render``: the in-process uncached render of ``/`` and its breakdown;
- ``changes``: the change loop (a child process) and the propagation pollers.

Importing the package puts the repository root on ``sys.path`` so that ``app`` imports.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BENCH = ROOT / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
