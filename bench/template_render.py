"""Template render benchmark: the cost of the sandbox's limits on ordinary templates.

    .venv/bin/python bench/template_render.py [--rounds N]

Renders every field of every shipped message template (templates/comms/) with its
audience's sample facts, through ``app.comms.sandbox.render_text`` (whitelist, size
checks, build count and CPU budget), and through a plain sandbox with Jinja's defaults
and none of Herald's limits, for the floor. Prints the best of N rounds as one line:
``template_render: <F> fields, <S> µs per field (plain sandbox <P> µs, ratio <R>)``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("HERALD_ENV", "testing")

from jinja2 import StrictUndefined  # noqa: E402
from jinja2.sandbox import SandboxedEnvironment  # noqa: E402

from app import create_app  # noqa: E402
from app.comms import templating  # noqa: E402
from app.comms.context import sample_context  # noqa: E402
from app.comms.phases import FIELDS, TEMPLATE_PHASES  # noqa: E402
from app.comms.sandbox import render_text  # noqa: E402
from app.comms.template_filters import and_list  # noqa: E402


def best_of(rounds: int, render, jobs) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for text, context in jobs:
            render(text, context)
        best = min(best, time.perf_counter() - start)
    return best / len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    plain = SandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    plain.filters["and_list"] = and_list
    with create_app().app_context():
        jobs = [
            (templating.default_source(audience, phase)[name], sample_context(audience))
            for audience, phases in TEMPLATE_PHASES.items()
            for phase in phases
            for name in FIELDS
        ]
        compiled = {text: plain.from_string(text) for text, _ in jobs}
        limited = best_of(args.rounds, render_text, jobs)
        floor = best_of(args.rounds, lambda text, context: compiled[text].render(context), jobs)
    print(
        f"template_render: {len(jobs)} fields, {limited * 1e6:.0f} µs per field "
        f"(plain sandbox {floor * 1e6:.0f} µs, ratio {limited / floor:.2f})"
    )


if __name__ == "__main__":
    main()
