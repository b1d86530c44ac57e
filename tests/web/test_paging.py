"""The paged list pages: customers, projects, activities, tags and teams show one page at a time,
alphabetically, their search kept in the pager links, and read it with a fixed number of queries
whatever the number of records."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs

import pytest

from horae.web.paging import PAGE_SIZE

LISTS = ["/customers", "/projects", "/activities", "/tags", "/teams"]
# The catalog lists keep their visibility filter (1: visible) in the links as well.
KEPT = {"/customers": {"visible": ["1"]}, "/projects": {"visible": ["1"]}, "/activities": {"visible": ["1"]}}
ROW = re.compile(r'<th scope="row"[^>]*><span class="swatch-dot"[^>]*></span> ([^<]+)</th>')
NEXT = re.compile(r'<a href="\?([^"]+)" rel="next">')


def _fill(catalog, path: str, names: list[str]) -> None:
    owner = catalog.customer("Owner of the projects") if path == "/projects" else None
    for name in names:
        if path == "/customers":
            catalog.customer(name)
        elif path == "/projects":
            catalog.project(owner, name)
        elif path == "/activities":
            catalog.activity(None, name)
        elif path == "/tags":
            catalog.tag(name)
        else:
            catalog.team(name)


def _rows(page: str) -> list[str]:
    return ROW.findall(page)


def _next_query(page: str) -> dict[str, list[str]] | None:
    found = NEXT.search(page)
    return parse_qs(unescape(found.group(1))) if found else None


@pytest.mark.parametrize("path", LISTS)
def test_a_long_list_is_paged_by_name_with_its_search_kept(admin, web_session, catalog, path):
    names = [f"Paged {number:02d}" for number in range(PAGE_SIZE + 5)]
    # Created out of order, so that the pages follow the names, not the ids.
    _fill(catalog, path, [*names[::-1], "Other"])
    session = web_session(admin)

    first = session.get(f"{path}?term=paged").text
    assert _rows(first) == names[:PAGE_SIZE]
    assert f"Found: {len(names)}" in first
    assert "Page 1 of 2" in first and 'rel="prev"' not in first
    following = _next_query(first)
    assert following == {"term": ["paged"], "page": ["2"], **KEPT.get(path, {})}

    second = session.get(path, params=following).text
    assert _rows(second) == names[PAGE_SIZE:]
    assert "Page 2 of 2" in second and 'rel="prev"' in second and _next_query(second) is None

    beyond = session.get(path, params={"term": "paged", "page": "9"}).text
    assert _rows(beyond) == names[PAGE_SIZE:]


@pytest.mark.parametrize("path", LISTS)
def test_a_short_list_has_no_pager(admin, web_session, catalog, path):
    _fill(catalog, path, ["Alone"])
    page = web_session(admin).get(path).text
    assert "Alone" in _rows(page)
    assert 'class="pagination"' not in page


@pytest.mark.parametrize("path", LISTS)
def test_a_list_page_needs_the_same_queries_for_a_few_or_many_records(
    admin, backend, web_session, catalog, path
):
    session = web_session(admin)

    def queries(url: str) -> int:
        assert session.get(url).status_code == 200
        counter = backend.count_queries()
        assert session.get(url).status_code == 200
        counter.active = False
        return len(counter)

    _fill(catalog, path, ["Few 1", "Few 2"])
    few = queries(path)
    _fill(catalog, path, [f"Many {number:03d}" for number in range(2 * PAGE_SIZE + 10)])
    assert queries(path) == few
    assert queries(f"{path}?page=3") == few
