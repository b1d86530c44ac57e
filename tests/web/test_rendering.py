"""Links of the pages: the named routes' paths, found as the router finds them."""

from __future__ import annotations

import pytest
from starlette.routing import NoMatchFound

from horae.app import create_app
from horae.settings import Settings
from horae.web.rendering import url_path

LINKS = [
    ("timesheets", {}),
    ("timesheet_edit", {"timesheet_id": 5}),
    ("tag_edit", {"tag_id": 3}),
    ("customer_edit", {"entity_id": 4}),
    ("project_rate_delete", {"entity_id": 4, "rate_id": 9}),
    ("static", {"path": "/horae.css"}),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('links') / 'horae.sqlite'}"
    return create_app(Settings(database_url=url, environment="local"))


@pytest.mark.parametrize(("name", "params"), LINKS)
def test_a_named_route_has_the_routers_path(app, name, params):
    assert url_path(app, name, **params) == str(app.url_path_for(name, **params))
    # Asked again: from the list of routes by name.
    assert url_path(app, name, **params) == str(app.url_path_for(name, **params))


WRONG = [("no_such_page", {}), ("timesheet_edit", {}), ("week", {"x": 1})]


@pytest.mark.parametrize(("name", "params"), WRONG)
def test_an_unknown_name_or_wrong_parameters_fail_as_in_the_router(app, name, params):
    with pytest.raises(NoMatchFound):
        url_path(app, name, **params)
