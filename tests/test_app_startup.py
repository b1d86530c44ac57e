"""What the application does once it has started, before the first request."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

from horae.app import YOUNG_COLLECTION_THRESHOLD, create_app
from horae.settings import Settings


def test_the_startup_heap_is_kept_out_of_full_collections(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'start.sqlite'}", environment="test")
    with TestClient(create_app(settings)) as client:
        assert client.get("/health/live").status_code == 200
        frozen = gc.get_freeze_count()

    # The app's modules, models and routes at least.
    assert frozen > 10_000
    # The objects a page builds die by reference counting before the young generation is walked.
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD > 700
