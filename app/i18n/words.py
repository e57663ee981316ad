"""The vocabulary's words as readers see them, translated when shown.

The read model (``app.status``) is built once for every reader and keeps Herald's English
words, which the JSON API and the feeds use; the pages look the words up here when they
render. Each value is a lazy string, resolved in the language being rendered.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_WORDS = {
    "operational": _l("Operational"),
    "degraded_performance": _l("Degraded performance"),
    "partial_outage": _l("Partial outage"),
    "major_outage": _l("Major outage"),
    "under_maintenance": _l("Under maintenance"),
}
# In a day's tooltip on the uptime bars ("major outage 2 h").
SHORT_STATUS_WORDS = {
    "major_outage": _l("major outage"),
    "partial_outage": _l("partial outage"),
    "degraded_performance": _l("degraded"),
    "under_maintenance": _l("maintenance"),
}
INCIDENT_STATUS_WORDS = {
    "investigating": _l("Investigating"),
    "identified": _l("Identified"),
    "monitoring": _l("Monitoring"),
    "resolved": _l("Resolved"),
}
MAINTENANCE_STATUS_WORDS = {
    "scheduled": _l("Scheduled"),
    "in_progress": _l("In progress"),
    "verifying": _l("Verifying"),
    "completed": _l("Completed"),
}
IMPACT_WORDS = {
    "none": _l("None"),
    "minor": _l("Minor"),
    "major": _l("Major"),
    "critical": _l("Critical"),
}
IMPACT_TAGS = {
    "none": _l("No impact"),
    "minor": _l("Minor impact"),
    "major": _l("Major impact"),
    "critical": _l("Critical impact"),
}
# The page's indicator descriptions (app.status.indicator), keyed by Herald's English.
DESCRIPTION_WORDS = {
    "All Systems Operational": _l("All Systems Operational"),
    "Service Under Maintenance": _l("Service Under Maintenance"),
    "Minor Service Outage": _l("Minor Service Outage"),
    "Partial System Outage": _l("Partial System Outage"),
    "Major System Outage": _l("Major System Outage"),
    "Partially Degraded Service": _l("Partially Degraded Service"),
}


def event_status_word(kind: str, status: str):
    """An incident's or a maintenance window's status, in words."""
    words = MAINTENANCE_STATUS_WORDS if kind == "maintenance" else INCIDENT_STATUS_WORDS
    return words.get(status, status)


def description_word(description: str):
    return DESCRIPTION_WORDS.get(description, description)


# The error page's words (app/web.py looks each title and message up when it renders).
ERROR_WORDS = (
    _l("Bad Request"),
    _l("Not Found"),
    _l("Method Not Allowed"),
    _l("Too Many Requests"),
    _l("Something went wrong"),
    _l("Form expired or forged"),
    _l("There is nothing at this address."),
    _l("Too many requests. Wait a little and try again."),
    _l("Herald hit an unexpected error and changed nothing. It has been logged."),
    _l(
        "The form was missing its security token or it did not match. "
        "Go back, reload the page and try again. Nothing was changed."
    ),
    _l("Choose one of the languages offered."),
    # Werkzeug's own descriptions, shown when a view gives none (a form posted without
    # its button, a method an address does not take, a body over the size limit).
    _l("The browser (or proxy) sent a request that this server could not understand."),
    _l("The method is not allowed for the requested URL."),
    _l("Request Entity Too Large"),
    _l("The data value transmitted exceeds the capacity limit."),
)
