"""Chart geometry lives in fancity.lib.charts; the chart templates draw it and hard-code no number."""

import re
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from fancity.lib import charts

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CHART_TEMPLATES = ["_bar_chart.html", "servicedesk/_chart.html", "meetups/cities.html"]


@pytest.mark.parametrize("name", CHART_TEMPLATES)
def test_chart_templates_take_every_coordinate_from_the_charts_module(name):
    svg = " ".join(re.findall(r"<svg.*?</svg>", (TEMPLATES / name).read_text(), re.DOTALL))
    assert svg, f"{name} draws no chart"
    attributes = re.findall(r'(?<![\w-])(?:x|y|x1|x2|y1|y2|width|height|viewBox)="[^"{]*\d[^"{]*"', svg)
    # The origin, and a chart that fills its card (CSS), are not geometry.
    fixed = [a for a in attributes if a not in ('x="0"', 'y="0"', 'width="100%"')]
    assert fixed == [], f"{name} hard-codes {fixed}"


def test_bar_chart_draws_the_geometry_it_is_given():
    chart = charts.bars([("深圳", 30, "30"), ("北京", 15, "15")])
    html = render_to_string("_bar_chart.html", {"chart": chart, "label": "活跃粉丝"})
    assert f'viewBox="0 0 {charts.WIDTH} {chart.height}"' in html
    assert html.count(f'x="{charts.BAR_LABEL_WIDTH}"') == 2 and html.count(f'height="{charts.BAR_HEIGHT}"') == 2
    first, second = chart.bars
    assert first.width == 2 * second.width == charts.WIDTH - charts.BAR_LABEL_WIDTH - charts.BAR_VALUE_ROOM
    assert f'x="{first.value_x}" y="{first.text_y}">30<' in html


def test_column_chart_axis_starts_where_the_plot_starts():
    chart = charts.stacked_columns(["a", "b"], [("kind-bug", [1, 3])])
    html = render_to_string("servicedesk/_chart.html", {"chart": chart, "label": "反馈"})
    assert f'<line class="axis" x1="{charts.LEFT}" y1="{chart.plot_bottom}" x2="{charts.WIDTH}"' in html
    assert all(r.x >= charts.LEFT for r in chart.rects)


def test_sparkline_fills_its_box():
    spark = charts.sparkline([1, 5, 3])
    xs = [float(p.split(",")[0]) for p in spark.points.split()]
    ys = [float(p.split(",")[1]) for p in spark.points.split()]
    assert xs[0] == 0 and xs[-1] == spark.width == charts.SPARK_WIDTH
    assert 0 < min(ys) and max(ys) < spark.height == charts.SPARK_HEIGHT
