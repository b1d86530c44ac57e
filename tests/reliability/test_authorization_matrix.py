"""Every /api operation x every built-in role x the ownership of the record it acts on.

The operations come from the running server's /api/doc.json: one the table below does not
classify fails the test by name, so a new endpoint is covered as soon as it is mounted. For each
operation the table names the record it needs and the contract's rule (ENTITIES_AND_ADMIN.md,
TIMESHEETS_AUTH_ERRORS.md §7) in terms of permission names; whether a role passes is decided by
the default permission matrix (horae.security.matrix), never by a written-down status. The
success status is the one the document lists for the operation.

Ownership, where the operation has a record:
- timesheets and users: the caller's own, a member of a team the caller leads, a user in a team
  the caller is not in;
- customers, projects, activities and teams: assigned to a team the caller is a plain member of
  ("own"), to a team the caller leads ("led"), to a team the caller is not in ("foreign").

Variants add the list filters that name a record (`user`, `customer`, `project`, `activity` of the
timesheet list, `customers[]` of projects, `projects[]` of activities: 403 for a record the caller
may not access, except `user`, which is ignored without `view_other_timesheet`) and timesheets
booked on a project of a team the caller is not in.

Every successful JSON answer is also searched for fields the role may not see: timesheet rates
without `view_rate` on the record, budget fields of customers, projects and activities without
the `budget`/`time` grant on the record (ENTITIES_AND_ADMIN.md §0.4), budget fields in embedded
forms at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from horae.activities.models import Activity
from horae.comments.models import CustomerComment, ProjectComment
from horae.customers.models import Customer
from horae.exports.models import ExportTemplate
from horae.invoices.models import Invoice, InvoiceDocument, InvoiceFile, InvoiceTemplate
from horae.meta.service import define_meta_field
from horae.projects.models import Project
from horae.rates.models import ActivityRate, CustomerRate, ProjectRate
from horae.security.matrix import DEFAULT_GRANTS
from horae.security.permissions import (
    BUILTIN_ROLES,
    ROLE_ADMIN,
    ROLE_SUPER_ADMIN,
    ROLE_USER,
    SUPER_ADMIN_FIXED,
)
from horae.tags.models import Tag
from horae.teams.models import Team
from horae.users.models import Role, User
from horae.users.service import create_access_token
from tests.factories.timesheets import Catalog, TimesheetFactory, Work
from tests.factories.users import UserHandle
from tests.http import http_client, http_get

OWNERSHIPS = ("own", "led", "foreign")
# Records of people also come from a colleague: the lead of a team the caller is a plain member
# of. Sharing a team is not enough to see their timesheets or profile (§7.4).
PERSON_OWNERSHIPS = (*OWNERSHIPS, "colleague")
RATE_KEYS = frozenset({"rate", "internalRate", "hourlyRate", "fixedRate"})
BUDGET_KEYS = frozenset({"budget", "timeBudget", "budgetType"})
META = "matrixfield"
MODELS: dict[str, Any] = {"customer": Customer, "project": Project, "activity": Activity}
_names = itertools.count(1)
MISSING_ID = 987654321


class Grants:
    """What one built-in role holds in the default matrix (every user also holds ROLE_USER)."""

    def __init__(self, role: str) -> None:
        self.role = role
        held = set(DEFAULT_GRANTS[ROLE_USER]) | set(DEFAULT_GRANTS[role])
        if role == ROLE_SUPER_ADMIN:
            held |= SUPER_ADMIN_FIXED
        self.permissions = frozenset(held)

    def __call__(self, *permissions: str) -> bool:
        return all(permission in self.permissions for permission in permissions)

    @property
    def all_data(self) -> bool:
        return self("view_all_data")


# A rule answers whether a role may act on a record of the given ownership (None: no record).
Rule = Callable[[Grants, str | None], bool]


def api(g: Grants, o: str | None) -> bool:
    return g("api_access")


def perm(*permissions: str) -> Rule:
    return lambda g, o: g(*permissions)


def any_of(*permissions: str) -> Rule:
    return lambda g, o: any(g(p) for p in permissions)


def both(*rules: Rule) -> Rule:
    return lambda g, o: all(rule(g, o) for rule in rules)


def timesheet(attribute: str) -> Rule:
    """TIMESHEETS_AUTH_ERRORS §7.3/§7.4: own → `A_own`; another's → `A_other` and team access,
    which a teamlead has for members of the teams they lead and only `view_all_data` beyond."""

    def rule(g: Grants, o: str | None) -> bool:
        if o == "own":
            return g(f"{attribute}_own_timesheet")
        return g(f"{attribute}_other_timesheet") and (o == "led" or g.all_data)

    return rule


def entity(kind: str, *attributes: str) -> Rule:
    """ENTITIES_AND_ADMIN §0.4: `A_kind`, or `A_teamlead_kind` as lead of one of the record's
    teams, or `A_team_kind` as a member; create and delete have no team variants."""

    def granted(g: Grants, o: str | None, attribute: str) -> bool:
        if g(f"{attribute}_{kind}"):
            return True
        if attribute in ("create", "delete"):
            return False
        return (o == "led" and g(f"{attribute}_teamlead_{kind}")) or (
            o in ("own", "led") and g(f"{attribute}_team_{kind}")
        )

    return lambda g, o: all(granted(g, o, attribute) for attribute in attributes)


def access_user(g: Grants, o: str | None) -> bool:
    """§7 `access_user`: oneself; everyone with view_all_data; a member of a led team."""
    return o in ("own", "led") or g.all_data or g.role == ROLE_SUPER_ADMIN


def profile(attribute: str) -> Rule:
    def rule(g: Grants, o: str | None) -> bool:
        if o == "own":
            return g(f"{attribute}_own_profile")
        return g(f"{attribute}_other_profile") and access_user(g, o)

    return rule


def team_edit(attribute: str) -> Rule:
    """Team `edit`/`delete`: the role permission, and an admin role or the lead of this team."""
    return lambda g, o: g(f"{attribute}_team") and (g.role in (ROLE_ADMIN, ROLE_SUPER_ADMIN) or o == "led")


def sees_project(g: Grants, o: str | None) -> bool:
    """Team access to a project (§0.5): a member of one of its teams, or view_all_data."""
    return g.all_data or o in ("own", "led")


def reportable(g: Grants, o: str | None) -> bool:
    if o == "own":
        return g("view_reporting")
    return g("view_reporting", "view_other_reporting", "view_other_timesheet") and (o == "led" or g.all_data)


def sees_customer(g: Grants, o: str | None) -> bool:
    """A customer of the caller's teams (member or lead), or any with all data (§0.5)."""
    return o in ("own", "led") or g.all_data


