"""Production server settings for ``make serve`` (gunicorn --config gunicorn.conf.py).

Threads, not processes, carry the load: the public pages are served from memory, so a
request is a few dictionary lookups and a socket write. One process per core keeps the
cache count (and renders after a change) low; threads keep slow clients from blocking.
"""

import gc
import os

bind = os.environ.get("HERALD_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("HERALD_WEB_PROCESSES", os.cpu_count() or 2))
worker_class = "gthread"
threads = int(os.environ.get("HERALD_WEB_THREADS", "8"))
# Keep-alive lets a CDN or load balancer reuse connections.
keepalive = 5
timeout = 30
graceful_timeout = 20
# Access logs cost about a tenth of the throughput; a CDN or proxy usually keeps them.
accesslog = os.environ.get("HERALD_ACCESS_LOG") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("HERALD_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Start the embedded worker thread in each web process unless told not to."""
    # The loaded app is ~140,000 long-lived objects; a full garbage collection walks them
    # all (tens of ms holding the GIL, stalling every thread of the process: the p99).
    # Freezing them once, after loading, keeps them out of every later collection.
    gc.collect()
    gc.freeze()
    app = worker.wsgi
    flask_app = getattr(app, "config", None) and app
    if flask_app is not None and flask_app.config.get("EMBEDDED_WORKER"):
        from subscribers.worker import start_embedded_worker

        start_embedded_worker(flask_app)
