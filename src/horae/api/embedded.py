"""Kimai's embedded JSON forms: how a record looks when nested inside another one.

Customers, projects and activities inside a team, teams inside a customer or a user, users
inside a team, a rate or a comment. Embedded forms never carry budgets, teams or other nested
lists (ENTITIES_AND_ADMIN §1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from horae.api.wire import color_safe, format_date, output_color
from horae.meta.service import visible_meta
from horae.users.service import user_initials, user_language, user_locale, user_timezone

if TYPE_CHECKING:
    from horae.activities.models import Activity
    from horae.customers.models import Customer
    from horae.projects.models import Project
    from horae.teams.models import Team
    from horae.users.models import User


def team_embedded(team: Team) -> dict[str, Any]:
    """Team / TeamCollection: 4 keys."""
    return {
        "id": team.id,
        "name": team.name,
        "color": output_color(team.color),
        "color-safe": color_safe(team.color, team.name),
    }


def user_embedded(user: User) -> dict[str, Any]:
    """User / UserCollection: 16 keys."""
    name = user.display_name
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "enabled": user.enabled,
        "apiToken": user.api_password_hash is not None,
        "systemAccount": user.system_account,
        "color": output_color(user.color),
        "color-safe": color_safe(user.color, name),
        "avatar": user.avatar,
        "alias": user.alias,
        "accountNumber": user.account_number,
        "initials": user_initials(user),
        "title": user.title,
        "language": user_language(user),
        "locale": user_locale(user),
        "timezone": user_timezone(user),
    }


def customer_embedded(customer: Customer) -> dict[str, Any]:
    """Customer: 18 keys; needs `customer.meta` loaded."""
    return {
        "id": customer.id,
        "name": customer.name,
        "number": customer.number,
        "comment": customer.comment,
        "visible": customer.visible,
        "billable": customer.billable,
        "company": customer.company,
        "country": customer.country,
        "language": customer.language,
        "currency": customer.currency,
        "phone": customer.phone,
        "fax": customer.fax,
        "mobile": customer.mobile,
        "homepage": customer.homepage,
        "timezone": customer.timezone,
        "color": output_color(customer.color),
        "color-safe": color_safe(customer.color, customer.name),
        "metaFields": visible_meta(customer),
    }


def project_embedded(project: Project) -> dict[str, Any]:
    """Project: 15 keys, `customer` as its id; needs `project.meta` loaded."""
    return {
        "id": project.id,
        "name": project.name,
        "customer": project.customer_id,
        "number": project.number,
        "orderNumber": project.order_number,
        "orderDate": format_date(project.order_date),
        "start": format_date(project.start),
        "end": format_date(project.end),
        "comment": project.comment,
        "visible": project.visible,
        "billable": project.billable,
        "globalActivities": project.global_activities,
        "color": output_color(project.color),
        "color-safe": color_safe(project.color, project.name),
        "metaFields": visible_meta(project),
    }


def activity_embedded(activity: Activity) -> dict[str, Any]:
    """Activity: 10 keys, `project` as its id (null for a global activity); needs `activity.meta`."""
    return {
        "id": activity.id,
        "name": activity.name,
        "project": activity.project_id,
        "number": activity.number,
        "comment": activity.comment,
        "visible": activity.visible,
        "billable": activity.billable,
        "color": output_color(activity.color),
        "color-safe": color_safe(activity.color, activity.name),
        "metaFields": visible_meta(activity),
    }