def gone(g: Grants, o: str | None) -> bool:
    return False


@dataclass
class Request:
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    query: dict[str, Any] | None = None


@dataclass
class Spec:
    rule: Rule
    # Builds the request for one ownership (None: the operation has no record).
    build: Callable[[World, str | None], Request] = lambda world, o: Request()
    owned: bool = False
    # Whether the record belongs to a person (timesheets, profiles, tokens, reports).
    personal: bool = False
    # The ownerships to check when not the default ones.
    only: tuple[str, ...] = ()

    @property
    def ownerships(self) -> tuple[str | None, ...]:
        if not self.owned:
            return (None,)
        return self.only or (PERSON_OWNERSHIPS if self.personal else OWNERSHIPS)

    # The status when denied (410 for removed endpoints, which answer it to everyone).
    denied: int = 403


class World:
    """The caller, the teams around them and the records every case acts on."""

    def __init__(self, backend: Any, make_user: Callable[..., UserHandle], role: str) -> None:
        self.backend = backend
        self.catalog = Catalog(backend)
        self.timesheets = TimesheetFactory(backend)
        self.caller = make_user(role, roles=[role] if role != ROLE_USER else [])
        self.member = make_user(ROLE_USER)  # in the team the caller leads
        self.lead = make_user(ROLE_USER)  # leads the team the caller is a plain member of
        self.stranger = make_user(ROLE_USER)  # in a team the caller is not in
        self.stranger_lead = make_user(ROLE_USER)
        self.outsider = make_user(ROLE_USER)  # in yet another team, never added anywhere
        self.users = {
            "own": self.caller,
            "led": self.member,
            "foreign": self.stranger,
            "colleague": self.lead,
        }
        self.teams = {
            "own": self.catalog.team(members=[self.caller], leads=[self.lead]),
            "led": self.catalog.team(members=[self.member], leads=[self.caller]),
            "foreign": self.catalog.team(members=[self.stranger], leads=[self.stranger_lead]),
        }
        self.catalog.team(members=[self.outsider], leads=[self.stranger_lead])
        # Bookings go to records without teams, so only the owner decides timesheet access.
        self.open = self.catalog.work()
        # A project only the foreign team may use.
        customer = self.catalog.customer()
        project = self.catalog.project(customer, teams=[self.teams["foreign"]])
        self.closed = Work(customer, project, self.catalog.activity(project))
        # (kind, id) → ownership of every customer, project and activity with teams.
        self.ownership: dict[tuple[str, int], str] = {}
        # Reads share one record per kind and ownership (see `reading`).
        self.shared = False
        self._shared: dict[tuple[Any, ...], int] = {}
        with backend.db.session() as session:
            for kind in ("customer", "project", "activity", "timesheet", "invoice"):
                define_meta_field(session, kind, META)
        for o in OWNERSHIPS:  # something of each kind in every list
            self.customer(o), self.project(o), self.activity(o), self.timesheet(o)

    @contextmanager
    def reading(self, label: str) -> Iterator[None]:
        """Cases that only read (GET) share one record per kind and ownership; every case that
        may change or delete its records gets fresh ones, so no answer depends on the order."""
        self.shared = label.startswith("GET ")
        try:
            yield
        finally:
            self.shared = False

    def _record(self, key: tuple[Any, ...], make: Callable[[], int]) -> int:
        if not self.shared:
            return make()
        if key not in self._shared:
            self._shared[key] = make()
        return self._shared[key]

    # Records of one ownership, fresh for every case that may change or delete them.
    def customer(self, o: str) -> int:
        def make() -> int:
            record = self.catalog.customer(teams=[self.teams[o]])
            self.ownership["customer", record.id] = o
            return record.id

        return self._record(("customer", o), make)

    def project(self, o: str) -> int:
        def make() -> int:
            record = self.catalog.project(self.open.customer, teams=[self.teams[o]])
            self.ownership["project", record.id] = o
            return record.id

        return self._record(("project", o), make)

    def activity(self, o: str) -> int:
        def make() -> int:
            record = self.catalog.activity(None, teams=[self.teams[o]])
            self.ownership["activity", record.id] = o
            return record.id

        return self._record(("activity", o), make)

    def timesheet(self, o: str, closed: bool = False) -> int:
        def make() -> int:
            begin = datetime.now(UTC).replace(microsecond=0, second=0) - timedelta(days=3)
            work = self.closed if closed else self.open
            return self.timesheets.create(self.users[o], work, begin, begin + timedelta(hours=1)).id

        return self._record(("timesheet", o, closed), make)

    def team(self, o: str) -> tuple[int, UserHandle]:
        """A fresh team of that ownership and its plain member."""
        plain, lead = {
            "own": (self.caller, self.lead),
            "led": (self.member, self.caller),
            "foreign": (self.stranger, self.stranger_lead),
        }[o]
        return self.catalog.team(members=[plain], leads=[lead]).id, plain

    def linked(self, kind: str, o: str, team_id: int) -> int:
        """A record of `kind` assigned to the persistent team of ownership o and to team_id
        (always a fresh one: its teams change)."""
        shared, self.shared = self.shared, False
        try:
            record_id = getattr(self, kind)(o)
        finally:
            self.shared = shared
        model = {"customer": "customers", "project": "projects", "activity": "activities"}[kind]
        with self.backend.db.session() as session:
            team = session.get(Team, team_id)
            assert team is not None
            getattr(team, model).append(session.get(MODELS[kind], record_id))
        return record_id

    def comment(self, kind: str, record_id: int) -> int:
        model, column = {
            "customer": (CustomerComment, "customer_id"),
            "project": (ProjectComment, "project_id"),
        }[kind]
        with self.backend.db.session() as session:
            row = model(**{column: record_id}, created_by_id=self.lead.id, message="A comment")
            session.add(row)
            session.flush()
            return int(row.id)

    def rate(self, kind: str, record_id: int) -> int:
        model = {"customer": CustomerRate, "project": ProjectRate, "activity": ActivityRate}[kind]
        with self.backend.db.session() as session:
            row = model(**{f"{kind}_id": record_id}, user_id=None, user_key=0, rate=10)
            session.add(row)
            session.flush()
            return int(row.id)

    def token_of(self, o: str) -> int:
        with self.backend.db.session() as session:
            user = session.get(User, self.users[o].id)
            assert user is not None
            token, _ = create_access_token(session, user, f"matrix {next(_names)}")
            return int(token.id)

    def tag(self) -> int:
        with self.backend.db.session() as session:
            tag = Tag(name=f"matrix-{next(_names)}", visible=True)
            session.add(tag)
            session.flush()
            return int(tag.id)

    def role(self) -> int:
        with self.backend.db.session() as session:
            role = Role(name=f"ROLE_MATRIX_{next(_names)}")
            session.add(role)
            session.flush()
            return int(role.id)

    def invoice(self, o: str) -> int:
        """An invoice, with its file, for a customer of that ownership (§0.5: an invoice is
        visible with its customer)."""

        def make() -> int:
            customer_id = self.customer(o)
            number = next(_names)
            with self.backend.db.session() as session:
                invoice = Invoice(
                    invoice_number=f"MATRIX-{number}",
                    invoice_filename=f"matrix-{number}.pdf",
                    customer_id=customer_id,
                    user_id=self.lead.id,
                    created_at=datetime.now(UTC).replace(microsecond=0),
                    timezone="Europe/Berlin",
                    currency="EUR",
                )
                session.add(invoice)
                session.flush()
                session.add(InvoiceFile(invoice_id=invoice.id, content=b"%PDF"))
                return int(invoice.id)

        return self._record(("invoice", o), make)

    def invoice_template(self) -> int:
        with self.backend.db.session() as session:
            name = f"matrix-{next(_names)}"
            template = InvoiceTemplate(name=name, title=name, company="Horae", renderer="default")
            session.add(template)
            session.flush()
            return int(template.id)

    def invoice_document(self) -> str:
        with self.backend.db.session() as session:
            name = f"matrix-{next(_names)}.html.twig"
            session.add(InvoiceDocument(name=name, content=b"<html></html>"))
            return name

    def export_template(self) -> int:
        with self.backend.db.session() as session:
            template = ExportTemplate(title=f"matrix-{next(_names)}", renderer="csv")
            session.add(template)
            session.flush()
            return int(template.id)

    def users_ownership(self, user_id: int) -> str:
        for o, handle in self.users.items():
            if handle.id == user_id:
                return o
        return "foreign"


