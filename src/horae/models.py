"""Imports every domain's models so that the metadata is complete (migrations, tests)."""

from horae.activities.models import Activity
from horae.catalog_cache import Generation
from horae.comments.models import CustomerComment, ProjectComment
from horae.config.models import ConfigEntry
from horae.customers.models import Customer
from horae.db import Base
from horae.exports.models import ExportTemplate
from horae.invoices.models import Invoice, InvoiceDocument, InvoiceFile, InvoiceTemplate
from horae.locks import NamedLock
from horae.meta.models import (
    ActivityMeta,
    CustomerMeta,
    InvoiceMeta,
    MetaFieldDefinition,
    ProjectMeta,
    TimesheetMeta,
)
from horae.projects.models import Project
from horae.rates.models import ActivityRate, CustomerRate, ProjectRate
from horae.tags.models import Tag
from horae.teams.models import Team, TeamMember
from horae.timesheets.models import Timesheet
from horae.users.models import (
    AccessToken,
    AuthFailure,
    Role,
    RolePermission,
    User,
    UserPreference,
    WebSession,
)

metadata = Base.metadata

__all__ = [
    "AccessToken",
    "Activity",
    "ActivityMeta",
    "ActivityRate",
    "AuthFailure",
    "ConfigEntry",
    "Customer",
    "CustomerComment",
    "CustomerMeta",
    "CustomerRate",
    "ExportTemplate",
    "Generation",
    "Invoice",
    "InvoiceDocument",
    "InvoiceFile",
    "InvoiceMeta",
    "InvoiceTemplate",
    "MetaFieldDefinition",
    "NamedLock",
    "Project",
    "ProjectComment",
    "ProjectMeta",
    "ProjectRate",
    "Role",
    "RolePermission",
    "Tag",
    "Team",
    "TeamMember",
    "Timesheet",
    "TimesheetMeta",
    "User",
    "UserPreference",
    "WebSession",
    "metadata",
]
