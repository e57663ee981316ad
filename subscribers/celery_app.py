"""Celery for the scaled-out path: the same jobs as the embedded worker, as tasks.

``celery -A wsgi.celery worker`` runs them; add ``-B`` (or run ``celery -A wsgi.celery
beat`` once) for the periodic jobs.

Celery is an extra (``pip install 'herald[celery]'``): the embedded default runs without
it, and only a configured HERALD_CELERY_BROKER_URL asks for it.
"""

from __future__ import annotations

from flask import Flask

CELERY_MISSING = (
    "HERALD_CELERY_BROKER_URL is set, but Celery is not installed: install Herald with "
    "its celery extra (pip install 'herald[celery]'), or unset HERALD_CELERY_BROKER_URL "
    "to run the embedded worker."
)

try:
    from celery import Celery, Task
except ImportError:  # the extra is not installed; make_celery says so if asked
    Celery = Task = None


def make_celery(app: Flask) -> Celery:
    """The Celery app for ``app``; a RuntimeError naming the fix when Celery is missing."""
    if Celery is None:
        raise RuntimeError(CELERY_MISSING)

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=app.config.get("CELERY_BROKER_URL") or "memory://",
        result_backend=app.config.get("CELERY_RESULT_BACKEND") or None,
        task_ignore_result=True,
        # A task is acknowledged when done, so a worker that dies mid-task loses nothing;
        # the jobs are safe to run twice.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        task_default_queue=app.config.get("CELERY_QUEUE") or "herald",
        beat_schedule={
            "herald-periodic": {"task": "herald.periodic", "schedule": 5.0},
            "herald-periodic-slow": {"task": "herald.periodic_slow", "schedule": 5.0},
        },
        imports=("subscribers.tasks",),
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
