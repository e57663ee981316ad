"""``/herald status``: the internal page's summary in a few Slack lines."""

from __future__ import annotations

from app.slack.modals import escape
from app.status.reads import current_summary

MAX_COMPONENTS = 20


def summary_text() -> str:
    summary = current_summary("internal")
    lines = [f"*{escape(summary.description)}*"]
    if summary.incidents:
        lines.append("*Open incidents*")
        for event in summary.incidents[:10]:
            lines.append(
                f"• {escape(event.name)}: {event.status_label}, {event.impact} impact"
                + (
                    f" ({escape(', '.join(event.component_names))})"
                    if event.component_names
                    else ""
                )
            )
    for event in summary.maintenance_active[:5]:
        lines.append(f"• Maintenance: {escape(event.name)} ({event.status_label})")
    troubled = [c for c in summary.components if c.status != "operational"]
    if troubled:
        lines.append("*Components not operational*")
        for entry in troubled[:MAX_COMPONENTS]:
            lines.append(f"• {escape(entry.name)}: {entry.status_label}")
        if len(troubled) > MAX_COMPONENTS:
            lines.append(f"• … and {len(troubled) - MAX_COMPONENTS} more")
    elif not summary.incidents:
        lines.append("Every component is operational.")
    return "\n".join(lines)
