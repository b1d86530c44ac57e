"""Property-based checks of the live API against its own /api/doc.json, for every role.

Schemathesis reads the document the running test server publishes, generates requests for every
operation in it, sends them as a user of each role and checks that the answer is never a server
error, has a documented status code and matches the documented body. New endpoints are covered as
soon as they are mounted. HORAE_FUZZ_EXAMPLES sets the examples per operation (`make fuzz`: 500).

By default SQLite gets 10 examples per operation and each database server 5 others: the servers
draw from their own fixed seeds, so the three backends together send 20 distinct examples per
operation and role while a run stays short and repeatable.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.factories.users import UserHandle

ROLES = ("ROLE_USER", "ROLE_TEAMLEAD", "ROLE_ADMIN", "ROLE_SUPER_ADMIN")
CHOSEN = os.environ.get("HORAE_FUZZ_EXAMPLES")
EXAMPLES = int(CHOSEN or "10")
# Per backend by default: (examples per operation, seed; None: Hypothesis's derandomized draw).
DEFAULT_DRAWS: dict[str, tuple[int, int | None]] = {
    "sqlite": (10, None),
    "postgresql": (5, 1),
    "mariadb": (5, 2),
}
SELF_DESTRUCTIVE = {"DELETE /api/users/api-token/{id}"}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 10,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture(params=ROLES)
def caller(request: pytest.FixtureRequest, make_user: Callable[..., UserHandle]) -> UserHandle:
    return make_user(request.param)


@pytest.fixture
def api_schema(backend, caller: UserHandle) -> schemathesis.BaseSchema:
    schema = schemathesis.openapi.from_url(
        f"{backend.base_url}/api/doc.json", headers=caller.headers, timeout=30
    )
    schema.config.update(base_url=backend.base_url)
    return schema


def fuzz(operation: schemathesis.APIOperation, caller: UserHandle, backend_name: str) -> int:
    """Runs the generated examples of one operation; answers how many were sent."""
    sent = 0
    examples, chosen_seed = (EXAMPLES, None) if CHOSEN else DEFAULT_DRAWS.get(backend_name, (EXAMPLES, None))

    @given(case=operation.as_strategy())
    @settings(FUZZ_SETTINGS, max_examples=examples, derandomize=chosen_seed is None and examples <= 10)
    def run(case: schemathesis.Case) -> None:
        nonlocal sent
        sent += 1
        case.call_and_validate(headers=caller.headers, checks=CHECKS, timeout=30)

    (run if chosen_seed is None else seed(chosen_seed)(run))()
    return sent


def test_every_operation_answers_as_documented(backend, api_schema, caller: UserHandle, subtests) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations, "the document lists no operation"
    # Deleting the caller's own access token would end the caller's credentials for every later
    # operation; tests/api/test_users.py and test_authentication.py cover it.
    operations = [op for op in operations if op.label not in SELF_DESTRUCTIVE]
    sent = 0
    for operation in operations:
        with subtests.test(msg=operation.label):
            sent += fuzz(operation, caller, backend.name)
    # docs/reliability.md quotes these figures (pytest -s shows them).
    print(f"{caller.roles[0]}: {len(operations)} operations fuzzed, {sent} examples sent")


def has_links(document: dict[str, Any]) -> bool:
    return any(
        answer.get("links")
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for answer in operation.get("responses", {}).values()
    )


def test_linked_operations_answer_as_documented_in_sequence(api_schema, caller: UserHandle) -> None:
    """Creates records and follows the document's links to read, change and delete them."""
    if not has_links(api_schema.raw_schema):
        pytest.skip("no operation in the document links to another one yet")

    class Scenario(api_schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": caller.headers, "timeout": 30}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None)

    Scenario.run(
        settings=settings(
            max_examples=max(EXAMPLES // 2, 5),
            stateful_step_count=6,
            deadline=None,
            derandomize=EXAMPLES <= 10,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )
