"""Report pages: ask for a dashboard PDF, follow its job, download it; the monthly subscriptions.

A dashboard PDF is open to whoever may read the dashboard (every signed-in user; an unknown region
or office is a 404). A job is its owner's only: anyone else gets a 404. The unsubscribe link works
without signing in (it is signed) and changes nothing on GET: its page has one button, and mail
programs POST ``List-Unsubscribe=One-Click`` to it (RFC 8058).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from regions.models import Office, Region
from ucj_dashboard import params as params_module

from ..dashboards.filters import parse_period
from ..dashboards.rows import office_by_code, region_by_code
from ..models import JobStatus, ReportJob, ReportSubscription
from .jobs import DASHBOARD_PDF, STAGES, report_job_start, report_kind
from .subscriptions import subscribable, subscription_from_token, subscription_set


def _period_text(request):
    """The month asked for, checked ('YYYY-MM', or '' for the latest settled month): a bad value is a 400,
    never a job that fails later."""
    period = params_module.period(request.GET.get("periode") or request.POST.get("periode"))
    return period.strftime("%Y-%m") if period else ""


def _start(request, kind, params, context):
    """GET: the page with the button (and what the report will hold); POST: start the job."""
    if request.method == "POST":
        job = report_job_start(user=request.user, kind=kind, params=params)
        return redirect("coverage:report_job", pk=job.pk)
    return render(request, "coverage/reports/start.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def region_report(request, code):
    region = region_by_code(code)
    params = {"region": code, "period": _period_text(request)}
    kind = report_kind(DASHBOARD_PDF)
    if region is None or not kind.allowed(request.user, params):
        raise Http404
    context = {"subject_name": region.name, "period": parse_period(params["period"]), "kind": kind}
    return _start(request, DASHBOARD_PDF, params, context)


@login_required
@require_http_methods(["GET", "POST"])
def office_report(request, code):
    office = office_by_code(code)
    params = {"office": code, "period": _period_text(request)}
    kind = report_kind(DASHBOARD_PDF)
    if office is None or not kind.allowed(request.user, params):
        raise Http404
    context = {"subject_name": office.name, "period": parse_period(params["period"]), "kind": kind}
    return _start(request, DASHBOARD_PDF, params, context)


def _job_for(request, pk):
    job = get_object_or_404(ReportJob.objects.defer("content"), pk=pk, user=request.user)
    kind = report_kind(job.kind)
    if kind is None or not kind.allowed(request.user, job.params):
        raise Http404
    return job


def _job_state(job):
    done = job.status == JobStatus.DONE
    return {
        "status": job.status,
        "progress": job.progress,
        "stage": str(STAGES.get(job.stage, job.stage)),
        "download_url": reverse("coverage:report_job_download", kwargs={"pk": job.pk}) if done else "",
        "error": _("Laporan gagal dibuat. Coba lagi; bila tetap gagal, hubungi admin.") if job.error else "",
    }


@login_required
@require_GET
def report_job(request, pk):
    job = _job_for(request, pk)
    context = {"job": job, "state": _job_state(job), "kind": report_kind(job.kind)}
    return render(request, "coverage/reports/job.html", context)


@login_required
@require_GET
def report_job_status(request, pk):
    return JsonResponse(_job_state(_job_for(request, pk)))


@login_required
@require_GET
def report_job_download(request, pk):
    job = _job_for(request, pk)
    if job.status != JobStatus.DONE:
        raise Http404
    content = ReportJob.objects.values_list("content", flat=True).get(pk=job.pk)
    response = HttpResponse(bytes(content), content_type=job.content_type)
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    return response


# --- subscriptions ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def subscriptions(request):
    """The monthly PDFs the user may receive (their own regions and offices), each on or off."""
    regions, offices = subscribable(request.user)
    if request.method == "POST":
        model, code = (Region, request.POST.get("wilayah")) if request.POST.get("wilayah") else (
            Office, request.POST.get("kantor"))  # fmt: skip
        subject = model.objects.filter(code=code or "").first()
        allowed = regions if model is Region else offices
        if subject is None or subject not in allowed:
            raise Http404
        active = request.POST.get("aktif") == "1"
        subscription_set(user=request.user, active=active, **{"region" if model is Region else "office": subject})
        if active:
            messages.success(
                request, _("Laporan bulanan %(name)s akan dikirim ke e-mail Anda.") % {"name": subject.name}
            )
        else:
            messages.success(request, _("Langganan laporan bulanan %(name)s dihentikan.") % {"name": subject.name})
        return redirect("coverage:report_subscriptions")
    active = {(s.region_id, s.office_id): s.is_active for s in ReportSubscription.objects.filter(user=request.user)}
    rows = [{"kind": "wilayah", "subject": r, "active": active.get((r.pk, None), False)} for r in regions]
    rows += [{"kind": "kantor", "subject": o, "active": active.get((None, o.pk), False)} for o in offices]
    return render(request, "coverage/reports/subscriptions.html", {"rows": rows})


@csrf_exempt  # the signed token is the credential; mail programs POST here without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    subscription = subscription_from_token(token)
    if subscription is None:
        raise Http404
    if request.method == "POST":
        ReportSubscription.objects.filter(pk=subscription.pk).update(is_active=False)
        subscription.is_active = False
    return render(request, "coverage/reports/unsubscribe.html", {"subscription": subscription})