def _yesterday(hour: int) -> str:
    day = datetime.now(UTC).date() - timedelta(days=1)
    return f"{day.isoformat()}T{hour:02d}:00:00"


def _catalog_specs(kind: str, plural: str) -> dict[str, Spec]:
    base = f"/api/{plural}"

    def record(world: World, o: str | None) -> Request:
        return Request({"id": getattr(world, kind)(o)})

    def create_body(world: World) -> dict[str, Any]:
        name = f"Matrix {kind} {next(_names)}"
        if kind == "project":
            return {"name": name, "customer": world.open.customer.id}
        return {"name": name}

    specs = {
        f"GET {base}": Spec(api),
        f"POST {base}": Spec(entity(kind, "create"), lambda world, o: Request(body=create_body(world))),
        f"GET {base}/{{id}}": Spec(entity(kind, "view"), record, owned=True),
        f"PATCH {base}/{{id}}": Spec(
            entity(kind, "edit"),
            lambda world, o: Request({"id": getattr(world, kind)(o)}, {"comment": "changed"}),
            owned=True,
        ),
        f"DELETE {base}/{{id}}": Spec(entity(kind, "delete"), record, owned=True),
        f"PATCH {base}/{{id}}/meta": Spec(
            entity(kind, "edit"),
            lambda world, o: Request({"id": getattr(world, kind)(o)}, {"name": META, "value": "v"}),
            owned=True,
        ),
        f"GET {base}/{{id}}/rates": Spec(entity(kind, "edit"), record, owned=True),
        f"POST {base}/{{id}}/rates": Spec(
            entity(kind, "edit"),
            lambda world, o: Request({"id": getattr(world, kind)(o)}, {"rate": 12}),
            owned=True,
        ),
        f"DELETE {base}/{{id}}/rates/{{rateId}}": Spec(
            entity(kind, "edit"), lambda world, o: _with_rate(world, kind, o), owned=True
        ),
        f"POST {base}/{{id}}/team": Spec(gone, record, owned=True, denied=410),
        f"GET /api/actions/{kind}/{{id}}/{{view}}/{{locale}}": Spec(
            entity(kind, "view"),
            lambda world, o: Request({"id": getattr(world, kind)(o), "view": "index", "locale": "en"}),
            owned=True,
        ),
    }
    if kind != "activity":
        specs |= {
            f"GET {base}/{{id}}/comments": Spec(entity(kind, "view", "comments"), record, owned=True),
            f"POST {base}/{{id}}/comments": Spec(
                entity(kind, "view", "comments"),
                lambda world, o: Request({"id": getattr(world, kind)(o)}, {"message": "Hello"}),
                owned=True,
            ),
            f"PATCH {base}/{{id}}/comments/{{comment}}/pin": Spec(
                entity(kind, "view", "edit", "comments"),
                lambda world, o: _with_comment(world, kind, o),
                owned=True,
            ),
            f"DELETE {base}/{{id}}/comments/{{comment}}": Spec(
                entity(kind, "view", "edit", "comments"),
                lambda world, o: _with_comment(world, kind, o),
                owned=True,
            ),
        }
    return specs


