"""Bar charts drawn on the server as inline SVG: no script, nothing fetched from
elsewhere, readable without colour (each bar carries its value as text and a title)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 520, 180


@dataclass(frozen=True)
class Chart:
    """A chart with the caption the page shows under it (a <figure>'s <figcaption>), so
    what it measures is readable without hovering, and an optional note on how to read
    its values. An empty chart (no bar to draw) is shown as a line of text instead,
    ``empty`` saying what it read ("No data in this range", or that every value is 0)."""

    svg: Markup
    caption: str
    note: str = ""
    empty: str = ""


def nothing_to_draw(
    bars: list[tuple[str, float | None]],
    shown: Callable[[float], str] = lambda v: f"{v:g}",
    zero_counts: bool = False,
) -> str:
    """What to say instead of a chart with no bar of any height ("" when there are bars):
    every value missing, or every value 0 (unless ``zero_counts``: a 0 is then a bar
    worth its label, as a share of 0 %)."""
    values = [v for _, v in bars if v is not None]
    if not values:
        return "No data in this range"
    if zero_counts or any(values):
        return ""
    return f"No data in this range: every value is {shown(0)}"


TOP, BOTTOM, LEFT = 22, 30, 8


def bar_chart(
    title: str,
    bars: list[tuple[str, float | None]],
    shown: Callable[[float], str] = lambda v: f"{v:g}",
    maximum: float | None = None,
) -> Markup:
    """One bar per (label, value); a missing value leaves a gap marked "–"."""
    values = [v for _, v in bars if v is not None]
    top = maximum if maximum is not None else max(values, default=0) or 1
    slot = (WIDTH - 2 * LEFT) / max(len(bars), 1)
    width = max(slot * 0.6, 4)
    plot = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - LEFT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="currentColor" stroke-opacity="0.4"/>',
    ]
    for i, (label, value) in enumerate(bars):
        x = LEFT + i * slot + (slot - width) / 2
        middle = x + width / 2
        text = "–" if value is None else shown(value)
        if value is not None:
            height = plot * min(value / top, 1.0) if top else 0
            y = HEIGHT - BOTTOM - height
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="currentColor" fill-opacity="0.55">'
                f"<title>{escape(label)}: {escape(text)}</title></rect>"
            )
            value_y = y - 4
        else:
            value_y = HEIGHT - BOTTOM - 4
        parts.append(
            f'<text x="{middle:.1f}" y="{value_y:.1f}" text-anchor="middle" '
            f'font-size="11" fill="currentColor">{escape(text)}</text>'
        )
        parts.append(
            f'<text x="{middle:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="currentColor">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
