"""Demo data: Brightwave, a fictional payments platform, with 90 days of history.

Everything is created through the same services the admin uses, so the demo also shows
that backfilled incidents, dependencies, uptime roll-ups and the communications workflow
work together. ``content`` holds the company; ``seed`` writes its history; ``workflow``
adds subscribers and what the communications team did for the open incident.
"""

from app.demo.content import DEMO_PAGE_NAME, DEMO_PASSWORD, DEMO_USERS
from app.demo.seed import database_is_empty, reset_database, seed_demo

__all__ = [
    "DEMO_PAGE_NAME",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "database_is_empty",
    "reset_database",
    "seed_demo",
]
