"""The default audiences' keys in the order the workflow shows them, and which are public.
Kept apart from drafting so that the notifier's rules (escalation) can read them while
drafting tells the notifier that drafts wait for approval."""

from sqlalchemy import select

from core.db import db
from subscribers.models import Audience

AUDIENCE_ORDER = ("customers", "press", "support", "engineering", "executives", "teams")
PUBLIC_KEYS = ("customers", "press")
# Every team that owns components: one text from the lead, and under it each team reads
# its own services' state, worked out when sent (app/notifier/team_updates.py).
TEAMS = "teams"
# The phases the lead drafts for the teams: at resolution Herald tells each team itself
# (its resolved notice names its services back to operational, or still not).
TEAM_DRAFT_PHASES = ("investigating", "identified", "monitoring")
# Each team's SMS ends with a line about its own services, of at most this many
# characters: the draft's SMS checks count the room it takes.
TEAM_SMS_ROOM = 60

# A private page's audience is "page:<slug>" (app/pages): outside readers, so treated as
# public (plain words, no internal detail), drafted after the public audiences, and
# starting from the customers' templates until staff edit its own.
PAGE_PREFIX = "page:"


def is_page_audience(key: str) -> bool:
    return key.startswith(PAGE_PREFIX)


def is_external(key: str) -> bool:
    """Whether the audience's readers are outside the company."""
    return key in PUBLIC_KEYS or is_page_audience(key)


def template_audience(key: str) -> str:
    """Whose shipped default templates (and phases) the audience uses."""
    return "customers" if is_page_audience(key) else key


def draft_order(key: str) -> tuple[int, str]:
    """Where the audience's draft stands in a set: the public ones, then the private
    pages by key, then the internal ones."""
    if is_page_audience(key):
        return (len(PUBLIC_KEYS), key)
    position = AUDIENCE_ORDER.index(key)
    return (position if key in PUBLIC_KEYS else position + 1, "")


def audience_label(key: str, *, in_sentence: bool = False) -> str:
    """An audience as a person reads it: a default one by its key ("Customers", or
    "customers" within a sentence), a private page by the page's name ("Acme Corp",
    kept as its audience's name) wherever it stands."""
    if not is_page_audience(key):
        return key if in_sentence else key.capitalize()
    name = db.session.scalar(select(Audience.name).where(Audience.key == key))
    return name or key.removeprefix(PAGE_PREFIX)