def _with_rate(world: World, kind: str, o: str | None) -> Request:
    record_id = getattr(world, kind)(o)
    return Request({"id": record_id, "rateId": world.rate(kind, record_id)})


def _with_comment(world: World, kind: str, o: str | None) -> Request:
    record_id = getattr(world, kind)(o)
    return Request({"id": record_id, "comment": world.comment(kind, record_id)})


def _timesheet(world: World, o: str | None, body: Any = None) -> Request:
    assert o is not None
    return Request({"id": world.timesheet(o)}, body)


def _team_link(kind: str, linked: bool) -> Callable[[World, str | None], Request]:
    def build(world: World, o: str | None) -> Request:
        assert o is not None
        team_id, _ = world.team(o)
        record_id = world.linked(kind, o, team_id) if linked else getattr(world, kind)(o)
        return Request({"id": team_id, f"{kind}Id": record_id})

    return build


def _team_member(adding: bool) -> Callable[[World, str | None], Request]:
    def build(world: World, o: str | None) -> Request:
        assert o is not None
        team_id, plain = world.team(o)
        return Request({"id": team_id, "userId": world.outsider.id if adding else plain.id})

    return build


def _report(world: World, o: str | None) -> Request:
    assert o is not None
    return Request(query={"user": world.users[o].id})


