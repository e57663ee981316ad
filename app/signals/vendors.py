"""Vendor sources: a vendor's public status page or feed, polled by the worker, whose
components stand for Herald components ("third-party" components).

What a vendor says becomes a *claim* (source ``vendor:<id>``, public, "Reported by
<vendor>" with a link to the vendor's incident) on each mapped component, and a vendor
change that makes a mapped component worse than operational *suggests* an incident to
the team. Nothing here writes public text.

A failed poll changes nothing (see app.signals.polling), and neither does a document
older than the one already read (a CDN serving an old copy): stale data never moves a
status.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Component, User, VendorSource
from app.signals import vendor_parse
from app.signals.claims import claim, withdraw_source
from app.signals.fetch import Fetched
from app.signals.suggestions import suggest
from app.signals.vendor_input import (
    SOURCE_FIELDS,
    clean_kind,
    clean_map,
    clean_name,
    clean_poll_seconds,
    clean_url,
)
from core import audit
from core.db import db
from core.errors import Conflict, ServiceError
from core.time import utcnow
from core.vocab import STATUS_LABELS


def source_key(source: VendorSource) -> str:
    return f"vendor:{source.id}"


def create_source(
    actor: User | None,
    *,
    name: str,
    url: str,
    kind: str = "statuspage",
    components: dict[str, str | int] | None = None,
    poll_seconds: int = 60,
    is_demo: bool = False,
) -> VendorSource:
    name = clean_name(name)
    _unique(name, None)
    kind = clean_kind(kind)
    source = VendorSource(
        name=name,
        url=clean_url(url),
        kind=kind,
        component_map=clean_map(kind, components or {}),
        poll_seconds=clean_poll_seconds(poll_seconds),
        poll_state="new",
        next_poll_at=utcnow(),
        snapshot={},
        is_demo=is_demo,
        failures=0,
        last_error="",
        etag="",
        last_modified="",
        enabled=True,
        created_at=utcnow(),
    )
    db.session.add(source)
    db.session.flush()
    audit.record(actor, "vendor_source.create", source, f"Added vendor source {name}")
    return source


def update_source(actor: User | None, source: VendorSource, **values) -> VendorSource:
    """Edit a source. A new URL or kind starts reading afresh; components no longer
    mapped lose this source's claim, newly mapped ones get what the vendor last said."""
    unknown = set(values) - set(SOURCE_FIELDS)
    if unknown:
        raise ServiceError(f"Unknown vendor source fields: {', '.join(sorted(unknown))}.")
    clean: dict = {}
    if "name" in values:
        clean["name"] = clean_name(values["name"])
        _unique(clean["name"], source.id)
    if "url" in values:
        clean["url"] = clean_url(values["url"])
    if "kind" in values:
        clean["kind"] = clean_kind(values["kind"])
    if "poll_seconds" in values:
        clean["poll_seconds"] = clean_poll_seconds(values["poll_seconds"])
    if "enabled" in values:
        if not isinstance(values["enabled"], bool):
            raise ServiceError("enabled must be true or false.", "enabled")
        clean["enabled"] = values["enabled"]
    kind = clean.get("kind", source.kind)
    if "components" in values or "kind" in values:
        components = values.get("components", source.component_map)
        if "components" not in values:  # ids kept: check them against the new kind
            components = {k: int(v) for k, v in (components or {}).items()}
        clean["component_map"] = clean_map(kind, components)
    old_map = dict(source.component_map or {})
    changes = audit.diff(source, clean)  # sets the new values
    if not changes:
        return source
    restart = "url" in changes or "kind" in changes
    if restart:
        source.etag = source.last_modified = ""
        source.snapshot = {}
        source.poll_state, source.failures, source.last_error = "new", 0, ""
    if restart or "poll_seconds" in changes or "enabled" in changes:
        source.next_poll_at = utcnow()
    audit.record(
        actor, "vendor_source.update", source, f"Edited vendor source {source.name}", changes
    )
    db.session.flush()
    if restart or clean.get("enabled") is False:
        withdraw_source(source_key(source))
    else:
        gone = set(old_map.values()) - set((source.component_map or {}).values())
        for component in _components(gone):
            claim(component, source_key(source), "operational", reason="")
        if source.snapshot and source.poll_state != "stale":
            _apply_claims(source, source.snapshot, suggest_changes=False)
    return source


def delete_source(actor: User | None, source: VendorSource) -> None:
    """Delete a source; the components it claimed go back to what staff and other
    signals say."""
    audit.record(actor, "vendor_source.delete", source, f"Deleted vendor source {source.name}")
    withdraw_source(source_key(source))
    db.session.delete(source)
    db.session.flush()


def _unique(name: str, exclude_id: int | None) -> None:
    query = select(VendorSource.id).where(func.lower(VendorSource.name) == name.lower())
    if exclude_id is not None:
        query = query.where(VendorSource.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict(f"A vendor source named {name!r} already exists.", "name")


def _components(ids) -> list[Component]:
    ids = list(ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Component).where(Component.id.in_(ids))))


# --- reading what the vendor says --------------------------------------------------


