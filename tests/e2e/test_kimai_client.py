"""Horae driven by `kimai-python`, the OpenAPI client generated from Kimai 2's own API docs.

The client is used exactly as its users use it: a Configuration with the server's URL and the
X-AUTH headers (or a default Authorization header for access tokens), typed models back.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import kimai_python
import pytest
from kimai_python.rest import ApiException

from tests.factories.users import UserHandle

ClientFactory = Callable[..., kimai_python.ApiClient]


@pytest.fixture
def kimai(backend) -> Iterator[ClientFactory]:
    """kimai(user, bearer=False) → a kimai_python.ApiClient speaking to the test server as that user."""
    clients: list[kimai_python.ApiClient] = []

    def connect(user: UserHandle, *, bearer: bool = False) -> kimai_python.ApiClient:
        configuration = kimai_python.Configuration()
        configuration.host = backend.base_url
        if bearer:
            client = kimai_python.ApiClient(configuration)
            client.set_default_header("Authorization", f"Bearer {user.token}")
        else:
            configuration.api_key["X-AUTH-USER"] = user.username
            configuration.api_key["X-AUTH-TOKEN"] = user.api_password
            client = kimai_python.ApiClient(configuration)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.rest_client.pool_manager.clear()


def test_ping_answers_kimai_python_with_an_api_password(make_user, kimai):
    api = kimai_python.DefaultApi(kimai(make_user()))
    response = api.api_ping_get(_preload_content=False)
    assert response.status == 200
    assert json.loads(response.data) == {"message": "pong"}


def test_ping_answers_kimai_python_with_an_access_token(make_user, kimai):
    api = kimai_python.DefaultApi(kimai(make_user(), bearer=True))
    _, status, _ = api.api_ping_get_with_http_info()
    assert status == 200


def test_version_is_read_into_kimai_pythons_version_model(make_user, kimai):
    version = kimai_python.DefaultApi(kimai(make_user())).api_version_get()
    assert isinstance(version, kimai_python.Version)
    assert version.version == "2.66.0"
    assert version.copyright == "Kimai 2.66.0 by Kevin Papst."


def test_timesheet_config_is_read_into_kimai_pythons_model(make_user, kimai):
    config = kimai_python.DefaultApi(kimai(make_user(), bearer=True)).api_config_timesheet_get()
    assert isinstance(config, kimai_python.TimesheetConfig)
    assert config.tracking_mode == "default"
    assert config.default_begin_time == "now"
    assert config.active_entries_hard_limit == 1
    assert config.is_allow_future_times is True
    assert config.is_allow_overlapping is True


def test_wrong_api_password_reaches_kimai_python_as_a_403(make_user, kimai):
    user = make_user()
    user.api_password = "not-the-password"
    with pytest.raises(ApiException) as failure:
        kimai_python.DefaultApi(kimai(user)).api_version_get()
    assert failure.value.status == 403
    assert json.loads(failure.value.body) == {"message": "Invalid credentials"}


def test_i18n_config_of_older_kimai_releases_is_a_404(make_user, kimai):
    # kimai-python was generated from a Kimai that still had /api/config/i18n; 2.66 has not.
    with pytest.raises(ApiException) as failure:
        kimai_python.DefaultApi(kimai(make_user())).api_config_i18n_get()
    assert failure.value.status == 404
    assert json.loads(failure.value.body) == {"code": 404, "message": "Not Found"}


def test_a_timer_is_started_listed_and_stopped_through_kimai_python(make_user, kimai):
    admin = kimai(make_user("ROLE_SUPER_ADMIN"))
    customer = kimai_python.CustomerApi(admin).api_customers_post(
        kimai_python.CustomerEditForm(
            name="Acme", country="DE", currency="EUR", timezone="Europe/Berlin", color="#ff0000", visible=True
        )
    )
    project = kimai_python.ProjectApi(admin).api_projects_post(
        kimai_python.ProjectEditForm(name="Website", customer=customer.id, color="#00ff00", visible=True)
    )
    activity = kimai_python.ActivityApi(admin).api_activities_post(
        kimai_python.ActivityEditForm(name="Design", project=project.id, color="#0000ff", visible=True)
    )

    timesheets = kimai_python.TimesheetApi(kimai(make_user("ROLE_USER")))
    begin = datetime.now(ZoneInfo("Europe/Berlin")).replace(second=0, microsecond=0, tzinfo=None)
    started = timesheets.api_timesheets_post(
        kimai_python.TimesheetEditForm(
            begin=begin, project=project.id, activity=activity.id, description="kimai-python"
        )
    )
    assert isinstance(started, kimai_python.TimesheetEntity)
    assert started.end is None
    assert started.begin.replace(tzinfo=None) == begin
    assert (started.project, started.activity, started.description) == (
        project.id,
        activity.id,
        "kimai-python",
    )

    assert [record.id for record in timesheets.api_timesheets_get()] == [started.id]
    # kimai-python declares the expanded `project`/`activity` objects as lists and cannot build its
    # models from the real Kimai answer, so its users read /active as raw JSON.
    active = json.loads(timesheets.api_timesheets_active_get(_preload_content=False).data)
    assert [record["id"] for record in active] == [started.id]
    assert active[0]["project"]["id"] == project.id
    assert active[0]["activity"]["id"] == activity.id

    stopped = timesheets.api_timesheets_id_stop_patch(started.id)
    assert stopped.id == started.id
    assert stopped.end is not None
    assert stopped.duration >= 0
    assert json.loads(timesheets.api_timesheets_active_get(_preload_content=False).data) == []
