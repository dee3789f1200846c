"""The access matrix: every URL of the product for every persona, allowed or denied.

The table below is the specification. Its rows are collected against the URL resolver, so a
new URL without a row fails ``test_every_url_has_a_row``. Cells:

    A 200 allowed            R 302 allowed (a redirect that is not the login page)
    L 302 to the login page  U 401 (JSON API, anonymous)
    F 403 forbidden          N 404 (out of scope: the object is not revealed)
    B 400 allowed in, the request refused as bad input (an API POST with an empty body)

Columns: anonymous, operator Kota Malang, operator Kabupaten Blitar (the outsider),
verifier Malang, branch head Malang, admin.
"""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coverage.models import EntryStatus, JobStatus, ParticipantCount, ReportJob, ReportSubscription
from coverage.reports.subscriptions import unsubscribe_token
from programs.models import FundedBatch, Regulation
from regions.models import Notification, NotificationEvent

pytestmark = pytest.mark.django_db

PERSONAS = (
    "anonymous",
    "operator_kota_malang",
    "operator_kab_blitar",
    "verifier_malang",
    "branch_head_malang",
    "admin",
)

KOTA = {"code": "35.73"}
BRANCH = {"code": "KC-MALANG"}


def _notification(world):
    operator = world["personas"]["operator_kota_malang"]
    notification, _ = Notification.objects.get_or_create(
        user=operator, event=NotificationEvent.RETURNED, defaults={"title": "Data Juni 2025 dikembalikan",
                                                                   "url": "/entri/35.73/?periode=2025-06"}
    )  # fmt: skip
    return {"pk": notification.pk}


def _job(world):
    operator = world["personas"]["operator_kota_malang"]
    job, _ = ReportJob.objects.get_or_create(
        user=operator, kind="dashboard_pdf", defaults={"params": {"region": "35.73", "period": "2025-06"},
        "status": JobStatus.DONE, "progress": 100, "content": b"%PDF-", "filename": "ucj-35.73-2025-06.pdf",
        "content_type": "application/pdf"},
    )  # fmt: skip
    return {"pk": job.pk}


def _unsubscribe(world):
    """The branch head's default subscription (made when the role was given)."""
    subscription = ReportSubscription.objects.get(user=world["personas"]["branch_head_malang"])
    return {"token": unsubscribe_token(subscription)}


def _regulation(world):
    regulation, _ = Regulation.objects.get_or_create(
        region=world["kota"], kind="perkada", number="Perwali Kota Malang 12/2024",
        defaults={"issued_on": "2024-11-04", "title": "Perlindungan pekerja rentan"},
    )  # fmt: skip
    return {**KOTA, "kind": "regulasi", "pk": regulation.pk}


