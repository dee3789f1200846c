"""Pages of the programs app: budget simulator (+ XLSX), funded batches (list, edit, import).

Scope: the simulator and the batch lists are open to every signed-in user; creating,
changing, deleting and importing batches needs write scope on the region (its Pemda operators)
or the admin role (``regions.selectors.can_edit_region``); otherwise 404, the same answer as for
a region or batch that does not exist, so scope does not reveal existence (docs/SECURITY.md).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coverage.reports.jobs import report_job_start
from regions.models import Level, Region
from regions.selectors import can_edit_region, can_read_dossier, home_office, home_region, territory_regions
from ucj_dashboard import params
from ucj_dashboard.formats import format_number

from . import charts, selectors, services
from .exports import simulation_xlsx
from .forms import AllocationForm, BatchImportForm, DossierNoteForm, FundedBatchForm, RegulationForm, SimulatorForm
from .importers import batches_import, batches_template
from .models import Allocation, DossierNote, FundedBatch, Package, Regulation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _region_for_edit(request, code):
    """The region of ``code`` if the user may write its batches; 404 if unknown or out of scope."""
    region = get_object_or_404(Region, code=code)
    if not can_edit_region(request.user, region):
        raise Http404
    return region


def _batch_for_edit(request, pk):
    """The batch ``pk`` if the user may write its region's batches; 404 if unknown or out of scope."""
    batch = get_object_or_404(FundedBatch.objects.select_related("region"), pk=pk)
    if not can_edit_region(request.user, batch.region):
        raise Http404
    return batch


def _suggested_regions(user):
    """Regions offered in the simulator's picker: the operator's region, the branch's territory."""
    office = home_office(user)
    regions = list(territory_regions(office=office)) if office else []
    region = home_region(user)
    return ([region] if region else []) + regions


def _simulator_form(request):
    user = request.user
    suggested = _suggested_regions(user)
    package = Package.objects.filter(code="bpu-jkk-jkm", is_active=True).first()
    initial = {"region": suggested[0].code if suggested else "", "package": package, "months": 12, "workers": 1000}
    if set(request.GET) <= {"region"}:
        # A link from a dashboard names the region only: show the form for it, nothing computed yet.
        initial["region"] = params.text(request.GET.get("region"), name="region", default=initial["region"])
        return SimulatorForm(initial=initial), suggested
    return SimulatorForm(request.GET, initial=initial), suggested


def _simulate(form):
    data = form.cleaned_data
    try:
        return selectors.budget_simulate(
            region=data["region"],
            year=data["year"],
            package=data["package"],
            workers=data["workers"],
            start_month=data["start_month"],
            months=data["months"],
            scheme=data.get("scheme"),
            target_percent=data.get("target_percent"),
        )
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return None


@login_required
def simulator(request):
    form, suggested = _simulator_form(request)
    simulation = _simulate(form) if form.is_bound and form.is_valid() else None
    figure = charts.budget_by_month_figure(simulation.budget.lines) if simulation else None
    context = {"form": form, "simulation": simulation, "suggested": suggested, "figure": figure}
    return render(request, "programs/simulator.html", context)


@login_required
def simulator_export(request):
    form, _suggested = _simulator_form(request)
    simulation = _simulate(form) if form.is_bound and form.is_valid() else None
    if simulation is None:
        messages.error(request, _("Lengkapi masukan simulasi sebelum mengunduh."))
        return redirect(f"{reverse('programs:simulator')}?{request.GET.urlencode()}")
    data = form.cleaned_data
    content = simulation_xlsx(simulation=simulation, scheme=data.get("scheme"), categories=data.get("categories", []))
    response = HttpResponse(content, content_type=XLSX)
    filename = f"simulasi-{simulation.region.code}-{simulation.year}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def batch_list(request, code):
    region = get_object_or_404(Region, code=code)
    number = params.integer(request.GET.get("halaman"), name="halaman", minimum=1, maximum=1_000_000, default=1)
    page = Paginator(selectors.batches_for_region(region=region), 50).get_page(number)
    context = {"region": region, "page": page, "can_edit": can_edit_region(request.user, region)}
    return render(request, "programs/batch_list.html", context)


