"""Kimai's page/size parameters and the X-Page, X-Total-Count, X-Total-Pages, X-Per-Page headers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from horae.api.params import ascii_digits
from horae.errors import BadRequest, NotFound

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def headers(self, total: int) -> dict[str, str]:
        pages = max(1, math.ceil(total / self.size))
        return {
            "X-Page": str(self.number),
            "X-Total-Count": str(total),
            "X-Total-Pages": str(pages),
            "X-Per-Page": str(self.size),
        }

    def check_in_range(self, total: int) -> None:
        """A page beyond the last one is a 404, as in Kimai (page 1 always exists)."""
        if self.number > 1 and self.offset >= total:
            raise NotFound("page out of range")


def parse_page(page: str | None, size: str | None, default_size: int = 50) -> Page:
    number = _positive(page, 1)
    per_page = _positive(size, default_size)
    return Page(number, min(per_page, MAX_PAGE_SIZE))


def _positive(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    if not ascii_digits(value) or int(value) < 1 or len(value) > 9:
        raise BadRequest(f"invalid number {value!r}")
    return int(value)