SPECS: dict[str, Spec] = {
    "GET /api/ping": Spec(api),
    "GET /api/version": Spec(api),
    "GET /api/plugins": Spec(api),
    "GET /api/config/timesheet": Spec(api),
    "GET /api/config/colors": Spec(api),
    # Users (ENTITIES_AND_ADMIN §8)
    "GET /api/users": Spec(perm("view_user")),
    "GET /api/users/me": Spec(api),
    "POST /api/users": Spec(
        perm("create_user"),
        lambda world, o: Request(
            body={
                "username": f"matrix{next(_names)}",
                "email": f"matrix{next(_names)}@example.com",
                "plainPassword": "password-123",
                "language": "en",
                "locale": "en",
                "timezone": "Europe/Berlin",
                "enabled": True,
            }
        ),
    ),
    "GET /api/users/{id}": Spec(
        profile("view"),
        lambda world, o: Request({"id": world.users[o or "own"].id}),
        owned=True,
        personal=True,
    ),
    "PATCH /api/users/{id}": Spec(
        profile("edit"),
        lambda world, o: Request({"id": world.users[o or "own"].id}, {"title": "Changed"}),
        owned=True,
        personal=True,
    ),
    "PATCH /api/users/{id}/preferences": Spec(
        profile("edit"),
        lambda world, o: Request({"id": world.users[o or "own"].id}, []),
        owned=True,
        personal=True,
    ),
    "DELETE /api/users/api-token/{id}": Spec(
        both(perm("api-token_own_profile"), profile("api-token")),
        lambda world, o: Request({"id": world.token_of(o or "own")}),
        owned=True,
        personal=True,
    ),
    "DELETE /api/users/roles/{id}": Spec(
        perm("role_permissions"), lambda world, o: Request({"id": world.role()})
    ),
    # Teams (§7)
    "GET /api/teams": Spec(perm("view_team")),
    "POST /api/teams": Spec(
        perm("create_team"),
        lambda world, o: Request(
            body={
                "name": f"Matrix team {next(_names)}",
                "members": [{"user": world.caller.id, "teamlead": 1}],
            }
        ),
    ),
    "GET /api/teams/{id}": Spec(
        perm("view_team"), lambda world, o: Request({"id": world.teams[o or "own"].id}), owned=True
    ),
    "PATCH /api/teams/{id}": Spec(
        team_edit("edit"),
        lambda world, o: Request({"id": world.team(o or "own")[0]}, {"name": f"Renamed {next(_names)}"}),
        owned=True,
    ),
    "DELETE /api/teams/{id}": Spec(
        team_edit("delete"), lambda world, o: Request({"id": world.team(o or "own")[0]}), owned=True
    ),
    "POST /api/teams/{id}/members/{userId}": Spec(
        both(team_edit("edit"), lambda g, o: g.all_data or g.role == ROLE_SUPER_ADMIN),
        _team_member(adding=True),
        owned=True,
    ),
    "DELETE /api/teams/{id}/members/{userId}": Spec(
        team_edit("edit"), _team_member(adding=False), owned=True
    ),
    # Tags (§6)
    "GET /api/tags": Spec(api),
    "GET /api/tags/find": Spec(api),
    "POST /api/tags": Spec(
        any_of("manage_tag", "create_tag"),
        lambda world, o: Request(body={"name": f"matrix-new-{next(_names)}", "visible": True}),
    ),
    "DELETE /api/tags/{id}": Spec(perm("delete_tag"), lambda world, o: Request({"id": world.tag()})),
    # Invoices (§9): visible with their customer; deleting takes a permission no role holds
    "GET /api/invoices": Spec(perm("view_invoice")),
    "GET /api/invoices/{id}": Spec(
        both(perm("view_invoice"), sees_customer),
        lambda world, o: Request({"id": world.invoice(o or "own")}),
        owned=True,
    ),
    "PATCH /api/invoices/{id}/custom-fields": Spec(
        both(perm("view_invoice", "create_invoice"), sees_customer),
        lambda world, o: Request({"id": world.invoice(o or "own")}, [{"name": META, "value": "x"}]),
        owned=True,
    ),
    "GET /api/invoices/{id}/download": Spec(
        both(perm("view_invoice"), sees_customer),
        lambda world, o: Request({"id": world.invoice(o or "own")}),
        owned=True,
    ),
    "DELETE /api/invoices/{id}": Spec(
        both(perm("view_invoice", "delete_invoice"), sees_customer),
        lambda world, o: Request({"id": world.invoice(o or "own")}),
        owned=True,
    ),
    "DELETE /api/invoices/templates/{id}": Spec(
        perm("manage_invoice_template"), lambda world, o: Request({"id": world.invoice_template()})
    ),
    "DELETE /api/invoices/documents/{id}": Spec(
        perm("manage_invoice_template"), lambda world, o: Request({"id": world.invoice_document()})
    ),
    # Export templates (§10)
    "DELETE /api/export/{id}": Spec(
        perm("create_export_template"), lambda world, o: Request({"id": world.export_template()})
    ),
    # Timesheets (TIMESHEETS_AUTH_ERRORS §5, §7)
    "GET /api/timesheets": Spec(any_of("view_own_timesheet", "view_other_timesheet")),
    "POST /api/timesheets": Spec(
        perm("create_own_timesheet"),
        lambda world, o: Request(
            body={
                "project": world.open.project.id,
                "activity": world.open.activity.id,
                "begin": _yesterday(8),
                "end": _yesterday(9),
            }
        ),
    ),
    "GET /api/timesheets/recent": Spec(perm("view_own_timesheet")),
    "GET /api/timesheets/active": Spec(perm("view_own_timesheet")),
    "GET /api/timesheets/{id}": Spec(timesheet("view"), _timesheet, owned=True, personal=True),
    "PATCH /api/timesheets/{id}": Spec(
        timesheet("edit"),
        lambda world, o: _timesheet(world, o, {"description": "changed"}),
        owned=True,
        personal=True,
    ),
    "DELETE /api/timesheets/{id}": Spec(timesheet("delete"), _timesheet, owned=True, personal=True),
    "PATCH /api/timesheets/{id}/stop": Spec(timesheet("stop"), _timesheet, owned=True, personal=True),
    # The restarted record belongs to the caller, so starting one's own is needed too.
    "PATCH /api/timesheets/{id}/restart": Spec(
        both(timesheet("start"), perm("start_own_timesheet")), _timesheet, owned=True, personal=True
    ),
    "PATCH /api/timesheets/{id}/duplicate": Spec(timesheet("create"), _timesheet, owned=True, personal=True),
    "PATCH /api/timesheets/{id}/export": Spec(
        timesheet("edit_export"), _timesheet, owned=True, personal=True
    ),
    "PATCH /api/timesheets/{id}/meta": Spec(
        timesheet("edit"),
        lambda world, o: _timesheet(world, o, {"name": META, "value": "v"}),
        owned=True,
        personal=True,
    ),
    "GET /api/actions/timesheet/{id}/{view}/{locale}": Spec(
        timesheet("view"),
        lambda world, o: Request({"id": world.timesheet(o or "own"), "view": "index", "locale": "en"}),
        owned=True,
        personal=True,
    ),
    # Favourites belong to the caller: only one's own records, with start_own_timesheet (§10).
    "GET /api/favorites/timesheets": Spec(perm("start_own_timesheet")),
    "POST /api/favorites/timesheets/{id}": Spec(
        lambda g, o: g("start_own_timesheet") and o == "own", _timesheet, owned=True, personal=True
    ),
    "DELETE /api/favorites/timesheets/{id}": Spec(
        lambda g, o: g("start_own_timesheet") and o == "own", _timesheet, owned=True, personal=True
    ),
    "POST /api/dashboard/widgets/{widget}": Spec(api, lambda world, o: Request({"widget": "UserTeams"})),
    "DELETE /api/dashboard/widgets": Spec(api),
    # Horae's own reports and exports (their descriptions in /api/doc.json)
    **{
        f"GET /api/horae/reports/user/{kind}": Spec(reportable, _report, owned=True, personal=True)
        for kind in ("week", "month", "year")
    },
    **{
        f"GET /api/horae/reports/users/{kind}": Spec(
            perm("view_reporting", "view_other_reporting", "view_other_timesheet")
        )
        for kind in ("week", "month", "year")
    },
    "GET /api/horae/reports/projects": Spec(perm("view_reporting", "project_reporting")),
    "GET /api/horae/reports/projects/inactive": Spec(perm("view_reporting", "project_reporting")),
    "GET /api/horae/reports/projects/{id}": Spec(
        both(perm("view_reporting", "project_reporting"), sees_project),
        lambda world, o: Request({"id": world.project(o or "own")}),
        owned=True,
    ),
    "GET /api/horae/reports/customers/month": Spec(perm("view_reporting", "customer_reporting")),
    "GET /api/export/timesheets.csv": Spec(any_of("export_own_timesheet", "export_other_timesheet")),
    "GET /api/export/timesheets.xlsx": Spec(any_of("export_own_timesheet", "export_other_timesheet")),
    **_catalog_specs("customer", "customers"),
    **_catalog_specs("project", "projects"),
    **_catalog_specs("activity", "activities"),
    **{
        f"{method} /api/teams/{{id}}/{plural}/{{{kind}Id}}": Spec(
            both(team_edit("edit"), entity(kind, "permissions")),
            _team_link(kind, linked=method == "DELETE"),
            owned=True,
        )
        for method in ("POST", "DELETE")
        for kind, plural in (("customer", "customers"), ("project", "projects"), ("activity", "activities"))
    },
}
PROJECT_DUPLICATE = "POST /api/projects/{id}/duplicate"
SPECS[PROJECT_DUPLICATE] = Spec(
    both(entity("project", "edit"), perm("create_project", "create_activity")),
    lambda world, o: Request({"id": world.project(o or "own")}),
    owned=True,
)


