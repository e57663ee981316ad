"""Turning a broadcast's plain text into what chat services show: without the personal
unsubscribe and manage lines, cut into pieces under a service's length limit, and the
chat actions that can be links.

A chat destination is a shared room, not a person: a link that unsubscribes "you" would
let anyone in the room stop the room's messages, so those lines are left out, and the
footer's "you subscribed" (staff added the room) says who sent it and where staff manage
it instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PLACEHOLDER = re.compile(r"\[%(unsubscribe|manage)_url%\]")
# The subscriber footer of the plain-text bodies (templates/notifications/*.txt).
SUBSCRIBED = re.compile(
    r"You receive this because (?:you subscribed to (?P<page>.+) updates"
    r"|(?P<staff_page>.+)'s staff put you on its \S+ list)\."
)
ELLIPSIS = "…"


def staff_footer(page_name: str, manage_at: str = "") -> str:
    """The footer of a message to a chat destination: staff added it, nobody subscribed."""
    where = f"at {manage_at}" if manage_at else "in the admin, under Subscribers"
    return f"Sent to this channel by {page_name}'s status page; staff manage it {where}."


def chat_text(text: str, manage_at: str = "") -> str:
    """The text without lines that carry a personal link, the subscriber footer said as
    a chat destination's (``manage_at``: the destination's admin page), and without runs
    of blank lines left behind."""
    lines = []
    for line in (text or "").splitlines():
        if PLACEHOLDER.search(line):
            continue
        found = SUBSCRIBED.fullmatch(line.strip())
        page = found and (found["page"] or found["staff_page"])
        lines.append(staff_footer(page, manage_at) if found else line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def manage_url(admin_url: str, subscriber_id: int) -> str:
    """The admin page of one chat destination, or "" when the admin's address is unknown."""
    return f"{admin_url.rstrip('/')}/subscribers/{subscriber_id}" if admin_url else ""


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def pieces(text: str, limit: int, most: int | None = None) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` characters, at paragraph breaks,
    else line breaks, else spaces, else anywhere; at most ``most`` pieces (the last
    one ends with an ellipsis when text was left out)."""
    out: list[str] = []
    rest = text.strip()
    while rest:
        if most is not None and len(out) == most - 1 and len(rest) > limit:
            out.append(clip(rest, limit))
            break
        if len(rest) <= limit:
            out.append(rest)
            break
        window = rest[: limit + 1]
        cut = -1
        for mark in ("\n\n", "\n", " "):
            cut = window.rfind(mark)
            if cut > limit // 2:
                break
        if cut <= 0:
            cut = limit
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    return out


def links(actions: Iterable[dict] | None) -> list[tuple[str, str]]:
    """The (label, url) of the actions that are links; services without Herald's
    interactivity can only offer those."""
    return [
        (str(a.get("label") or a["url"]), str(a["url"]))
        for a in actions or ()
        if isinstance(a, dict) and str(a.get("url") or "").startswith(("https://", "http://"))
    ]
