"""What staff give for a vendor source (the admin, the API, the command line), checked:
its name, URL, kind, poll interval and component map, and the Herald components it names
(app.signals.vendors keeps the sources and reads what vendors say)."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.models import Component
from app.models.signals import MIN_POLL_SECONDS, VENDOR_KINDS
from app.signals import vendor_parse
from app.signals.alert_targets import closest_names
from app.textrules import check_single_line
from core.db import db
from core.errors import ServiceError

MAX_POLL_SECONDS = 24 * 60 * 60
MAX_MAPPED = 100
MAX_URL = 2048
SOURCE_FIELDS = ("name", "url", "kind", "components", "poll_seconds", "enabled")


def find_component(ref: str | int) -> Component:
    """A Herald component by id, public id or name (as people type them)."""
    found = None
    if isinstance(ref, bool):
        ref = str(ref)
    if isinstance(ref, int):
        found = db.session.get(Component, ref)
    elif isinstance(ref, str) and ref.strip():
        text = ref.strip()
        if text.isdigit() and len(text) < 12:
            found = db.session.get(Component, int(text))
        if found is None:
            found = db.session.scalar(select(Component).where(Component.public_id == text))
        if found is None:
            found = db.session.scalar(
                select(Component).where(func.lower(Component.name) == text.lower())
            )
    if found is None:
        closest = closest_names(str(ref), db.session.scalars(select(Component.name)))
        hint = f" (closest: {', '.join(closest)})" if closest else ""
        raise ServiceError(f"No Herald component {str(ref)[:80]!r}{hint}.", "components")
    return found


def clean_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ServiceError("A vendor source needs a name.", "name")
    name = name.strip()
    if len(name) > 120:
        raise ServiceError("A vendor source name can be at most 120 characters.", "name")
    return check_single_line(name, "A vendor source name", "name")


def clean_url(url) -> str:
    if not isinstance(url, str):
        raise ServiceError("The URL must be text.", "url")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceError("The URL must start with http:// or https:// and name a host.", "url")
    if parts.username or parts.password:
        raise ServiceError("The URL cannot carry a user name or password.", "url")
    if len(url) > MAX_URL:
        raise ServiceError(f"The URL can be at most {MAX_URL} characters.", "url")
    return check_single_line(url, "The URL", "url")


def clean_kind(kind) -> str:
    if kind not in VENDOR_KINDS:
        raise ServiceError(f"Kind must be one of {', '.join(VENDOR_KINDS)}.", "kind")
    return kind


def clean_poll_seconds(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ServiceError("poll_seconds must be a whole number of seconds.", "poll_seconds")
    try:
        seconds = int(value)
    except ValueError:
        raise ServiceError(
            "poll_seconds must be a whole number of seconds.", "poll_seconds"
        ) from None
    if not MIN_POLL_SECONDS <= seconds <= MAX_POLL_SECONDS:
        raise ServiceError(
            f"poll_seconds must be between {MIN_POLL_SECONDS} and {MAX_POLL_SECONDS}.",
            "poll_seconds",
        )
    return seconds


def clean_map(kind: str, components) -> dict[str, int]:
    if not isinstance(components, dict):
        raise ServiceError(
            'components maps vendor component names to Herald components: {"API": "<id>"}.',
            "components",
        )
    if len(components) > MAX_MAPPED:
        raise ServiceError(f"At most {MAX_MAPPED} mapped components.", "components")
    mapping: dict[str, int] = {}
    for vendor_name, ref in components.items():
        if not isinstance(vendor_name, str) or not vendor_name.strip():
            raise ServiceError("A vendor component name cannot be empty.", "components")
        vendor_name = vendor_name.strip()
        if len(vendor_name) > 200:
            raise ServiceError(
                "A vendor component name can be at most 200 characters.", "components"
            )
        check_single_line(vendor_name, "A vendor component name", "components")
        if kind == "feed" and vendor_name != vendor_parse.WHOLE_VENDOR:
            raise ServiceError(
                'A feed has no components of its own: map "*" (the whole vendor) '
                "to a Herald component.",
                "components",
            )
        if not isinstance(ref, int | str) or isinstance(ref, bool):
            raise ServiceError("Name each Herald component by its id or name.", "components")
        mapping[vendor_name] = find_component(ref).id
    return mapping
