"""Workflow notifications: the inbox, e-mail and the webhook channel, on the real entry pages."""

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.urls import reverse

from coverage.engine import period_close, period_reopen
from coverage.models import EntryStatus, ParticipantCount
from regions.models import DeliveryStatus, Notification, NotificationDelivery, NotificationEvent
from regions.notifications import notifications_deliver, notify
from tests.factories import MAY

pytestmark = pytest.mark.django_db

GRID = "/entri/35.73/?periode=2025-05"
BADGE = '<span class="badge unread">1<span class="visually-hidden"> belum dibaca</span></span>'
QUEUE = "/verifikasi/"


@pytest.fixture
def people(operator_kota_malang, verifier_malang, operator_kab_blitar, branch_head_malang):
    for user, address in (
        (operator_kota_malang, "sri@malangkota.go.id"),
        (verifier_malang, "dewi@bpjs.test"),
        (operator_kab_blitar, "agus@blitarkab.go.id"),
        (branch_head_malang, "budi@bpjs.test"),
    ):
        user.email = address
        user.save(update_fields=["email"])
    return {"operator": operator_kota_malang, "verifier": verifier_malang, "outsider": operator_kab_blitar}


def _grid_post(response, **values):
    form = response.context["form"]
    data = {"periode": "2025-05"}
    for name, field in form.fields.items():
        initial = form.initial.get(name, field.initial)
        data[name] = "" if initial is None else initial
    data.update(values)
    return data


def _inbox(user):
    return list(Notification.objects.filter(user=user).order_by("id").values_list("event", "title", "read_at"))


def test_submit_return_with_reason_then_verify_tells_each_side_by_email_and_inbox(
    client, people, region_tree, django_capture_on_commit_callbacks
):
    operator, verifier = people["operator"], people["verifier"]
    assert reverse("coverage:verification_queue") == QUEUE
    client.force_login(operator)
    page = client.get(GRID)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(GRID, _grid_post(page, **{"35.73-PU-active": "134.167", "submit": "1"}))

    # submitted -> the verifier of Kantor Cabang Malang, by e-mail and in the inbox; nobody else
    assert [m.to for m in mail.outbox] == [["dewi@bpjs.test"]]
    assert mail.outbox[0].subject == "Data Mei 2025 diajukan: Kota Malang"
    assert "Sri Wahyuni mengajukan 1 angka kepesertaan Kota Malang untuk Mei 2025" in mail.outbox[0].body
    assert "http://127.0.0.1:8000/verifikasi/" in mail.outbox[0].body
    assert _inbox(verifier) == [("submitted", "Data Mei 2025 diajukan: Kota Malang", None)]
    assert _inbox(operator) == [] and _inbox(people["outsider"]) == []

    client.force_login(verifier)
    html = client.get(reverse("coverage:region_dashboard", kwargs={"code": "35.73"})).content.decode()
    assert BADGE in html
    count = ParticipantCount.objects.get(region__code="35.73", period=MAY, segment="PU")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(QUEUE, {"group": "35.73|2025-05", "count": [count.pk], f"v-{count.pk}": count.version,
                            "action": "return", "reason": "PU turun dari bulan lalu: lampirkan data BPJS"})  # fmt: skip

    # returned with the reason -> the operator who entered it
    assert [m.to for m in mail.outbox] == [["sri@malangkota.go.id"]]
    assert mail.outbox[0].subject == "Data Mei 2025 dikembalikan: Kota Malang"
    assert "Alasan: PU turun dari bulan lalu: lampirkan data BPJS" in mail.outbox[0].body
    assert "/entri/35.73/?periode=2025-05" in mail.outbox[0].body
    assert _inbox(operator) == [("returned", "Data Mei 2025 dikembalikan: Kota Malang", None)]

    client.force_login(operator)
    notification = Notification.objects.get(user=operator)
    opened = client.post(reverse("inbox_open", kwargs={"pk": notification.pk}))
    assert opened.url == "/entri/35.73/?periode=2025-05"
    assert Notification.objects.get(pk=notification.pk).read_at is not None
    page = client.get(GRID)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(GRID, _grid_post(page, **{"submit": "1"}))
    client.force_login(verifier)
    count.refresh_from_db()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(QUEUE, {"group": "35.73|2025-05", "count": [count.pk], f"v-{count.pk}": count.version,
                            "action": "verify"})  # fmt: skip

    count.refresh_from_db()
    assert count.status == EntryStatus.VERIFIED
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["sri@malangkota.go.id"], "Data Mei 2025 diverifikasi: Kota Malang")
    ]
    assert [event for event, _title, _read in _inbox(operator)] == ["returned", "verified"]
    assert [event for event, _title, _read in _inbox(verifier)] == ["submitted", "submitted"]
    assert set(NotificationDelivery.objects.values_list("channel", "status")) == {("email", "sent")}


