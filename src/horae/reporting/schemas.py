"""The JSON variants of the reports, as the web app reads them (a Horae extension, not Kimai's).

Durations are seconds, money a JSON number (null when the viewer may not see rates), dates
`YYYY-MM-DD` and months `YYYY-MM`. Per-cell figures sit in `values` maps keyed by those strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from horae.api.openapi import register_schema
from horae.api.wire import format_date, money
from horae.reporting.calendar import Period
from horae.reporting.refs import ActivityRef, CustomerRef, ProjectRef, UserRef
from horae.reporting.service import (
    Budget,
    Column,
    CustomerMonthReport,
    InactiveProject,
    ProjectDetails,
    ProjectOverview,
    UserPeriodReport,
    UsersPeriodReport,
)
from horae.reporting.sql import Sums, Totals, money_number


def key_text(key: date | int) -> str:
    if isinstance(key, date):
        return key.isoformat()
    return f"{key // 100:04d}-{key % 100:02d}"


def totals_json(totals: Totals) -> dict[str, Any]:
    rate, billable_rate, internal_rate = totals.money_numbers()
    return {
        "duration": totals.duration,
        "billableDuration": totals.billable_duration,
        "rate": rate,
        "billableRate": billable_rate,
        "internalRate": internal_rate,
    }


def user_json(user: UserRef) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "alias": user.alias,
        "displayName": user.display_name,
        "color": user.color,
        "enabled": user.enabled,
    }


def customer_json(customer: CustomerRef) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "number": customer.number,
        "currency": customer.currency,
        "color": customer.color,
    }


def project_json(project: ProjectRef) -> dict[str, Any]:
    return {"id": project.id, "name": project.name, "number": project.number, "color": project.color}


def activity_json(activity: ActivityRef) -> dict[str, Any]:
    return {"id": activity.id, "name": activity.name, "number": activity.number, "color": activity.color}


def period_json(period: Period) -> dict[str, Any]:
    return {"kind": period.kind, "begin": period.begin.isoformat(), "end": period.end.isoformat()}


def column_json(column: Column) -> dict[str, Any]:
    if isinstance(column.key, date):
        return {
            "key": key_text(column.key),
            "date": column.key.isoformat(),
            "weekday": column.key.isoweekday(),
            "week": column.week,
        }
    return {"key": key_text(column.key), "year": column.key // 100, "month": column.key % 100}


def _money_number(numbers: dict[Any, float], value: Any) -> float:
    number: float = money_number(value, 0.0)  # type: ignore[assignment]
    if value:  # zero each time: 0 and -0 are equal keys but keep their sign
        numbers[value] = number
    return number


def values_json(
    values: Mapping[date | int, Totals],
    texts: dict[date | int, str] | None = None,
    money: dict[Any, float] | None = None,
) -> dict[str, Any]:
    """The cells in key order, each what `totals_json` gives for it; `texts` may hold the keys'
    texts and `money` the JSON numbers of money sums met before, both shared by many rows.

    Cells kept as driver sums (`Sums`) are read without a `Totals` each: a month of 200 users has
    thousands of them, repeating a few thousand sums (the same rate over the same hours), whose
    numbers are made once (`Totals.of` keeps a missing sum as 0, which is 0.0 here).
    """
    if texts is None:
        texts = {key: key_text(key) for key in values}
    if not isinstance(values, Sums):
        return {texts[key]: totals_json(values[key]) for key in sorted(values)}
    raw, show_rates = values.raw, values.show_rates
    numbers: dict[Any, float] = {} if money is None else money
    known = numbers.get
    cells = {}
    rate = billable_rate = internal_rate = None
    for key in sorted(raw):
        duration, billable_duration, rate_sum, billable_sum, internal_sum = raw[key]
        if type(duration) is not int:
            duration = int(duration or 0)
        if type(billable_duration) is not int:
            billable_duration = int(billable_duration or 0)
        if show_rates:
            # Zero and None are never kept: `known` misses them, `_money_number` makes them.
            if (rate := known(rate_sum)) is None:
                rate = _money_number(numbers, rate_sum)
            if (billable_rate := known(billable_sum)) is None:
                billable_rate = _money_number(numbers, billable_sum)
            if (internal_rate := known(internal_sum)) is None:
                internal_rate = _money_number(numbers, internal_sum)
        cells[texts[key]] = {
            "duration": duration,
            "billableDuration": billable_duration,
            "rate": rate,
            "billableRate": billable_rate,
            "internalRate": internal_rate,
        }
    return cells


def budget_json(budget: Budget) -> dict[str, Any]:
    return {
        "type": budget.type,
        "money": money(budget.money),
        "time": budget.time,
        "moneyUsed": money(budget.money_used),
        "timeUsed": budget.time_used,
        "moneyPercent": budget.money_percent,
        "timePercent": budget.time_percent,
    }


def user_period_json(report: UserPeriodReport) -> dict[str, Any]:
    return {
        "report": f"user_{report.period.kind}",
        "user": user_json(report.subject),
        "period": period_json(report.period),
        "unit": "month" if report.period.kind == "year" else "day",
        "firstWeekday": report.first_weekday,
        "showRates": report.show_rates,
        "columns": [column_json(c) for c in report.columns],
        "rows": [
            {
                "customer": customer_json(row.project.customer),
                "project": project_json(row.project),
                "activity": activity_json(row.activity),
                "values": values_json(row.values),
                "total": totals_json(row.total),
            }
            for row in report.rows
        ],
        "projects": [
            {
                "customer": customer_json(p.project.customer),
                "project": project_json(p.project),
                "total": totals_json(p.total),
            }
            for p in report.projects
        ],
        "customers": [
            {"customer": customer_json(c.customer), "total": totals_json(c.total)} for c in report.customers
        ],
        "columnTotals": values_json(report.column_totals),
        "weekdays": [
            {"weekday": day, "total": totals_json(report.weekdays.get(day, Totals.zero(report.show_rates)))}
            for day in range(1, 8)
        ],
        "total": totals_json(report.total),
    }


def users_period_json(report: UsersPeriodReport) -> dict[str, Any]:
    texts = {column.key: key_text(column.key) for column in report.columns}
    money: dict[Any, float] = {}
    return {
        "report": f"users_{report.period.kind}",
        "period": period_json(report.period),
        "unit": "month" if report.period.kind == "year" else "day",
        "firstWeekday": report.first_weekday,
        "showRates": report.show_rates,
        "columns": [column_json(c) for c in report.columns],
        "rows": [
            {
                "user": user_json(row.user),
                "values": values_json(row.values, texts, money),
                "total": totals_json(row.total),
            }
            for row in report.rows
        ],
        "columnTotals": values_json(report.column_totals, texts, money),
        "total": totals_json(report.total),
    }


def project_overview_json(report: ProjectOverview) -> dict[str, Any]:
    return {
        "report": "project_overview",
        "date": report.day.isoformat(),
        "week": period_json(report.week),
        "month": period_json(report.month),
        "showRates": report.show_rates,
        "projects": [
            {
                "customer": customer_json(row.project.customer),
                "project": project_json(row.project),
                "budget": budget_json(row.budget),
                "today": row.today,
                "week": row.week,
                "month": totals_json(row.month),
                "total": totals_json(row.total),
                "notExported": totals_json(row.not_exported),
                "notBilled": totals_json(row.not_billed),
                "nonBillable": totals_json(row.non_billable),
                "lastRecord": format_date(row.last_record),
            }
            for row in report.rows
        ],
    }


def inactive_projects_json(since: date, show_rates: bool, rows: list[InactiveProject]) -> dict[str, Any]:
    return {
        "report": "inactive_projects",
        "since": since.isoformat(),
        "showRates": show_rates,
        "projects": [
            {
                "customer": customer_json(row.project.customer),
                "project": project_json(row.project),
                "lastRecord": format_date(row.last_record),
                "total": totals_json(row.total),
            }
            for row in rows
        ],
    }


def project_details_json(report: ProjectDetails) -> dict[str, Any]:
    return {
        "report": "project_details",
        "date": report.day.isoformat(),
        "showRates": report.show_rates,
        "customer": customer_json(report.project.customer),
        "project": project_json(report.project),
        "budget": budget_json(report.budget),
        "month": totals_json(report.month),
        "activities": [
            {
                "activity": activity_json(activity),
                "total": totals_json(totals),
                "users": [{"user": user_json(user), "total": totals_json(t)} for user, t in users],
            }
            for activity, totals, users in report.activities
        ],
        "users": [{"user": user_json(user), "total": totals_json(totals)} for user, totals in report.users],
        "months": [{"key": key_text(key), "total": totals_json(totals)} for key, totals in report.months],
        "total": totals_json(report.total),
    }


def customer_month_json(report: CustomerMonthReport) -> dict[str, Any]:
    return {
        "report": "customer_month",
        "period": period_json(report.period),
        "showRates": report.show_rates,
        "customers": [
            {
                "customer": customer_json(c.customer),
                "total": totals_json(c.total),
                "projects": [
                    {
                        "project": project_json(p.project),
                        "total": totals_json(p.total),
                        "activities": [
                            {
                                "activity": activity_json(a.activity),
                                "total": totals_json(a.total),
                                "users": [
                                    {"user": user_json(u), "total": totals_json(t)} for u, t in a.users
                                ],
                            }
                            for a in p.activities
                        ],
                    }
                    for p in c.projects
                ],
            }
            for c in report.customers
        ],
        "total": totals_json(report.total),
    }


# --- OpenAPI shapes ------------------------------------------------------------------------------

_NULLABLE_NUMBER = {"type": "number", "nullable": True}
_NULLABLE_STRING = {"type": "string", "nullable": True}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


register_schema(
    "HoraeReportTotals",
    _object(
        {
            "duration": {"type": "integer", "description": "seconds"},
            "billableDuration": {"type": "integer"},
            "rate": _NULLABLE_NUMBER,
            "billableRate": _NULLABLE_NUMBER,
            "internalRate": _NULLABLE_NUMBER,
        }
    ),
)
register_schema("HoraeReportValues", {"type": "object", "additionalProperties": _ref("HoraeReportTotals")})
register_schema(
    "HoraeReportUser",
    _object(
        {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "alias": _NULLABLE_STRING,
            "displayName": {"type": "string"},
            "color": _NULLABLE_STRING,
            "enabled": {"type": "boolean"},
        }
    ),
)
register_schema(
    "HoraeReportCustomer",
    _object(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "number": _NULLABLE_STRING,
            "currency": _NULLABLE_STRING,
            "color": _NULLABLE_STRING,
        }
    ),
)
for _name in ("HoraeReportProject", "HoraeReportActivity"):
    register_schema(
        _name,
        _object(
            {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "number": _NULLABLE_STRING,
                "color": _NULLABLE_STRING,
            }
        ),
    )
register_schema(
    "HoraeReportPeriod",
    _object(
        {"kind": {"type": "string"}, "begin": {"type": "string", "format": "date"}, "end": {"type": "string"}}
    ),
)
register_schema(
    "HoraeReportColumn",
    {
        "type": "object",
        "properties": {
            "key": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "weekday": {"type": "integer", "description": "ISO weekday, Monday 1"},
            "week": {"type": "integer"},
            "year": {"type": "integer"},
            "month": {"type": "integer"},
        },
        "required": ["key"],
    },
)
register_schema(
    "HoraeReportBudget",
    _object(
        {
            "type": {"type": "string", "nullable": True, "enum": ["month", None]},
            "money": _NULLABLE_NUMBER,
            "time": {"type": "integer", "nullable": True},
            "moneyUsed": _NULLABLE_NUMBER,
            "timeUsed": {"type": "integer"},
            "moneyPercent": _NULLABLE_NUMBER,
            "timePercent": _NULLABLE_NUMBER,
        }
    ),
)
_TOTALS = _ref("HoraeReportTotals")
register_schema(
    "HoraeUserPeriodReport",
    _object(
        {
            "report": {"type": "string"},
            "user": _ref("HoraeReportUser"),
            "period": _ref("HoraeReportPeriod"),
            "unit": {"type": "string", "enum": ["day", "month"]},
            "firstWeekday": {"type": "string", "enum": ["monday", "sunday"]},
            "showRates": {"type": "boolean"},
            "columns": _list("HoraeReportColumn"),
            "rows": {
                "type": "array",
                "items": _object(
                    {
                        "customer": _ref("HoraeReportCustomer"),
                        "project": _ref("HoraeReportProject"),
                        "activity": _ref("HoraeReportActivity"),
                        "values": _ref("HoraeReportValues"),
                        "total": _TOTALS,
                    }
                ),
            },
            "projects": {
                "type": "array",
                "items": _object(
                    {
                        "customer": _ref("HoraeReportCustomer"),
                        "project": _ref("HoraeReportProject"),
                        "total": _TOTALS,
                    }
                ),
            },
            "customers": {
                "type": "array",
                "items": _object({"customer": _ref("HoraeReportCustomer"), "total": _TOTALS}),
            },
            "columnTotals": _ref("HoraeReportValues"),
            "weekdays": {
                "type": "array",
                "items": _object({"weekday": {"type": "integer"}, "total": _TOTALS}),
            },
            "total": _TOTALS,
        }
    ),
)
register_schema(
    "HoraeUsersPeriodReport",
    _object(
        {
            "report": {"type": "string"},
            "period": _ref("HoraeReportPeriod"),
            "unit": {"type": "string", "enum": ["day", "month"]},
            "firstWeekday": {"type": "string"},
            "showRates": {"type": "boolean"},
            "columns": _list("HoraeReportColumn"),
            "rows": {
                "type": "array",
                "items": _object(
                    {"user": _ref("HoraeReportUser"), "values": _ref("HoraeReportValues"), "total": _TOTALS}
                ),
            },
            "columnTotals": _ref("HoraeReportValues"),
            "total": _TOTALS,
        }
    ),
)
register_schema(
    "HoraeProjectOverviewReport",
    _object(
        {
            "report": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "week": _ref("HoraeReportPeriod"),
            "month": _ref("HoraeReportPeriod"),
            "showRates": {"type": "boolean"},
            "projects": {
                "type": "array",
                "items": _object(
                    {
                        "customer": _ref("HoraeReportCustomer"),
                        "project": _ref("HoraeReportProject"),
                        "budget": _ref("HoraeReportBudget"),
                        "today": {"type": "integer"},
                        "week": {"type": "integer"},
                        "month": _TOTALS,
                        "total": _TOTALS,
                        "notExported": _TOTALS,
                        "notBilled": _TOTALS,
                        "nonBillable": _TOTALS,
                        "lastRecord": {"type": "string", "format": "date", "nullable": True},
                    }
                ),
            },
        }
    ),
)
register_schema(
    "HoraeInactiveProjectsReport",
    _object(
        {
            "report": {"type": "string"},
            "since": {"type": "string", "format": "date"},
            "showRates": {"type": "boolean"},
            "projects": {
                "type": "array",
                "items": _object(
                    {
                        "customer": _ref("HoraeReportCustomer"),
                        "project": _ref("HoraeReportProject"),
                        "lastRecord": {"type": "string", "format": "date", "nullable": True},
                        "total": _TOTALS,
                    }
                ),
            },
        }
    ),
)
_USER_TOTALS = _object({"user": _ref("HoraeReportUser"), "total": _TOTALS})
register_schema(
    "HoraeProjectDetailsReport",
    _object(
        {
            "report": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "showRates": {"type": "boolean"},
            "customer": _ref("HoraeReportCustomer"),
            "project": _ref("HoraeReportProject"),
            "budget": _ref("HoraeReportBudget"),
            "month": _TOTALS,
            "activities": {
                "type": "array",
                "items": _object(
                    {
                        "activity": _ref("HoraeReportActivity"),
                        "total": _TOTALS,
                        "users": {"type": "array", "items": _USER_TOTALS},
                    }
                ),
            },
            "users": {"type": "array", "items": _USER_TOTALS},
            "months": {"type": "array", "items": _object({"key": {"type": "string"}, "total": _TOTALS})},
            "total": _TOTALS,
        }
    ),
)
register_schema(
    "HoraeCustomerMonthReport",
    _object(
        {
            "report": {"type": "string"},
            "period": _ref("HoraeReportPeriod"),
            "showRates": {"type": "boolean"},
            "customers": {
                "type": "array",
                "items": _object(
                    {
                        "customer": _ref("HoraeReportCustomer"),
                        "total": _TOTALS,
                        "projects": {
                            "type": "array",
                            "items": _object(
                                {
                                    "project": _ref("HoraeReportProject"),
                                    "total": _TOTALS,
                                    "activities": {
                                        "type": "array",
                                        "items": _object(
                                            {
                                                "activity": _ref("HoraeReportActivity"),
                                                "total": _TOTALS,
                                                "users": {"type": "array", "items": _USER_TOTALS},
                                            }
                                        ),
                                    },
                                }
                            ),
                        },
                    }
                ),
            },
            "total": _TOTALS,
        }
    ),
)
