"""The SVG bar chart builder: readable without colour, escaped, and free of inline styles."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from horae.web.charts import ChartBar, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_every_bar_carries_its_value_as_text_and_the_chart_is_named():
    svg = str(
        bar_chart(
            "c1",
            "Hours <per> day",
            "What it shows",
            [ChartBar("Mon & Tue", 3600, "1:00"), ChartBar("Wed", 7200, "2:00", marked=True)],
        )
    )
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Hours <per> day"
    assert root.find(f"{SVG}desc").text == "What it shows"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts == ["Mon & Tue", "1:00", "Wed", "2:00"]
    # The largest value fills the track; the marked bar is hatched, not just coloured.
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class", "").startswith("chart-bar")]
    assert float(bars[1].get("width")) == 2 * float(bars[0].get("width"))
    assert bars[1].get("fill") == "url(#c1-hatch)" and root.find(f".//{SVG}pattern").get("id") == "c1-hatch"
    assert "style=" not in svg


def test_a_limit_is_drawn_and_values_beyond_the_scale_stop_at_the_track():
    svg = str(
        bar_chart(
            "b",
            "Budget",
            "d",
            [ChartBar("A", 150, "150 %", True), ChartBar("B", 50, "50 %")],
            maximum=100,
            limit=100,
        )
    )
    root = ET.fromstring(svg)
    lines = [line for line in root.iter(f"{SVG}line") if line.get("class") == "chart-limit"]
    assert len(lines) == 2
    widths = [
        float(r.get("width")) for r in root.iter(f"{SVG}rect") if r.get("class", "").startswith("chart-bar")
    ]
    track = float(next(r for r in root.iter(f"{SVG}rect") if r.get("class") == "chart-track").get("width"))
    assert widths[0] == track and widths[1] == track / 3
    assert float(lines[0].get("x1")) == round(track * 100 / 150, 1)


def test_an_empty_chart_says_so():
    svg = str(bar_chart("e", "Nothing", "No hours yet", []))
    assert re.search(r">No hours yet</text>", svg)
