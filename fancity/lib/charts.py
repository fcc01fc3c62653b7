"""Server-side SVG chart geometry: every coordinate is computed here; the templates only draw.

Charts are 360 units wide (a phone's width) and scale with the page through the SVG viewBox. The
templates (`templates/servicedesk/_chart.html`, `templates/_bar_chart.html`, the sparklines in
`templates/meetups/cities.html`) take every number from the objects below and hard-code none.
"""

from dataclasses import dataclass

from django.utils.functional import Promise

WIDTH = 360
LEFT = 34  # room for the axis labels
BOTTOM = 16
LABEL_GAP = 4  # between an axis or a bar and its text
FONT_BASELINE = 10  # where a line of 10-unit text sits below its top

BAR_HEIGHT = 18
BAR_GAP = 6
BAR_LABEL_WIDTH = 100
BAR_VALUE_ROOM = 60  # right of the longest bar, for its value
BAR_LABEL_CHARS = 14

SPARK_WIDTH = 120
SPARK_HEIGHT = 28


@dataclass
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Chart:
    height: int
    top_value: float
    rects: list[Rect]
    lines: list[tuple[str, str]]  # (css class, polyline points)
    ticks: list[tuple[float, str]]  # x positions and labels of a few dates
    guide_y: float | None = None  # a horizontal line (the target)
    guide_label: str = ""

    width: int = WIDTH
    left: int = LEFT  # where the plot starts (the y axis)
    axis_label_x: int = LEFT - LABEL_GAP
    top_label_y: int = FONT_BASELINE

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM


def _nice(value: float) -> float:
    """The next round number at or above `value` (1, 2, 5 x 10^n) for the axis."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _ticks(labels: list[str], slot: float, every: int = 7) -> list[tuple[float, str]]:
    return [
        (round(LEFT + i * slot + slot / 2, 1), label)
        for i, label in enumerate(labels)
        if i % every == 0 or i == len(labels) - 1
    ]


def stacked_columns(labels: list[str], series: list[tuple[str, list[int]]], height: int = 150, every: int = 7) -> Chart:
    """One column per label, its series stacked; `series` is [(css class, values)]."""
    totals = [sum(values[i] for _css, values in series) for i in range(len(labels))]
    top = _nice(max(totals, default=0))
    plot = height - BOTTOM - 4
    slot = (WIDTH - LEFT) / max(len(labels), 1)
    rects = []
    for i, label in enumerate(labels):
        y: float = height - BOTTOM
        for css, values in series:
            h = plot * values[i] / top
            if h:
                y -= h
                rects.append(
                    Rect(
                        round(LEFT + i * slot + 1, 1),
                        round(y, 1),
                        round(max(slot - 2, 1), 1),
                        round(h, 1),
                        css,
                        f"{label}: {values[i]}",
                    )
                )
    return Chart(height, top, rects, [], _ticks(labels, slot, every))


def line_chart(
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    guide: float | None = None,
    guide_label: str = "",
    height: int = 150,
    every: int = 7,
) -> Chart:
    """Lines over the labels; a None value breaks the line. `guide` draws a horizontal line (a target)."""
    values = [v for _css, vs in series for v in vs if v is not None]
    top = _nice(max([*values, guide or 0, 0]))
    plot = height - BOTTOM - 4
    slot = (WIDTH - LEFT) / max(len(labels), 1)

    def y_of(v: float) -> float:
        return round(height - BOTTOM - plot * v / top, 1)

    lines, rects = [], []
    for css, vs in series:
        run: list[str] = []
        for i, v in enumerate(vs):
            x = round(LEFT + i * slot + slot / 2, 1)
            if v is None:
                if len(run) > 1:
                    lines.append((css, " ".join(run)))
                run = []
                continue
            run.append(f"{x},{y_of(v)}")
            rects.append(Rect(x - 1.5, y_of(v) - 1.5, 3, 3, css, f"{labels[i]}: {v:.1f}"))
        if len(run) > 1:
            lines.append((css, " ".join(run)))
    return Chart(
        height, top, rects, lines, _ticks(labels, slot, every), y_of(guide) if guide is not None else None, guide_label
    )


@dataclass
class Bar:
    label: str | Promise  # a lazy translation is rendered in the reader's language
    value: str
    y: float
    width: float

    @property
    def text_y(self) -> float:
        """The baseline of the bar's label and value, centred on the bar."""
        return self.y + (BAR_HEIGHT + FONT_BASELINE) / 2 - 1

    @property
    def value_x(self) -> float:
        return BAR_LABEL_WIDTH + self.width + LABEL_GAP


@dataclass
class BarChart:
    bars: list[Bar]
    height: int
    width: int = WIDTH
    bar_x: int = BAR_LABEL_WIDTH
    bar_height: int = BAR_HEIGHT
    label_chars: int = BAR_LABEL_CHARS


def bars(items: list[tuple[str | Promise, float, str]], top: float | None = None) -> BarChart:
    """Horizontal bars: items are (label, value, text shown), the longest bar for `top` (default the largest)."""
    top = top or max((v for _l, v, _t in items), default=0) or 1
    room = WIDTH - BAR_LABEL_WIDTH - BAR_VALUE_ROOM
    result = [
        Bar(label, text, i * (BAR_HEIGHT + BAR_GAP), round(room * value / top, 1))
        for i, (label, value, text) in enumerate(items)
    ]
    return BarChart(result, max(len(items) * (BAR_HEIGHT + BAR_GAP), BAR_HEIGHT))


@dataclass
class Sparkline:
    points: str  # the `points` attribute of an SVG polyline
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT

    def __str__(self) -> str:
        return self.points


def sparkline(values: list[int]) -> Sparkline:
    """A small line of `values`, scaled into SPARK_WIDTH x SPARK_HEIGHT."""
    if not values:
        return Sparkline("")
    if len(values) == 1:
        values = values * 2
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = SPARK_WIDTH / (len(values) - 1)
    return Sparkline(
        " ".join(
            f"{i * step:.1f},{SPARK_HEIGHT - 2 - (v - low) / span * (SPARK_HEIGHT - 4):.1f}"
            for i, v in enumerate(values)
        )
    )
