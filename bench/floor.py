"""The floor: a bare ASGI app answering W1, W3/W4 and W9 with the least work that gives Kimai's bytes.

No framework, no validation beyond what the answer needs: authenticate the Bearer token, run the
SQL, write the JSON with orjson. It is served by the same server software with the same settings
as `horae serve`, on the same database, so that Horae's figures can be read as a share of it.
It answers only what the benchmark asks (a plain user's own timesheets, starting, stopping and
creating entries, tag search), and blocks the event loop for its queries: nothing is cheaper.

    python bench/floor.py --port 8100 --database-url sqlite:///bench/.cache/run/horae.sqlite
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import orjson
import uvicorn
from sqlalchemy import and_, exists, func, insert, literal, or_, select, union_all, update
from sqlalchemy.engine import Connection, Engine

from horae.api.wire import color_safe, format_date, format_datetime, output_color
from horae.db import make_engine
from horae.models import (
    AccessToken,
    Activity,
    ActivityMeta,
    ActivityRate,
    Customer,
    CustomerMeta,
    CustomerRate,
    Project,
    ProjectMeta,
    ProjectRate,
    Tag,
    TeamMember,
    Timesheet,
    TimesheetMeta,
    User,
    UserPreference,
)
from horae.security.passwords import sha256_hex
from horae.teams.models import team_activities, team_customers, team_projects
from horae.timesheets.models import timesheet_tags

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

T = Timesheet.__table__
P = Project.__table__
C = Customer.__table__
A = Activity.__table__
U = User.__table__
TAGS = Tag.__table__
NOT_FOUND = (404, {"code": 404, "message": "Not found"}, {})
UNAUTHORIZED = (401, {"message": "Invalid credentials."}, {})
FOUR = Decimal("0.0001")


class Caller:
    def __init__(self, row: Any, preferences: dict[str, str | None], team_ids: list[int]) -> None:
        self.id: int = row.id
        self.row = row
        self.preferences = preferences
        self.team_ids = team_ids
        self.timezone = preferences.get("timezone") or "UTC"


class Floor:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = engine.execution_options(horae_write=True)

    # --- authentication: the token, the user, preferences and teams ---------------------------

    def caller(self, connection: Connection, headers: dict[bytes, bytes]) -> Caller | None:
        authorization = headers.get(b"authorization", b"").decode()
        if not authorization.startswith("Bearer "):
            return None
        row = connection.execute(
            select(U, AccessToken.expires_at)
            .join(AccessToken.__table__, AccessToken.user_id == U.c.id)
            .where(AccessToken.token_hash == sha256_hex(authorization[7:].strip()))
        ).first()
        if row is None or not row.enabled:
            return None
        if row.expires_at is not None and row.expires_at <= datetime.now(UTC):
            return None
        preferences = dict(
            connection.execute(
                select(UserPreference.name, UserPreference.value).where(UserPreference.user_id == row.id)
            ).all()
        )
        teams = list(connection.scalars(select(TeamMember.team_id).where(TeamMember.user_id == row.id)))
        return Caller(row, preferences, teams)

    # --- W1: one page of the caller's timesheets --------------------------------------------------

    def visible(
        self, caller: Caller, project_id: Any = T.c.project_id, activity_id: Any = T.c.activity_id
    ) -> Any:
        """The team filter on the record's project, customer and activity (P joined)."""

        def open_or_shared(table: Any, column: str, entity: Any) -> Any:
            link = table.c[column]
            restricted = exists(select(1).select_from(table).where(link == entity))
            shared = exists(
                select(1).select_from(table).where(link == entity, table.c.team_id.in_(caller.team_ids))
            )
            return or_(~restricted, shared)

        return and_(
            open_or_shared(team_projects, "project_id", project_id),
            open_or_shared(team_customers, "customer_id", P.c.customer_id),
            open_or_shared(team_activities, "activity_id", activity_id),
        )

    def count(self, connection: Connection, caller: Caller, conditions: list[Any]) -> int:
        """Counted per project and activity, the team filter checked once per pair (as Horae does)."""
        pairs = (
            select(T.c.project_id, T.c.activity_id, func.count().label("n"))
            .where(T.c.user_id == caller.id, *conditions)
            .group_by(T.c.project_id, T.c.activity_id)
            .subquery()
        )
        visible = self.visible(caller, pairs.c.project_id, pairs.c.activity_id)
        found = pairs.join(P, P.c.id == pairs.c.project_id)
        return int(connection.scalar(select(func.sum(pairs.c.n)).select_from(found).where(visible)) or 0)

    def list_timesheets(self, caller: Caller, connection: Connection, query: dict[str, list[str]]) -> Any:
        size = min(int((query.get("size") or ["50"])[0] or 50) or 50, 500)
        page = max(int((query.get("page") or ["1"])[0] or 1), 1)
        full = (query.get("full") or ["false"])[0] in ("1", "true")
        zone = ZoneInfo(caller.timezone)
        period = []
        if "begin" in query:
            period.append(T.c.begin >= datetime.fromisoformat(query["begin"][0]).replace(tzinfo=zone))
        if "end" in query:
            period.append(T.c.begin <= datetime.fromisoformat(query["end"][0]).replace(tzinfo=zone))
        conditions = [T.c.user_id == caller.id, self.visible(caller), *period]
        base = T.join(P, P.c.id == T.c.project_id)
        total = self.count(connection, caller, period)
        pages = max(1, math.ceil(total / size))
        if page > pages:
            return NOT_FOUND
        rows = connection.execute(
            select(T)
            .select_from(base)
            .where(*conditions)
            .order_by(T.c.begin.desc(), T.c.id.desc())
            .limit(size)
            .offset((page - 1) * size)
        ).all()
        tags, meta = self.tags_and_meta(connection, [row.id for row in rows])
        relations: dict[str, Callable[[Any], Any]]
        if full:
            relations = self.expanded_relations(connection, caller, rows)
        else:
            relations = {
                "activity": lambda row: row.activity_id,
                "project": lambda row: row.project_id,
                "user": lambda row: row.user_id,
            }
        body = [self.timesheet(row, tags, meta, relations) for row in rows]
        headers = {
            "X-Page": str(page),
            "X-Total-Count": str(total),
            "X-Total-Pages": str(pages),
            "X-Per-Page": str(size),
        }
        return 200, body, headers

    def tags_and_meta(
        self, connection: Connection, ids: list[int]
    ) -> tuple[dict[int, list[str]], dict[int, list[Any]]]:
        tags: dict[int, list[str]] = {i: [] for i in ids}
        meta: dict[int, list[Any]] = {i: [] for i in ids}
        if not ids:
            return tags, meta
        for timesheet_id, name in connection.execute(
            select(timesheet_tags.c.timesheet_id, TAGS.c.name)
            .join(TAGS, TAGS.c.id == timesheet_tags.c.tag_id)
            .where(timesheet_tags.c.timesheet_id.in_(ids))
            .order_by(TAGS.c.name)
        ):
            tags[timesheet_id].append(name)
        for timesheet_id, name, value in connection.execute(
            select(TimesheetMeta.timesheet_id, TimesheetMeta.name, TimesheetMeta.value)
            .where(TimesheetMeta.timesheet_id.in_(ids), TimesheetMeta.visible)
            .order_by(TimesheetMeta.id)
        ):
            meta[timesheet_id].append({"name": name, "value": value})
        return tags, meta

    @staticmethod
    def timesheet(
        row: Any, tags: dict[int, list[str]], meta: dict[int, list[Any]], relations: Any
    ) -> dict[str, Any]:
        return {
            "activity": relations["activity"](row),
            "project": relations["project"](row),
            "user": relations["user"](row),
            "tags": tags.get(row.id, []),
            "id": row.id,
            "begin": format_datetime(row.begin, row.timezone),
            "end": format_datetime(row.end, row.timezone),
            "duration": row.duration if row.end is not None else 0,
            "break": row._mapping["break"] or 0,
            "description": row.description,
            "metaFields": meta.get(row.id, []),
            "exported": row.exported,
            "billable": row.billable,
        }

    def expanded_relations(self, connection: Connection, caller: Caller, rows: list[Any]) -> dict[str, Any]:
        activity_ids = {row.activity_id for row in rows}
        activities = {a.id: a for a in connection.execute(select(A).where(A.c.id.in_(activity_ids)))}
        project_ids = {row.project_id for row in rows} | {
            a.project_id for a in activities.values() if a.project_id
        }
        projects = {p.id: p for p in connection.execute(select(P).where(P.c.id.in_(project_ids)))}
        customer_ids = {p.customer_id for p in projects.values()}
        customers = {c.id: c for c in connection.execute(select(C).where(C.c.id.in_(customer_ids)))}

        def meta_of(model: Any, column: str, ids: set[int]) -> dict[int, list[Any]]:
            found: dict[int, list[Any]] = {}
            if ids:
                owner = getattr(model, column)
                for owner_id, name, value in connection.execute(
                    select(owner, model.name, model.value)
                    .where(owner.in_(ids), model.visible)
                    .order_by(model.id)
                ):
                    found.setdefault(owner_id, []).append({"name": name, "value": value})
            return found

        customer_meta = meta_of(CustomerMeta, "customer_id", customer_ids)
        project_meta = meta_of(ProjectMeta, "project_id", project_ids)
        activity_meta = meta_of(ActivityMeta, "activity_id", activity_ids)

        def customer(c: Any) -> dict[str, Any]:
            return {
                "id": c.id,
                "name": c.name,
                "number": c.number,
                "comment": c.comment,
                "visible": c.visible,
                "billable": c.billable,
                "company": c.company,
                "country": c.country,
                "language": c.language,
                "currency": c.currency,
                "phone": c.phone,
                "fax": c.fax,
                "mobile": c.mobile,
                "homepage": c.homepage,
                "timezone": c.timezone,
                "color": output_color(c.color),
                "color-safe": color_safe(c.color, c.name),
                "metaFields": customer_meta.get(c.id, []),
            }

        def project(p: Any) -> dict[str, Any]:
            return {
                "id": p.id,
                "name": p.name,
                "customer": customer(customers[p.customer_id]),
                "number": p.number,
                "orderNumber": p.order_number,
                "orderDate": format_date(p.order_date),
                "start": format_date(p.start),
                "end": format_date(p._mapping["end"]),
                "comment": p.comment,
                "visible": p.visible,
                "billable": p.billable,
                "globalActivities": p.global_activities,
                "color": output_color(p.color),
                "color-safe": color_safe(p.color, p.name),
                "metaFields": project_meta.get(p.id, []),
            }

        def activity(a: Any) -> dict[str, Any]:
            return {
                "id": a.id,
                "name": a.name,
                "project": project(projects[a.project_id]) if a.project_id else None,
                "number": a.number,
                "comment": a.comment,
                "visible": a.visible,
                "billable": a.billable,
                "color": output_color(a.color),
                "color-safe": color_safe(a.color, a.name),
                "metaFields": activity_meta.get(a.id, []),
            }

        user = caller.row
        display = user.alias or user.username
        words = (display.split("@", 1)[0].replace(".", " ") if "@" in display else display).split()
        initials = (
            (words[0][:2] if len(words) == 1 else "".join(w[0] for w in words)[:2]).upper() if words else ""
        )
        language = caller.preferences.get("language") or "en"
        embedded_user = {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "enabled": user.enabled,
            "apiToken": user.api_password_hash is not None,
            "systemAccount": user.system_account,
            "color": output_color(user.color),
            "color-safe": color_safe(user.color, display),
            "avatar": user.avatar,
            "alias": user.alias,
            "accountNumber": user.account_number,
            "initials": initials,
            "title": user.title,
            "language": language,
            "locale": caller.preferences.get("locale") or language,
            "timezone": caller.timezone,
        }
        project_json = {pid: project(p) for pid, p in projects.items()}
        activity_json = {aid: activity(a) for aid, a in activities.items()}
        return {
            "activity": lambda row: activity_json[row.activity_id],
            "project": lambda row: project_json[row.project_id],
            "user": lambda row: embedded_user,
        }

    # --- W3/W4: create (or start) and stop ------------------------------------------------------

    def hourly_rate(
        self, connection: Connection, caller: Caller, project_id: int, activity_id: int, customer_id: int
    ) -> Decimal:
        """The best configured rate (activity 5, project 3, customer 1, +1 for the user's own)."""
        candidates = union_all(
            *(
                select(table.c.user_id, table.c.rate, literal(score).label("score")).where(
                    column == entity_id, or_(table.c.user_id.is_(None), table.c.user_id == caller.id)
                )
                for table, column, entity_id, score in (
                    (ActivityRate.__table__, ActivityRate.activity_id, activity_id, 5),
                    (ProjectRate.__table__, ProjectRate.project_id, project_id, 3),
                    (CustomerRate.__table__, CustomerRate.customer_id, customer_id, 1),
                )
            )
        )
        best = None
        for row in connection.execute(candidates):
            score = row.score + (1 if row.user_id else 0)
            if best is None or score > best[0]:
                best = (score, row.rate)
        if best is not None:
            return Decimal(str(best[1]))
        return Decimal(caller.preferences.get("hourly_rate") or "0")

    def create_timesheet(self, caller: Caller, connection: Connection, body: dict[str, Any]) -> Any:
        zone = ZoneInfo(caller.timezone)
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        project_id, activity_id = int(body["project"]), int(body["activity"])
        project = connection.execute(
            select(P.c.id, P.c.customer_id, P.c.billable, C.c.billable.label("customer_billable"))
            .join(C, C.c.id == P.c.customer_id)
            .where(P.c.id == project_id, P.c.visible, C.c.visible)
        ).first()
        activity = connection.execute(
            select(A.c.id, A.c.billable).where(
                A.c.id == activity_id,
                A.c.visible,
                or_(A.c.project_id == project_id, A.c.project_id.is_(None)),
            )
        ).first()
        if project is None or activity is None:
            return 400, {"code": 400, "message": "Validation Failed"}, {}
        begin = (
            datetime.fromisoformat(body["begin"]).replace(tzinfo=zone).astimezone(UTC)
            if body.get("begin")
            else now
        )
        end = (
            datetime.fromisoformat(body["end"]).replace(tzinfo=zone).astimezone(UTC)
            if body.get("end")
            else None
        )
        hourly = Decimal(str(body["hourlyRate"])) if body.get("hourlyRate") is not None else None
        if hourly is None:
            hourly = self.hourly_rate(connection, caller, project_id, activity_id, project.customer_id)
        internal_hourly = Decimal(caller.preferences.get("internal_rate") or hourly)
        duration = int((end - begin).total_seconds()) if end else 0
        if end is None:
            # The active-entries limit (one): the caller's running entry is stopped first.
            for running in connection.execute(
                select(T.c.id, T.c.begin, T.c.hourly_rate).where(
                    T.c.user_id == caller.id, T.c["end"].is_(None)
                )
            ):
                self.stop_row(connection, running, now)
        values = {
            "user_id": caller.id,
            "project_id": project_id,
            "activity_id": activity_id,
            "begin": begin,
            "end": end,
            "timezone": caller.timezone,
            "date": begin.astimezone(zone).date(),
            "duration": duration,
            "break": 0,
            "description": body.get("description"),
            "rate": (hourly * duration / 3600).quantize(FOUR, ROUND_HALF_UP),
            "internal_rate": (internal_hourly * duration / 3600).quantize(FOUR, ROUND_HALF_UP),
            "fixed_rate": None,
            "hourly_rate": hourly,
            "exported": False,
            "billable": bool(project.billable and project.customer_billable and activity.billable),
            "category": "work",
            "modified_at": now,
        }
        new_id = connection.execute(insert(T).values(**values)).inserted_primary_key[0]
        names = [n.strip() for n in str(body.get("tags") or "").split(",") if n.strip()]
        if names:
            tag_ids = list(connection.scalars(select(TAGS.c.id).where(TAGS.c.name.in_(names))))
            connection.execute(
                insert(timesheet_tags), [{"timesheet_id": new_id, "tag_id": t} for t in tag_ids]
            )
        return self.entity(connection, new_id)

    def stop_row(self, connection: Connection, row: Any, now: datetime) -> None:
        end = now + timedelta(minutes=1) if now.second or now.microsecond else now
        end = end.replace(second=0, microsecond=0)
        duration = max(0, int((end - row.begin).total_seconds()))
        hourly = Decimal(str(row.hourly_rate or 0))
        connection.execute(
            update(T)
            .where(T.c.id == row.id)
            .values(
                end=end,
                duration=duration,
                rate=(hourly * duration / 3600).quantize(FOUR, ROUND_HALF_UP),
                modified_at=now,
            )
        )

    def stop_timesheet(self, caller: Caller, connection: Connection, timesheet_id: int) -> Any:
        row = connection.execute(
            select(T.c.id, T.c.user_id, T.c.begin, T.c["end"], T.c.hourly_rate).where(T.c.id == timesheet_id)
        ).first()
        if row is None:
            return NOT_FOUND
        if row.user_id != caller.id:
            return 403, {"code": 403, "message": "Access denied."}, {}
        if row.end is None:
            self.stop_row(connection, row, datetime.now(UTC))
        return self.entity(connection, timesheet_id)

    def entity(self, connection: Connection, timesheet_id: int) -> Any:
        row = connection.execute(select(T).where(T.c.id == timesheet_id)).one()
        tags, meta = self.tags_and_meta(connection, [timesheet_id])
        relations = {
            "activity": lambda r: r.activity_id,
            "project": lambda r: r.project_id,
            "user": lambda r: r.user_id,
        }
        return 200, self.timesheet(row, tags, meta, relations), {}

    # --- W9: tag search -------------------------------------------------------------------------

    def find_tags(self, connection: Connection, query: dict[str, list[str]]) -> Any:
        name = (query.get("name") or [""])[0]
        if not name:
            return 200, [], {}
        rows = connection.execute(
            select(TAGS.c.id, TAGS.c.name, TAGS.c.visible, TAGS.c.color)
            .where(TAGS.c.visible, func.lower(TAGS.c.name).contains(name.lower(), autoescape=True))
            .order_by(TAGS.c.name)
        )
        return (
            200,
            [
                {
                    "id": r.id,
                    "name": r.name,
                    "visible": r.visible,
                    "color": output_color(r.color),
                    "color-safe": color_safe(r.color, r.name),
                }
                for r in rows
            ],
            {},
        )

    # --- routing ----------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[bytes, bytes], body: bytes
    ) -> Any:
        writing = method in ("POST", "PATCH")
        with (self.writer if writing else self.engine).begin() as connection:
            caller = self.caller(connection, headers)
            if caller is None:
                return UNAUTHORIZED
            if path == "/api/ping" and method == "GET":
                return 200, {"message": "pong"}, {}
            if path == "/api/timesheets" and method == "GET":
                return self.list_timesheets(caller, connection, query)
            if path == "/api/timesheets" and method == "POST":
                return self.create_timesheet(caller, connection, orjson.loads(body or b"{}"))
            if path.startswith("/api/timesheets/") and path.endswith("/stop") and method == "PATCH":
                return self.stop_timesheet(caller, connection, int(path.split("/")[3]))
            if path == "/api/tags/find" and method == "GET":
                return self.find_tags(connection, query)
        return NOT_FOUND


def build_app(database_url: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    floor = Floor(make_engine(database_url))

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    floor.engine.dispose()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        if scope["method"] in ("POST", "PATCH", "PUT"):
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
        status, content, extra = floor.handle(
            scope["method"],
            scope["path"],
            parse_qs(scope["query_string"].decode()),
            dict(scope["headers"]),
            body,
        )
        payload = orjson.dumps(content)
        response_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
        response_headers += [(k.encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    # The same server and settings as `horae serve`.
    uvicorn.run(
        build_app(args.database_url), host=args.host, port=args.port, log_level="info", proxy_headers=True
    )


if __name__ == "__main__":
    main()
