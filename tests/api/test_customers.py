"""/api/customers: the list and its filters, CRUD with Kimai's validation, budgets per role,
the removed team endpoint and cascading deletes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from horae.activities.models import Activity
from horae.comments.models import CustomerComment
from horae.customers.models import Customer
from horae.meta.models import CustomerMeta
from horae.projects.models import Project
from horae.rates.models import CustomerRate
from horae.settings import get_settings
from horae.teams.models import team_customers
from horae.timesheets.models import Timesheet

EMBEDDED_KEYS = [
    "id",
    "name",
    "number",
    "comment",
    "visible",
    "billable",
    "company",
    "country",
    "language",
    "currency",
    "phone",
    "fax",
    "mobile",
    "homepage",
    "timezone",
    "color",
    "color-safe",
    "metaFields",
]
DETAIL_KEYS = ["vatId", "addressLine1", "addressLine2", "addressLine3", "postCode", "city"]
ENTITY_EXTRA_KEYS = [
    "contact",
    "email",
    "vatId",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "city",
    "postCode",
    "invoiceEmail",
    "buyerReference",
    "address",
]
BUDGET_KEYS = ["budget", "timeBudget", "budgetType"]
CUSTOMER_FORM_FIELDS = [
    "name",
    "number",
    "comment",
    "company",
    "vatId",
    "contact",
    "addressLine1",
    "addressLine2",
    "addressLine3",
    "postCode",
    "city",
    "country",
    "currency",
    "language",
    "timezone",
    "phone",
    "fax",
    "mobile",
    "email",
    "homepage",
    "invoiceEmail",
    "buyerReference",
    "invoiceTemplate",
    "invoiceText",
    "color",
    "visible",
    "billable",
    "budget",
    "timeBudget",
    "budgetType",
    "metaFields",
    "teams",
]


def field_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == 400
    assert body["message"] == "Validation Failed"
    return {name: child["errors"] for name, child in body["errors"]["children"].items() if child}


def global_errors(response) -> list[str]:
    return response.json()["errors"].get("errors", [])


# --- list -----------------------------------------------------------------------------------


def test_list_entry_has_exactly_the_collection_keys_with_budgets_for_an_admin(
    make_user, make_customer, make_team
):
    admin = make_user("ROLE_ADMIN")
    customer = make_customer(
        "Acme",
        number="C-1",
        comment="Big one",
        company="Acme Ltd",
        phone="123",
        fax="456",
        mobile="789",
        homepage="https://acme.example",
        budget=Decimal("1500.50"),
        time_budget=7200,
        budget_type="month",
        vat_id="DE1",
    )
    team = make_team("Alpha", color="#ff0000", customers=[customer])
    with admin.client() as client:
        response = client.get("/api/customers")
    assert response.status_code == 200
    assert response.headers.get("x-total-count") is None
    assert response.json() == [
        {
            "id": customer.id,
            "name": "Acme",
            "number": "C-1",
            "comment": "Big one",
            "visible": True,
            "billable": True,
            "company": "Acme Ltd",
            "country": "DE",
            "language": "en",
            "currency": "EUR",
            "phone": "123",
            "fax": "456",
            "mobile": "789",
            "homepage": "https://acme.example",
            "timezone": "Europe/Berlin",
            "color": None,
            "color-safe": "#041fd1",
            "metaFields": [],
            "teams": [{"id": team.id, "name": "Alpha", "color": "#ff0000", "color-safe": "#ff0000"}],
            "budget": 1500.5,
            "timeBudget": 7200,
            "budgetType": "month",
        }
    ]


def test_list_hides_budget_keys_from_a_plain_user(make_user, make_customer):
    make_customer("Open")
    user = make_user()
    with user.client() as client:
        body = client.get("/api/customers").json()
    assert list(body[0]) == [*EMBEDDED_KEYS, "teams"]


def test_list_with_full_adds_the_address_details_for_details_customer(make_user, make_customer):
    make_customer("Acme", vat_id="DE1", address_line1="Street 1", post_code="12345", city="Town")
    admin = make_user("ROLE_ADMIN")
    with admin.client() as client:
        body = client.get("/api/customers", params={"full": "1"}).json()
    assert list(body[0]) == [*EMBEDDED_KEYS, "teams", *BUDGET_KEYS, *DETAIL_KEYS]
    assert {k: body[0][k] for k in DETAIL_KEYS} == {
        "vatId": "DE1",
        "addressLine1": "Street 1",
        "addressLine2": None,
        "addressLine3": None,
        "postCode": "12345",
        "city": "Town",
    }


def test_list_with_full_is_ignored_without_details_customer(make_user, make_customer):
    make_customer("Acme", vat_id="DE1")
    user = make_user()
    with user.client() as client:
        body = client.get("/api/customers", params={"full": "1"}).json()
    assert "vatId" not in body[0]


def test_list_refuses_an_unknown_full_value(make_user):
    with make_user().client() as client:
        response = client.get("/api/customers", params={"full": "yes"})
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_list_shows_customers_without_teams_and_those_of_the_callers_teams(
    make_user, make_customer, make_team
):
    user = make_user()
    open_customer = make_customer("Open")
    mine = make_customer("Mine")
    foreign = make_customer("Foreign")
    make_team(members=[user], customers=[mine])
    make_team(customers=[foreign])
    with user.client() as client:
        names = [c["name"] for c in client.get("/api/customers").json()]
    assert names == ["Mine", "Open"]
    assert open_customer.id


def test_list_shows_every_customer_to_view_all_data(make_user, make_customer, make_team):
    make_team(customers=[make_customer("Foreign")])
    make_customer("Open")
    with make_user("ROLE_ADMIN").client() as client:
        names = [c["name"] for c in client.get("/api/customers").json()]
    assert names == ["Foreign", "Open"]


@pytest.mark.parametrize(
    ("visible", "expected"),
    [(None, ["Shown"]), ("1", ["Shown"]), ("2", ["Hidden"]), ("3", ["Hidden", "Shown"])],
)
def test_list_filters_by_visibility(make_user, make_customer, visible, expected):
    make_customer("Shown")
    make_customer("Hidden", visible=False)
    params = {"visible": visible} if visible else {}
    with make_user().client() as client:
        names = [c["name"] for c in client.get("/api/customers", params=params).json()]
    assert names == expected


@pytest.mark.parametrize(
    "params",
    [{"visible": "4"}, {"visible": "x"}, {"order": "asc"}, {"order": "UP"}, {"orderBy": "number"}],
)
def test_list_refuses_malformed_parameters(make_user, params):
    with make_user().client() as client:
        response = client.get("/api/customers", params=params)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_list_orders_by_name_case_insensitively_and_by_id(make_user, make_customer):
    first = make_customer("beta")
    second = make_customer("Alpha")
    third = make_customer("gamma")
    with make_user().client() as client:
        by_name = [c["id"] for c in client.get("/api/customers").json()]
        by_name_desc = [c["id"] for c in client.get("/api/customers", params={"order": "DESC"}).json()]
        by_id_desc = [
            c["id"] for c in client.get("/api/customers", params={"orderBy": "id", "order": "DESC"}).json()
        ]
    assert by_name == [second.id, first.id, third.id]
    assert by_name_desc == [third.id, first.id, second.id]
    assert by_id_desc == [third.id, second.id, first.id]


def test_list_term_matches_every_word_in_any_searchable_column(make_user, make_customer):
    make_customer("Acme", company="Rocket Works")
    make_customer("Acme Two", contact="Jane Rocket")
    make_customer("Other", invoice_email="acme@example.com")
    make_customer("Plain")
    with make_user().client() as client:
        both = [c["name"] for c in client.get("/api/customers", params={"term": "ACME rocket"}).json()]
        one = [c["name"] for c in client.get("/api/customers", params={"term": "acme"}).json()]
    assert both == ["Acme", "Acme Two"]
    assert one == ["Acme", "Acme Two", "Other"]


def test_list_term_excludes_words_with_an_exclamation_mark(make_user, make_customer):
    make_customer("Acme", company="Rocket")
    make_customer("Acme Two")
    with make_user().client() as client:
        names = [c["name"] for c in client.get("/api/customers", params={"term": "acme !rocket"}).json()]
    assert names == ["Acme Two"]


def test_list_term_treats_like_wildcards_literally(make_user, make_customer):
    make_customer("100% Acme")
    make_customer("1000 Acme")
    with make_user().client() as client:
        names = [c["name"] for c in client.get("/api/customers", params={"term": "0%"}).json()]
    assert names == ["100% Acme"]


def test_list_term_searches_custom_fields(make_user, make_customer, set_meta):
    gold = make_customer("Gold")
    silver = make_customer("Silver")
    empty = make_customer("Empty")
    make_customer("Without")
    set_meta(gold, "tier", "Premium Gold")
    set_meta(silver, "tier", "premium silver")
    set_meta(empty, "tier", "")

    def search(term: str) -> list[str]:
        with make_user().client() as client:
            return [c["name"] for c in client.get("/api/customers", params={"term": term}).json()]

    assert search("tier:gold") == ["Gold"]
    assert search("TIER:premium") == ["Gold", "Silver"]
    assert search("tier:!gold") == ["Empty", "Silver", "Without"]
    assert search("tier:*") == ["Gold", "Silver"]
    assert search("tier:~") == ["Without"]
    assert search('tier:""') == ["Empty", "Without"]
    assert search("tier:premium si") == ["Silver"]


def test_list_uses_the_same_number_of_queries_for_3_and_30_customers(
    backend, count_request_queries, make_user, make_customer, make_team, set_meta
):
    admin = make_user("ROLE_ADMIN")
    team = make_team()

    def count_for(total: int) -> int:
        with backend.db.session() as session:
            session.execute(team_customers.delete())
            session.execute(Customer.__table__.delete())
        for index in range(total):
            customer = make_customer(f"Customer {index}")
            set_meta(customer, "tier", "gold")
            with backend.db.session() as session:
                session.execute(team_customers.insert().values(team_id=team.id, customer_id=customer.id))
        with admin.client() as client:
            count, response = count_request_queries(
                client, "/api/customers", params={"full": "1", "term": "customer"}
            )
        assert len(response.json()) == total
        return count

    assert count_for(3) == count_for(30)


# --- single ---------------------------------------------------------------------------------


def test_get_returns_the_entity_shape_key_by_key(make_user, make_customer, set_meta, define_field):
    define_field("customer", "reference")
    customer = make_customer(
        "Acme",
        contact="Jane",
        email="jane@acme.example",
        vat_id="DE1",
        address_line1="Street 1",
        address_line2="Floor 2",
        address_line3="Room 3",
        city="Town",
        post_code="12345",
        invoice_email="bills@acme.example",
        buyer_reference="BR-1",
        address="Old address",
        color="#c0c0c0",
        invoice_text="never shown",
    )
    set_meta(customer, "reference", "R-1")
    set_meta(customer, "secret", "hidden", visible=False)
    with make_user("ROLE_ADMIN").client() as client:
        body = client.get(f"/api/customers/{customer.id}").json()
    assert list(body) == [*EMBEDDED_KEYS, "teams", *BUDGET_KEYS, *ENTITY_EXTRA_KEYS]
    assert {k: body[k] for k in ENTITY_EXTRA_KEYS} == {
        "contact": "Jane",
        "email": "jane@acme.example",
        "vatId": "DE1",
        "addressLine1": "Street 1",
        "addressLine2": "Floor 2",
        "addressLine3": "Room 3",
        "city": "Town",
        "postCode": "12345",
        "invoiceEmail": "bills@acme.example",
        "buyerReference": "BR-1",
        "address": "Old address",
    }
    assert body["color"] == "#c0c0c0"
    assert body["color-safe"] == "#c0c0c0"
    assert body["metaFields"] == [{"name": "reference", "value": "R-1"}]
    assert body["budget"] == 0.0
    assert body["timeBudget"] == 0
    assert body["budgetType"] is None


def test_get_outputs_the_default_grey_as_no_colour(make_user, make_customer):
    customer = make_customer("Test", color="#d2d6de")
    with make_user("ROLE_ADMIN").client() as client:
        body = client.get(f"/api/customers/{customer.id}").json()
    assert body["color"] is None
    assert body["color-safe"] == "#5319e7"


def test_get_unknown_customer_is_404_even_for_a_plain_user(make_user):
    with make_user().client() as client:
        response = client.get("/api/customers/999")
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": "Not Found"}


def test_get_non_numeric_id_is_404(make_user):
    with make_user().client() as client:
        assert client.get("/api/customers/abc").status_code == 404


def test_get_customer_without_teams_is_forbidden_for_a_plain_user(make_user, make_customer):
    customer = make_customer()
    with make_user().client() as client:
        response = client.get(f"/api/customers/{customer.id}")
    assert response.status_code == 403
    assert response.json() == {"code": 403, "message": "Forbidden"}


def test_get_is_allowed_to_the_teamlead_of_one_of_its_teams(make_user, make_customer, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    customer = make_customer()
    make_team(leads=[lead], customers=[customer])
    with lead.client() as client:
        body = client.get(f"/api/customers/{customer.id}").json()
    assert body["id"] == customer.id
    assert list(body) == [*EMBEDDED_KEYS, "teams", *BUDGET_KEYS, *ENTITY_EXTRA_KEYS]


def test_get_is_forbidden_to_a_teamlead_who_is_only_a_member(make_user, make_customer, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    customer = make_customer()
    make_team(members=[lead], customers=[customer])
    with lead.client() as client:
        assert client.get(f"/api/customers/{customer.id}").status_code == 403


def test_anonymous_requests_are_401(http, make_customer):
    customer = make_customer()
    assert http.get("/api/customers").status_code == 401
    assert http.get(f"/api/customers/{customer.id}").status_code == 401


# --- budgets per role -----------------------------------------------------------------------


def test_budget_keys_follow_the_callers_grants_per_record(make_user, make_customer, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    led = make_customer("Led")
    other = make_customer("Other")
    make_team(leads=[lead], customers=[led])
    with lead.client() as client:
        body = {c["name"]: c for c in client.get("/api/customers").json()}
    assert {"budget", "timeBudget", "budgetType"} <= set(body["Led"])
    assert not {"budget", "timeBudget", "budgetType"} & set(body["Other"])
    assert other.id


def test_a_member_user_sees_no_customer_budget(make_user, make_customer, make_team):
    user = make_user()
    customer = make_customer()
    make_team(members=[user], customers=[customer])
    with user.client() as client:
        body = client.get("/api/customers").json()
    assert not {"budget", "timeBudget", "budgetType"} & set(body[0])


# --- create ---------------------------------------------------------------------------------


def test_create_is_forbidden_without_create_customer(make_user):
    for role in (None, "ROLE_TEAMLEAD"):
        with make_user(role).client() as client:
            response = client.post("/api/customers", json={"name": "New"})
        assert response.status_code == 403
        assert response.json() == {"code": 403, "message": "Forbidden"}


def test_create_applies_kimais_defaults(make_user, configure):
    configure("defaults.customer.timezone", "Europe/Vienna")
    configure("defaults.customer.country", "AT")
    configure("defaults.customer.currency", "CHF")
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/customers", json={"name": "New customer"})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [*EMBEDDED_KEYS, "teams", *BUDGET_KEYS, *ENTITY_EXTRA_KEYS]
    assert body["number"] == "0001"
    assert body["country"] == "AT"
    assert body["currency"] == "CHF"
    assert body["language"] == "en"
    assert body["timezone"] == "Europe/Vienna"
    assert body["visible"] is True
    assert body["billable"] is True
    assert (body["budget"], body["timeBudget"], body["budgetType"]) == (0.0, 0, None)
    assert body["teams"] == []


def test_create_falls_back_to_the_server_timezone(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        body = client.post("/api/customers", json={"name": "New customer"}).json()
    assert body["timezone"] == get_settings().default_timezone


def test_create_numbers_count_the_customers_and_skip_taken_numbers(make_user, make_customer):
    make_customer("One")
    make_customer("Two", number="0003")
    with make_user("ROLE_ADMIN").client() as client:
        body = client.post("/api/customers", json={"name": "Three"}).json()
    assert body["number"] == "0004"


def test_create_number_follows_the_configured_format(make_user, configure):
    configure("customer.number_format", "K-{cc,2}")
    with make_user("ROLE_ADMIN").client() as client:
        body = client.post("/api/customers", json={"name": "Three"}).json()
    assert body["number"] == "K-01"


def test_create_stores_every_field(make_user, make_team):
    team = make_team("Sales")
    body = {
        "name": "Full customer",
        "number": "X-1",
        "comment": "Notes",
        "company": "Full Ltd",
        "vat_id": "DE999",
        "contact": "John",
        "addressLine1": "Line 1",
        "addressLine2": "Line 2",
        "addressLine3": "Line 3",
        "postCode": "999",
        "city": "Village",
        "country": "fr",
        "currency": "usd",
        "language": "de_CH",
        "timezone": "America/New_York",
        "phone": "1",
        "fax": "2",
        "mobile": "3",
        "email": "john@full.example",
        "homepage": "full.example",
        "invoiceEmail": "bills@full.example",
        "buyerReference": "B-9",
        "invoiceText": "Thanks",
        "color": "#ffa500",
        "visible": False,
        "billable": None,
        "budget": "99.5",
        "timeBudget": "1:30",
        "budgetType": "month",
        "teams": [team.id],
    }
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/customers", json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["vatId"] == "DE999"
    assert result["country"] == "FR"
    assert result["currency"] == "USD"
    assert result["language"] == "de_CH"
    assert result["homepage"] == "https://full.example"
    assert result["visible"] is False
    assert result["billable"] is True
    assert (result["budget"], result["timeBudget"], result["budgetType"]) == (99.5, 5400, "month")
    assert result["teams"] == [
        {"id": team.id, "name": "Sales", "color": None, "color-safe": result["teams"][0]["color-safe"]}
    ]
    assert result["color"] == "#ffa500"
    assert result["address"] is None


def test_create_accepts_an_urlencoded_body(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/customers", data={"name": "Form customer", "visible": "0"})
    assert response.status_code == 200
    assert response.json()["visible"] is True


def test_create_validation_lists_every_field_and_the_failing_ones(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post(
            "/api/customers",
            json={
                "name": "X",
                "country": "XY",
                "currency": "---",
                "timezone": "foo/bar",
                "unexpected": "field",
            },
        )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"]["errors"] == ["This form should not contain extra fields."]
    assert list(body["errors"]["children"]) == CUSTOMER_FORM_FIELDS
    assert field_errors(response) == {
        "name": ["This value is too short. It should have 2 characters or more."],
        "country": ["This value is not a valid country."],
        "currency": ["This value is not a valid currency."],
        "timezone": ["This value is not a valid timezone."],
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "name", "This value should not be blank."),
        ({"name": ""}, "name", "This value should not be blank."),
        ({"name": "x" * 151}, "name", "This value is too long. It should have 150 characters or less."),
        ({"name": "A <b>"}, "name", 'These characters are not allowed: < > " ='),
        ({"name": "A=B"}, "name", 'These characters are not allowed: < > " ='),
        ({"number": "1" * 51}, "number", "This value is too long. It should have 50 characters or less."),
        ({"number": 'N"1'}, "number", 'These characters are not allowed: < > " ='),
        ({"company": "c" * 101}, "company", "This value is too long. It should have 100 characters or less."),
        ({"postCode": "1" * 21}, "postCode", "This value is too long. It should have 20 characters or less."),
        ({"city": "c" * 51}, "city", "This value is too long. It should have 50 characters or less."),
        ({"phone": "1" * 31}, "phone", "This value is too long. It should have 30 characters or less."),
        ({"email": "not-mail"}, "email", "This value is not a valid email address."),
        ({"invoiceEmail": "a@"}, "invoiceEmail", "This value is not a valid email address."),
        ({"homepage": "https://exa mple"}, "homepage", "This value is not a valid URL."),
        ({"language": "xx"}, "language", "The selected choice is invalid."),
        ({"country": ""}, "country", "This value should not be blank."),
        ({"timezone": "Mars/Base"}, "timezone", "This value is not a valid timezone."),
        ({"color": "#123456"}, "color", "The selected choice is invalid."),
        ({"color": "red"}, "color", "The selected choice is invalid."),
        ({"budget": "-1"}, "budget", "This value should be greater than or equal to 0."),
        ({"budget": "900000000001"}, "budget", "This value should be between 0 and 900000000000."),
        ({"budget": "abc"}, "budget", "Please enter a valid money amount."),
        ({"timeBudget": "abc"}, "timeBudget", "This value is not valid."),
        ({"timeBudget": "600000"}, "timeBudget", "This value should be between 0 and 2145600000."),
        ({"budgetType": "year"}, "budgetType", "The selected choice is invalid."),
        ({"teams": [999]}, "teams", "The selected choice is invalid."),
        ({"invoiceTemplate": 1}, "invoiceTemplate", "The selected choice is invalid."),
    ],
)
def test_create_field_validation(make_user, body, field, message):
    # Every case but the name cases sends a valid name.
    payload = body if "name" in body or not body else {"name": "Valid name", **body}
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/customers", json=payload)
    assert field_errors(response) == {field: [message]}


def test_create_refuses_a_number_in_use(make_user, make_customer):
    make_customer(number="A-1")
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/customers", json={"name": "Copy", "number": "A-1"})
    assert field_errors(response) == {"number": ["The number A-1 is already used."]}


def test_create_allows_a_repeated_number_when_configured(make_user, make_customer, configure):
    configure("customer.rules.allow_duplicate_number", "1")
    make_customer(number="A-1")
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/customers", json={"name": "Copy", "number": "A-1"})
    assert response.status_code == 200
    assert response.json()["number"] == "A-1"


def test_create_refuses_both_spellings_of_one_key(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/customers", json={"name": "Dup", "vatId": "1", "vat_id": "2"})
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Bad Request"}


def test_create_refuses_the_legacy_address(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        response = client.post("/api/customers", json={"name": "Addr", "address": "Somewhere"})
    assert global_errors(response) == ["This form should not contain extra fields."]


def test_create_refuses_budgets_without_the_permission(make_user, grant):
    grant("ROLE_TEAMLEAD", "create_customer")
    lead = make_user("ROLE_TEAMLEAD")
    with lead.client() as client:
        refused = client.post("/api/customers", json={"name": "Budget", "budget": 10})
        accepted = client.post("/api/customers", json={"name": "No budget"})
    assert refused.status_code == 400
    assert global_errors(refused) == ["This form should not contain extra fields."]
    assert "budget" not in refused.json()["errors"]["children"]
    assert accepted.status_code == 200


def test_create_lets_non_admins_choose_only_teams_they_lead(make_user, make_team, grant):
    grant("ROLE_TEAMLEAD", "create_customer")
    lead = make_user("ROLE_TEAMLEAD")
    led = make_team("Led", leads=[lead])
    member_of = make_team("Member", members=[lead])
    with lead.client() as client:
        refused = client.post("/api/customers", json={"name": "Teams", "teams": [led.id, member_of.id]})
        accepted = client.post("/api/customers", json={"name": "Teams", "teams": [led.id]})
    assert field_errors(refused) == {"teams": ["The selected choice is invalid."]}
    assert accepted.status_code == 200
    body = accepted.json()
    assert [t["id"] for t in body["teams"]] == [led.id]
    # now a teamlead of one of its teams: the teamlead budget permissions apply
    assert {"budget", "timeBudget", "budgetType"} <= set(body)


# --- update ---------------------------------------------------------------------------------


def test_update_changes_only_the_submitted_fields(make_user, make_customer):
    customer = make_customer("Before", company="Kept", visible=True)
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/customers/{customer.id}", json={"name": "After", "visible": False})
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["company"], body["visible"]) == ("After", "Kept", False)


def test_update_empty_text_clears_the_field(make_user, make_customer):
    customer = make_customer(company="Gone", comment="Gone too")
    with make_user("ROLE_ADMIN").client() as client:
        body = client.patch(f"/api/customers/{customer.id}", json={"company": "", "comment": None}).json()
    assert (body["company"], body["comment"]) == (None, None)


def test_update_unknown_customer_is_404_before_the_permission(make_user):
    with make_user().client() as client:
        assert client.patch("/api/customers/999", json={}).status_code == 404


def test_update_is_forbidden_without_edit(make_user, make_customer, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    customer = make_customer()
    make_team(leads=[lead], customers=[customer])
    with lead.client() as client:
        response = client.patch(f"/api/customers/{customer.id}", json={"name": "Mine now"})
    assert response.status_code == 403


def test_update_refuses_teams(make_user, make_customer, make_team):
    customer = make_customer()
    team = make_team()
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/customers/{customer.id}", json={"teams": [team.id]})
    assert global_errors(response) == ["This form should not contain extra fields."]
    assert "teams" not in response.json()["errors"]["children"]


def test_update_accepts_the_legacy_address_only_when_one_exists(make_user, make_customer):
    old = make_customer(address="Old street")
    new = make_customer()
    with make_user("ROLE_ADMIN").client() as client:
        accepted = client.patch(f"/api/customers/{old.id}", json={"address": "New street"})
        refused = client.patch(f"/api/customers/{new.id}", json={"address": "New street"})
    assert accepted.json()["address"] == "New street"
    assert global_errors(refused) == ["This form should not contain extra fields."]


def test_update_keeps_a_current_colour_that_is_no_longer_offered(make_user, make_customer):
    customer = make_customer(color="#123456")
    with make_user("ROLE_ADMIN").client() as client:
        kept = client.patch(f"/api/customers/{customer.id}", json={"color": "#123456"})
        refused = client.patch(f"/api/customers/{customer.id}", json={"color": "#654321"})
        cleared = client.patch(f"/api/customers/{customer.id}", json={"color": ""})
    assert kept.json()["color"] == "#123456"
    assert field_errors(refused) == {"color": ["The selected choice is invalid."]}
    assert cleared.json()["color"] is None


def test_update_may_keep_its_own_number(make_user, make_customer):
    customer = make_customer(number="N-1")
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/customers/{customer.id}", json={"number": "N-1", "name": "Renamed"})
    assert response.status_code == 200


def test_update_failure_changes_nothing(backend, make_user, make_customer):
    customer = make_customer("Before")
    with make_user("ROLE_ADMIN").client() as client:
        response = client.patch(f"/api/customers/{customer.id}", json={"name": "After", "country": "XX"})
    assert response.status_code == 400
    with backend.db.session(write=False) as session:
        assert session.get(Customer, customer.id).name == "Before"


def test_update_booleans_follow_the_one_rule(make_user, make_customer):
    customer = make_customer(visible=True, billable=True)
    with make_user("ROLE_ADMIN").client() as client:
        off = client.patch(f"/api/customers/{customer.id}", json={"visible": False, "billable": False}).json()
        on = client.patch(f"/api/customers/{customer.id}", json={"visible": None, "billable": 0}).json()
        kept = client.patch(f"/api/customers/{customer.id}", json={"name": "Same flags"}).json()
    assert (off["visible"], off["billable"]) == (False, False)
    assert (on["visible"], on["billable"]) == (True, True)
    assert (kept["visible"], kept["billable"]) == (True, True)


# --- delete ---------------------------------------------------------------------------------


def test_delete_is_forbidden_without_delete_customer(make_user, make_customer, make_team):
    lead = make_user("ROLE_TEAMLEAD")
    customer = make_customer()
    make_team(leads=[lead], customers=[customer])
    with lead.client() as client:
        assert client.delete(f"/api/customers/{customer.id}").status_code == 403


def test_delete_unknown_customer_is_404(make_user):
    with make_user("ROLE_ADMIN").client() as client:
        assert client.delete("/api/customers/999").status_code == 404


def test_delete_removes_the_customer_and_everything_below_it(
    backend,
    make_user,
    make_customer,
    make_project,
    make_activity,
    make_team,
    make_rate,
    make_comment,
    set_meta,
):
    admin = make_user("ROLE_ADMIN")
    customer = make_customer()
    kept = make_customer("Kept")
    project = make_project(customer)
    activity = make_activity(project)
    make_team(customers=[customer])
    make_rate(customer)
    make_comment(customer, admin)
    set_meta(customer, "tier", "gold")
    with backend.db.session() as session:
        session.add(
            Timesheet(
                user_id=admin.id,
                project_id=project.id,
                activity_id=activity.id,
                begin=datetime(2024, 1, 1, 8, tzinfo=UTC),
                end=datetime(2024, 1, 1, 9, tzinfo=UTC),
                duration=3600,
                timezone="UTC",
                date=date(2024, 1, 1),
            )
        )
    with admin.client() as client:
        response = client.delete(f"/api/customers/{customer.id}")
    assert response.status_code == 204
    assert response.content == b""
    with backend.db.session(write=False) as session:
        for model in (Customer, Project, Activity, Timesheet, CustomerRate, CustomerComment, CustomerMeta):
            assert session.scalar(select(func.count()).select_from(model)) == (1 if model is Customer else 0)
        assert session.scalar(select(func.count()).select_from(team_customers)) == 0
        assert session.get(Customer, kept.id) is not None


# --- removed endpoint -----------------------------------------------------------------------


def test_the_team_endpoint_is_gone_without_any_check(make_user):
    with make_user().client() as client:
        response = client.post("/api/customers/999/team")
    assert response.status_code == 410
    assert response.json() == {
        "code": 410,
        "message": 'This endpoint was removed, use "POST /api/teams/" instead.',
    }
