"""Template filters of the PDF reports: ``{{ figure|svg_chart }}`` draws a Plotly figure dict as SVG
(coverage.reports.svg), for print templates such as the funding panel's."""

from django import template
from django.utils.safestring import mark_safe

from coverage.reports.svg import figure_svg

register = template.Library()


@register.filter
def svg_chart(figure, width=700):
    # The SVG is built from escaped values (names, numbers), never from raw user markup.
    return mark_safe(figure_svg(figure, width=int(width)))  # noqa: S308
