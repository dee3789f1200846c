"""Scheduled jobs: the default schedule in the database, edited in the admin and read by beat's
DatabaseScheduler; each run of a periodic or recompute task on the job page with its duration and error."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from coverage.tasks import drain_recompute_outbox, recompute_coverage
from regions.jobs import job_runs_prune, periodic_tasks_install
from regions.models import JobRun, JobStatus
from ucj_dashboard.celery import DEFAULT_BEAT_SCHEDULE, app

pytestmark = pytest.mark.django_db


def _change_form(task, **changes):
    """The admin change form of a PeriodicTask as a browser posts it back."""
    data = {
        "name": task.name, "regtask": "", "task": task.task, "enabled": "on", "description": task.description,
        "interval": task.interval_id or "", "crontab": task.crontab_id or "", "solar": "", "clocked": "",
        "start_time_0": "", "start_time_1": "", "args": "[]", "kwargs": "{}", "expires_0": "", "expires_1": "",
        "expire_seconds": "", "queue": "", "exchange": "", "routing_key": "", "priority": "", "headers": "{}",
        "_save": "Simpan",
    }  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_migrate_installs_the_whole_default_schedule():
    rows = {task.name: task for task in PeriodicTask.objects.select_related("crontab", "interval")}
    assert set(DEFAULT_BEAT_SCHEDULE) <= set(rows)
    nightly = rows["recompute-coverage-nightly"]
    assert nightly.task == "coverage.tasks.recompute_coverage"
    assert (nightly.crontab.minute, nightly.crontab.hour, str(nightly.crontab.timezone)) == ("30", "1", "Asia/Jakarta")
    assert rows["drain-recompute-outbox"].interval.every == 60
    assert rows["send-weekly-digest"].crontab.day_of_week == "mon"


def test_installing_again_keeps_the_admins_edits_and_reset_restores_the_default():
    PeriodicTask.objects.filter(name="send-submission-reminders").update(enabled=False)
    assert periodic_tasks_install() == []
    assert PeriodicTask.objects.get(name="send-submission-reminders").enabled is False

    call_command("install_periodic_tasks", "--reset", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert PeriodicTask.objects.get(name="send-submission-reminders").enabled is True


# The scheduler commits and closes connections between reads (as beat does): it needs real transactions.
@pytest.mark.django_db(transaction=True)
def test_a_scheduled_job_edited_in_admin_takes_effect_in_beat(client, admin_user):
    # The scheduler holds the crontab tasks of the hours around now (django-celery-beat >= 2.8): the nightly
    # recompute is moved to this hour, the weekly digest's Monday 06:00 is moved here too, then disabled.
    hour = timezone.localtime().hour
    PeriodicTask.objects.filter(name="send-weekly-digest").update(
        crontab=CrontabSchedule.objects.create(minute="0", hour=str(hour), timezone="Asia/Jakarta")
    )
    scheduler = DatabaseScheduler(app=app)
    before = scheduler.schedule
    assert "send-weekly-digest" in before
    assert before.get("recompute-coverage-nightly") is None or before["recompute-coverage-nightly"].schedule.hour == {1}

    client.force_login(admin_user)
    nightly = PeriodicTask.objects.get(name="recompute-coverage-nightly")
    this_hour = CrontabSchedule.objects.create(minute="15", hour=str(hour), timezone="Asia/Jakarta")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[nightly.pk])
    response = client.post(url, _change_form(nightly, crontab=this_hour.pk))
    assert response.status_code == 302, response.content.decode()[:2000]
    digest = PeriodicTask.objects.get(name="send-weekly-digest")
    url = reverse("admin:django_celery_beat_periodictask_change", args=[digest.pk])
    response = client.post(url, _change_form(digest, enabled=None))  # the box unticked
    assert response.status_code == 302

    # The running scheduler notices the change (PeriodicTasks.last_change) and reads the rows again.
    after = scheduler.schedule
    entry = after["recompute-coverage-nightly"]
    assert (entry.schedule.hour, entry.schedule.minute) == ({hour}, {15})
    assert str(entry.schedule.tz) == "Asia/Jakarta"
    assert "send-weekly-digest" not in after
    assert "drain-recompute-outbox" in after


def test_a_task_run_lands_on_the_job_page_with_its_duration(client, admin_user):
    drain_recompute_outbox.delay()  # in-process here, recorded by the same signals as in a worker

    run = JobRun.objects.get(task="coverage.tasks.drain_recompute_outbox")
    assert run.status == JobStatus.SUCCESS
    assert run.finished_at >= run.started_at
    assert run.duration_ms is not None and run.duration_ms >= 0
    client.force_login(admin_user)
    page = client.get(reverse("job_runs")).content.decode()
    assert "coverage.tasks.drain_recompute_outbox" in page
    assert "Berhasil" in page
    assert "setiap 60 detik" in page  # its schedule, from the database


def test_a_failed_run_lands_on_the_job_page_with_its_error(client, admin_user):
    with pytest.raises(ValueError):
        recompute_coverage.delay(period="2025-13")  # month 13: the task itself raises

    run = JobRun.objects.get(task="coverage.tasks.recompute_coverage")
    assert run.status == JobStatus.FAILURE
    assert run.duration_ms is not None
    assert run.error.startswith("ValueError: month must be in 1..12")
    client.force_login(admin_user)
    response = client.get(reverse("job_runs"), {"status": "failure"})
    page = response.content.decode()
    assert "ValueError: month must be in 1..12" in page
    assert "Gagal" in page
    recent_runs = page.split("Jalannya tugas terakhir")[1].split("<tbody>")[1]
    assert "<code>coverage.tasks.recompute_coverage</code>" in recent_runs


def test_tasks_outside_the_schedule_are_not_recorded(region_tree):
    from regions.tasks import deliver_notifications

    deliver_notifications.delay([])
    assert not JobRun.objects.filter(task="regions.tasks.deliver_notifications").exists()


def test_only_the_last_runs_of_a_task_are_kept():
    for _ in range(5):
        drain_recompute_outbox.delay()
    job_runs_prune(task="coverage.tasks.drain_recompute_outbox", keep=2)
    assert JobRun.objects.filter(task="coverage.tasks.drain_recompute_outbox").count() == 2


def test_the_job_page_is_for_admins_only(client, operator_kota_malang, verifier_malang):
    for user in (operator_kota_malang, verifier_malang):
        client.force_login(user)
        assert client.get(reverse("job_runs")).status_code == 403
