"""Bar charts drawn on the server as inline SVG: no script, no library, no inline style.

The content security policy forbids inline styles, so every colour comes from classes in
horae.css and every size is an SVG attribute. A chart never relies on colour alone: each bar
carries its value as text beside it, the highlighted bar is hatched, the chart has a <title> and
<desc> (named by aria-labelledby), and the pages print the same figures in a table.

One builder serves every chart: the dashboard's hours per day of the week and per project of
the month, the same on the user report pages, and the budget use on the project overview.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 400
LABEL_HEIGHT = 19
BAR_HEIGHT = 14
ROW_GAP = 10
VALUE_SPACE = 175  # room right of the longest bar for its value text


@dataclass(frozen=True)
class ChartBar:
    label: str
    value: float
    # The figure as the reader sees it beside the bar ("7:30", "45 %").
    text: str
    # Drawn hatched (today, an overdrawn budget) and named in the value text.
    marked: bool = False


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: Sequence[ChartBar],
    *,
    maximum: float | None = None,
    limit: float | None = None,
) -> Markup:
    """Horizontal bars, one row per item: its label above, the bar, the value text beside it.

    `maximum` fixes the scale (default: the largest value); `limit` draws a dashed line at that
    value (100 % of a budget). Values above the scale are drawn full length.
    """
    largest = max([b.value for b in bars] + [maximum or 0, limit or 0, 0])
    scale = largest if largest > 0 else 1
    track = WIDTH - VALUE_SPACE
    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    height = max(row_height * len(bars), row_height)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    hatch_id = f"{chart_id}-hatch"
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-labelledby="{title_id} {desc_id}" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        f'<defs><pattern id="{hatch_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect class="chart-hatch-ground" width="6" height="6"/>'
        '<line class="chart-hatch-line" x1="0" y1="0" x2="0" y2="6"/></pattern></defs>',
    ]
    for index, bar in enumerate(bars):
        top = index * row_height
        bar_top = top + LABEL_HEIGHT
        length = track * min(max(bar.value, 0) / scale, 1)
        parts.append(f'<g class="chart-row{" chart-row-marked" if bar.marked else ""}">')
        parts.append(f'<text class="chart-label" x="0" y="{top + 14}">{escape(bar.label)}</text>')
        parts.append(
            f'<rect class="chart-track" x="0" y="{bar_top}" width="{track}" height="{BAR_HEIGHT}" rx="3"/>'
        )
        if length > 0:
            # A marked bar takes its hatching from the fill attribute (no class colour overrides it).
            look = f'class="chart-bar-marked" fill="url(#{hatch_id})"' if bar.marked else 'class="chart-bar"'
            parts.append(
                f'<rect {look} x="0" y="{bar_top}" width="{length:.1f}" height="{BAR_HEIGHT}" rx="3"/>'
            )
        if limit is not None and limit > 0:
            x = track * min(limit / scale, 1)
            parts.append(
                f'<line class="chart-limit" x1="{x:.1f}" y1="{bar_top - 2}" x2="{x:.1f}" '
                f'y2="{bar_top + BAR_HEIGHT + 2}"/>'
            )
        baseline = bar_top + BAR_HEIGHT - 2
        parts.append(f'<text class="chart-value" x="{track + 6}" y="{baseline}">{escape(bar.text)}</text>')
        parts.append("</g>")
    if not bars:
        parts.append(f'<text class="chart-label" x="0" y="24">{escape(description)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
