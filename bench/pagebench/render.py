"""The uncached render of ``/``, measured in-process, and its breakdown."""

from __future__ import annotations

import gzip
import statistics
import time
from collections.abc import Callable


def measure_render(renders: int) -> dict[str, float]:
    """Median of uncached ``/`` renders through the test client, and a breakdown."""
    from app import create_app
    from app.public.routes import render_index
    from app.status.reads import current_summary
    from core.db import db

    app = create_app()
    cache = app.extensions["herald_page_cache"]
    client = app.test_client()
    headers = {"Accept-Encoding": "gzip"}

    def timed(
        fn: Callable[[], object], count: int, setup: Callable[[], None] | None = None
    ) -> list[float]:
        """Milliseconds per call of ``fn``; ``setup`` runs before each, outside the timing."""
        result = []
        for _ in range(count):
            if setup is not None:
                setup()
            start = time.perf_counter()
            fn()
            result.append((time.perf_counter() - start) * 1000)
        return result

    def uncached_get():
        cache.clear()
        response = client.get("/", headers=headers)
        assert response.status_code == 200, response.status_code
        assert response.headers.get("Content-Encoding") == "gzip"

    timed(uncached_get, 5)  # template compile, first queries
    before = cache.renders
    cpu_before = time.process_time()
    get_ms = timed(uncached_get, renders)
    get_cpu_ms = (time.process_time() - cpu_before) * 1000 / renders
    assert cache.renders - before == renders, "the cache did not render every time"

    def fresh(fn: Callable[[], object]) -> Callable[[], None]:
        """``fn`` with a new database session each time, as in a request."""

        def run() -> None:
            try:
                fn()
            finally:
                db.session.remove()

        return run

    with app.test_request_context("/"):
        # current_summary memoises the summary per content version in the page cache:
        # clear it (memoised objects too) before each call, so that each builds anew.
        builds = cache.builds
        summary_ms = timed(fresh(lambda: current_summary("public")), renders, cache.clear)
        render_ms = timed(fresh(lambda: render_index("public")), renders, cache.clear)
        assert cache.builds - builds == 2 * renders, "the summary was not built every time"
        page = render_index("public")
        gzip_ms = timed(lambda: gzip.compress(page.body, compresslevel=6, mtime=0), renders)
        db.session.remove()
        db.engine.dispose()
    return {
        "get": statistics.median(get_ms),
        "get_cpu": get_cpu_ms,
        "get_p90": sorted(get_ms)[int(len(get_ms) * 0.9)],
        "summary": statistics.median(summary_ms),
        "render": statistics.median(render_ms),
        "gzip": statistics.median(gzip_ms),
        "bytes": len(page.body),
    }