# name: (method, kwargs or a callable(world) -> kwargs, query/data, "cells in PERSONAS order")
MATRIX = {
    "home": ("get", {}, {}, "L R R R R R"),
    "login": ("get", {}, {}, "A R R R R R"),
    "logout": ("post", {}, {}, "L L L L L L"),  # back to the login page
    "set_language": ("post", {}, {"language": "en", "next": "/"}, "R R R R R R"),
    # Two-factor sign-in (tests/trust/test_two_factor.py): every signed-in user manages their own; these
    # personas have no device, so the code step, the one-time codes page, renewal and switching off
    # send them back (R) without doing anything.
    "two_factor_verify": ("get", {}, {}, "L R R R R R"),
    "account_security": ("get", {}, {}, "L A A A A A"),
    "two_factor_enrol": ("get", {}, {}, "L A A A A A"),
    "two_factor_recovery_codes": ("get", {}, {}, "L R R R R R"),
    "two_factor_recovery_renew": ("post", {}, {}, "L R R R R R"),
    "two_factor_disable": ("post", {}, {"otp_token": "123456"}, "L R R R R R"),
    "regions:search": ("get", {}, {"q": "Malang"}, "L A A A A A"),
    "coverage:health": ("get", {}, {}, "A A A A A A"),
    "health_services": ("get", {}, {}, "A A A A A A"),
    "job_runs": ("get", {}, {}, "L F F F F A"),
    # Aggregate dashboards and their JSON: every signed-in user (rankings compare regions by design).
    "coverage:region_dashboard": ("get", KOTA, {}, "L A A A A A"),
    "coverage:chart_json": ("get", {**KOTA, "chart": "tren"}, {}, "L A A A A A"),
    "coverage:boundaries_json": ("get", KOTA, {}, "L A A A A A"),
    "coverage:office_dashboard": ("get", BRANCH, {}, "L A A A A A"),
    "coverage:office_chart_json": ("get", {**BRANCH, "chart": "tren"}, {}, "L A A A A A"),
    "coverage:action_list": ("get", BRANCH, {}, "L A A A A A"),
    "coverage:league_table": ("get", {}, {}, "L A A A A A"),
    "coverage:league_table_export": ("get", {"fmt": "csv"}, {}, "L A A A A A"),
    "coverage:scorecard": ("get", {}, {"tahun": "2025"}, "L A A A A A"),
    "coverage:scorecard_export": ("get", {}, {"tahun": "2025"}, "L A A A A A"),
    "coverage:api_snapshots": ("get", {}, {}, "U A A A A A"),
    # The API (coverage/api): every signed-in user or valid key reads aggregate figures; the schema and
    # its documentation page are public (they hold no data); /api/v1/ itself is ninja's 404.
    "coverage:api_regions": ("get", {}, {}, "U A A A A A"),
    "coverage:api_offices": ("get", {}, {}, "U A A A A A"),
    "coverage:api_targets": ("get", {}, {}, "U A A A A A"),
    "coverage:api_completeness": ("get", {}, {}, "U A A A A A"),
    "coverage:api_funded": ("get", {}, {}, "U A A A A A"),
    "coverage:api_summary": ("get", {}, {"kode": "35.73", "tahun": "2025"}, "U A A A A A"),
    # Counts: an empty body is refused as bad input (B) once signed in; the scope rules are the entry
    # services' (tests/coverage/test_api_counts.py).
    "coverage:api_counts": ("post", {}, {}, "U B B B B B"),
    # Open data (Satu Data Indonesia): public, published months only, no personal data.
    "coverage:api_open_data": ("get", {}, {}, "A A A A A A"),
    "coverage:api_open_data_metadata": ("get", {}, {}, "A A A A A A"),
    "coverage:openapi-json": ("get", {}, {}, "A A A A A A"),
    "coverage:openapi-view": ("get", {}, {}, "A A A A A A"),
    "coverage:api-root": ("get", {}, {}, "N N N N N N"),
    # Entry data follows write scope: the region's operators, the branch's verifier, admins.
    "coverage:entry_grid": ("get", KOTA, {"periode": "2025-06"}, "L A N N N A"),
    "coverage:count_history": ("get", lambda w: {"pk": w["count"].pk}, {}, "L A N A N A"),
    "coverage:verification_queue": ("get", {}, {}, "L F F A F A"),
    "coverage:submission_tracker": ("get", {}, {"periode": "2025-06"}, "L A A A A A"),
    "coverage:import_counts": ("get", {}, {}, "L A A F F A"),
    "coverage:import_template": ("get", {}, {"wilayah": "35.73", "periode": "2025-06"}, "L A N N N A"),
    # A branch's BPJS extraction: its verifiers and branch heads (rows bounded by its territory), admins.
    "coverage:import_bpjs": ("get", {}, {}, "L F F A A A"),
    "coverage:completeness_export": ("get", {"fmt": "csv"}, {"periode": "2025-06"}, "L A A A A A"),
    "coverage:import_targets": ("get", {}, {}, "L F F F F A"),
    "coverage:import_denominators": ("get", {}, {}, "L F F F F A"),
    # Values marked for follow-up: operators and verifiers (each its scope's), admins.
    "coverage:followups": ("get", {}, {}, "L A A A F A"),
    # Where BPJS and Pemda disagree: the office's branch heads and verifiers (a Kanwil's too), admins.
    "coverage:source_discrepancies": ("get", BRANCH, {"periode": "2025-06"}, "L F F A A A"),
    # Programs: the simulator and batch lists are open to signed-in users; writes need write scope.
    "programs:index": ("get", {}, {}, "R R R R R R"),
    "programs:simulator": ("get", {}, {}, "L A A A A A"),
    "programs:simulator_export": ("get", {}, {}, "L R R R R R"),
    "programs:batch_list": ("get", KOTA, {}, "L A A A A A"),
    "programs:batch_create": ("get", KOTA, {}, "L A N N N A"),
    "programs:batch_import": ("get", KOTA, {}, "L A N N N A"),
    "programs:batch_import_template": ("get", KOTA, {}, "L A N N N A"),
    "programs:batch_edit": ("get", lambda w: {"pk": w["batch"].pk}, {}, "L A N N N A"),
    "programs:batch_delete": ("post", lambda w: {"pk": w["batch"].pk}, {}, "L R N N N R"),
    # The inbox is the user's own: someone else's notification is a 404.
    "inbox": ("get", {}, {}, "L A A A A A"),
    "inbox_open": ("post", _notification, {}, "L R N N N N"),
    "inbox_read_all": ("post", {}, {}, "L R R R R R"),
    # Dashboard PDFs: whoever may read the dashboard; a report job and its file are their owner's only.
    "coverage:report_region": ("get", KOTA, {"periode": "2025-06"}, "L A A A A A"),
    "coverage:report_office": ("get", BRANCH, {"periode": "2025-06"}, "L A A A A A"),
    "coverage:report_job": ("get", _job, {}, "L A N N N N"),
    "coverage:report_job_status": ("get", _job, {}, "L A N N N N"),
    "coverage:report_job_download": ("get", _job, {}, "L A N N N N"),
    "coverage:report_subscriptions": ("get", {}, {}, "L A A A A A"),
    # The signed link of a subscription e-mail: no sign-in needed, nothing changes on GET.
    "coverage:report_unsubscribe": ("get", _unsubscribe, {}, "A A A A A A"),
    # The Inpres 2/2021 register: read by every signed-in user, written by the region's operators and admins.
    "programs:commitments": ("get", KOTA, {}, "L A A A A A"),
    "programs:commitment_create": ("get", {**KOTA, "kind": "regulasi"}, {}, "L A N N N A"),
    "programs:commitment_edit": ("get", _regulation, {}, "L A N N N A"),
    "programs:commitment_delete": ("post", _regulation, {}, "L R N N N R"),
    "programs:semester_summary": ("get", {"code": "35"}, {"tahun": "2025"}, "L A A A A A"),
    # The dossier holds the Pemda's notes: its operators, its branch's head and verifier, admins.
    "programs:dossier": ("get", KOTA, {"tahun": "2025"}, "L A N A A A"),
}

