"""Records a team can be granted access to (teams themselves: `make_team` in catalog.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest


@dataclass
class Records:
    """The ids of a customer, one of its projects and one of that project's activities."""

    customer: int
    project: int
    activity: int


@pytest.fixture
def make_records(
    make_customer: Callable[..., Any], make_project: Callable[..., Any], make_activity: Callable[..., Any]
) -> Callable[..., Records]:
    """make_records(visible=True) → Records, built with the catalog factories."""

    def factory(*, visible: bool = True) -> Records:
        customer = make_customer(visible=visible)
        project = make_project(customer, visible=visible)
        activity = make_activity(project, visible=visible)
        return Records(customer.id, project.id, activity.id)

    return factory
