"""Entry points: ``gunicorn wsgi:app`` and ``celery -A wsgi.celery worker``."""

from app import create_app
from subscribers.celery_app import make_celery

app = create_app()
celery = make_celery(app)