STATUS = {"A": 200, "R": 302, "L": 302, "U": 401, "F": 403, "N": 404, "B": 400}


def _url_names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {pattern.pattern}>"


def test_every_url_has_a_row():
    names = set(_url_names(get_resolver().url_patterns))
    product = {name for name in names if not name.startswith("admin:")}
    assert product == set(MATRIX), "URLs without a row (add one) or rows without a URL"
    # Admin URLs are walked model by model in test_only_staff_reach_admin.
    assert {name for name in names if name.startswith("admin:")} >= {"admin:index", "admin:login"}


def _client_for(persona, world):
    client = Client()
    if persona != "anonymous":
        client.force_login(world["personas"][persona])
    return client


def _cell(response, expected, login_path):
    status = response.status_code
    if status != STATUS[expected]:
        return f"{status}"
    if expected in "LR" and response.url.startswith(login_path) != (expected == "L"):
        return f"302 -> {response.url}"
    return None


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(persona, world):
    column = PERSONAS.index(persona)
    wrong = []
    for name, (method, kwargs, data, cells) in MATRIX.items():
        kwargs = kwargs(world) if callable(kwargs) else kwargs
        expected = cells.split()[column]
        response = getattr(_client_for(persona, world), method)(reverse(name, kwargs=kwargs), data)
        problem = _cell(response, expected, reverse("login"))
        if problem:
            wrong.append(f"{name}: expected {expected} ({STATUS[expected]}), got {problem}")
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)