def handle(source: VendorSource, fetched: Fetched) -> None:
    """Read a fetched document (ValueError when malformed: the poller records it as this
    source's error), keep it as the source's snapshot and claim each mapped component's
    status. A document older than the one already read changes nothing."""
    parsed = vendor_parse.parse(source.kind, fetched.body)
    previous = source.snapshot or {}
    new_time = parsed["page"].get("updated_at") or ""
    old_time = (previous.get("page") or {}).get("updated_at") or ""
    if new_time and old_time and new_time < old_time:
        return
    source.snapshot = parsed
    _apply_claims(source, parsed, previous=previous)


def _apply_claims(
    source: VendorSource, parsed: dict, *, previous: dict | None = None, suggest_changes=True
) -> None:
    statuses = {c["name"].lower(): c["status"] for c in parsed.get("components", [])}
    before = {c["name"].lower(): c["status"] for c in (previous or {}).get("components", [])}
    incidents = parsed.get("incidents", [])
    page_url = (parsed.get("page") or {}).get("url") or ""
    worse: dict[str, dict] = {}  # suggestion key -> what it proposes
    for vendor_name, component_id in (source.component_map or {}).items():
        component = db.session.get(Component, component_id)
        if component is None:
            continue
        status = statuses.get(vendor_name.lower(), "operational")
        incident = _incident_for(vendor_name, incidents)
        link = (incident or {}).get("link") or page_url
        claim(
            component,
            source_key(source),
            status,
            reason=f"Reported by {source.name}",
            link=link,
            public=True,
        )
        was = before.get(vendor_name.lower(), "operational")
        if not suggest_changes or status in ("operational", "under_maintenance"):
            continue
        if status == was and previous:
            continue
        key = f"vendor:{source.id}:{(incident or {}).get('id') or vendor_name}"[:200]
        entry = worse.setdefault(key, {"incident": incident, "statuses": {}, "vendor": []})
        entry["statuses"][component.id] = status
        entry["vendor"].append(vendor_name)
    for key, entry in worse.items():
        incident = entry["incident"] or {}
        worst = max(entry["statuses"].values(), key=_severity)
        label = STATUS_LABELS[worst].lower()
        vendor_names = ", ".join(n for n in entry["vendor"] if n != vendor_parse.WHOLE_VENDOR)
        name = incident.get("name") or (
            f"{source.name} reports {label}" + (f" ({vendor_names})" if vendor_names else "")
        )
        facts = incident.get("text") or f"{source.name} reports {label}."
        suggest(
            "vendor",
            key,
            name=name,
            impact="major" if worst in ("major_outage", "partial_outage") else "minor",
            component_statuses=entry["statuses"],
            facts=f"{source.name}: {facts}",
            link=incident.get("link") or page_url,
        )


def _incident_for(vendor_name: str, incidents: list[dict]) -> dict | None:
    """The vendor's open incident about that component (the latest first), or for the
    whole vendor any open incident."""
    if not incidents:
        return None
    if vendor_name == vendor_parse.WHOLE_VENDOR:
        return incidents[0]
    for incident in incidents:
        names = [n.lower() for n in incident.get("components") or []]
        if vendor_name.lower() in names:
            return incident
    return None


def _severity(status: str) -> int:
    from core.vocab import STATUS_SEVERITY

    return STATUS_SEVERITY[status]


def poll_vendor_sources() -> int:
    """The worker's periodic job: poll the due vendor sources."""
    from app.signals.polling import poll_due

    return poll_due(VendorSource, handle)


def sources() -> list[VendorSource]:
    return list(db.session.scalars(select(VendorSource).order_by(func.lower(VendorSource.name))))


def describe(source: VendorSource) -> dict:
    """What the admin and the API show about a source."""
    snapshot = source.snapshot or {}
    names = {c.id: c for c in _components((source.component_map or {}).values())}
    return {
        "id": source.public_id,
        "name": source.name,
        "url": source.url,
        "kind": source.kind,
        "poll_seconds": source.poll_seconds,
        "enabled": source.enabled,
        "demo": bool(source.is_demo),
        "state": source.poll_state,
        "last_polled_at": _iso(source.last_polled_at),
        "last_success_at": _iso(source.last_success_at),
        "next_poll_at": _iso(source.next_poll_at),
        "last_error": source.last_error or "",
        "failures": source.failures or 0,
        "components": {
            vendor_name: {
                "id": names[cid].public_id,
                "name": names[cid].name,
            }
            for vendor_name, cid in (source.component_map or {}).items()
            if cid in names
        },
        "vendor": {
            "page": snapshot.get("page") or {},
            "components": [
                {"name": c["name"], "status": c["status"]} for c in snapshot.get("components", [])
            ],
            "incidents": [
                {
                    "name": i.get("name", ""),
                    "status": i.get("status", ""),
                    "impact": i.get("impact", ""),
                    "link": i.get("link", ""),
                    "updated_at": i.get("updated_at", ""),
                }
                for i in snapshot.get("incidents", [])
            ],
        },
    }


def _iso(value) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None
