"""Figures over several months: active participants are a stock, new registrations a flow."""

from django.db.models import Sum

from ..models import Snapshot


def region_figures_over(*, region, start, end):
    """A quarter or a year of one region: the last month's stock and the months' summed flow."""
    rows = Snapshot.objects.filter(region=region, period__gte=start, period__lte=end, is_current=True)
    last = rows.order_by("-period").values("period", "active_total", "coverage_total", "workers_total").first()
    flows = rows.aggregate(new_total=Sum("new_total"), lapsed_total=Sum("lapsed_total"))
    return {**(last or {"period": None, "active_total": None, "coverage_total": None, "workers_total": None}), **flows}
