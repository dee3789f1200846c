"""Monthly PDFs by e-mail: on by default for branch heads and Pemda heads, sent when a month is published,
each recipient only their own scope, one-click unsubscribe."""

import io
from datetime import date

import pytest
from django.core import mail
from django.test import Client
from pypdf import PdfReader

from coverage.engine import period_close, period_reopen
from coverage.models import ReportDelivery, ReportSubscription
from coverage.reports.subscriptions import subscription_set, unsubscribe_token
from regions.models import Role, UserRole

pytestmark = pytest.mark.django_db

JUNE = date(2025, 6, 1)


def pdf_text(content):
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.fixture
def subscribers(django_user_model, dash, region_tree, branch_head_malang, operator_kab_blitar):
    branch_head_malang.email = "budi@bpjs.test"
    branch_head_malang.save(update_fields=["email"])
    operator_kab_blitar.email = "agus@blitarkab.go.id"
    operator_kab_blitar.save(update_fields=["email"])
    walikota = django_user_model.objects.create_user(username="walikota.malang", email="walikota@malangkota.go.id")
    UserRole.objects.create(user=walikota, role=Role.PEMDA_HEAD, region=region_tree["35.73"])
    return {"head": branch_head_malang, "walikota": walikota, "blitar": operator_kab_blitar}


def test_branch_heads_and_pemda_heads_are_subscribed_by_default_operators_are_not(subscribers, region_tree, offices):
    rows = ReportSubscription.objects.filter(is_active=True).values_list("user__username", "region__code",
                                                                         "office__code")  # fmt: skip
    assert set(rows) == {("kacab.malang", None, "KC-MALANG"), ("walikota.malang", "35.73", None)}


def test_publishing_june_mails_each_subscriber_the_pdf_of_their_own_scope_once(
    subscribers, admin_user, region_tree, django_capture_on_commit_callbacks
):
    subscription_set(user=subscribers["blitar"], region=region_tree["35.05"])
    with django_capture_on_commit_callbacks(execute=True):
        period_close(period=JUNE, user=admin_user)
    sent = {m.to[0]: m for m in mail.outbox if m.attachments}
    assert set(sent) == {"budi@bpjs.test", "walikota@malangkota.go.id", "agus@blitarkab.go.id"}
    walikota = sent["walikota@malangkota.go.id"]
    assert walikota.subject == "Laporan UCJ Kota Malang, Juni 2025"
    ((filename, content, mimetype),) = walikota.attachments
    assert (filename, mimetype) == ("ucj-35.73-2025-06.pdf", "application/pdf")
    text = pdf_text(content)
    assert "32,44%" in text and "134.167" in text and "42.586" in text and "Dipublikasikan" in text
    blitar_text = pdf_text(sent["agus@blitarkab.go.id"].attachments[0][1])
    assert "Kabupaten Blitar" in blitar_text and "134.167" not in blitar_text  # only their own region's report
    assert sent["budi@bpjs.test"].attachments[0][0] == "ucj-KC-MALANG-2025-06.pdf"
    assert walikota.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/laporan/berhenti/" in walikota.extra_headers["List-Unsubscribe"] and "/laporan/berhenti/" in walikota.body

    mail.outbox.clear()
    from coverage.reports.subscriptions import subscriptions_send_month

    closed_at = ReportDelivery.objects.first().published_at
    assert subscriptions_send_month(period=JUNE, published_at=closed_at) == 0  # once per publication
    with django_capture_on_commit_callbacks(execute=True):
        period_reopen(period=JUNE, user=admin_user, reason="Koreksi")
        period_close(period=JUNE, user=admin_user)
    assert len([m for m in mail.outbox if m.attachments]) == 3  # republished: sent again


def test_one_click_unsubscribe_stops_the_mail_and_a_lost_role_stops_it_too(
    subscribers, admin_user, django_capture_on_commit_callbacks
):
    walikota = ReportSubscription.objects.get(user=subscribers["walikota"])
    url = f"/laporan/berhenti/{unsubscribe_token(walikota)}/"
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(url)
    assert "Hentikan pengiriman laporan bulanan Kota Malang" in page.content.decode()
    walikota.refresh_from_db()
    assert walikota.is_active  # a GET (a mail scanner's prefetch) changes nothing
    anonymous.post(url, {"List-Unsubscribe": "One-Click"})
    walikota.refresh_from_db()
    assert not walikota.is_active
    assert anonymous.get(url[:-5] + "xxxx/").status_code == 404  # a tampered token
    UserRole.objects.filter(user=subscribers["head"]).delete()
    with django_capture_on_commit_callbacks(execute=True):
        period_close(period=JUNE, user=admin_user)
    assert [m.to for m in mail.outbox if m.attachments] == []


def test_a_user_may_subscribe_only_within_their_own_roles(client, subscribers, region_tree):
    client.force_login(subscribers["blitar"])
    assert client.post("/laporan/langganan/", {"wilayah": "35.73", "aktif": "1"}).status_code == 404
    client.post("/laporan/langganan/", {"wilayah": "35.05", "aktif": "1"})
    assert ReportSubscription.objects.filter(user=subscribers["blitar"], region__code="35.05", is_active=True).exists()
    page = client.get("/laporan/langganan/").content.decode()
    assert "Kabupaten Blitar" in page and "Kota Malang" not in page
