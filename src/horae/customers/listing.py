"""Catalog lists built from plain rows: the shared pieces and the customer list.

Kimai's list endpoints are not paginated, so a list may hold every record. Loading ORM objects
(and eager-loading their relations in batches) costs time and memory per row and a query count
that grows with the list. Here a list is one query for its rows plus one query per related set
(teams, custom fields, parents' teams), each selecting for every listed record at once through
the list's own filtered subquery; the JSON is assembled from tuples and written with orjson.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import Select, Table, select
from sqlalchemy.orm import Session

from horae.api.wire import color_safe, money, output_color
from horae.customers.models import Customer
from horae.meta.models import CustomerMeta
from horae.security.attributes import granted_through_team_ids, has_team_variant
from horae.security.permissions import Actor
from horae.teams.models import Team, team_customers

# Rows converted and written per orjson call: bounds the dicts alive at once.
CHUNK = 2000
EMPTY: tuple[dict[str, Any], ...] = ()


def ids_of(statement: Select[Any], id_column: Any) -> Select[Any]:
    """The ids a filtered list statement selects, for `IN (subquery)` of the related sets."""
    return statement.with_only_columns(id_column).order_by(None)


def teams_by_record(
    session: Session, link: Table, column: str, ids: Select[Any]
) -> dict[int, list[dict[str, Any]]]:
    """The embedded teams of every listed record (one query), in team id order."""
    owner = link.c[column]
    rows = execute(
        session,
        select(owner, Team.id, Team.name, Team.color)
        .join(Team, Team.id == link.c.team_id)
        .where(owner.in_(ids))
        .order_by(owner, Team.id),
    )
    embedded: dict[int, dict[str, Any]] = {}
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for owner_id, team_id, name, color in rows:
        team = embedded.get(team_id)
        if team is None:
            team = embedded[team_id] = {
                "id": team_id,
                "name": name,
                "color": output_color(color),
                "color-safe": color_safe(color, name),
            }
        result[owner_id].append(team)
    return result


def team_ids_by_record(session: Session, link: Table, column: str, ids: Select[Any]) -> dict[int, list[int]]:
    """Only the team ids of some records (parents' teams, for the budget rules)."""
    owner = link.c[column]
    result: dict[int, list[int]] = defaultdict(list)
    for owner_id, team_id in execute(session, select(owner, link.c.team_id).where(owner.in_(ids))):
        result[owner_id].append(team_id)
    return result


def meta_by_record(
    session: Session, meta: Any, owner: Any, ids: Select[Any]
) -> dict[int, list[dict[str, Any]]]:
    """The visible custom fields of every listed record (one query), in creation order."""
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = execute(
        session,
        select(owner, meta.name, meta.value).where(owner.in_(ids), meta.visible.is_(True)).order_by(meta.id),
    )
    for owner_id, name, value in rows:
        result[owner_id].append({"name": name, "value": value})
    return result


class BudgetRule:
    """Whether the budget (or time) keys show on each record: the role permission grants it for
    every record; otherwise the team variants decide per record from its teams' ids."""

    def __init__(self, actor: Actor, attribute: str, kind: str) -> None:
        self.actor = actor
        self.attribute = attribute
        self.kind = kind
        self.everywhere = actor.can(f"{attribute}_{kind}")
        self.by_teams = not self.everywhere and has_team_variant(actor, attribute, kind)

    def __call__(self, team_id_groups: Sequence[Iterable[int]]) -> bool:
        if self.everywhere:
            return True
        if not self.by_teams:
            return False
        return granted_through_team_ids(self.actor, self.attribute, self.kind, team_id_groups)


def budget_keys(
    result: dict[str, Any],
    budget: Any,
    time_budget: int | None,
    budget_type: str | None,
    show_budget: bool,
    show_time: bool,
) -> None:
    """Adds the budget keys a caller may see (as customers.schemas.budget_output)."""
    if show_budget:
        result["budget"] = money(budget) or 0.0
    if show_time:
        result["timeBudget"] = int(time_budget or 0)
    if show_budget or show_time:
        result["budgetType"] = budget_type


def rows_of(session: Session, statement: Select[Any]) -> Iterator[Sequence[Any]]:
    """The statement's rows in chunks, as plain rows: streamed from the driver (server-side
    cursors where the backend has them) rather than buffered and wrapped as ORM results."""
    result = session.connection().execute(statement.execution_options(yield_per=CHUNK))
    yield from result.partitions()


def execute(session: Session, statement: Select[Any]) -> Any:
    """A related set's rows, plain (no ORM result processing)."""
    return session.connection().execute(statement)


def json_array(chunks: Iterable[Sequence[Any]], entry: Callable[[Any], dict[str, Any]]) -> bytes:
    """A JSON array of `entry(row)` for every row, written chunk by chunk, so that only one
    chunk's dicts are alive at a time."""
    parts: list[bytes] = []
    for chunk in chunks:
        written = orjson.dumps([entry(row) for row in chunk])
        if len(written) > 2:
            parts.append(written[1:-1])
    return b"[" + b",".join(parts) + b"]"


# --- customers --------------------------------------------------------------------------------

DETAIL_KEYS = ("vatId", "addressLine1", "addressLine2", "addressLine3", "postCode", "city")

_C = Customer.__table__.c
CUSTOMER_COLUMNS = (
    _C.id,
    _C.name,
    _C.number,
    _C.comment,
    _C.visible,
    _C.billable,
    _C.company,
    _C.country,
    _C.language,
    _C.currency,
    _C.phone,
    _C.fax,
    _C.mobile,
    _C.homepage,
    _C.timezone,
    _C.color,
    _C.budget,
    _C.time_budget,
    _C.budget_type,
    _C.vat_id,
    _C.address_line1,
    _C.address_line2,
    _C.address_line3,
    _C.post_code,
    _C.city,
)


def customers_json(session: Session, actor: Actor, statement: Select[Any], *, details: bool) -> bytes:
    """`GET /api/customers` for the filtered, ordered `statement` (which selects Customer)."""
    ids = ids_of(statement, Customer.id)
    teams = teams_by_record(session, team_customers, "customer_id", ids)
    meta = meta_by_record(session, CustomerMeta, CustomerMeta.customer_id, ids)
    show_budget = BudgetRule(actor, "budget", "customer")
    show_time = BudgetRule(actor, "time", "customer")
    by_teams = show_budget.by_teams or show_time.by_teams

    def entry(row: Any) -> dict[str, Any]:
        (
            id_,
            name,
            number,
            comment,
            visible,
            billable,
            company,
            country,
            language,
            currency,
            phone,
            fax,
            mobile,
            homepage,
            timezone,
            color,
            budget,
            time_budget,
            budget_type,
            *address,
        ) = row
        own_teams = teams.get(id_, EMPTY)
        own_color = output_color(color)
        result = {
            "id": id_,
            "name": name,
            "number": number,
            "comment": comment,
            "visible": visible,
            "billable": billable,
            "company": company,
            "country": country,
            "language": language,
            "currency": currency,
            "phone": phone,
            "fax": fax,
            "mobile": mobile,
            "homepage": homepage,
            "timezone": timezone,
            "color": own_color,
            "color-safe": own_color or color_safe(None, name),
            "metaFields": meta.get(id_, EMPTY),
            "teams": own_teams,
        }
        if by_teams:
            groups = [[team["id"] for team in own_teams]]
            budget_keys(result, budget, time_budget, budget_type, show_budget(groups), show_time(groups))
        else:
            budget_keys(
                result, budget, time_budget, budget_type, show_budget.everywhere, show_time.everywhere
            )
        if details:
            result.update(zip(DETAIL_KEYS, address, strict=True))
        return result

    return json_array(rows_of(session, statement.with_only_columns(*CUSTOMER_COLUMNS)), entry)
