"""Finding 9: every schema class the API can document has its own component name (two
`FindingOut`s once made /accounts/{id}/standards documented with the compliance shape)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import mediadesk.api  # noqa: F401 (mounts every app's router, importing all schemas)
from mediadesk.api import api


def _mediadesk_schemas(cls: type = Schema) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("mediadesk."):
            found.append(sub)
        found.extend(_mediadesk_schemas(sub))
    return found


def test_schema_class_names_are_unique() -> None:
    modules: dict[str, set[str]] = defaultdict(set)
    for cls in _mediadesk_schemas():
        modules[cls.__name__].add(cls.__module__)
    clashes = {name: sorted(where) for name, where in modules.items() if len(where) > 1}
    assert not clashes, clashes


def test_the_standards_operation_documents_the_standards_shape() -> None:
    schema = api.get_openapi_schema()
    responses = schema["paths"]["/api/v1/accounts/{account_id}/standards"]["get"]["responses"]
    ref = str(responses.get(200) or responses.get("200"))
    assert "StandardsFindingOut" in ref and "ComplianceFindingOut" not in ref