def _batch_form_page(request, *, region, batch):
    form = FundedBatchForm(request.POST or None, instance=batch, user=request.user, initial={"region": region.code})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.funded_batch_save(batch=form.save(commit=False), user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Batch %(batch)s disimpan.") % {"batch": saved})
            return redirect("programs:batch_list", code=saved.region.code)
    return render(request, "programs/batch_form.html", {"form": form, "region": region, "batch": batch})


@login_required
def batch_create(request, code):
    region = _region_for_edit(request, code)
    return _batch_form_page(request, region=region, batch=FundedBatch(region=region))


@login_required
def batch_edit(request, pk):
    batch = _batch_for_edit(request, pk)
    return _batch_form_page(request, region=batch.region, batch=batch)


@login_required
@require_POST
def batch_delete(request, pk):
    batch = _batch_for_edit(request, pk)
    code, label = batch.region.code, str(batch)
    services.funded_batch_delete(batch=batch, user=request.user)
    messages.success(request, _("Batch %(batch)s dihapus.") % {"batch": label})
    return redirect("programs:batch_list", code=code)


@login_required
def batch_import(request, code):
    region = _region_for_edit(request, code)
    form = BatchImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        apply = form.cleaned_data["apply"]
        report = batches_import(file=upload, filename=upload.name, user=request.user, dry_run=not apply, root=region)
        if report.applied:
            counts = {"n": format_number(report.created), "u": format_number(report.updated)}
            messages.success(request, _("Impor selesai: %(n)s batch baru, %(u)s diubah.") % counts)
    return render(request, "programs/batch_import.html", {"form": form, "region": region, "report": report})


@login_required
def batch_import_template(request, code):
    region = _region_for_edit(request, code)
    response = HttpResponse(batches_template(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="templat-batch-{region.code}.xlsx"'
    return response


# --- the Inpres 2/2021 commitment register -----------------------------------------------------

COMMITMENT_FORMS = {"regulasi": (RegulationForm, Regulation), "alokasi": (AllocationForm, Allocation)}


@login_required
def commitments(request, code):
    """A region's register (readable by every signed-in user, like the batch list)."""
    region = get_object_or_404(Region, code=code)
    context = {"region": region, "c": selectors.commitments(region=region), "can_edit": can_edit_region(request.user,
               region)}  # fmt: skip
    return render(request, "programs/commitments.html", context)


def _commitment_for_edit(request, kind, pk):
    form_class, model = COMMITMENT_FORMS[kind]
    record = get_object_or_404(model.objects.select_related("region"), pk=pk)
    if not can_edit_region(request.user, record.region):
        raise Http404
    return form_class, record


@login_required
def commitment_edit(request, code, kind, pk=None):
    """Create (``pk`` None) or change a regulation or allocation of the region: its operators and admins."""
    pk = int(pk) if pk is not None else None
    region = _region_for_edit(request, code)
    if pk is None:
        form_class, record = COMMITMENT_FORMS[kind][0], COMMITMENT_FORMS[kind][1](region=region)
    else:
        form_class, record = _commitment_for_edit(request, kind, pk)
        if record.region_id != region.pk:
            raise Http404
    form = form_class(request.POST or None, instance=record, region=region)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.commitment_save(form=form, user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("%(record)s disimpan.") % {"record": saved})
            return redirect("programs:commitments", code=region.code)
    return render(request, "programs/commitment_form.html", {"form": form, "region": region, "kind": kind})


@login_required
@require_POST
def commitment_delete(request, code, kind, pk):
    region = _region_for_edit(request, code)
    _form_class, record = _commitment_for_edit(request, kind, pk)
    if record.region_id != region.pk:
        raise Http404
    label = str(record)
    services.commitment_delete(record=record, user=request.user)
    messages.success(request, _("%(record)s dihapus.") % {"record": label})
    return redirect("programs:commitments", code=region.code)


def _year(request, default):
    """The year asked for (``tahun``, 2000 to 2100), else ``default``; anything else is a 400."""
    text = request.GET.get("tahun") or request.POST.get("tahun")
    return params.integer(text, name="tahun", minimum=2000, maximum=2100, default=default)


@login_required
def semester_summary(request, code):
    """The semester summary of a province's register, for the Kanwil and the Pemda provinsi."""
    province = get_object_or_404(Region, code=code, level=Level.PROVINCE)
    today = timezone.localdate()
    year = _year(request, today.year)
    semester = 2 if request.GET.get("semester") == "2" else 1
    summary = selectors.semester_summary(province=province, year=year, semester=semester)
    return render(request, "programs/semester_summary.html", {"s": summary})


# --- the Paritrana / Monev UCJ dossier ---------------------------------------------------------


@login_required
def dossier(request, code):
    """The dossier page of a region and year: the Pemda's notes (its operators edit them) and the buttons
    that make the PDF and the DOCX (report jobs with progress). 404 for whoever may not read it."""
    region = get_object_or_404(Region, code=code)
    if not can_read_dossier(request.user, region):
        raise Http404
    year = _year(request, timezone.localdate().year)
    can_edit = can_edit_region(request.user, region)
    note = DossierNote.objects.filter(region=region, year=year).first()
    form = DossierNoteForm(request.POST if request.POST.get("action") == "notes" else None, instance=note)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "notes":
            if not can_edit:
                raise Http404
            if form.is_valid():
                services.dossier_note_save(region=region, year=year, values=form.cleaned_data, user=request.user)
                messages.success(request, _("Catatan dosir disimpan."))
                return redirect(f"{reverse('programs:dossier', kwargs={'code': code})}?tahun={year}")
        elif action in ("pdf", "docx"):
            kind = {"pdf": "dossier_pdf", "docx": "dossier_docx"}[action]
            job = report_job_start(user=request.user, kind=kind, params={"region": code, "year": year})
            return redirect("coverage:report_job", pk=job.pk)
    context = {"region": region, "year": year, "form": form, "can_edit": can_edit, "note": note}
    return render(request, "programs/dossier.html", context)
