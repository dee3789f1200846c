from datetime import date
from decimal import Decimal

import pytest

from programs.models import PremiumRate, Program, RateBasis
from programs.selectors import PricingError, budget_calculate, package_premiums
from programs.services import premium_rate_add

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("workers", "start", "end", "expected"),
    [
        (5606, date(2024, 6, 1), date(2024, 12, 1), Decimal("659265600")),  # Lumajang DBHCHT, 7 months
        (742, date(2024, 10, 1), date(2024, 12, 1), Decimal("37396800")),  # Blora Baznas, 3 months
        (12698, date(2024, 4, 1), date(2024, 12, 1), Decimal("1919937600")),  # Lombok Timur DBHCHT, 9 months
    ],
)
def test_it_reproduces_the_real_budgets_to_the_rupiah(catalogue, workers, start, end, expected):
    budget = budget_calculate(package=catalogue["jkk_jkm"], workers=workers, start_month=start, end_month=end)
    assert budget.total == expected
    assert budget.premiums == [Decimal("16800")]


def test_the_packages_cost_16800_and_36800_per_worker_per_month(catalogue):
    month = date(2025, 5, 1)
    assert package_premiums(package=catalogue["jkk_jkm"], start_month=month, end_month=month) == {
        month: Decimal("16800")
    }
    assert package_premiums(package=catalogue["jkk_jkm_jht"], start_month=month, end_month=month) == {
        month: Decimal("36800")
    }


def test_a_mid_year_rate_change_prices_each_month_with_the_rate_in_force(catalogue):
    jkm = Program.objects.get(code="JKM")
    premium_rate_add(
        rate=PremiumRate(
            program=jkm, segment="BPU", basis=RateBasis.FLAT, amount=Decimal("8000"), valid_from=date(2025, 7, 1)
        )
    )
    old = PremiumRate.objects.get(program=jkm, segment="BPU", valid_from=date(2015, 7, 1))
    assert old.valid_to == date(2025, 6, 30)

    budget = budget_calculate(
        package=catalogue["jkk_jkm"], workers=1000, start_month=date(2025, 1, 1), end_month=date(2025, 12, 1)
    )
    # January-June at Rp16.800, July-December at Rp18.000.
    assert [line.premium for line in budget.lines] == [Decimal("16800")] * 6 + [Decimal("18000")] * 6
    assert budget.total == Decimal("1000") * (6 * 16800 + 6 * 18000) == Decimal("208800000")
    assert budget.has_rate_change


def test_jkk_bpu_is_one_percent_of_declared_income_with_a_minimum(catalogue):
    rate = PremiumRate.objects.get(program__code="JKK", segment="BPU")
    assert rate.premium_for(Decimal("500000")) == Decimal("10000")  # income below the minimum base
    assert rate.premium_for(Decimal("2500000")) == Decimal("25000")


def test_jp_is_capped_at_the_yearly_wage_cap(catalogue):
    rate = PremiumRate.objects.valid_on(date(2025, 6, 1)).get(program__code="JP")
    assert rate.premium_for(Decimal("20000000")) == Decimal("316422.00")  # 3% of Rp10.547.400


def test_jkk_for_wage_earners_follows_the_risk_class(catalogue):
    rates = PremiumRate.objects.filter(program__code="JKK", segment="PU").order_by("risk_class")
    assert [r.premium_for(Decimal("4000000")) for r in rates] == [
        Decimal("9600"),
        Decimal("21600"),
        Decimal("35600"),
        Decimal("50800"),
        Decimal("69600"),
    ]


def test_a_month_without_a_rate_is_refused(catalogue):
    with pytest.raises(PricingError):
        budget_calculate(
            package=catalogue["jkk_jkm"], workers=10, start_month=date(2014, 1, 1), end_month=date(2014, 3, 1)
        )


def test_seeding_twice_creates_nothing_new(catalogue):
    from programs.services import programs_seed

    again = programs_seed()
    assert sum(again.created.values()) == 0
    assert PremiumRate.objects.count() == 14
