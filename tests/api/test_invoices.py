"""/api/invoices (contract §9) and DELETE /api/export/{id} (§10): the archive list with its
filters and pages, one invoice, custom fields, the file, deletes, and who may do each."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from horae.exports.models import ExportTemplate
from horae.invoices.models import Invoice, InvoiceDocument, InvoiceFile, InvoiceTemplate
from horae.meta.models import InvoiceMeta

INVOICE_KEYS = {
    "id",
    "invoiceNumber",
    "comment",
    "customer",
    "user",
    "createdAt",
    "total",
    "tax",
    "currency",
    "dueDays",
    "vat",
    "status",
    "invoiceFilename",
    "paymentDate",
    "overdue",
    "metaFields",
}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def lead(make_user):
    return make_user("ROLE_TEAMLEAD", timezone="Europe/Berlin")


@pytest.fixture
def admin(make_user):
    return make_user("ROLE_ADMIN", timezone="Europe/Berlin")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()]


# --- the list ---------------------------------------------------------------------------------


def test_the_list_needs_authentication(http):
    assert http.get("/api/invoices").status_code == 401


def test_the_list_needs_view_invoice(make_user, lead):
    with make_user().client() as client:
        assert client.get("/api/invoices").status_code == 403
    with lead.client() as client:
        response = client.get("/api/invoices")
    assert response.status_code == 200
    assert response.json() == []
    assert {k: response.headers[k] for k in ("X-Page", "X-Total-Count", "X-Total-Pages", "X-Per-Page")} == {
        "X-Page": "1",
        "X-Total-Count": "0",
        "X-Total-Pages": "1",
        "X-Per-Page": "50",
    }


def test_an_invoice_has_kimais_sixteen_keys(lead, catalog, invoices, make_user):
    customer = catalog.customer("Acme")
    author = make_user("ROLE_ADMIN", timezone="America/New_York")
    invoices.field("po_number")
    invoice = invoices.create(
        customer,
        author,
        at("2024-03-01T14:05:00+00:00"),
        timezone="Asia/Tokyo",
        status="paid",
        total=238.5,
        tax=38.08,
        vat=19.0,
        due_days=14,
        payment_date=date(2024, 3, 10),
        comment="March",
        meta={"po_number": ("PO-7", True), "internal": ("secret", False)},
    )
    with lead.client() as client:
        listed = client.get("/api/invoices").json()
        single = client.get(f"/api/invoices/{invoice.id}").json()
    assert listed == [single]
    assert set(single) == INVOICE_KEYS
    assert single["invoiceNumber"] == invoice.invoice_number
    assert single["invoiceFilename"] == invoice.invoice_filename
    assert single["comment"] == "March"
    # The creation in the invoice's own zone, the payment day at midnight in the caller's.
    assert single["createdAt"] == "2024-03-01T23:05:00+0900"
    assert single["paymentDate"] == "2024-03-10T00:00:00+0100"
    assert (single["total"], single["tax"], single["vat"]) == (238.5, 38.08, 19.0)
    assert isinstance(single["vat"], float)
    assert (single["currency"], single["dueDays"], single["status"]) == ("EUR", 14, "paid")
    assert single["overdue"] is True  # due on 2024-03-15, whatever its status
    assert single["metaFields"] == [{"name": "po_number", "value": "PO-7"}]
    assert single["customer"]["id"] == customer.id and len(single["customer"]) == 18
    assert single["user"]["id"] == author.id and single["user"]["username"] == author.username
    assert len(single["user"]) == 16


def test_an_invoice_not_yet_due_is_not_overdue(lead, catalog, invoices):
    invoice = invoices.create(catalog.customer(), lead, datetime.now(UTC) - timedelta(days=2), due_days=30)
    with lead.client() as client:
        body = client.get(f"/api/invoices/{invoice.id}").json()
    assert body["overdue"] is False
    assert body["paymentDate"] is None


def test_newest_first_and_filtered_by_creation_time_in_the_callers_zone(lead, catalog, invoices):
    customer = catalog.customer()
    early = invoices.create(customer, lead, at("2024-05-01T08:00:00+02:00"))
    late = invoices.create(customer, lead, at("2024-05-03T08:00:00+02:00"))
    middle = invoices.create(customer, lead, at("2024-05-02T08:00:00+02:00"))
    with lead.client() as client:
        assert ids(client.get("/api/invoices")) == [late.id, middle.id, early.id]
        assert ids(client.get("/api/invoices", params={"begin": "2024-05-02T08:00:00"})) == [
            late.id,
            middle.id,
        ]
        assert ids(client.get("/api/invoices", params={"end": "2024-05-02T08:00:00"})) == [
            middle.id,
            early.id,
        ]
        both = {"begin": "2024-05-01T08:00:01", "end": "2024-05-03T07:59:59"}
        assert ids(client.get("/api/invoices", params=both)) == [middle.id]
        assert ids(client.get("/api/invoices", params={"begin": ""})) == [late.id, middle.id, early.id]
        for bad in ("2024-05-02", "yesterday", "2024-13-01T00:00:00"):
            response = client.get("/api/invoices", params={"begin": bad})
            assert response.status_code == 400, bad
            assert client.get("/api/invoices", params={"end": bad}).status_code == 400


def test_status_filter(lead, catalog, invoices):
    customer = catalog.customer()
    paid = invoices.create(customer, lead, at("2024-05-01T08:00:00+00:00"), status="paid")
    pending = invoices.create(customer, lead, at("2024-05-02T08:00:00+00:00"), status="pending")
    invoices.create(customer, lead, at("2024-05-03T08:00:00+00:00"), status="canceled")
    with lead.client() as client:
        assert ids(client.get("/api/invoices?status[]=paid")) == [paid.id]
        assert ids(client.get("/api/invoices?status[]=paid&status[]=pending")) == [pending.id, paid.id]
        assert ids(client.get("/api/invoices?status[]=new")) == []
        # PHP clients number the brackets; order and orderBy are not parameters of this list.
        assert ids(client.get("/api/invoices?status[0]=paid&order=ASC&orderBy=name")) == [paid.id]
        assert client.get("/api/invoices?status[]=overdue").status_code == 400


def test_customer_filter_ignores_unknown_ids_and_refuses_hidden_customers(lead, make_user, catalog, invoices):
    mine, other = catalog.customer(), catalog.customer()
    hidden = catalog.customer(teams=[catalog.team(members=[make_user()])])
    first = invoices.create(mine, lead, at("2024-05-01T08:00:00+00:00"))
    second = invoices.create(other, lead, at("2024-05-02T08:00:00+00:00"))
    invoices.create(hidden, lead, at("2024-05-03T08:00:00+00:00"))
    with lead.client() as client:
        # The team rule: the hidden customer's invoice is not listed at all.
        assert ids(client.get("/api/invoices")) == [second.id, first.id]
        assert ids(client.get(f"/api/invoices?customers[]={mine.id}")) == [first.id]
        assert ids(client.get(f"/api/invoices?customers[]={mine.id}&customers[]=99999")) == [first.id]
        assert ids(client.get("/api/invoices?customers[]=99999")) == [second.id, first.id]
        assert client.get(f"/api/invoices?customers[]={hidden.id}").status_code == 403
        assert client.get("/api/invoices?customers[]=abc").status_code == 400


def test_an_administrator_sees_every_customers_invoices(admin, make_user, catalog, invoices):
    hidden = catalog.customer(teams=[catalog.team(members=[make_user()])])
    invoice = invoices.create(hidden, admin, at("2024-05-03T08:00:00+00:00"))
    with admin.client() as client:
        assert ids(client.get(f"/api/invoices?customers[]={hidden.id}")) == [invoice.id]


def test_pages(lead, catalog, invoices):
    customer = catalog.customer()
    made = [invoices.create(customer, lead, at(f"2024-05-0{day}T08:00:00+00:00")) for day in range(1, 4)]
    newest_first = [invoice.id for invoice in reversed(made)]
    with lead.client() as client:
        second = client.get("/api/invoices", params={"page": "2", "size": "2"})
        assert ids(second) == newest_first[2:]
        assert (second.headers["X-Page"], second.headers["X-Total-Count"]) == ("2", "3")
        assert (second.headers["X-Total-Pages"], second.headers["X-Per-Page"]) == ("2", "2")
        assert client.get("/api/invoices", params={"page": "3", "size": "2"}).status_code == 404
        assert client.get("/api/invoices", params={"size": "0"}).headers["X-Per-Page"] == "50"
        assert client.get("/api/invoices", params={"size": "5000"}).headers["X-Per-Page"] == "500"
        assert client.get("/api/invoices", params={"page": "x"}).status_code == 400
        assert client.get("/api/invoices", params={"page": "", "size": ""}).headers["X-Per-Page"] == "50"


def test_the_list_costs_the_same_statements_for_one_invoice_or_many(
    lead, make_user, catalog, invoices, count_request_queries
):
    invoices.field("po_number")
    with lead.client() as client:
        first = invoices.create(
            catalog.customer(), lead, at("2024-05-01T08:00:00+00:00"), meta={"po_number": ("1", True)}
        )
        one, response = count_request_queries(client, "/api/invoices")
        assert ids(response) == [first.id]
        for day in range(2, 8):
            author = make_user()
            invoices.create(
                catalog.customer(),
                author,
                at(f"2024-05-0{day}T08:00:00+00:00"),
                meta={"po_number": ("2", True)},
            )
        many, response = count_request_queries(client, "/api/invoices")
        assert len(ids(response)) == 7
    assert many == one


# --- one invoice ------------------------------------------------------------------------------


def test_one_invoice_unknown_hidden_and_forbidden(make_user, lead, catalog, invoices):
    hidden = catalog.customer(teams=[catalog.team(members=[make_user()])])
    secret = invoices.create(hidden, lead, at("2024-05-03T08:00:00+00:00"))
    visible = invoices.create(catalog.customer(), lead, at("2024-05-03T09:00:00+00:00"))
    with make_user().client() as client:
        assert client.get("/api/invoices/99999").status_code == 404  # before any permission
        assert client.get(f"/api/invoices/{visible.id}").status_code == 403
    with lead.client() as client:
        assert client.get(f"/api/invoices/{secret.id}").status_code == 403
        assert client.get(f"/api/invoices/{visible.id}").status_code == 200
        assert client.get("/api/invoices/99999999999").status_code == 404
        assert client.get("/api/invoices/9223372036854775807").status_code == 404
        assert client.get("/api/invoices/abc").status_code == 404


# --- custom fields ------------------------------------------------------------------------------


def test_custom_fields_are_set_together_and_only_visible_ones_are_shown(lead, catalog, invoices):
    invoices.field("po_number")
    invoices.field("internal", visible=False)
    invoice = invoices.create(catalog.customer(), lead, at("2024-05-03T08:00:00+00:00"))
    body = [{"name": "po_number", "value": "PO-9"}, {"name": "internal", "value": 42}]
    with lead.client() as client:
        response = client.patch(f"/api/invoices/{invoice.id}/custom-fields", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["metaFields"] == [{"name": "po_number", "value": "PO-9"}]
    stored = invoices.stored(invoice.id)
    assert {m.name: (m.value, m.visible) for m in stored.meta} == {
        "po_number": ("PO-9", True),
        "internal": ("42", False),
    }


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "po_number", "value": "x"}, 400),
        (["po_number"], 400),
        ([{"name": "po_number"}], 400),
        ([{"value": "x"}], 400),
        ([{"name": "po_number", "value": "ok"}, {"name": "unknown", "value": "x"}], 404),
    ],
)
def test_custom_fields_refuse_malformed_bodies_and_unknown_names(lead, catalog, invoices, body, status):
    invoices.field("po_number")
    invoice = invoices.create(catalog.customer(), lead, at("2024-05-03T08:00:00+00:00"))
    with lead.client() as client:
        response = client.patch(f"/api/invoices/{invoice.id}/custom-fields", json=body)
    assert response.status_code == status, response.text
    assert invoices.stored(invoice.id).meta == []  # nothing half-written


def test_custom_fields_need_create_invoice(lead, catalog, invoices, grant):
    invoices.field("po_number")
    invoice = invoices.create(catalog.customer(), lead, at("2024-05-03T08:00:00+00:00"))
    grant("ROLE_TEAMLEAD", "create_invoice", allowed=False)
    with lead.client() as client:
        body = [{"name": "po_number", "value": "x"}]
        assert client.patch(f"/api/invoices/{invoice.id}/custom-fields", json=body).status_code == 403
        assert client.patch("/api/invoices/99999/custom-fields", json=body).status_code == 404


# --- the file ---------------------------------------------------------------------------------


def test_download_answers_the_file_as_an_attachment(lead, make_user, catalog, invoices):
    customer = catalog.customer()
    pdf = invoices.create(
        customer, lead, at("2024-05-03T08:00:00+00:00"), filename="INV-1.pdf", content=b"%PDF-1.7"
    )
    odd = invoices.create(
        customer, lead, at("2024-05-04T08:00:00+00:00"), filename="Rechnung März.html", content=b"<p>"
    )
    missing = invoices.create(customer, lead, at("2024-05-05T08:00:00+00:00"))
    with lead.client() as client:
        response = client.get(f"/api/invoices/{pdf.id}/download")
        assert response.status_code == 200
        assert response.content == b"%PDF-1.7"
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == "attachment; filename=INV-1.pdf"
        other = client.get(f"/api/invoices/{odd.id}/download")
        assert other.headers["content-type"].startswith("text/html")
        assert "filename*=UTF-8''Rechnung%20M%C3%A4rz.html" in other.headers["content-disposition"]
        assert client.get(f"/api/invoices/{missing.id}/download").status_code == 404
        assert client.get("/api/invoices/99999/download").status_code == 404
    with make_user().client() as client:
        assert client.get(f"/api/invoices/{pdf.id}/download").status_code == 403


# --- deletes ----------------------------------------------------------------------------------


def test_deleting_an_invoice_needs_a_granted_permission_and_removes_its_file_and_fields(
    admin, make_user, catalog, invoices, grant
):
    invoice = invoices.create(
        catalog.customer(),
        admin,
        at("2024-05-03T08:00:00+00:00"),
        content=b"%PDF",
        meta={"po_number": ("PO-1", True)},
    )
    super_admin = make_user("ROLE_SUPER_ADMIN")
    for caller in (admin, super_admin):  # no role holds delete_invoice by default
        with caller.client() as client:
            assert client.delete(f"/api/invoices/{invoice.id}").status_code == 403
    with admin.client() as client:
        assert client.delete("/api/invoices/99999").status_code == 404
    grant("ROLE_ADMIN", "delete_invoice")
    with admin.client() as client:
        response = client.delete(f"/api/invoices/{invoice.id}")
        assert response.status_code == 204 and response.content == b""
        assert client.get(f"/api/invoices/{invoice.id}").status_code == 404
    assert (invoices.count(Invoice), invoices.count(InvoiceFile), invoices.count(InvoiceMeta)) == (0, 0, 0)


def test_deleting_an_invoice_template(admin, lead, invoices):
    template = invoices.template("Standard", "company.docx")
    with lead.client() as client:
        assert client.delete(f"/api/invoices/templates/{template.id}").status_code == 403
    with admin.client() as client:
        assert client.delete("/api/invoices/templates/99999").status_code == 404
        assert client.get(f"/api/invoices/templates/{template.id}").status_code == 405
        assert client.delete(f"/api/invoices/templates/{template.id}").status_code == 204
    assert invoices.count(InvoiceTemplate) == 0


def test_deleting_an_invoice_document_keeps_one_a_template_uses(admin, lead, invoices):
    used = invoices.document("company.docx")
    invoices.template("Standard", "company.docx")
    spare = invoices.document("spare.html.twig")
    with lead.client() as client:
        assert client.delete(f"/api/invoices/documents/{spare.name}").status_code == 403
    with admin.client() as client:
        assert client.delete("/api/invoices/documents/unknown.pdf").status_code == 404
        assert client.delete("/api/invoices/documents/spare%00.html.twig").status_code == 404
        assert client.delete(f"/api/invoices/documents/{used.name}").status_code == 400
        assert client.delete(f"/api/invoices/documents/{spare.name}").status_code == 204
    with invoices.db.session(write=False) as session:
        assert [d.name for d in session.query(InvoiceDocument)] == ["company.docx"]


def test_deleting_an_export_template(admin, lead, invoices):
    template = invoices.export_template("Monthly CSV")
    with lead.client() as client:
        assert client.delete(f"/api/export/{template.id}").status_code == 403
    with admin.client() as client:
        assert client.delete("/api/export/99999").status_code == 404
        assert client.delete(f"/api/export/{template.id}").status_code == 204
    assert invoices.count(ExportTemplate) == 0
