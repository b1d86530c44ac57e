"""Rates of a timesheet record: the values stored on it, configured rates and user preferences.

Precedence (contract §6.5): a value already on the record wins over the best configured rate
(activity 5, project 3, customer 1, +1 when bound to the record's user), which wins over the
owner's `hourly_rate` / `internal_rate` preferences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import cast

from sqlalchemy import literal, or_, select, union_all
from sqlalchemy.orm import Session

from horae.catalog_cache import keep, kept_value
from horae.rates.models import ActivityRate, CustomerRate, ProjectRate

ZERO = Decimal("0")
FOUR_PLACES = Decimal("0.0001")
TWO_PLACES = Decimal("0.01")
SCORES = {"activity": 5, "project": 3, "customer": 1}


@dataclass(frozen=True)
class ConfiguredRate:
    """A rate set on a customer, project or activity (for everyone or for one user)."""

    score: int
    rate: Decimal
    internal_rate: Decimal | None
    fixed: bool


@dataclass(frozen=True)
class RateFactor:
    """`timesheet.rates.<name>`: a factor for the hourly rate on some weekdays (of the end)."""

    days: frozenset[str]
    factor: Decimal


@dataclass(frozen=True)
class RateResult:
    rate: Decimal
    internal_rate: Decimal | None
    hourly_rate: Decimal | None
    fixed_rate: Decimal | None


# How many (user, activity, project, customer) answers `best_rate` keeps at most.
KEPT_RATES = 20_000
_UNKNOWN = object()


def best_rate(
    session: Session, user_id: int, activity_id: int | None, project_id: int | None, customer_id: int | None
) -> ConfiguredRate | None:
    """The highest scoring configured rate for this user and entities.

    The rate tables are part of the catalog (`catalog_cache.CATALOG_TABLES`): an answer is kept
    until the catalog's generation moves, so that every write of a finished record does not
    read the rates again.
    """
    known: dict[tuple[int | None, ...], ConfiguredRate | None] = kept_value(
        session, "configured_rates", lambda _session: {}
    )
    key = (user_id, activity_id, project_id, customer_id)
    found = known.get(key, _UNKNOWN)
    if found is not _UNKNOWN:
        return cast(ConfiguredRate | None, found)
    return keep(
        known, key, read_best_rate(session, user_id, activity_id, project_id, customer_id), KEPT_RATES
    )


def read_best_rate(
    session: Session, user_id: int, activity_id: int | None, project_id: int | None, customer_id: int | None
) -> ConfiguredRate | None:
    """The highest scoring configured rate for this user and entities, in one query."""
    parts = []
    for kind, model, entity_id in (
        ("activity", ActivityRate, activity_id),
        ("project", ProjectRate, project_id),
        ("customer", CustomerRate, customer_id),
    ):
        if entity_id is None:
            continue
        parent = getattr(model, f"{kind}_id")
        parts.append(
            select(
                literal(SCORES[kind]).label("score"),
                model.user_id,
                model.rate,
                model.internal_rate,
                model.fixed,
            ).where(parent == entity_id, or_(model.user_id.is_(None), model.user_id == user_id))
        )
    if not parts:
        return None
    best: ConfiguredRate | None = None
    for score, rate_user, rate, internal, fixed in session.execute(union_all(*parts)).all():
        score = int(score) + (1 if rate_user is not None else 0)
        if best is None or score > best.score:
            internal_rate = None if internal is None else Decimal(internal)
            best = ConfiguredRate(score, Decimal(rate), internal_rate, bool(fixed))
    return best


def preference_amount(value: str | None) -> Decimal | None:
    """A rate preference as stored (a string); empty or unreadable values count as unset."""
    if value is None or not value.strip():
        return None
    try:
        amount = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def amount_for(hourly: Decimal, seconds: int, mode: str) -> Decimal:
    """hourly x duration: 4 decimals ("classic"), or hours and amount to 2 decimals ("decimal")."""
    if mode == "decimal":
        hours = (Decimal(seconds) / Decimal(3600)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
        return (hourly * hours).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return (hourly * Decimal(seconds) / Decimal(3600)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


def rate_factor(factors: tuple[RateFactor, ...], end_weekday: str) -> Decimal:
    total = sum((f.factor for f in factors if end_weekday in f.days), ZERO)
    return total if total > 0 else Decimal(1)


def calculate_rates(
    *,
    end: datetime | None,
    duration: int,
    fixed_rate: Decimal | None,
    hourly_rate: Decimal | None,
    best: ConfiguredRate | None,
    hourly_preference: Decimal | None,
    internal_preference: Decimal | None,
    factors: tuple[RateFactor, ...],
    end_weekday: str,
    mode: str = "classic",
) -> RateResult:
    """The rate fields to store for a record; running records cost nothing yet."""
    if end is None:
        return RateResult(ZERO, ZERO, hourly_rate, fixed_rate)
    first_calculation = fixed_rate is None and hourly_rate is None
    fixed, hourly = fixed_rate, hourly_rate
    best_internal: Decimal | None = None
    if best is not None:
        if best.fixed:
            # A fixed configured rate makes the record fixed even when an hourly rate was sent.
            fixed = fixed if fixed is not None else best.rate
        else:
            hourly = hourly if hourly is not None else best.rate
        best_internal = best.internal_rate
    if fixed is not None:
        if best is not None and best.fixed and best_internal is not None:
            internal = best_internal
        elif internal_preference is not None:
            internal = amount_for(internal_preference, duration, mode)
        else:
            internal = fixed
        return RateResult(fixed, internal, hourly_rate, fixed)
    if hourly is None:
        hourly = hourly_preference if hourly_preference is not None else ZERO
    if best is not None and not best.fixed and best_internal is not None:
        internal_hourly = best_internal
    elif internal_preference is not None:
        internal_hourly = internal_preference
    else:
        internal_hourly = hourly
    factor = rate_factor(factors, end_weekday) if first_calculation else Decimal(1)
    factored = (hourly * factor).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    factored_internal = (internal_hourly * factor).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    return RateResult(
        amount_for(factored, duration, mode),
        amount_for(factored_internal, duration, mode),
        factored,
        None,
    )
