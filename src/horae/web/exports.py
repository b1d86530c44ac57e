"""The export dialog of "My times": the list's filters, a format, columns and "mark as exported".

The dialog is a plain POST form (with its CSRF token, since marking changes records), so it
works without JavaScript; the answer is the file as a download. The form's fields are read into
the export API's query parameters and handed to the same parser and service
(`exports.query.parse_export_request`, `exports.service.prepare_export`, streamed by
`exports.api.export_response`): the same checks, the same rows. The export is limited to the
person's own entries, as "My times" is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from horae.api.deps import DatabaseDep, SessionDep
from horae.api.routing import UnitOfWorkRoute
from horae.errors import BadRequest, Forbidden
from horae.exports.api import export_response
from horae.exports.columns import DEFAULT_KEYS, META_PREFIX, STANDARD_COLUMNS
from horae.exports.filters import sees_other_users
from horae.exports.query import QueryValues, parse_export_request
from horae.exports.service import OTHER_PERMISSION, meta_fields, prepare_export
from horae.reporting.scope import shows_rates
from horae.security.permissions import Actor
from horae.web.auth import SignedInDep
from horae.web.csrf import CheckedFormDep
from horae.web.i18n import N_

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

FORMAT_LABELS = {"csv": N_("CSV"), "xlsx": N_("Excel (XLSX)"), "pdf": N_("PDF"), "html": N_("HTML")}
# The labels of exports.columns, for the catalogue (the files keep the English headings).
COLUMN_LABELS = (
    N_("ID"), N_("Date"), N_("Begin"), N_("End"), N_("Duration"), N_("Break"), N_("User"),
    N_("Username"), N_("Account number"), N_("Customer"), N_("Customer number"), N_("VAT ID"),
    N_("Project"), N_("Project number"), N_("Order number"), N_("Activity"), N_("Activity number"),
    N_("Description"), N_("Tags"), N_("Hourly rate"), N_("Fixed rate"), N_("Rate"), N_("Internal rate"),
    N_("Currency"), N_("Exported"), N_("Billable"), N_("Category"),
)  # fmt: skip
# The list filters of "My times" the dialog carries over.
FILTER_FIELDS = ("begin", "end", "customer", "project", "activity", "term")


@dataclass(frozen=True)
class ColumnChoice:
    key: str
    label: str
    checked: bool


@dataclass(frozen=True)
class ExportDialog:
    formats: list[tuple[str, str]]
    columns: list[ColumnChoice]
    may_mark: bool


def may_export(actor: Actor) -> bool:
    return actor.can("export_own_timesheet")


def may_mark(actor: Actor) -> bool:
    with_others = sees_other_users(actor, OTHER_PERMISSION)
    return actor.can("edit_export_own_timesheet") and (
        not with_others or actor.can("edit_export_other_timesheet")
    )


def export_dialog(session: Session, actor: Actor) -> ExportDialog | None:
    """What the dialog offers this person (one query for the custom fields); None without
    the export permission."""
    if not may_export(actor):
        return None
    rates = shows_rates(actor, only_own=not sees_other_users(actor, OTHER_PERMISSION))
    columns = [
        ColumnChoice(column.key, column.label, column.key in DEFAULT_KEYS)
        for column in STANDARD_COLUMNS
        if rates or not column.needs_rates
    ]
    columns += [
        ColumnChoice(f"{META_PREFIX}{name}", label or name, True) for name, label in meta_fields(session)
    ]
    return ExportDialog(list(FORMAT_LABELS.items()), columns, may_mark(actor))


def _query(form: FormData, actor: Actor) -> QueryValues:
    """The dialog's fields as the export API's query parameters (own entries only)."""
    pairs: list[tuple[str, str]] = [("user", str(actor.id)), ("order", "ASC"), ("orderBy", "begin")]
    for name in FILTER_FIELDS:
        value = str(form.get(name) or "").strip()
        if not value:
            continue
        if name in ("begin", "end"):
            try:
                day = date.fromisoformat(value)
            except ValueError as exc:
                raise BadRequest(name) from exc
            value = f"{day.isoformat()}T{'00:00:00' if name == 'begin' else '23:59:59'}"
        pairs.append((name, value))
    pairs += [("columns[]", str(key)) for key in form.getlist("columns") if str(key)]
    if form.get("mark_exported"):
        pairs.append(("markAsExported", "1"))
    return QueryValues(pairs)


@router.post("/timesheets/export", name="timesheets_export")
def export_own_times(
    session: SessionDep, db: DatabaseDep, web_user: SignedInDep, form: CheckedFormDep
) -> Response:
    actor = web_user.actor
    if not actor.can("view_own_timesheet") or not may_export(actor):
        raise Forbidden("export_own_timesheet")
    request = parse_export_request(session, actor, str(form.get("format") or ""), _query(form, actor))
    prepared = prepare_export(session, actor, request)
    return export_response(db, prepared)
