from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from coverage.models import RecomputeRequest
from programs.models import BatchStatus, FundedBatch, Package, PremiumRate, Program, RateBasis
from programs.services import (
    funded_batch_create,
    funded_batch_delete,
    funded_batch_update,
    funded_batches_close_ended,
    premium_rate_add,
    programs_demo_load,
)

pytestmark = pytest.mark.django_db


def _lumajang(catalogue, regions, **extra):
    values = {
        "region": regions["35.08"],
        "scheme": catalogue["schemes"]["dbhcht"],
        "category": catalogue["categories"]["buruh-tani-tembakau"],
        "workers": 5606,
        "package": catalogue["jkk_jkm"],
        "start_month": date(2024, 6, 1),
        "end_month": date(2024, 12, 1),
        "status": BatchStatus.ACTIVE,
    }
    return funded_batch_create(**(values | extra))


def _requested(region):
    return sorted(RecomputeRequest.objects.filter(region=region).values_list("period", flat=True))


def test_a_new_batch_is_priced_and_schedules_a_recompute_of_each_of_its_months(catalogue, demo_regions):
    batch = _lumajang(catalogue, demo_regions)

    assert batch.cost == Decimal("659265600")
    assert batch.fiscal_year == 2024
    assert batch.months == 7
    assert _requested(demo_regions["35.08"]) == [date(2024, m, 1) for m in range(6, 13)]
    assert set(RecomputeRequest.objects.values_list("reason", flat=True)) == {"funded batch"}


def test_shortening_a_batch_recomputes_the_months_it_leaves_and_reprices_it(catalogue, demo_regions):
    batch = _lumajang(catalogue, demo_regions)
    RecomputeRequest.objects.all().delete()

    funded_batch_update(batch=batch, end_month=date(2024, 8, 1))

    batch.refresh_from_db()
    assert batch.cost == Decimal(5606 * 3 * 16800)
    # The months it no longer covers must be recomputed too, or they keep its workers.
    assert _requested(demo_regions["35.08"]) == [date(2024, m, 1) for m in range(6, 13)]


def test_moving_a_batch_to_another_region_recomputes_both(catalogue, demo_regions):
    batch = _lumajang(catalogue, demo_regions)
    RecomputeRequest.objects.all().delete()

    funded_batch_update(batch=batch, region=demo_regions["35.07"])

    assert len(_requested(demo_regions["35.08"])) == 7
    assert len(_requested(demo_regions["35.07"])) == 7


def test_deleting_a_batch_recomputes_its_months(catalogue, demo_regions):
    batch = _lumajang(catalogue, demo_regions)
    RecomputeRequest.objects.all().delete()

    funded_batch_delete(batch=batch)

    assert not FundedBatch.objects.exists()
    assert len(_requested(demo_regions["35.08"])) == 7


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_month": date(2024, 5, 1)}, "end_month"),
        ({"fiscal_year": 2022}, "fiscal_year"),
    ],
)
def test_it_refuses_inconsistent_months(catalogue, demo_regions, changes, field):
    with pytest.raises(ValidationError) as caught:
        _lumajang(catalogue, demo_regions, **changes)
    assert field in caught.value.message_dict
    assert not RecomputeRequest.objects.exists()


def test_it_refuses_a_wage_earner_package_because_batches_count_as_bpu(catalogue, demo_regions):
    pu = Package.objects.create(code="pu-jkk", name="JKK PU", segment="PU", risk_class=1)
    pu.programs.set([Program.objects.get(code="JKK")])
    with pytest.raises(ValidationError) as caught:
        _lumajang(catalogue, demo_regions, package=pu)
    assert "package" in caught.value.message_dict


def test_it_refuses_the_national_root(catalogue, demo_regions):
    with pytest.raises(ValidationError) as caught:
        _lumajang(catalogue, demo_regions, region=demo_regions["ID"])
    assert "region" in caught.value.message_dict


