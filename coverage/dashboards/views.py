"""Dashboard pages and their chart JSON: selector -> chart -> render.

Every page takes ``?periode=YYYY-MM`` and ``?segmen=PU|BPU``, so its URL can be shared as is; the
region and office dashboards and the league table also take a quarter, semester or year
(``?periode=2025-Q2``, ``2025-S1``, ``2025``).
Scope comes from regions.selectors: aggregate dashboards are readable by every signed-in user;
a region or office the user may not see is a 404.
"""

import hashlib
import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_GET

from regions.models import Level, OfficeKind
from regions.notifications import unread_count
from regions.selectors import can_review_office, can_view_office, can_view_region, peer_group_get, peer_groups
from ucj_dashboard import params
from ucj_dashboard.params import ParamError

from ..models import FollowUpStatus, PriorityAction
from . import actions, charts, maps, scorecard, selectors
from .filters import Filters
from .panels import panels_for
from .rows import cache_version, cached, office_by_code, office_scopes, region_by_code, region_scopes

PAGE_CACHE_SECONDS = 300
PLAN_LENGTH = 1000  # a priority action's plan or result


def _get_region_for_user(request, code):
    region = region_by_code(code)
    if region is None or not can_view_region(request.user, region):
        raise Http404
    return region


def _get_office_for_user(request, code):
    office = office_by_code(code)
    if office is None or not can_view_office(request.user, office):
        raise Http404
    return office


def cache_per_session(scopes):
    """Serve a signed-in user's repeated GET of a dashboard page from the cache.

    The key holds the user, the session's CSRF secret (the cached page's forms carry this session's
    token), the path, the parsed filters (never the raw query string: parameters a page does not
    read must not multiply its cache entries), the language, the versions of the snapshot scopes the
    page reads (``scopes(**kwargs)``), the day and the unread notifications (the navigation's badge):
    a recompute of what the page shows or a new session never sees a stale page, and no user ever
    sees another user's page. Pages that show a one-off message are not cached.
    """
    return lambda view: _per_session(view, scopes)


def _per_session(view, scopes):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        secret = request.META.get("CSRF_COOKIE")
        if request.method != "GET" or not request.user.is_authenticated or not secret:
            return view(request, *args, **kwargs)
        raw = "|".join(
            str(part)
            for part in (
                request.user.pk,
                secret,
                request.path,
                Filters.from_query(request.GET, spans=True).query(),  # a malformed value: ParamError, a 400
                get_language(),
                cache_version(scopes(**kwargs)),
                timezone.localdate(),
                unread_count(request.user),  # the inbox badge in the cached page's navigation
            )
        )
        key = "page-session:" + hashlib.sha256(raw.encode()).hexdigest()
        content = cache.get(key)
        if content is not None:
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and b'class="messages"' not in response.content:
            cache.set(key, response.content, PAGE_CACHE_SECONDS)
        return response

    return wrapper


def health(request):
    """Liveness probe, and the benchmark's trivial view: no session, no database."""
    return HttpResponse("ok", content_type="text/plain")


def _page_key(filters, *extra):
    """What a cached page body or chart varies on besides the snapshot generation."""
    return (filters.period_key, filters.segment, get_language(), timezone.localdate(), *extra)


def _region_body(request, region, filters):
    data = selectors.region_dashboard(region=region, period=filters.period, segment=filters.segment, span=filters.span)
    context = {
        "data": data,
        "filters": filters,
        "figures": charts.region_figures(data, segment=filters.segment),
        "geo_available": maps.boundaries_available(region),
        "panels": panels_for(region=region, period=data["period"]),
    }
    return render_to_string("coverage/partials/region_body.html", context, request)


@cache_per_session(lambda code: region_scopes(region_by_code(code)))
@login_required
def region_dashboard(request, code):
    """Selector -> charts -> body. The body holds nothing user-specific (scope is checked first), so
    it is rendered once per generation, filters, language and day and then served from the cache."""
    region = _get_region_for_user(request, code)
    filters = Filters.from_query(request.GET, spans=True)
    key = _page_key(filters, maps.boundaries_available(region))
    body = cached(
        "page-region", code, *key, compute=lambda: _region_body(request, region, filters), scopes=region_scopes(region)
    )
    return render(request, "coverage/dashboard.html", {"title": region.name, "body": body})


def _office_body(request, office, filters):
    data = selectors.office_dashboard(office=office, period=filters.period, segment=filters.segment, span=filters.span)
    context = {"data": data, "filters": filters, "figures": charts.office_figures(data, segment=filters.segment)}
    return render_to_string("coverage/partials/office_body.html", context, request)


