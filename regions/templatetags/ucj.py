"""Template filters for Indonesian formats: {{ n|angka }}, {{ p|persen }}, {{ x|rupiah }},
{{ d|bertanda }} (+333), {{ p|persen_bertanda }} (+94,0%).

Numbers are never localised by Django itself (``USE_THOUSAND_SEPARATOR = False``): a displayed
figure goes through one of these, so ids, codes and years in values, URLs and attributes stay plain."""

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
def bertanda(value, decimals=0):
    return formats.format_signed(value, int(decimals))


@register.filter
def persen_bertanda(value, decimals=1):
    """A relative difference with its sign, one decimal: {{ d|persen_bertanda }} -> +11,5%."""
    return formats.format_growth(value, int(decimals))


@register.simple_tag
def pemisah_ribuan():
    return formats.thousands_separator()


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


@register.filter
def rentang(value):
    """A ``Span`` (a month, quarter, semester or year) as "Triwulan II 2025"."""
    return formats.span_label(value)


@register.filter
def rentang_bulan(value):
    """A ``(start, end)`` pair of months as "April–Juni 2025"."""
    return formats.months_label(*value) if value else formats.EMPTY
