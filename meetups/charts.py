"""Server-side SVG charts: coordinates computed here, drawn by the templates. No JavaScript."""

from dataclasses import dataclass


@dataclass
class Bar:
    label: str
    value: int
    y: float
    width: float
    text_x: float


def bars(items: list[tuple[str, int]], width: int = 340, bar_height: int = 18, gap: int = 6,
         label_width: int = 90) -> tuple[list[Bar], int]:
    """Horizontal bars (readable on a 390px phone); returns the bars and the chart's height."""
    top = max((v for _, v in items), default=0) or 1
    room = width - label_width - 40
    result = []
    for i, (label, value) in enumerate(items):
        w = room * value / top
        result.append(Bar(label, value, i * (bar_height + gap), round(w, 1), round(label_width + w + 4, 1)))
    return result, len(items) * (bar_height + gap)


def sparkline(values: list[int], width: int = 120, height: int = 28) -> str:
    """The `points` attribute of an SVG polyline for `values`, scaled into width x height."""
    if not values:
        return ""
    if len(values) == 1:
        values = values * 2
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}"
                    for i, v in enumerate(values))