@cache_per_session(lambda code: office_scopes(office_by_code(code)))
@login_required
def office_dashboard(request, code):
    office = _get_office_for_user(request, code)
    filters = Filters.from_query(request.GET, spans=True)
    body = cached(
        "page-office", code, *_page_key(filters), compute=lambda: _office_body(request, office, filters),
        scopes=office_scopes(office),
    )  # fmt: skip
    return render(request, "coverage/dashboard.html", {"title": office.name, "body": body})


def _figure_json(figure, **extra):
    if figure is None:
        figure = {"data": [], "layout": {}, "message": str(NO_DATA)}
    else:
        figure = {**figure, "config": charts.PLOT_CONFIG}
    return json.dumps({**figure, **extra}, cls=DjangoJSONEncoder)


def _region_chart(region, filters, chart):
    data = selectors.region_dashboard(region=region, period=filters.period, segment=filters.segment, span=filters.span)
    figure = charts.region_figures(data, segment=filters.segment, only=chart)
    extra = (
        {"boundaries_url": reverse("coverage:boundaries_json", kwargs={"code": region.code})} if chart == "peta" else {}
    )
    return _figure_json(figure, **extra)


@login_required
@require_GET
def chart_json(request, code, chart):
    region = _get_region_for_user(request, code)
    filters = Filters.from_query(request.GET, spans=True)
    body = cached(
        "chart-region", code, chart, *_page_key(filters), compute=lambda: _region_chart(region, filters, chart),
        scopes=region_scopes(region),
    )  # fmt: skip
    return HttpResponse(body, content_type="application/json")


def _office_chart(office, filters, chart):
    data = selectors.office_dashboard(office=office, period=filters.period, segment=filters.segment, span=filters.span)
    return _figure_json(charts.office_figures(data, segment=filters.segment, only=chart))


@login_required
@require_GET
def office_chart_json(request, code, chart):
    office = _get_office_for_user(request, code)
    filters = Filters.from_query(request.GET, spans=True)
    body = cached(
        "chart-office", code, chart, *_page_key(filters), compute=lambda: _office_chart(office, filters, chart),
        scopes=office_scopes(office),
    )  # fmt: skip
    return HttpResponse(body, content_type="application/json")


NO_DATA = gettext_lazy("Belum ada data untuk grafik ini.")


@login_required
@require_GET
def boundaries_json(request, code):
    """The children's boundaries for the choropleth, simplified once and served from a file; an
    Indonesian message if the boundary files are absent."""
    region = _get_region_for_user(request, code)
    built = maps.built_boundaries(region)
    if built is None:
        missing = {"type": "FeatureCollection", "features": [], "available": False, "message": str(BOUNDARIES_MISSING)}
        return JsonResponse(missing)
    response = FileResponse(built.open("rb"), content_type="application/json")
    response["Cache-Control"] = "private, max-age=86400"
    return response


BOUNDARIES_MISSING = gettext_lazy("Peta tidak dapat ditampilkan: berkas batas wilayah belum tersedia di server.")


# --- league table ----------------------------------------------------------------------------


def league_query(request):
    """Level, parent, Kanwil and order of the league table (``ucj_dashboard.params``): empty values
    are the national kab/kota table by coverage; a malformed or unknown one is a 400."""
    query = request.GET
    level = params.level(query.get("tingkat"), choices=selectors.LEAGUE_LEVELS, default=Level.REGENCY)
    parent_code = params.region_code(query.get("induk"), name="induk")
    parent = region_by_code(parent_code) if parent_code else None
    if parent_code and parent is None:
        raise ParamError(_unknown("induk", parent_code))
    kanwil_code = params.office_code(query.get("kanwil"), name="kanwil")
    kanwil = office_by_code(kanwil_code) if kanwil_code else None
    if kanwil_code and (kanwil is None or kanwil.kind != OfficeKind.KANWIL):
        raise ParamError(_unknown("kanwil", kanwil_code))
    sort = params.choice(query.get("urut"), name="urut", choices=[value for value, _label in SORTS], default="cakupan")
    group_code = params.slug(query.get("kelompok"), name="kelompok")
    group = peer_group_get(code=group_code) if group_code else None
    if group_code and group is None:
        raise ParamError(_unknown("kelompok", group_code))
    return {"level": level, "parent": parent, "kanwil": kanwil, "sort": sort, "group": group}


def _unknown(name, code):
    return gettext("Parameter %(name)s: %(code)s tidak ditemukan.") % {"name": name, "code": code}


@login_required
def league_table(request):
    filters = Filters.from_query(request.GET, spans=True)
    query = league_query(request)
    data = selectors.league_table(period=filters.period, segment=filters.segment, span=filters.span, **query)
    context = {
        "data": data, "filters": filters, "query": query, "levels": LEAGUE_LEVEL_CHOICES, "sorts": SORTS,
        "groups": peer_groups(),
    }  # fmt: skip
    return render(request, "coverage/league_table.html", context)


