"""Paged web lists: the services count every matching row in one COUNT and read one page in
the database; a list page reads `?page=N` beside its filters, and the pager links (the `pager`
macro in macros.html) keep the filters, so searching and paging combine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

from horae.api.params import ascii_digits

PAGE_SIZE = 50
T = TypeVar("T")


def requested_page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, int(raw)) if ascii_digits(raw) and len(raw) < 7 else 1


@dataclass(frozen=True)
class Pager:
    """Where a page stands among all of them, and the query strings of its neighbours."""

    number: int
    pages: int
    total: int
    size: int = PAGE_SIZE
    filters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def query(self, **changes: Any) -> str:
        """The list's query string with `changes` (page=…); empty filters and page 1 left out."""
        values = {**self.filters, **changes}
        return urlencode({k: v for k, v in values.items() if v not in ("", None) and (k, v) != ("page", 1)})


def pager_for(total: int, requested: int, filters: Mapping[str, Any], size: int = PAGE_SIZE) -> Pager:
    pages = max(1, math.ceil(total / size))
    return Pager(min(requested, pages), pages, total, size, dict(filters))


def read_page(
    find: Callable[[int, int], tuple[list[T], int]],
    requested: int,
    filters: Mapping[str, Any],
    size: int = PAGE_SIZE,
) -> tuple[list[T], Pager]:
    """One page through a service's `find(offset, limit) → (rows, total)`; a page beyond the
    last one reads the last one instead (one more read, only then)."""
    rows, total = find((requested - 1) * size, size)
    pager = pager_for(total, requested, filters, size)
    if pager.number != requested:
        rows, total = find(pager.offset, size)
    return rows, pager