def test_the_inbox_is_the_users_own(client, people):
    notify(users=[people["operator"]], event=NotificationEvent.VERIFIED, title="Data Mei 2025 diverifikasi")
    other = Notification.objects.get()
    client.force_login(people["outsider"])
    assert client.post(reverse("inbox_open", kwargs={"pk": other.pk})).status_code == 404
    assert "Data Mei 2025 diverifikasi" not in client.get(reverse("inbox")).content.decode()
    client.force_login(people["operator"])
    assert "Data Mei 2025 diverifikasi" in client.get(reverse("inbox")).content.decode()
    client.post(reverse("inbox_read_all"))
    assert Notification.objects.get().read_at is not None


def test_closing_and_reopening_a_month_tells_operators_and_verifiers(people, admin_user, branch_head_malang,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        period_close(period=MAY, user=admin_user)
        period_reopen(period=MAY, user=admin_user, reason="Koreksi BPU Kota Malang")
    closed = Notification.objects.filter(event=NotificationEvent.MONTH_CLOSED)
    reopened = Notification.objects.filter(event=NotificationEvent.MONTH_REOPENED)
    expected = {"operator.kotamalang", "operator.blitar", "verifikator.malang"}
    assert {n.user.username for n in closed} == expected == {n.user.username for n in reopened}
    assert reopened.first().title == "Periode Mei 2025 dibuka kembali"
    assert "Alasan: Koreksi BPU Kota Malang" in reopened.first().body
    assert len([m for m in mail.outbox if m.subject == "Periode Mei 2025 ditutup"]) == 3


class _Gateway(BaseHTTPRequestHandler):
    """A local stand-in for a WhatsApp Business gateway: records what it is sent."""

    received = []
    answer = 200

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers, body))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args):
        pass


def _free_port():
    for port in range(8600, 8700):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 8600-8699")


@pytest.fixture
def gateway(settings):
    _Gateway.received, _Gateway.answer = [], 200
    server = HTTPServer(("127.0.0.1", _free_port()), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NOTIFICATION_CHANNELS = ["email", "webhook"]
    settings.NOTIFICATION_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/ucj"
    settings.NOTIFICATION_WEBHOOK_SECRET = "rahasia-gateway"
    yield _Gateway
    server.shutdown()
    server.server_close()


def test_the_webhook_channel_posts_a_signed_json_message_to_the_gateway(people, gateway):
    notify(users=[people["operator"]], event=NotificationEvent.RETURNED, title="Data Mei 2025 dikembalikan",
           body="Alasan: cek BPU", url="/entri/35.73/?periode=2025-05")  # fmt: skip
    assert notifications_deliver() == 2  # e-mail and webhook
    ((path, headers, body),) = gateway.received
    payload = json.loads(body)
    assert path == "/ucj"
    assert payload["event"] == "returned" and payload["body"] == "Alasan: cek BPU"
    assert payload["user"] == {
        "username": "operator.kotamalang",
        "name": "Sri Wahyuni",
        "email": "sri@malangkota.go.id",
    }
    assert payload["url"] == "http://127.0.0.1:8000/entri/35.73/?periode=2025-05"
    expected = hmac.new(b"rahasia-gateway", body, hashlib.sha256).hexdigest()
    assert headers["X-UCJ-Signature"] == f"sha256={expected}"


def test_a_failing_gateway_is_retried_not_lost(people, gateway):
    gateway.answer = 503
    notify(users=[people["operator"]], event=NotificationEvent.VERIFIED, title="Data Mei 2025 diverifikasi")
    notifications_deliver()
    webhook = NotificationDelivery.objects.get(channel="webhook")
    assert (webhook.status, webhook.attempts) == (DeliveryStatus.PENDING, 1)
    assert "503" in webhook.last_error
    gateway.answer = 200
    notifications_deliver()
    webhook.refresh_from_db()
    assert (webhook.status, webhook.attempts, webhook.last_error) == (DeliveryStatus.SENT, 2, "")
    assert len(gateway.received) == 2


def test_a_cached_dashboard_page_shows_a_new_notification_at_once(client, people, region_tree):
    client.force_login(people["verifier"])
    url = reverse("coverage:region_dashboard", kwargs={"code": "35.73"})
    client.get(url)
    assert "badge unread" not in client.get(url).content.decode()  # served from the per-session cache
    notify(users=[people["verifier"]], event=NotificationEvent.SUBMITTED, title="Data Mei 2025 diajukan")
    assert BADGE in client.get(url).content.decode()