LEAGUE_LEVEL_CHOICES = [(level.value, level.label) for level in selectors.LEAGUE_LEVELS]
SORTS = [
    ("cakupan", gettext_lazy("Cakupan")),
    ("capaian", gettext_lazy("Capaian target sendiri")),
    ("naik_bulan", gettext_lazy("Kenaikan sebulan (pp)")),
    ("naik_tahun", gettext_lazy("Kenaikan setahun (pp)")),
]


# --- scorecard -------------------------------------------------------------------------------


def scorecard_query(request):
    """The league table's scope and peer group (``league_query``), the year and the segment."""
    query = league_query(request)
    query.pop("sort")  # a scorecard is ranked by coverage
    year = params.integer(request.GET.get("tahun"), name="tahun", minimum=2000, maximum=2100)
    return {**query, "year": year, "segment": params.segment(request.GET.get("segmen"))}


@login_required
def scorecard_page(request):
    query = scorecard_query(request)
    data = scorecard.scorecard(**query)
    context = {"data": data, "query": query, "levels": LEAGUE_LEVEL_CHOICES, "groups": peer_groups()}
    return render(request, "coverage/scorecard.html", context)


# --- action list -----------------------------------------------------------------------------


@login_required
def action_list(request, code):
    """The branch's priority regions; its heads and verifiers take one up (owner, plan, review date)
    and follow it (status, result), with the outcome a month later (``actions``)."""
    office = _get_office_for_user(request, code)
    filters = Filters.from_query(request.GET)
    data = selectors.action_list(office=office, period=filters.period)
    may_act = can_review_office(request.user, office)
    options = actions.priority_options(data) if may_act and data["period"] else []
    if request.method == "POST":
        if not may_act:
            raise PermissionDenied
        try:
            _priority_action(request, office, data, options)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect(request.get_full_path())
    context = {
        "office": office,
        "data": data,
        "filters": filters,
        "may_act": may_act,
        "options": options,
        "staff": actions.office_staff(office) if may_act else [],
        "actions": actions.priority_actions(office=office),
        "statuses": FollowUpStatus.choices,
        "today": timezone.localdate(),
    }
    return render(request, "coverage/action_list.html", context)


def _priority_action(request, office, data, options):
    post = request.POST
    kind = params.choice(post.get("action"), name="action", choices=("open", "update"), default="open")
    if kind == "open":
        chosen = params.text(post.get("priority"), name="priority", max_length=40)
        offered = {value: (reason, row) for value, reason, row in options}
        if chosen not in offered:
            raise ValidationError(gettext("Pilih wilayah dari daftar prioritas."))
        reason, row = offered[chosen]
        owner = _staff_member(post.get("owner"), office, request.user)
        plan = params.text(post.get("plan"), name="plan", max_length=PLAN_LENGTH)
        if not plan:
            raise ValidationError(gettext("Tuliskan rencana tindaknya."))
        review_date = params.day(post.get("review_date"), name="review_date")
        if review_date is None:
            raise ValidationError(gettext("Isi tanggal tinjau."))
        actions.priority_action_open(
            office=office, region=region_by_code(row["code"]), period=data["period"], reason=reason,
            user=request.user, owner=owner, plan=plan, review_date=review_date,
        )  # fmt: skip
        messages.success(request, gettext("%(region)s ditindaklanjuti.") % {"region": row["name"]})
        return
    pk = params.integer(post.get("priority_action"), name="priority_action", minimum=1, maximum=2**63 - 1)
    action = PriorityAction.objects.select_related("office").filter(pk=pk, office=office).first() if pk else None
    if action is None:
        raise Http404
    status = params.choice(post.get("status"), name="status", choices=FollowUpStatus.values, default=action.status)
    result = params.text(post.get("result"), name="result", max_length=PLAN_LENGTH)
    review_date = params.day(post.get("review_date"), name="review_date")
    actions.priority_action_update(
        action=action, user=request.user, status=status, result=result, review_date=review_date
    )
    messages.success(request, gettext("Tindak lanjut diperbarui."))


def _staff_member(username, office, user):
    """The owner named in the form (default: the user who acts), among the office's staff."""
    username = params.text(username, name="owner", max_length=150) or user.get_username()
    for member in actions.office_staff(office):
        if member.get_username() == username:
            return member
    if username == user.get_username() and user.is_active:
        return user  # an admin may own it too; priority_action_open checks the right
    raise ValidationError(gettext("Pengguna %(name)s bukan staf kantor ini.") % {"name": username})