def test_denied_writes_change_nothing(world):
    """The 403/404 cells above are real refusals: the outsider's POSTs leave the rows as they were."""
    count, batch = world["count"], world["batch"]
    outsider = _client_for("operator_kab_blitar", world)
    entry = outsider.post(reverse("coverage:entry_grid", kwargs=KOTA) + "?periode=2025-06", {"submit": "1"})
    deleted = outsider.post(reverse("programs:batch_delete", kwargs={"pk": batch.pk}))
    verified = outsider.post(
        reverse("coverage:verification_queue"), {"group": "35.73|2025-06", "count": [count.pk], "action": "verify"}
    )
    assert (entry.status_code, deleted.status_code, verified.status_code) == (404, 404, 403)
    assert FundedBatch.objects.filter(pk=batch.pk).exists()
    count.refresh_from_db()
    assert (count.status, count.active, count.version) == (EntryStatus.SUBMITTED, 4_754, 1)


def test_a_branch_head_cannot_verify_and_a_verifier_only_within_the_branch(world, region_tree, personas):
    """Verifier Malang may verify Kota Malang, never Kabupaten Blitar (branch Blitar's territory)."""
    blitar = ParticipantCount.objects.create(
        region=region_tree["35.05"], period=world["count"].period, segment="BPU", source="pemda",
        status=EntryStatus.SUBMITTED, active=63_000,
    )  # fmt: skip
    verifier = _client_for("verifier_malang", world)
    verifier.post(
        reverse("coverage:verification_queue"), {"group": "35.05|2025-06", "count": [blitar.pk], "action": "verify"}
    )
    head = _client_for("branch_head_malang", world)
    refused = head.post(
        reverse("coverage:verification_queue"),
        {"group": "35.73|2025-06", "count": [world["count"].pk], "action": "verify"},
    )
    blitar.refresh_from_db()
    world["count"].refresh_from_db()
    assert refused.status_code == 403
    assert blitar.status == EntryStatus.SUBMITTED
    assert world["count"].status == EntryStatus.SUBMITTED
    verifier.post(
        reverse("coverage:verification_queue"),
        {"group": "35.73|2025-06", "count": [world["count"].pk], "action": "verify", f"v-{world['count'].pk}": 1},
    )
    world["count"].refresh_from_db()
    assert world["count"].status == EntryStatus.VERIFIED  # the same request within scope works


def test_a_malformed_verification_group_is_refused_not_a_server_error(world):
    verifier = _client_for("verifier_malang", world)
    for group in ("", "35.73", "35.73|bulan", "35.73|2025-13"):
        response = verifier.post(reverse("coverage:verification_queue"), {"group": group, "action": "verify"})
        assert response.status_code in (302, 400, 404), (group, response.status_code)
    world["count"].refresh_from_db()
    assert world["count"].status == EntryStatus.SUBMITTED


def _admin_urls():
    for model in admin.site._registry:
        meta = model._meta
        yield reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        yield reverse(f"admin:{meta.app_label}_{meta.model_name}_add")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_staff_reach_admin(persona, world):
    """Every registered model's list and add page: only the admin persona gets in; the rest are sent
    to the admin login (Pemda staff cannot change targets, bands or premium rates)."""
    client = _client_for(persona, world)
    urls = [reverse("admin:index"), *_admin_urls()]
    assert len(urls) > 20
    got = {url: client.get(url) for url in urls}
    if persona == "admin":
        wrong = {url: r.status_code for url, r in got.items() if r.status_code not in (200, 403)}
        # 403 only where a model is read-only by design (add disabled); the lists all open.
        lists = [url for url in urls if not url.endswith("/add/")]
        assert all(got[url].status_code == 200 for url in lists)
    else:
        wrong = {
            url: r.status_code
            for url, r in got.items()
            if not (r.status_code == 302 and r.url.startswith(reverse("admin:login")))
        }
    assert not wrong, wrong


def test_a_staff_flag_alone_gives_no_rights_over_targets_bands_or_rates(world, personas):
    """An operator wrongly marked is_staff still cannot open or change targets, bands or rates."""
    operator = personas["operator_kota_malang"]
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    client = _client_for("operator_kota_malang", world)
    for name in ("coverage_targetseries", "coverage_targetvalue", "coverage_categoryband", "programs_premiumrate"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403, name
        assert client.post(reverse(f"admin:{name}_add"), {}).status_code == 403, name
