"""Rate calculation precedence and rounding (contract TIMESHEETS §6.5), as plain functions."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from horae.timesheets.rates import ConfiguredRate, RateFactor, amount_for, calculate_rates, rate_factor

END = datetime(2024, 5, 1, 12, tzinfo=UTC)


def calc(**overrides):
    values = {
        "end": END,
        "duration": 3600,
        "fixed_rate": None,
        "hourly_rate": None,
        "best": None,
        "hourly_preference": None,
        "internal_preference": None,
        "factors": (),
        "end_weekday": "wednesday",
        "mode": "classic",
    }
    values.update(overrides)
    return calculate_rates(**values)


def test_kimais_example_rounds_to_four_decimals():
    result = calc(duration=46500, hourly_rate=Decimal("137.21"))
    assert (result.rate, result.internal_rate, result.hourly_rate) == (
        Decimal("1772.2958"),
        Decimal("1772.2958"),
        Decimal("137.2100"),
    )


def test_running_records_cost_nothing_and_keep_their_rates():
    result = calc(end=None, hourly_rate=Decimal("10"))
    assert (result.rate, result.internal_rate, result.hourly_rate) == (0, 0, Decimal("10"))


def test_nothing_configured_means_zero():
    assert calc().rate == 0


def test_the_preference_is_the_last_fallback():
    result = calc(hourly_preference=Decimal("80"), internal_preference=Decimal("20"))
    assert (result.rate, result.internal_rate) == (Decimal("80.0000"), Decimal("20.0000"))


def test_a_configured_hourly_rate_beats_the_preference_but_not_the_record():
    best = ConfiguredRate(5, Decimal("50"), Decimal("30"), fixed=False)
    assert calc(best=best, hourly_preference=Decimal("80")).rate == Decimal("50.0000")
    assert calc(best=best, hourly_rate=Decimal("70")).rate == Decimal("70.0000")
    assert calc(best=best).internal_rate == Decimal("30.0000")


def test_a_fixed_configured_rate_turns_the_record_fixed():
    best = ConfiguredRate(3, Decimal("500"), None, fixed=True)
    result = calc(best=best, hourly_rate=Decimal("10"), duration=7200)
    assert (result.rate, result.fixed_rate, result.internal_rate, result.hourly_rate) == (
        Decimal("500"),
        Decimal("500"),
        Decimal("500"),
        Decimal("10"),
    )


def test_a_fixed_rate_prices_the_internal_rate_by_the_internal_preference():
    result = calc(fixed_rate=Decimal("300"), internal_preference=Decimal("40"), duration=5400)
    assert (result.rate, result.internal_rate) == (Decimal("300"), Decimal("60.0000"))


def test_weekday_factors_add_up_on_the_first_calculation_only():
    factors = (
        RateFactor(frozenset({"wednesday"}), Decimal("1.5")),
        RateFactor(frozenset({"wednesday"}), Decimal("0.5")),
    )
    assert rate_factor(factors, "wednesday") == Decimal("2.0")
    assert rate_factor(factors, "monday") == Decimal("1")
    first = calc(hourly_preference=Decimal("10"), factors=factors)
    assert (first.hourly_rate, first.rate) == (Decimal("20.0000"), Decimal("20.0000"))
    again = calc(hourly_rate=first.hourly_rate, factors=factors)
    assert again.rate == Decimal("20.0000")


def test_decimal_mode_rounds_hours_then_the_amount_to_cents():
    assert amount_for(Decimal("137.21"), 1220, "decimal") == Decimal("46.65")
    assert amount_for(Decimal("137.21"), 1220, "classic") == Decimal("46.4989")
