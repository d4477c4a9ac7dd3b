"""schemathesis over every API operation, in process against the WSGI app, as an
administrator and as a sales user: no 5xx, and every response matches the schema the
operation documents. A new endpoint is fuzzed the day it lands."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import World

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """The WSGI app closes database connections at the end of a request; within a test that
    would close the test's own transaction (Django's test client disconnects this too)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world: World) -> dict[str, str]:
    from mediadesk.orgs.services import create_api_token

    return {
        name: create_api_token(getattr(world, name), by=getattr(world, name), name="fuzz")[1]
        for name in ("admin", "sales_a")
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx_or_off_schema(case: Any, tokens: dict[str, str]) -> None:
    for token in tokens.values():
        with transaction.atomic():  # each call in its own savepoint, as a request would be
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
