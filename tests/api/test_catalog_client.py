"""The generated OpenAPI client `kimai-python` drives the catalog endpoints unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import kimai_python
import pytest
from kimai_python.models import ActivityEditForm, CustomerEditForm, CustomerRateForm, ProjectEditForm


@pytest.fixture
def kimai(backend, make_user) -> Iterator[kimai_python.ApiClient]:
    admin = make_user("ROLE_ADMIN")
    configuration = kimai_python.Configuration()
    configuration.host = backend.base_url
    configuration.api_key["X-AUTH-USER"] = admin.username
    configuration.api_key["X-AUTH-TOKEN"] = admin.api_password
    client = kimai_python.ApiClient(configuration)
    yield client
    client.rest_client.pool_manager.clear()


# The client's edit forms insist on a colour; any configured one will do.
COLOR = "#c0c0c0"


def test_the_client_creates_and_lists_customers_projects_and_activities(kimai):
    customers = kimai_python.CustomerApi(kimai)
    projects = kimai_python.ProjectApi(kimai)
    activities = kimai_python.ActivityApi(kimai)

    customer = customers.api_customers_post(
        CustomerEditForm(
            name="Client customer",
            country="DE",
            currency="EUR",
            timezone="Europe/Berlin",
            visible=True,
            color=COLOR,
        )
    )
    project = projects.api_projects_post(
        ProjectEditForm(name="Client project", customer=customer.id, visible=True, color=COLOR)
    )
    activities.api_activities_post(
        ActivityEditForm(name="Client activity", project=project.id, visible=True, color=COLOR)
    )
    rate = customers.api_customers_id_rates_post(customer.id, CustomerRateForm(rate=12.5, is_fixed=False))

    assert [c.name for c in customers.api_customers_get(term="client")] == ["Client customer"]
    assert [p.id for p in projects.api_projects_get(customers=str(customer.id))] == [project.id]
    assert [a.name for a in activities.api_activities_get(project=str(project.id))] == ["Client activity"]
    assert customers.api_customers_id_get(customer.id).number == "0001"
    assert (rate.rate, rate.is_fixed) == (12.5, False)
    assert [r.id for r in customers.api_customers_id_rates_get(customer.id)] == [rate.id]
