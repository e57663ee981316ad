"""Celery for the scaled-out path: the same jobs as the embedded worker, as tasks.

``celery -A wsgi.celery worker`` runs them; add ``-B`` (or run ``celery -A wsgi.celery
beat`` once) for the periodic jobs.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask


def make_celery(app: Flask) -> Celery:
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
        beat_schedule={"herald-periodic": {"task": "herald.periodic", "schedule": 5.0}},
        imports=("subscribers.tasks",),
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
