"""Reading a vendor's status document into one shape, whatever the vendor serves:

    {"page": {"name", "url", "updated_at"},
     "components": [{"name", "status"}],
     "incidents": [{"id", "name", "status", "impact", "link", "updated_at", "text",
                    "components"}]}

- A **Statuspage** ``summary.json`` (``<base>/api/v2/summary.json``) names its components
  and their statuses directly; its unresolved incidents carry the latest update's text.
- An **RSS 2.0 or Atom** status feed has no components: the whole vendor is one pseudo
  component ``"*"``. Entries are grouped per incident (the same link, guid or title
  without its "[Resolved]"-style prefix), the latest entry of each wins, and an incident
  whose latest entry does not say it is resolved claims the vendor's stated impact
  ("major outage", "partial outage"...), degraded performance when it states none.

A document that is not what it claims to be raises ValueError with a reason staff can
act on; it never reaches the claims.
"""

from __future__ import annotations

import html
import json
import re
from calendar import timegm
from datetime import UTC, datetime

import feedparser

from core.vocab import COMPONENT_STATUSES, STATUS_SEVERITY

WHOLE_VENDOR = "*"
MAX_COMPONENTS = 500
MAX_INCIDENTS = 50
MAX_TEXT = 2000

_RESOLVED = re.compile(
    r"\b(resolved|completed|recovered|restored|fixed|closed|all systems operational)\b", re.I
)
_STATUS_WORDS = (
    ("major_outage", re.compile(r"\b(major|full|complete|total)\s+outage\b|\bdown\b", re.I)),
    ("partial_outage", re.compile(r"\bpartial\s+outage\b|\boutage\b", re.I)),
    ("under_maintenance", re.compile(r"\b(scheduled\s+)?maintenance\b", re.I)),
    ("degraded_performance", re.compile(r"\bdegraded\b|\bslow|\belevated\b", re.I)),
)
_PREFIX = re.compile(
    r"^\s*\[?(resolved|completed|monitoring|identified|investigating|update[d]?|"
    r"recovered|scheduled|in progress)\]?\s*[:\-–—]?\s*",
    re.I,
)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
# Statuspage incident impact → the status its components most likely have.
IMPACT_STATUS = {
    "none": "degraded_performance",
    "minor": "degraded_performance",
    "major": "partial_outage",
    "critical": "major_outage",
    "maintenance": "under_maintenance",
}


def parse(kind: str, body: bytes) -> dict:
    if kind == "statuspage":
        return parse_statuspage(body)
    if kind == "feed":
        return parse_feed(body)
    raise ValueError(f"unknown source kind {kind!r}")


def parse_statuspage(body: bytes) -> dict:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"not JSON ({_first_line(error)})") from error
    if not isinstance(document, dict):
        raise ValueError("a Statuspage summary is a JSON object")
    raw_components = document.get("components")
    if not isinstance(raw_components, list):
        raise ValueError('no "components" list: is this a Statuspage summary.json?')
    page = document.get("page") if isinstance(document.get("page"), dict) else {}
    components = []
    group_ids = set()
    for item in raw_components[:MAX_COMPONENTS]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError("every component needs a name")
        status = item.get("status")
        if status not in COMPONENT_STATUSES:
            raise ValueError(f"component {item['name'][:80]!r} has an unknown status {status!r}")
        if item.get("group"):
            group_ids.add(item.get("id"))
        components.append({"name": _clean(item["name"], 200), "status": status})
    incidents = []
    raw_incidents = document.get("incidents") or []
    if not isinstance(raw_incidents, list):
        raise ValueError('"incidents" must be a list')
    for item in raw_incidents[:MAX_INCIDENTS]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError("every incident needs a name")
        updates = [u for u in item.get("incident_updates") or [] if isinstance(u, dict)]
        updates.sort(key=lambda u: str(u.get("display_at") or u.get("created_at") or ""))
        latest = updates[-1] if updates else {}
        affected = [
            _clean(c.get("name"), 200)
            for c in item.get("components") or []
            if isinstance(c, dict) and isinstance(c.get("name"), str)
        ]
        incidents.append(
            {
                "id": str(item.get("id") or item["name"])[:100],
                "name": _clean(item["name"], 200),
                "status": str(item.get("status") or "investigating")[:40],
                "impact": str(item.get("impact") or "none")[:40],
                "link": _link(item.get("shortlink")) or _link(page.get("url")),
                "updated_at": str(item.get("updated_at") or latest.get("created_at") or "")[:40],
                "text": _clean(latest.get("body") or "", MAX_TEXT),
                "components": affected,
            }
        )
    return {
        "page": {
            "name": _clean(page.get("name") or "", 200),
            "url": _link(page.get("url")),
            "updated_at": str(page.get("updated_at") or "")[:40],
        },
        "components": components,
        "incidents": [i for i in incidents if i["status"] not in ("resolved", "postmortem")],
    }


