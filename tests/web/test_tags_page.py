"""The tags pages over HTTP: list, search, create, edit, delete and their permissions."""

from __future__ import annotations

from sqlalchemy import select

from horae.tags.models import Tag


def _tag(backend, **criteria):
    with backend.db.session(write=False) as session:
        query = select(Tag)
        for key, value in criteria.items():
            query = query.where(getattr(Tag, key) == value)
        return session.scalars(query).first()


def test_the_list_shows_visible_and_hidden_tags_with_search(admin, web_session, make_tag):
    make_tag("urgent", color="#ff0000")
    make_tag("archive", visible=False)
    session = web_session(admin)
    page = session.get("/tags")
    assert page.status_code == 200
    assert "urgent" in page.text and "archive" in page.text
    assert 'data-color="#ff0000"' in page.text
    searched = session.get("/tags?term=URG").text
    assert "urgent" in searched and "archive" not in searched


def test_an_admin_creates_edits_and_deletes_a_tag(admin, backend, web_session):
    session = web_session(admin)
    response = session.post_form("/tags/create", {"name": "billing", "color": "", "visible": "1"})
    assert response.status_code == 303
    tag = _tag(backend, name="billing")
    assert tag.visible is True
    assert response.headers["location"] == f"/tags/{tag.id}/edit?saved=tag_created"
    response = session.post_form(f"/tags/{tag.id}/edit", {"name": "invoicing", "color": "#008080"})
    assert response.status_code == 303
    changed = _tag(backend, id=tag.id)
    assert (changed.name, changed.visible, changed.color) == ("invoicing", False, "#008080")
    assert session.post_form(f"/tags/{tag.id}/delete").status_code == 303
    assert _tag(backend, id=tag.id) is None


def test_validation_messages_appear_at_the_fields(admin, backend, web_session, make_tag):
    make_tag("taken")
    session = web_session(admin)
    form = session.get("/tags/create").text
    assert 'required maxlength="100">' in form.replace("\n", "").replace(
        'aria-describedby="tag-name-help" ', ""
    )
    response = session.post_form("/tags/create", {"name": "a,b"})
    assert response.status_code == 422
    assert 'id="tag-name-errors"' in response.text
    assert "Tag name cannot contain comma" in response.text
    response = session.post_form("/tags/create", {"name": "TAKEN"})
    assert response.status_code == 422
    assert "This value is already used." in response.text
    response = session.post_form("/tags/create", {"name": "fresh", "color": "#123456"})
    assert response.status_code == 422
    assert 'id="tag-color-errors"' in response.text
    assert _tag(backend, name="fresh") is None
    with backend.db.session(write=False) as db_session:
        assert db_session.scalars(select(Tag.name)).all() == ["taken"]


def test_messages_are_translated(make_user, web_session):
    german = make_user("ROLE_SUPER_ADMIN", language="de")
    response = web_session(german).post_form("/tags/create", {"name": ""})
    assert response.status_code == 422
    assert "Dieser Wert darf nicht leer sein." in response.text


def test_renaming_to_another_tags_name_is_refused(admin, backend, web_session, make_tag):
    make_tag("first")
    second = make_tag("second")
    response = web_session(admin).post_form(f"/tags/{second.id}/edit", {"name": "First", "visible": "1"})
    assert response.status_code == 422
    assert "This value is already used." in response.text
    assert _tag(backend, id=second.id).name == "second"


def test_a_plain_user_sees_no_tags(make_user, web_session, make_tag):
    tag = make_tag("secret")
    session = web_session(make_user())
    assert 'href="/tags"' not in session.get("/dashboard").text
    assert session.get("/tags").status_code == 403
    assert session.get(f"/tags/{tag.id}/edit").status_code == 403
    assert session.post_form(f"/tags/{tag.id}/delete").status_code == 403


def test_without_manage_and_delete_the_list_offers_neither(
    make_user, backend, web_session, make_tag, set_permission
):
    tag = make_tag("kept")
    viewer = make_user("ROLE_TEAMLEAD")
    for permission in ("manage_tag", "delete_tag", "create_tag"):
        set_permission("ROLE_TEAMLEAD", permission, False)
        set_permission("ROLE_USER", permission, False)
    session = web_session(viewer)
    page = session.get("/tags").text
    assert "kept" in page
    assert f'/tags/{tag.id}/edit"' not in page
    assert f'/tags/{tag.id}/delete"' not in page
    assert 'href="/tags/create"' not in page
    assert session.get("/tags/create").status_code == 403
    assert session.post_form(f"/tags/{tag.id}/edit", {"name": "changed"}).status_code == 403
    assert session.post_form(f"/tags/{tag.id}/delete").status_code == 403
    assert _tag(backend, id=tag.id).name == "kept"


def test_the_list_needs_a_fixed_number_of_queries(admin, backend, web_session, make_tag):
    session = web_session(admin)
    make_tag()
    counter = backend.count_queries()
    assert session.get("/tags").status_code == 200
    few = len(counter)
    for _ in range(5):
        make_tag()
    counter = backend.count_queries()
    assert session.get("/tags").status_code == 200
    assert len(counter) == few, counter.statements
