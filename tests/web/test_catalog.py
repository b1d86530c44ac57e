"""Catalog pages over HTTP: customers, projects and activities with their permissions, forms,
budgets, rates, comments, teams and query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from horae.activities.models import Activity
from horae.customers.models import Customer
from horae.db import utcnow
from horae.projects.models import Project

CUSTOMER_FORM = {
    "name": "Acme Corp",
    "number": "",
    "company": "Acme Corporation",
    "vatId": "",
    "contact": "",
    "email": "",
    "phone": "",
    "homepage": "",
    "country": "DE",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "comment": "",
    "color": "",
    "visible": "1",
    "billable": "1",
}


def _stored(backend, model, **criteria):
    with backend.db.session(write=False) as session:
        query = select(model)
        for key, value in criteria.items():
            query = query.where(getattr(model, key) == value)
        return session.scalars(query).first()


# --- permissions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/customers/create", "/projects/create", "/activities/create"])
def test_a_plain_user_may_not_open_a_create_form(make_user, web_session, path):
    assert web_session(make_user()).get(path).status_code == 403


@pytest.mark.parametrize("path", ["/customers/create", "/projects/create", "/activities/create"])
def test_a_plain_user_may_not_create(make_user, backend, web_session, path):
    response = web_session(make_user()).post_form(path, {"name": "Sneaky"})
    assert response.status_code == 403
    for model in (Customer, Project, Activity):
        assert _stored(backend, model, name="Sneaky") is None


def test_a_plain_user_may_not_edit_a_customer(make_user, web_session, catalog):
    customer = catalog.customer("Kept")
    session = web_session(make_user())
    assert session.get(f"/customers/{customer.id}/edit").status_code == 403
    assert session.post_form(f"/customers/{customer.id}/edit", {**CUSTOMER_FORM}).status_code == 403


def test_a_plain_user_sees_no_catalog_menu(make_user, web_session):
    page = web_session(make_user()).get("/dashboard").text
    assert 'href="/customers"' not in page
    assert web_session(make_user()).get("/customers").status_code == 403


def test_a_teamlead_sees_the_lists_without_create_buttons_for_customers(make_user, web_session, catalog):
    catalog.customer("Listed")
    page = web_session(make_user("ROLE_TEAMLEAD")).get("/customers")
    assert page.status_code == 200
    assert "Listed" in page.text
    assert 'href="/customers/create"' not in page.text


def test_an_unknown_record_is_a_404_page(admin, web_session):
    response = web_session(admin).get("/customers/999999/edit")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


# --- customers --------------------------------------------------------------------------------------


def test_an_admin_creates_a_customer(admin, backend, web_session):
    response = web_session(admin).post_form("/customers/create", CUSTOMER_FORM)
    assert response.status_code == 303
    customer = _stored(backend, Customer, name="Acme Corp")
    assert response.headers["location"] == f"/customers/{customer.id}/edit?saved=catalog_created"
    assert customer.company == "Acme Corporation"
    assert customer.visible is True


def test_a_customer_without_a_name_shows_the_message_at_the_field(admin, backend, web_session):
    response = web_session(admin).post_form(
        "/customers/create", {**CUSTOMER_FORM, "name": "", "country": "XX"}
    )
    assert response.status_code == 422
    assert 'id="entity-name-errors"' in response.text
    assert 'id="entity-country-errors"' in response.text
    assert 'value="Acme Corporation"' in response.text
    assert _stored(backend, Customer, company="Acme Corporation") is None


def test_an_unchecked_box_turns_the_flag_off(admin, backend, web_session, catalog):
    customer = catalog.customer("Shown")
    form = {**CUSTOMER_FORM, "name": "Shown"}
    del form["visible"]
    response = web_session(admin).post_form(f"/customers/{customer.id}/edit", form)
    assert response.status_code == 303
    assert _stored(backend, Customer, id=customer.id).visible is False


def test_the_customer_list_searches_and_filters_visibility(admin, web_session, catalog):
    catalog.customer("Alpha Ltd")
    catalog.customer("Beta Ltd")
    catalog.customer("Gamma Hidden", visible=False)
    session = web_session(admin)
    page = session.get("/customers?term=alpha").text
    assert "Alpha Ltd" in page and "Beta Ltd" not in page
    assert "Gamma Hidden" not in session.get("/customers").text
    assert "Gamma Hidden" in session.get("/customers?visible=2").text


def test_a_customer_is_created_with_a_team(admin, backend, web_session, catalog):
    team = catalog.team("Design")
    response = web_session(admin).post_form("/customers/create", {**CUSTOMER_FORM, "teams": [str(team.id)]})
    assert response.status_code == 303
    page = web_session(admin).get(response.headers["location"]).text
    assert '<span class="tag">Design</span>' in page


def test_budget_progress_is_shown_on_the_edit_page(admin, web_session, catalog, timesheets):
    work = catalog.work()
    catalog.update(work.customer, budget=1000, time_budget=36000)
    timesheets.create(admin, work, utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1), rate="250")
    page = web_session(admin).get(f"/customers/{work.customer.id}/edit").text
    assert '<progress id="budget-money" max="100" value="25"' in page
    assert '<progress id="budget-time" max="100" value="20"' in page


def test_rates_are_added_and_deleted(admin, web_session, catalog):
    customer = catalog.customer("Rated")
    session = web_session(admin)
    response = session.post_form(f"/customers/{customer.id}/rates", {"rate": "85.50", "internalRate": ""})
    assert response.status_code == 303
    page = session.get(f"/customers/{customer.id}/edit").text
    assert "85.50" in page
    rate_id = page.split("/rates/")[1].split("/delete")[0]
    assert session.post_form(f"/customers/{customer.id}/rates/{rate_id}/delete").status_code == 303
    assert "85.50" not in session.get(f"/customers/{customer.id}/edit").text


def test_a_bad_rate_shows_its_message(admin, web_session, catalog):
    customer = catalog.customer("Rated")
    response = web_session(admin).post_form(f"/customers/{customer.id}/rates", {"rate": "lots"})
    assert response.status_code == 422
    assert 'id="rate-rate-errors"' in response.text


def test_a_rate_for_one_user_is_added(admin, make_user, web_session, catalog):
    customer = catalog.customer("Per user")
    worker = make_user(username="wanda_worker", alias="Wanda Worker")
    gone = make_user(username="gary_gone", enabled=False)
    session = web_session(admin)
    page = session.get(f"/customers/{customer.id}/edit").text
    assert f'<option value="{worker.id}">Wanda Worker</option>' in page
    assert f'value="{gone.id}"' not in page
    response = session.post_form(f"/customers/{customer.id}/rates", {"rate": "70", "user": str(worker.id)})
    assert response.status_code == 303
    page = session.get(f"/customers/{customer.id}/edit").text
    assert "<td>Wanda Worker</td>" in page
    # A user the form does not offer is refused at the field; a second rate for the same user too.
    for user in (gone, worker):
        response = session.post_form(f"/customers/{customer.id}/rates", {"rate": "80", "user": str(user.id)})
        assert response.status_code == 422
        assert 'id="rate-user-errors"' in response.text


def test_comments_are_added_and_deleted(admin, web_session, catalog):
    customer = catalog.customer("Talked about")
    session = web_session(admin)
    assert (
        session.post_form(f"/customers/{customer.id}/comments", {"message": "Call back"}).status_code == 303
    )
    page = session.get(f"/customers/{customer.id}/edit").text
    assert "Call back" in page
    comment_id = page.split("/comments/")[1].split("/delete")[0]
    assert session.post_form(f"/customers/{customer.id}/comments/{comment_id}/delete").status_code == 303
    assert "Call back" not in session.get(f"/customers/{customer.id}/edit").text


def test_custom_fields_are_saved(admin, backend, web_session, catalog):
    from horae.meta.models import MetaFieldDefinition

    with backend.db.session() as db:
        db.add(MetaFieldDefinition(entity_type="customer", name="region", label="Region", visible=True))
    session = web_session(admin)
    page = session.get("/customers/create").text
    assert 'name="meta.region"' in page
    response = session.post_form("/customers/create", {**CUSTOMER_FORM, "meta.region": "North"})
    assert response.status_code == 303
    assert 'value="North"' in session.get(response.headers["location"]).text


# --- projects and activities ------------------------------------------------------------------------


def test_an_admin_creates_a_project_and_an_activity(admin, backend, web_session, catalog):
    customer = catalog.customer("Owner")
    session = web_session(admin)
    response = session.post_form(
        "/projects/create",
        {"name": "Relaunch", "customer": str(customer.id), "start": "2026-01-01", "end": "", "visible": "1"},
    )
    assert response.status_code == 303, response.text
    project = _stored(backend, Project, name="Relaunch")
    assert project.customer_id == customer.id
    assert project.billable is False
    response = session.post_form(
        "/activities/create", {"name": "Design", "project": str(project.id), "visible": "1", "billable": "1"}
    )
    assert response.status_code == 303
    assert _stored(backend, Activity, name="Design").project_id == project.id
    response = session.post_form("/activities/create", {"name": "Meetings", "project": "", "visible": "1"})
    assert response.status_code == 303
    assert _stored(backend, Activity, name="Meetings").project_id is None


def test_a_project_ending_before_it_starts_shows_the_message(admin, backend, web_session, catalog):
    customer = catalog.customer("Owner")
    response = web_session(admin).post_form(
        "/projects/create",
        {"name": "Backwards", "customer": str(customer.id), "start": "2026-02-01", "end": "2026-01-01"},
    )
    assert response.status_code == 422
    assert "End date must not be earlier then start date." in response.text
    assert _stored(backend, Project, name="Backwards") is None


def test_a_global_activity_is_edited(admin, backend, web_session, catalog):
    activity = catalog.activity(name="Support")
    response = web_session(admin).post_form(
        f"/activities/{activity.id}/edit", {"name": "Support desk", "visible": "1", "billable": "1"}
    )
    assert response.status_code == 303
    assert _stored(backend, Activity, id=activity.id).name == "Support desk"


@pytest.mark.parametrize("path", ["/customers", "/projects", "/activities"])
def test_the_lists_need_a_fixed_number_of_queries(admin, backend, web_session, catalog, path):
    session = web_session(admin)
    catalog.work()
    counter = backend.count_queries()
    assert session.get(path).status_code == 200
    few = len(counter)
    for _ in range(6):
        catalog.work()
    counter = backend.count_queries()
    assert session.get(path).status_code == 200
    assert len(counter) == few, counter.statements
    assert len(counter) <= 18, counter.statements


@pytest.mark.parametrize("kind", ["customers", "projects", "activities"])
def test_the_edit_pages_need_few_queries(admin, backend, web_session, catalog, kind):
    work = catalog.work()
    entity = {"customers": work.customer, "projects": work.project, "activities": work.activity}[kind]
    session = web_session(admin)
    counter = backend.count_queries()
    assert session.get(f"/{kind}/{entity.id}/edit").status_code == 200
    # The record is read again by the rates and comments services, each checking its permission.
    assert len(counter) <= 30, counter.statements
