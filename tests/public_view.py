"""Everything a stranger can read about an event, as one text: every public page, feed
and JSON document, and the event's own page. Tests check that a text is (or is not yet)
public by looking for it here."""

from __future__ import annotations

PUBLIC_ADDRESSES = (
    "/",
    "/history",
    "/api/v2/summary.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
    "/history.rss",
    "/history.atom",
)


def public_text(client, event) -> str:
    """All public text, with the page of ``event`` (an incident or maintenance)."""
    kind = "maintenance" if type(event).__name__ == "Maintenance" else "incidents"
    pages = [client.get(path).get_data(as_text=True) for path in PUBLIC_ADDRESSES]
    pages.append(client.get(f"/{kind}/{event.public_id}").get_data(as_text=True))
    return "\n".join(pages)