def test_it_refuses_a_target_population_smaller_than_the_workers(catalogue, demo_regions):
    with pytest.raises(ValidationError) as caught:
        _lumajang(catalogue, demo_regions, target_population=5000)
    assert caught.value.message_dict["target_population"] == [
        "Sasaran (5.000) lebih kecil dari jumlah pekerja (5.606): sasaran mencakup semua pekerja yang didanai."
    ]
    assert not FundedBatch.objects.exists()


def test_a_batch_states_its_target_population_and_realisation(catalogue, demo_regions):
    batch = _lumajang(catalogue, demo_regions, target_population=5606)
    assert batch.realisation_percent == 100
    assert _lumajang(catalogue, demo_regions, start_month=date(2024, 7, 1)).realisation_percent is None


def test_a_batch_reads_the_indonesian_way_in_messages(catalogue, demo_regions):
    batch = _lumajang(catalogue, demo_regions, workers=12_698, start_month=date(2024, 4, 1))
    assert str(batch) == "Kabupaten Lumajang DBHCHT Buruh tani tembakau: 12.698 (April–Desember 2024)"
    batch = funded_batch_update(batch=batch, start_month=date(2024, 12, 1), end_month=date(2025, 2, 1))
    assert str(batch).endswith(": 12.698 (Desember 2024–Februari 2025)")
    batch = funded_batch_update(batch=batch, end_month=date(2024, 12, 1))
    assert str(batch).endswith(": 12.698 (Desember 2024)")


def test_months_are_stored_as_first_days(catalogue, demo_regions):
    batch = _lumajang(catalogue, demo_regions, start_month=date(2024, 6, 17), end_month=date(2024, 12, 31))
    assert (batch.start_month, batch.end_month) == (date(2024, 6, 1), date(2024, 12, 1))


def test_a_rate_change_reprices_the_batches_it_touches(catalogue, demo_regions):
    batch = _lumajang(catalogue, demo_regions, start_month=date(2025, 1, 1), end_month=date(2025, 12, 1))
    assert batch.cost == Decimal(5606 * 12 * 16800)

    premium_rate_add(
        rate=PremiumRate(
            program=Program.objects.get(code="JKM"),
            segment="BPU",
            basis=RateBasis.FLAT,
            amount=Decimal("8000"),
            valid_from=date(2025, 7, 1),
        )
    )

    batch.refresh_from_db()
    assert batch.cost == Decimal(5606 * (6 * 16800 + 6 * 18000))


def test_active_batches_past_their_last_month_are_closed(catalogue, demo_regions):
    old = _lumajang(catalogue, demo_regions)
    running = _lumajang(catalogue, demo_regions, start_month=date(2026, 6, 1), end_month=date(2026, 12, 1))

    assert funded_batches_close_ended(today=date(2026, 11, 21)) == 1

    old.refresh_from_db()
    running.refresh_from_db()
    assert (old.status, running.status) == (BatchStatus.ENDED, BatchStatus.ACTIVE)


def test_the_demo_batches_load_once_with_the_real_budgets(catalogue, demo_regions):
    first = programs_demo_load()
    second = programs_demo_load()

    assert first.created == 18 and first.missing_regions == []
    assert (second.created, second.existing) == (0, 18)
    cost = {b.reference: b.cost for b in FundedBatch.objects.all()}
    assert cost["DEMO-3508-DBHCHT-2024"] == Decimal("659265600")
    assert cost["DEMO-3316-BAZNAS-2024"] == Decimal("37396800")
    assert cost["DEMO-5203-DBHCHT-2024"] == Decimal("1919937600")
    assert FundedBatch.objects.get(reference="DEMO-3507-DBHCHT-2024").workers == 2647


def test_a_planned_batch_schedules_nothing_until_it_becomes_active(catalogue, demo_regions):
    batch = _lumajang(catalogue, demo_regions, status=BatchStatus.PLANNED)
    assert not RecomputeRequest.objects.exists()

    funded_batch_update(batch=batch, status=BatchStatus.ACTIVE)

    assert len(_requested(demo_regions["35.08"])) == 7
