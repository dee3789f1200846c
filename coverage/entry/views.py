"""Views of the writers: the entry grid, the import, the verification queue, the submission
tracker, a cell's history and the source discrepancies of an office. Every region in a URL, a form
field or a file row goes through ``regions.selectors`` (404 for what the user may not touch); the
services re-check it."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from regions.models import Office, Region, Role
from regions.selectors import can_edit_region, can_review_office, can_verify_region, user_has_role, user_is_admin
from ucj_dashboard import params
from ucj_dashboard.formats import format_number
from ucj_dashboard.months import add_months
from ucj_dashboard.params import ParamError
from ucj_dashboard.spreadsheets import MAX_ROWS, MAX_UPLOAD_BYTES

from ..engine import period_close, period_is_closed, period_reopen
from ..models import (
    EntryStatus,
    FollowUp,
    FollowUpStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    ParticipantCount,
    ReportingPeriod,
)
from ..rules import due_date
from . import selectors
from .approvals import may_approve, may_decide_region
from .bpjs import bpjs_batch_apply, bpjs_batch_preview, may_load_bpjs
from .completeness import completeness_matrix
from .followups import followup_open, followup_update, followups_for
from .forms import BpjsUploadForm, EntryGridForm, ImportApplyForm, ImportUploadForm, ReferenceUploadForm, ReopenForm
from .importer import counts_template, import_batch_apply, import_batch_preview
from .reference import denominators_batch_apply, reference_batch_preview, reference_template, targets_batch_apply
from .services import cell_label, entry_grid_save
from .verification import participant_counts_return, participant_counts_verify

DIFF_LIMIT = 500
REASON_LENGTH = 1000  # a verifier's note or reason, an admin's reason for reopening a month


def _get_region_for_user(request, code):
    """The region of the URL if the user may write its counts; 404 otherwise (no leak)."""
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None or not can_edit_region(request.user, region):
        raise Http404(_("Wilayah tidak ditemukan."))
    return region


def _period_from(request, field="periode"):
    """?periode=YYYY-MM (``ucj_dashboard.params``: malformed is a 400); default: last month (the
    month being reported)."""
    text = request.GET.get(field) or request.POST.get(field)
    return params.period(text, name=field, default=add_months(timezone.localdate(), -1))


def _require(condition):
    if not condition:
        raise PermissionDenied(_("Halaman ini tidak tersedia untuk peran Anda."))


def _flash_errors(request, exc):
    for message in exc.messages:
        messages.error(request, message)


@login_required
def entry_grid(request, code):
    region = _get_region_for_user(request, code)
    period = _period_from(request)
    rows = selectors.entry_grid_rows(region=region, period=period)
    form = EntryGridForm(request.POST if request.method == "POST" else None, rows=rows, period=period)
    if request.method == "POST":
        changes = form.changes() if form.is_valid() or hasattr(form, "cleaned_data") else []
        if not form.errors:
            try:
                result = entry_grid_save(
                    region=region, period=period, user=request.user, changes=changes, submit="submit" in request.POST
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)  # a model's field errors too (the grid has no such field)
            else:
                _flash_save(request, result)
                return redirect(f"{request.path}?periode={period:%Y-%m}")
    context = {"region": region, "period": period, "form": form, "closed": period_is_closed(period)}
    return render(request, "coverage/entry/grid.html", context)


def _flash_save(request, result):
    saved = result.created + result.updated
    if result.submitted:
        messages.success(request, _("%(n)s angka diajukan ke verifikator.") % {"n": format_number(result.submitted)})
    if saved - result.submitted > 0:
        messages.success(request, _("%(n)s angka disimpan.") % {"n": format_number(saved - result.submitted)})
    if not saved:
        messages.info(request, _("Tidak ada perubahan."))
    for _plan, violation in result.warnings:
        messages.warning(request, violation.message)


@login_required
def verification_queue(request):
    """The queue of the levels of the approval chain the user decides at (by default: the verifier's)."""
    _require(may_approve(request.user))
    if request.method == "POST":
        return _verification_decide(request)
    period = params.period(request.GET.get("periode"))
    groups = selectors.verification_groups(user=request.user, period=period)
    waiting = selectors.verification_queue_size(user=request.user, period=period)
    shown = sum(len(group.items) for group in groups)
    context = {"groups": groups, "period": period, "shown": shown, "waiting": waiting}
    return render(request, "coverage/entry/verification.html", context)


def _queue_group(request):
    """The group a decision is about, "35.73|2025-06" (a kab/kota and a month); malformed is a 400."""
    code, _sep, month = params.text(request.POST.get("group"), name="group", max_length=40).partition("|")
    if not params.region_code(code, name="group") or not params.period(month, name="group"):
        raise ParamError(_("Parameter group wajib berisi kode wilayah dan bulan, misalnya 35.73|2025-06."))
    return f"{code}|{month}"


def _expected_versions(request, counts):
    """The version of each chosen count as the verifier's page showed it. A missing or malformed one
    refuses the whole decision (never skips the check that someone else changed the count since)."""
    versions, unreadable = {}, []
    for count in counts:
        try:
            versions[count.pk] = params.integer(
                request.POST.get(f"v-{count.pk}"), name=f"v-{count.pk}", minimum=0, maximum=2**31 - 1
            )
        except ParamError:
            versions[count.pk] = None
        if versions[count.pk] is None:
            unreadable.append(
                _("Versi %(cell)s tidak terbaca dari halaman; muat ulang antrean, lalu putuskan lagi.")
                % {"cell": cell_label(count.region, count.segment, count.period)}
            )
    if unreadable:
        raise ValidationError(unreadable)
    return versions


def _verification_decide(request):
    counts = selectors.queue_counts(user=request.user, group_key=_queue_group(request))
    chosen = set(request.POST.getlist("count"))
    counts = [c for c in counts if str(c.pk) in chosen]
    action = params.choice(request.POST.get("action"), name="action", choices=("verify", "return"), default="verify")
    try:
        versions = _expected_versions(request, counts)
        if action == "return":
            reason = params.text(request.POST.get("reason"), name="reason", max_length=REASON_LENGTH)
            participant_counts_return(counts=counts, user=request.user, reason=reason, expected_versions=versions)
            messages.success(request, _("%(n)s angka dikembalikan ke Pemda.") % {"n": format_number(len(counts))})
        else:
            notes = {
                c.pk: params.text(request.POST.get(f"note-{c.pk}"), name=f"note-{c.pk}", max_length=REASON_LENGTH)
                for c in counts
            }
            decided = participant_counts_verify(
                counts=counts, user=request.user, notes=notes, expected_versions=versions
            )
            verified = sum(1 for count in decided if count.status == EntryStatus.VERIFIED)
            if verified:
                messages.success(request, _("%(n)s angka diverifikasi.") % {"n": format_number(verified)})
            if len(decided) > verified:
                messages.success(
                    request,
                    _("%(n)s angka disetujui dan diteruskan ke tingkat berikutnya.")
                    % {"n": format_number(len(decided) - verified)},
                )
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect("coverage:verification_queue")


@login_required
def submission_tracker(request):
    _require(selectors.can_see_tracker(request.user))
    period = _period_from(request)
    if request.method == "POST":
        return _period_action(request, period)
    rows = selectors.submission_tracker_rows(period=period, user=request.user)
    context = {
        "period": period,
        "rows": rows,
        "due": due_date(period),
        "submitted": sum(1 for row in rows if row.submitted),
        "reporting": ReportingPeriod.objects.filter(period=period).first(),
        "reopen_form": ReopenForm(),
        "is_admin": user_is_admin(request.user),
        "matrix": completeness_matrix(end=period, user=request.user),
    }
    return render(request, "coverage/entry/tracker.html", context)


def _period_action(request, period):
    """Close or reopen a month (admins): coverage.engine.publishing."""
    _require(user_is_admin(request.user))
    action = params.choice(request.POST.get("action"), name="action", choices=("close", "reopen"), default="close")
    try:
        if action == "reopen":
            reason = params.text(request.POST.get("reason"), name="reason", max_length=REASON_LENGTH)
            period_reopen(period=period, user=request.user, reason=reason)
            messages.success(request, _("Periode dibuka kembali."))
        else:
            period_close(period=period, user=request.user)
            messages.success(request, _("Periode ditutup dan snapshot dipublikasikan."))
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect(f"{reverse('coverage:submission_tracker')}?periode={period:%Y-%m}")


def _may_import(user):
    return user_is_admin(user) or user_has_role(user, Role.OPERATOR)


@login_required
def import_counts(request):
    _require(_may_import(request.user))
    if request.method == "POST" and "batch" in request.POST:
        return _import_apply(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    batch = report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch, report = import_batch_preview(
            user=request.user, file=upload, filename=upload.name, submit=form.cleaned_data["submit"]
        )
    apply_form = ImportApplyForm(initial={"batch": batch.pk}) if batch else None
    return render(request, "coverage/entry/import.html", _import_context(form, report, batch, apply_form))


def _apply_upload(request, *, kind, apply, page, again):
    """Apply a dry-run batch of ``kind`` (the user's own): on success back to ``page`` with the counts
    written; refused, the errors flashed; otherwise ``again(report, batch, apply_form or None)``."""
    apply_form = ImportApplyForm(request.POST)
    if not apply_form.is_valid():
        raise Http404
    batch = get_object_or_404(ImportBatch, pk=apply_form.cleaned_data["batch"], user=request.user, kind=kind)
    try:
        report = apply(batch=batch, user=request.user, acknowledge_warnings=apply_form.cleaned_data["acknowledge"])
    except ValidationError as exc:
        _flash_errors(request, exc)
        return redirect(page)
    if report.applied:
        saved = report.saved
        messages.success(
            request,
            _("Impor diterapkan: %(created)s angka baru, %(updated)s diubah, %(unchanged)s tidak berubah.")
            % {
                "created": format_number(saved.created),
                "updated": format_number(saved.updated),
                "unchanged": format_number(saved.unchanged),
            },
        )
        return redirect(page)
    return again(report, batch, apply_form if batch.status == ImportStatus.PREVIEWED else None)


def _import_apply(request):
    def again(report, batch, apply_form):
        context = _import_context(ImportUploadForm(), report, batch, apply_form)
        return render(request, "coverage/entry/import.html", context)

    return _apply_upload(
        request, kind=ImportKind.PEMDA_COUNTS, apply=import_batch_apply, page="coverage:import_counts", again=again
    )


def _import_context(form, report, batch, apply_form):
    changed = []
    if report is not None and report.check is not None:
        changed = [plan for plan in report.check.plans if plan.action != "unchanged"]
    return {
        "form": form,
        "report": report,
        "batch": batch,
        "apply_form": apply_form,
        "changed": changed[:DIFF_LIMIT],
        "changed_more": max(0, len(changed) - DIFF_LIMIT),
        "impact": report.check.impact[:200] if report is not None and report.check is not None else [],
    }


@login_required
def import_bpjs(request):
    """A branch's BPJS extraction: dry run, then apply (admins, and an office's verifiers and branch heads)."""
    _require(may_load_bpjs(request.user))
    if request.method == "POST" and "batch" in request.POST:
        return _import_bpjs_apply(request)
    form = BpjsUploadForm(request.POST or None, request.FILES or None)
    batch = report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch, report = bpjs_batch_preview(user=request.user, file=upload, filename=upload.name)
    apply_form = ImportApplyForm(initial={"batch": batch.pk}) if batch else None
    return render(request, "coverage/entry/import_bpjs.html", _bpjs_context(form, report, apply_form))


def _import_bpjs_apply(request):
    def again(report, batch, apply_form):
        context = _bpjs_context(BpjsUploadForm(), report, apply_form)
        return render(request, "coverage/entry/import_bpjs.html", context)

    return _apply_upload(
        request, kind=ImportKind.BPJS_COUNTS, apply=bpjs_batch_apply, page="coverage:import_bpjs", again=again
    )


def _bpjs_context(form, report, apply_form):
    changed = report.check.changed if report is not None and report.check is not None else []
    return {
        "form": form,
        "report": report,
        "apply_form": apply_form,
        "max_rows": MAX_ROWS,
        "max_mb": MAX_UPLOAD_BYTES >> 20,
        "changed": changed[:DIFF_LIMIT],
        "changed_more": max(0, len(changed) - DIFF_LIMIT),
        "impact": report.check.impact[:200] if report is not None and report.check is not None else [],
    }


# --- targets and denominators (coverage.entry.reference; admins only, as the importers rule) ---------

REFERENCE_PAGES = {
    ImportKind.TARGETS: {
        "page": "coverage:import_targets", "apply": targets_batch_apply, "title": gettext_lazy("Impor nilai target"),
        "filename": "templat-target-ucj.xlsx",
    },
    ImportKind.DENOMINATORS: {
        "page": "coverage:import_denominators", "apply": denominators_batch_apply,
        "title": gettext_lazy("Impor penyebut (penduduk bekerja)"), "filename": "templat-penyebut-ucj.xlsx",
    },
}  # fmt: skip


@login_required
def import_targets(request):
    """Target values of the series (seri, kode_wilayah, tahun, target_persen / target_peserta): dry run, apply."""
    return _reference_upload(request, ImportKind.TARGETS)


@login_required
def import_denominators(request):
    """Employed population per kab/kota and year (BPS Sakernas): dry run, then apply as new revisions."""
    return _reference_upload(request, ImportKind.DENOMINATORS)


def _reference_upload(request, kind):
    _require(user_is_admin(request.user))
    config = REFERENCE_PAGES[kind]
    if request.method == "GET" and "templat" in request.GET:
        response = HttpResponse(
            reference_template(kind=kind),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{config["filename"]}"'
        return response

    def render_page(form, report, apply_form):
        changed = report.check.changed if report is not None and report.check is not None else []
        context = {
            "kind": kind, "title": config["title"], "form": form, "report": report, "apply_form": apply_form,
            "max_rows": MAX_ROWS, "max_mb": MAX_UPLOAD_BYTES >> 20, "changed": changed[:DIFF_LIMIT],
            "changed_more": max(0, len(changed) - DIFF_LIMIT),
        }  # fmt: skip
        return render(request, "coverage/entry/import_reference.html", context)

    if request.method == "POST" and "batch" in request.POST:
        return _apply_upload(
            request, kind=kind, apply=config["apply"], page=config["page"],
            again=lambda report, batch, apply_form: render_page(ReferenceUploadForm(), report, apply_form),
        )  # fmt: skip
    form = ReferenceUploadForm(request.POST or None, request.FILES or None)
    batch = report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch, report = reference_batch_preview(kind=kind, user=request.user, file=upload, filename=upload.name)
    return render_page(form, report, ImportApplyForm(initial={"batch": batch.pk}) if batch else None)


@login_required
@require_GET
def import_template(request):
    # A malformed code is a 400; no code, an unknown one or one out of scope, a 404 (nothing revealed).
    region = _get_region_for_user(request, params.region_code(request.GET.get("wilayah"), name="wilayah", default=""))
    period = _period_from(request)
    content = counts_template(region=region, period=period, user=request.user)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="templat-ucj-{region.code}-{period:%Y-%m}.xlsx"'
    return response


@login_required
@require_GET
def source_discrepancies(request, code):
    """Where BPJS and Pemda disagree in an office's territory: its branch heads and verifiers (a Kanwil's
    over its branches) and admins. Other roles: 403; another office's staff: 404 (not revealed)."""
    user = request.user
    _require(user_is_admin(user) or user_has_role(user, Role.BRANCH_HEAD) or user_has_role(user, Role.VERIFIER))
    office = Office.objects.select_related("parent").filter(code=code).first()
    if office is None or not can_review_office(user, office):
        raise Http404(_("Kantor tidak ditemukan."))
    page = selectors.source_discrepancies(office=office, end=_period_from(request))
    return render(request, "coverage/entry/discrepancies.html", {"page": page, "office": office})


@login_required
@require_GET
def count_history(request, pk):
    count = get_object_or_404(ParticipantCount.objects.select_related("region"), pk=pk)
    user = request.user
    if not (
        can_edit_region(user, count.region)
        or can_verify_region(user, count.region)
        or may_decide_region(user, count.region)
    ):
        raise Http404(_("Data tidak ditemukan."))
    rows = selectors.count_history_rows(count=count)
    return render(request, "coverage/entry/history.html", {"count": count, "rows": rows})


@login_required
def followups(request):
    """Values marked for follow-up (owner, status, resolution): open one from the verification queue,
    move it along here. Admins, verifiers and operators; each sees the counts of its scope."""
    user = request.user
    _require(user_is_admin(user) or user_has_role(user, Role.VERIFIER) or user_has_role(user, Role.OPERATOR))
    if request.method == "POST":
        try:
            _followup_action(request)
        except ValidationError as exc:
            _flash_errors(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect("coverage:followups")
    status = params.choice(request.GET.get("status"), name="status", choices=["", *FollowUpStatus.values], default="")
    rows = list(followups_for(user=user, status=status or None)[:500])
    context = {"rows": rows, "status": status, "statuses": FollowUpStatus.choices}
    return render(request, "coverage/entry/followups.html", context)


def _followup_action(request):
    user = request.user
    action = params.choice(request.POST.get("action"), name="action", choices=("open", "update"), default="open")
    if action == "open":
        pk = params.integer(request.POST.get("count"), name="count", minimum=1, maximum=2**63 - 1)
        count = ParticipantCount.objects.select_related("region").filter(pk=pk).first() if pk else None
        if count is None:
            raise Http404(_("Data tidak ditemukan."))
        username = params.text(request.POST.get("owner"), name="owner", max_length=150) or user.get_username()
        owner = get_user_model().objects.filter(username=username).first()
        if owner is None:
            raise ValidationError(_("Pengguna %(name)s tidak ditemukan.") % {"name": username})
        note = params.text(request.POST.get("note"), name="note", max_length=REASON_LENGTH)
        followup_open(count=count, user=user, owner=owner, note=note)
        messages.success(request, _("Angka ditandai untuk ditindaklanjuti."))
        return
    pk = params.integer(request.POST.get("followup"), name="followup", minimum=1, maximum=2**63 - 1)
    followup = FollowUp.objects.select_related("count__region").filter(pk=pk).first() if pk else None
    if followup is None:
        raise Http404(_("Data tidak ditemukan."))
    status = params.choice(
        request.POST.get("status"), name="status", choices=FollowUpStatus.values, default=FollowUpStatus.IN_PROGRESS
    )
    resolution = params.text(request.POST.get("resolution"), name="resolution", max_length=REASON_LENGTH)
    followup_update(followup=followup, user=user, status=status, resolution=resolution)
    messages.success(request, _("Tindak lanjut diperbarui."))
