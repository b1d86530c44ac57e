"""The menu of the web app: pages register an entry in their section, shown when permitted.

Sections appear in the header in this order: tracking (dashboard, timer, own times, week,
calendar), catalog (customers, projects, activities, tags), administration. Pages of later
domains append their entries with `register` when their module is imported by web/views.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from horae.web.i18n import N_

SECTIONS: dict[str, str] = {
    "tracking": N_("Time tracking"),
    "catalog": N_("Catalog"),
    "admin": N_("Administration"),
}


@dataclass(frozen=True)
class NavItem:
    route: str
    label: str
    section: str
    # The entry is shown when the user holds any of these (none: everyone signed in).
    permissions: tuple[str, ...] = ()
    # Paths under this prefix mark the entry as the current page.
    prefix: str = ""


_ITEMS: list[NavItem] = []


def register(item: NavItem) -> None:
    if item.section not in SECTIONS:
        raise ValueError(f"unknown menu section {item.section!r}")
    if all(existing.route != item.route for existing in _ITEMS):
        _ITEMS.append(item)


def menu_for(permissions: frozenset[str]) -> list[tuple[str, str, list[NavItem]]]:
    """(section key, section label, entries) for every section with a visible entry."""
    result = []
    for key, label in SECTIONS.items():
        items = [
            item
            for item in _ITEMS
            if item.section == key
            and (not item.permissions or any(p in permissions for p in item.permissions))
        ]
        if items:
            result.append((key, label, items))
    return result


register(NavItem("dashboard", N_("Dashboard"), "tracking", prefix="/dashboard"))
register(
    NavItem("admin_settings", N_("Settings"), "admin", ("system_configuration",), prefix="/admin/settings")
)
register(
    NavItem(
        "admin_permissions", N_("Permissions"), "admin", ("role_permissions",), prefix="/admin/permissions"
    )
)