def documented_operations(document: dict[str, Any]) -> dict[str, int]:
    """label → the success status the document lists for it (410 for removed endpoints)."""
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = sorted(int(code) for code in operation["responses"] if code.isdigit())
            success = [code for code in codes if 200 <= code < 300]
            found[f"{method.upper()} {path}"] = success[0] if success else 410
    return found


@pytest.fixture
def document(backend: Any, admin: UserHandle) -> dict[str, Any]:
    response = http_get(f"{backend.base_url}/api/doc.json", headers=admin.headers, timeout=30)
    assert response.status_code == 200
    return dict(response.json())


def test_every_documented_operation_is_classified(document: dict[str, Any]) -> None:
    operations = documented_operations(document)
    print(f"{len(operations)} operations in /api/doc.json")  # quoted in docs/reliability.md
    assert sorted(set(operations) - set(SPECS)) == [], "operations without an authorization rule"
    assert sorted(set(SPECS) - set(operations)) == [], "rules for operations that do not exist"


def _kind_of(label: str) -> str | None:
    path = label.split(" ", 1)[1]
    for kind, plural in (("customer", "customers"), ("project", "projects"), ("activity", "activities")):
        other = any(part in path for part in ("rates", "comments", "/team"))
        if path == f"/api/{plural}" or (path.startswith(f"/api/{plural}/{{id}}") and not other):
            return kind
    return None


