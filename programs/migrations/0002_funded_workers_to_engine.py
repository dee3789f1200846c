"""Hand the counted batches' workers to the coverage engine's table (coverage.FundedWorkers)."""

from datetime import date

from django.db import migrations


def _months(start, end):
    months, current = [], date(start.year, start.month, 1)
    while current <= end:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def forwards(apps, schema_editor):
    FundedBatch = apps.get_model("programs", "FundedBatch")
    FundedWorkers = apps.get_model("coverage", "FundedWorkers")
    rows = [
        FundedWorkers(reference=f"programs.fundedbatch:{batch.pk}", region_id=batch.region_id, period=month,
                      workers=batch.workers)
        for batch in FundedBatch.objects.filter(status__in=["active", "ended"])
        for month in _months(batch.start_month, batch.end_month)
    ]  # fmt: skip
    FundedWorkers.objects.bulk_create(rows, batch_size=2000)


def backwards(apps, schema_editor):
    apps.get_model("coverage", "FundedWorkers").objects.filter(reference__startswith="programs.fundedbatch:").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0001_initial"),
        ("coverage", "0003_engine_rules_once"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
