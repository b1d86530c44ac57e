"""Tags."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from horae.tags.models import Tag

_sequence = itertools.count(1)


@dataclass
class TagHandle:
    id: int
    name: str


@pytest.fixture
def make_tag(backend: Any) -> Callable[..., TagHandle]:
    """make_tag(name=…, visible=True, color=None) → TagHandle."""

    def factory(name: str | None = None, *, visible: bool = True, color: str | None = None) -> TagHandle:
        name = name or f"tag-{next(_sequence)}"
        with backend.db.session() as session:
            tag = Tag(name=name, visible=visible, color=color)
            session.add(tag)
            session.flush()
            return TagHandle(tag.id, name)

    return factory
