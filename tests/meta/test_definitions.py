"""Custom-field definitions: declare, redefine, list and remove (the service the CLI and web use)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from horae.errors import NotFound, ValidationFailed
from horae.meta.models import CustomerMeta
from horae.meta.service import define_meta_field, list_meta_fields, remove_meta_field


def test_define_creates_a_field_per_entity_type(db):
    with db.session() as session:
        define_meta_field(session, "customer", "reference", label="Reference", required=True)
        define_meta_field(session, "project", "reference")
    with db.session(write=False) as session:
        customer_fields = list_meta_fields(session, "customer")
        assert [(f.entity_type, f.name, f.label, f.required, f.visible) for f in customer_fields] == [
            ("customer", "reference", "Reference", True, True)
        ]
        assert len(list_meta_fields(session)) == 2


def test_define_again_updates_the_field_found_case_insensitively(db):
    with db.session() as session:
        first = define_meta_field(session, "customer", "reference")
        second = define_meta_field(session, "customer", "REFERENCE", type="choice", options=["a", " b ", ""])
        assert first.id == second.id
        assert (second.name, second.type, second.options) == ("reference", "choice", "a,b")


def test_changing_visibility_applies_to_stored_values(db, make_customer, set_meta):
    customer = make_customer()
    with db.session() as session:
        define_meta_field(session, "customer", "reference", visible=True)
    set_meta(customer, "Reference", "R-1", visible=True)
    with db.session() as session:
        define_meta_field(session, "customer", "reference", visible=False)
    with db.session(write=False) as session:
        assert session.scalars(select(CustomerMeta.visible)).all() == [False]


@pytest.mark.parametrize(
    ("entity_type", "name", "options", "field"),
    [
        ("expense", "reference", {}, "entityType"),
        ("customer", "", {}, "name"),
        ("customer", "with space", {}, "name"),
        ("customer", "x" * 51, {}, "name"),
        ("customer", "reference", {"type": "blob"}, "type"),
        ("customer", "reference", {"type": "choice"}, "options"),
    ],
)
def test_define_refuses_bad_definitions(db, entity_type, name, options, field):
    with db.session() as session, pytest.raises(ValidationFailed) as failure:
        define_meta_field(session, entity_type, name, **options)
    assert list(failure.value.field_errors) == [field]


def test_remove_deletes_the_definition_and_its_values(db, make_customer, set_meta):
    customer = make_customer()
    with db.session() as session:
        define_meta_field(session, "customer", "reference")
    set_meta(customer, "reference", "R-1")
    with db.session() as session:
        remove_meta_field(session, "customer", "Reference")
    with db.session(write=False) as session:
        assert list_meta_fields(session, "customer") == []
        assert session.scalars(select(CustomerMeta)).all() == []


def test_remove_an_unknown_field_is_not_found(db):
    with db.session() as session, pytest.raises(NotFound):
        remove_meta_field(session, "customer", "missing")
