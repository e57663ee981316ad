"""Entry points: ``gunicorn wsgi:app`` and ``celery -A wsgi.celery worker``."""

from app import create_app
from subscribers.celery_app import make_celery

app = create_app()
# Only with HERALD_CELERY_BROKER_URL: the embedded default needs no Celery installed.
celery = make_celery(app) if app.config.get("CELERY_BROKER_URL") else None
