"""Charts drawn on the server as SVG (pygal), the same file on a page (as an image), in a PDF
report and in the quality review.

Readable without JavaScript: pygal's tooltips script is neither linked (`js=[]`) nor kept inline.
Printed in black and white: the series are greys far apart in lightness, each bar outlined in
black, and lines differ by their dash. Chinese text uses the CJK fonts the PDFs already embed.
"""

import re

import pygal
from pygal.style import Style

FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei", sans-serif'
# Lightness steps a monochrome printer keeps apart (darkest first).
GREYS = ("#1a1a1a", "#5a5a5a", "#8f8f8f", "#bdbdbd", "#e2e2e2", "#ffffff")
# Dash patterns for line series, in the same order (pygal's stroke_style "dasharray").
DASHES = ("", "8, 4", "2, 3", "12, 4, 2, 4", "1, 6", "16, 6")

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#000000",
    foreground_strong="#000000",
    foreground_subtle="#666666",
    colors=GREYS,
    font_family=FONTS,
    label_font_family=FONTS,
    major_label_font_family=FONTS,
    value_font_family=FONTS,
    value_label_font_family=FONTS,
    tooltip_font_family=FONTS,
    title_font_family=FONTS,
    legend_font_family=FONTS,
    no_data_font_family=FONTS,
    title_font_size=18,
    legend_font_size=13,
    label_font_size=12,
    major_label_font_size=12,
    stroke_opacity=1,
    opacity=1,
    opacity_hover=1,
)
KINDS = {
    "bar": pygal.Bar,
    "stacked": pygal.StackedBar,
    "horizontal": pygal.HorizontalBar,
    "stacked_horizontal": pygal.HorizontalStackedBar,
    "line": pygal.Line,
    "histogram": pygal.Bar,
}
SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)


def render(
    kind: str,
    title: str,
    unit: str,
    labels: list[str],
    series: list[tuple[str, list]],
    *,
    no_data: str = "",
    width: int = 800,
    height: int = 480,
    css: str = "",
) -> bytes:
    """One chart as a standalone SVG document (UTF-8)."""
    horizontal = kind.endswith("horizontal")
    config = {
        "title": title,
        "style": STYLE,
        "js": [],
        "width": width,
        "height": height,
        "x_labels": labels,
        "x_label_rotation": 0 if horizontal or len(labels) <= 8 else 45,
        "show_legend": len(series) > 1,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": min(len(series), 4) or 1,
        "no_data_text": no_data,
        "print_values": False,
        "truncate_label": 40,
        "truncate_legend": 30,
        ("x_title" if horizontal else "y_title"): unit,
        "css": ["file://style.css", "file://graph.css", *(["inline:" + css] if css else [])],
    }
    chart = KINDS[kind](**config)
    for index, (name, values) in enumerate(series):
        options = {"stroke_style": {"width": 1.5}}
        if kind == "line":
            options["stroke_style"] = {"width": 2.5, "dasharray": DASHES[index % len(DASHES)]}
        chart.add(name, [None if v is None else float(v) for v in values], **options)
    svg = chart.render()
    # The configuration pygal writes as an inline script is for its tooltips, which we do not load.
    return SCRIPT.sub(b"", svg)


# Black outlines keep the lightest grey bar visible on paper.
OUTLINE_CSS = (
    ".series .reactive, .legends rect{stroke:#000000 !important;stroke-width:1px !important}"
)


def table_chart(table, *, no_data: str = "") -> bytes:
    """A statistics table (audits.statistics.Table) drawn as its chart: the first column labels
    the bars, the columns in `table.series` are the series."""
    labels = [str(row[0]) for row in table.rows]
    series = [(table.columns[index], [row[index] for row in table.rows]) for index in table.series]
    height = 480
    if table.chart.endswith("horizontal"):
        height = max(320, 120 + 26 * len(labels))
    return render(
        table.chart,
        table.title,
        table.unit,
        labels,
        series,
        no_data=no_data,
        height=height,
        css=OUTLINE_CSS,
    )