def parse_feed(body: bytes) -> dict:
    parsed = feedparser.parse(body)
    version = parsed.get("version") or ""
    if not version or (parsed.get("bozo") and not parsed.entries and not parsed.feed):
        reason = parsed.get("bozo_exception")
        raise ValueError(
            "not an RSS or Atom feed" + (f" ({_first_line(reason)})" if reason else "")
        )
    feed = parsed.feed
    latest: dict[str, dict] = {}
    for entry in parsed.entries[:500]:
        title = _clean(entry.get("title") or "", 200)
        summary = _clean(entry.get("summary") or entry.get("description") or "", MAX_TEXT)
        if not title and not summary:
            continue
        when = dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed")
        stamp = _iso(when)
        key = _incident_key(entry, title)
        item = {
            "id": key[:100],
            "name": _PREFIX.sub("", title).strip() or title or summary[:80],
            "resolved": _is_resolved(title, summary),
            "status_claimed": _stated_status(f"{title} {summary}"),
            "link": _link(entry.get("link")) or _link(feed.get("link")),
            "updated_at": stamp,
            "text": summary or title,
        }
        previous = latest.get(key)
        if previous is None or stamp > previous["updated_at"]:
            latest[key] = item
    incidents = []
    for item in sorted(latest.values(), key=lambda i: i["updated_at"], reverse=True):
        if item["resolved"]:
            continue
        incidents.append(
            {
                "id": item["id"],
                "name": item["name"],
                "status": "investigating",
                "impact": _impact_for(item["status_claimed"]),
                "claims": item["status_claimed"],
                "link": item["link"],
                "updated_at": item["updated_at"],
                "text": item["text"],
                "components": [WHOLE_VENDOR],
            }
        )
        if len(incidents) >= MAX_INCIDENTS:
            break
    worst = max(
        (i["claims"] for i in incidents),
        key=STATUS_SEVERITY.__getitem__,
        default="operational",
    )
    return {
        "page": {
            "name": _clean(feed.get("title") or "", 200),
            "url": _link(feed.get("link")),
            "updated_at": _iso(dict.get(feed, "updated_parsed")),
        },
        "components": [{"name": WHOLE_VENDOR, "status": worst}],
        "incidents": incidents,
    }


def _incident_key(entry, title: str) -> str:
    """Entries about one incident share their link (most hosted pages) or, failing that,
    their title without the stage prefix."""
    link = entry.get("link") or ""
    if link:
        return link.split("#", 1)[0]
    return _PREFIX.sub("", title).strip().lower() or (entry.get("id") or "")


def _is_resolved(title: str, summary: str) -> bool:
    if _RESOLVED.search(title):
        return True
    # Many feeds keep the title and put the stage at the start of the body:
    # "<strong>Resolved</strong> - This incident has been resolved."
    head = summary[:120]
    return bool(re.match(r"^\s*(resolved|completed)\b", head, re.I)) or bool(
        re.search(r"\bhas been (resolved|fixed|restored)\b|\bis now resolved\b", summary, re.I)
    )


def _stated_status(text: str) -> str:
    for status, pattern in _STATUS_WORDS:
        if pattern.search(text):
            return status
    return "degraded_performance"


def _impact_for(status: str) -> str:
    return {"major_outage": "critical", "partial_outage": "major"}.get(status, "minor")


def _iso(when) -> str:
    if not when:
        return ""
    return datetime.fromtimestamp(timegm(when), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(value, limit: int) -> str:
    """Text only: vendors' bodies may carry HTML, shown escaped as plain words."""
    text = _SPACES.sub(" ", html.unescape(_TAGS.sub(" ", str(value or "")))).strip()
    return text[:limit]


def _link(value) -> str:
    value = str(value or "").strip()
    return value[:2048] if value.startswith(("https://", "http://")) else ""


def _first_line(error) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__