def hidden_fields(
    label: str,
    answer: Any,
    g: Grants,
    user_ownership: Callable[[int], str],
    record_ownership: dict[tuple[str, int], str],
) -> list[str]:
    """The fields in an answer the role may not see (empty when there are none)."""
    found: list[str] = []
    kind = _kind_of(label)

    def walk(value: Any, top: bool) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item, top)
            return
        if not isinstance(value, dict):
            return
        keys = set(value)
        if {"begin", "duration", "user"} <= keys:
            owner = value["user"]["id"] if isinstance(value["user"], dict) else value["user"]
            may = timesheet("view_rate")(g, user_ownership(owner))
            if not may and keys & RATE_KEYS:
                found.append(f"timesheet {value['id']}: {sorted(keys & RATE_KEYS)}")
        # Only scalar budget fields are the records' (§0.4); a report's "budget" is a section.
        elif {key for key in keys & BUDGET_KEYS if not isinstance(value[key], dict)}:
            if not top or kind is None:
                found.append(f"embedded or foreign object {value.get('id')}: {sorted(keys & BUDGET_KEYS)}")
            else:
                o = record_ownership.get((kind, value["id"]), "open")
                allowed = set()
                if entity(kind, "budget")(g, o):
                    allowed |= {"budget", "budgetType"}
                if entity(kind, "time")(g, o):
                    allowed |= {"timeBudget", "budgetType"}
                if keys & BUDGET_KEYS - allowed:
                    found.append(f"{kind} {value['id']} ({o}): {sorted(keys & BUDGET_KEYS - allowed)}")
        for item in value.values():
            walk(item, False)

    walk(answer, True)
    return found


def may_filter_by_user(g: Grants, o: str | None) -> bool:
    """TIMESHEETS_AUTH_ERRORS §5.1: `user` is ignored without view_other_timesheet, otherwise it
    needs access to that user."""
    return not g("view_other_timesheet") or access_user(g, o)


def may_filter_by(g: Grants, o: str | None) -> bool:
    """A customer/project/activity filter needs access to the record (§7.4, §0.5)."""
    return g.all_data or o in ("own", "led")


def _query(name: str, value: Callable[[World, str], int]) -> Callable[[World, str | None], Request]:
    def build(world: World, o: str | None) -> Request:
        assert o is not None
        return Request(query={name: value(world, o)})

    return build


def on_closed_project(attribute: str, *, needs_access: bool) -> Rule:
    """A timesheet booked on a project of a team the caller is not in (§7.3, §7.4): another's
    needs access to the project; `start`/`create` need it for one's own records too."""

    def rule(g: Grants, o: str | None) -> bool:
        if o == "own":
            return g(f"{attribute}_own_timesheet") and (g.all_data or not needs_access)
        return g(f"{attribute}_other_timesheet") and g.all_data

    return rule


# The foreign team's members may use its project: only the caller's and a led member's records.
CLOSED = ("own", "led")


def _closed_timesheet(world: World, o: str | None) -> Request:
    assert o is not None
    return Request({"id": world.timesheet(o, closed=True)})


