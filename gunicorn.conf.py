"""Production server settings for ``make serve`` (gunicorn --config gunicorn.conf.py).

Threads, not processes, carry the load: the public pages are served from memory, so a
request is a few dictionary lookups and a socket write. One process per core keeps the
cache count (and renders after a change) low; threads keep slow clients from blocking.
"""

import gc
import os
import subprocess
import sys

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


# HERALD_WORKER_PROCESS=true (the default): the master starts one ``herald worker``
# process of its own at a lower CPU priority, instead of the worker threads in each web
# process. Sending, polling vendors' feeds and settling never hold a web process's GIL
# (with them in the web processes, bench/signals.py measured an alert webhook's p99 at
# 56 ms; on their own, 19 ms), and under a traffic spike the kernel serves the page
# first; the fan-out takes the CPU the page leaves. ``false``: the threads in each web
# process, as ``herald demo`` runs them.
WORKER_PROCESS = os.environ.get("HERALD_WORKER_PROCESS", "true").strip().lower()
if WORKER_PROCESS not in ("true", "false"):
    raise SystemExit(f"HERALD_WORKER_PROCESS must be true or false, got {WORKER_PROCESS!r}")
WORKER_NICE = int(os.environ.get("HERALD_WORKER_NICE", "5"))
_worker_process = None


def when_ready(server):
    """Start the worker process (HERALD_WORKER_PROCESS=true with the embedded worker on)."""
    global _worker_process
    embedded = os.environ.get("HERALD_EMBEDDED_WORKER", "true").strip().lower() == "true"
    if WORKER_PROCESS != "true" or not embedded:
        return
    herald = os.path.join(os.path.dirname(sys.executable), "herald")
    _worker_process = subprocess.Popen([herald, "worker"], preexec_fn=lambda: os.nice(WORKER_NICE))
    server.log.info("herald worker started (pid %s, nice %s)", _worker_process.pid, WORKER_NICE)


def on_exit(server):
    """Stop the worker process with the master (SIGTERM: it finishes the batch in hand)."""
    if _worker_process is not None and _worker_process.poll() is None:
        _worker_process.terminate()
        try:
            _worker_process.wait(timeout=graceful_timeout)
        except subprocess.TimeoutExpired:
            _worker_process.kill()


def post_worker_init(worker):
    """Start the embedded worker thread in each web process unless told not to (or the
    master runs it as a process of its own)."""
    # The loaded app is ~140,000 long-lived objects; a full garbage collection walks them
    # all (tens of ms holding the GIL, stalling every thread of the process: the p99).
    # Freezing them once, after loading, keeps them out of every later collection.
    gc.collect()
    gc.freeze()
    app = worker.wsgi
    flask_app = getattr(app, "config", None) and app
    if (
        flask_app is not None
        and flask_app.config.get("EMBEDDED_WORKER")
        and WORKER_PROCESS != "true"
    ):
        from subscribers.worker import start_embedded_worker

        start_embedded_worker(flask_app)
