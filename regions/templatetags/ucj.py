"""Template filters for Indonesian formats: {{ n|angka }}, {{ p|persen }}, {{ x|rupiah }}."""

from django import template

from ucj_dashboard import formats

register = template.Library()


@register.filter
def angka(value, decimals=0):
    return formats.format_number(value, int(decimals))


@register.filter
def persen(value, decimals=2):
    return formats.format_percent(value, int(decimals))


@register.filter
def pp(value):
    return formats.format_pp(value)


@register.filter
def tumbuh(value):
    """A signed change of participants in percent: {{ s.growth_yoy_bpu|tumbuh }} -> +81,73%."""
    return formats.format_growth(value)


@register.filter
def rupiah(value):
    return formats.format_rupiah(value)


@register.filter
def periode(value):
    return formats.format_period(value)