# Variants of operations: (operation, variant) → its rule and request.
VARIANTS: dict[tuple[str, str], Spec] = {
    ("GET /api/timesheets/{id}", "closed project"): Spec(
        on_closed_project("view", needs_access=False), _closed_timesheet, owned=True, only=CLOSED
    ),
    ("PATCH /api/timesheets/{id}/restart", "closed project"): Spec(
        both(on_closed_project("start", needs_access=True), perm("start_own_timesheet")),
        _closed_timesheet,
        owned=True,
        only=CLOSED,
    ),
    ("PATCH /api/timesheets/{id}/duplicate", "closed project"): Spec(
        on_closed_project("create", needs_access=True), _closed_timesheet, owned=True, only=CLOSED
    ),
    ("GET /api/timesheets", "user"): Spec(
        may_filter_by_user, _query("user", lambda w, o: w.users[o].id), owned=True, personal=True
    ),
    ("GET /api/timesheets", "customer"): Spec(may_filter_by, _query("customer", World.customer), owned=True),
    ("GET /api/timesheets", "project"): Spec(may_filter_by, _query("project", World.project), owned=True),
    ("GET /api/timesheets", "activity"): Spec(may_filter_by, _query("activity", World.activity), owned=True),
    ("GET /api/projects", "customers[]"): Spec(
        may_filter_by, _query("customers[]", World.customer), owned=True
    ),
    ("GET /api/activities", "projects[]"): Spec(
        may_filter_by, _query("projects[]", World.project), owned=True
    ),
}


def _cases() -> Iterator[tuple[str, Spec, str | None]]:
    for label, spec in sorted(SPECS.items()):
        for o in spec.ownerships:
            yield label, spec, o


@pytest.mark.parametrize("role", BUILTIN_ROLES)
def test_each_role_gets_what_the_permission_matrix_grants(
    backend: Any, make_user: Callable[..., UserHandle], document: dict[str, Any], role: str
) -> None:
    operations = documented_operations(document)
    world = World(backend, make_user, role)
    g = Grants(role)
    # Every case's records first, then the requests four at a time: each case has records of its
    # own, so the order of the requests does not change any answer.
    cases = []
    for label, spec, o in _cases():
        if label in operations:
            with world.reading(label):
                request = spec.build(world, o)
            cases.append((label, o, request, operations[label] if spec.rule(g, o) else spec.denied))
    for (label, variant), spec in VARIANTS.items():
        for o in spec.ownerships:
            expected = operations[label] if spec.rule(g, o) else spec.denied
            with world.reading(label):
                request = spec.build(world, o)
            cases.append((label, f"{variant}, {o}", request, expected))
    # An unknown record answers 404 to everyone, before any permission check (§0.1).
    for label, spec in sorted(SPECS.items()):
        if label in operations and "{id}" in label:
            with world.reading(label):
                request = spec.build(world, "own" if spec.owned else None)
            request.params["id"] = MISSING_ID
            cases.append((label, "missing", request, 410 if spec.rule is gone else 404))
    with (
        http_client(base_url=backend.base_url, headers=world.caller.headers, timeout=60) as client,
        ThreadPoolExecutor(max_workers=4) as pool,
    ):

        def send(case: tuple[str, str | None, Request, int]) -> httpx.Response:
            label, _, request, _ = case
            method, template = label.split(" ", 1)
            path = template.format(**request.params)
            return client.request(method, path, json=request.body, params=request.query)

        responses = list(pool.map(send, cases))
    wrong: list[str] = []
    leaks: list[str] = []
    for (label, o, _, expected), response in zip(cases, responses, strict=True):
        if response.status_code != expected:
            wrong.append(f"{label} [{o}]: {response.status_code}, expected {expected}: {response.text[:160]}")
        elif response.headers.get("content-type", "").startswith("application/json") and response.content:
            found = hidden_fields(label, response.json(), g, world.users_ownership, world.ownership)
            leaks += [f"{label} [{o}]: {leak}" for leak in found]
    checked = len(cases)
    print(f"{role}: {checked} operation x ownership cases checked")
    assert wrong == [], "\n".join(wrong)
    assert leaks == [], "\n".join(leaks)


def test_the_field_check_finds_what_a_role_may_not_see() -> None:
    user, lead = Grants(ROLE_USER), Grants("ROLE_TEAMLEAD")
    owners = {1: "own", 2: "led", 3: "foreign"}.__getitem__
    entry = {"id": 7, "begin": "…", "duration": 60, "user": 1, "rate": 1.0}
    assert hidden_fields("GET /api/timesheets", [entry], user, owners, {}) == ["timesheet 7: ['rate']"]
    assert hidden_fields("GET /api/timesheets", [entry], lead, owners, {}) == []
    stranger = entry | {"user": {"id": 3}}
    assert hidden_fields("GET /api/timesheets/{id}", stranger, lead, owners, {}) != []
    project = {"id": 5, "name": "P", "budget": 0.0, "timeBudget": 0, "budgetType": None}
    ownership = {("project", 5): "own"}
    # ROLE_USER holds time_team_project: the time budget of its team's project, never the money.
    assert hidden_fields("GET /api/projects", [project], user, owners, ownership) == [
        "project 5 (own): ['budget']"
    ]
    assert hidden_fields("GET /api/projects", [project], lead, owners, {("project", 5): "led"}) == []
    embedded = {"id": 9, "begin": "…", "duration": 0, "user": 1, "project": project}
    assert hidden_fields("GET /api/timesheets", [embedded], lead, owners, ownership) != []
