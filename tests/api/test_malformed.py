"""No input makes the API answer 500: malformed bodies and parameters are 4xx, nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mediadesk.matrix.models import Account
from tests.api.conftest import Tree
from tests.conftest import World, audit_actions

VALID = {"platform": "douyin", "name": "锦程新品牌", "level": 1}  # creatable as it is
FIELDS = (
    "platform", "name", "level", "parent", "company", "project", "custodian", "backup_custodian",
    "platform_account_id", "subtype", "positioning", "verification", "real_name_holder", "bound_phone",
    "status", "followers", "opened_on", "notes", "brand_keyword", "bio", "cover_style", "tone_keywords",
    "hook", "is_live_account", "live_schedule",
)  # fmt: skip
HUGE = "锦" * 100_000
WRONG_VALUES: list[Any] = [
    None,
    "",
    HUGE,
    "a\x00b",
    [],
    {},
    {"id": 1},
    [1, 2],
    1.5,
    -1,
    0,
    2**64,
    10**30,
    True,
    "abc",
    "2024-02-30",
]


def _bad_bodies() -> list[Any]:
    """Raw request bodies (strings) that must all be refused."""
    bodies: list[Any] = [
        "", "not json", "{", '{"name": }', "[]", "null", "true", "42", '"text"', "\x00", "\xff\xfe",
        '{"platform": "douyin", "name": "锦程", "level": 1, "level": "x"}', '{"name": "\\ud800"}',
        json.dumps({**VALID, "unknown": 1}), json.dumps({**VALID, "id": 5}), json.dumps({**VALID, "organisation": 1}),
        json.dumps({**VALID, "avatar": "x.png"}), json.dumps({**VALID, "deleted_at": "2024-01-01"}),
        json.dumps({**VALID, "parent": {"id": 1}}), json.dumps({**VALID, "bio": "x" * 2001}),
        json.dumps({**VALID, "level": 1, "name": "锦程" * 31}), json.dumps([VALID]),
    ]  # fmt: skip
    for field in FIELDS:
        for value in WRONG_VALUES:
            if _acceptable(field, value):
                continue
            bodies.append(json.dumps({**VALID, field: value}))
    return bodies


TEXTS = {"name", "platform_account_id", "subtype", "positioning", "real_name_holder", "notes",
         "brand_keyword", "bio", "cover_style", "tone_keywords", "hook", "live_schedule"}  # fmt: skip
LINKS = {"parent", "company", "project", "custodian", "backup_custodian"}


def _acceptable(field: str, value: Any) -> bool:
    """Values a field legitimately accepts, so they are no malformed input for it."""
    if field in TEXTS and value in ("abc", "2024-02-30"):
        return True
    if value == "" and field in (TEXTS - {"name"}) | {"bound_phone"}:
        return True
    if value is None and field in LINKS | {"followers", "opened_on"}:
        return True
    if value is True and field in LINKS | {"level", "followers", "is_live_account"}:
        return True  # pydantic reads true as 1 (an id that may exist, a valid level)
    return field in {"followers", "is_live_account"} and value == 0 and value is not False


@pytest.fixture
def manager_api(world: World, api: Any) -> Any:
    return api(world.manager)


def test_malformed_post_bodies_are_4xx_and_write_nothing(
    world: World, tree: Tree, manager_api: Any
) -> None:
    before = Account.objects.count()
    failures = []
    for body in _bad_bodies():
        r = manager_api.post("/api/v1/accounts", body, content_type="application/json")
        if not 400 <= r.status_code < 500 or "detail" not in r.json():
            failures.append((body[:120], r.status_code))
    assert failures == []
    assert Account.objects.count() == before
    assert (
        manager_api.post("/api/v1/accounts", VALID, content_type="application/json").status_code
        == 201
    )


def test_malformed_patch_bodies_are_4xx_and_change_nothing(
    world: World, tree: Tree, manager_api: Any
) -> None:
    failures = []
    for body in _bad_bodies():
        patch = body
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):  # drop the valid create fields so only the bad one is sent
            bad = {k: v for k, v in data.items() if VALID.get(k, object()) != v}
            if not bad:
                continue
            patch = json.dumps(bad)
        r = manager_api.patch(
            f"/api/v1/accounts/{tree.xian.pk}", patch, content_type="application/json"
        )
        if not 400 <= r.status_code < 500:
            failures.append((patch[:120], r.status_code))
    assert failures == []
    assert Account.objects.get(pk=tree.xian.pk).updated_at == tree.xian.updated_at
    assert audit_actions("account", tree.xian.pk) == ["account.create"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/accounts/0", "/api/v1/accounts/-1", "/api/v1/accounts/abc", "/api/v1/accounts/99999999999999999999",
     "/api/v1/accounts/1.5", "/api/v1/accounts/99999999999/standards"],
)  # fmt: skip
def test_bad_account_ids_are_4xx(world: World, manager_api: Any, url: str) -> None:
    assert 400 <= manager_api.get(url).status_code < 500
    assert 400 <= manager_api.patch(url, "{}", content_type="application/json").status_code < 500


def test_form_encoded_bodies_are_4xx(world: World, manager_api: Any) -> None:
    r = manager_api.post("/api/v1/accounts", {"platform": "douyin", "name": "锦程", "level": "1"})
    assert 400 <= r.status_code < 500
    assert not Account.objects.exists()


def test_a_body_over_the_upload_limit_is_4xx(world: World, manager_api: Any) -> None:
    body = json.dumps({**VALID, "bio": "x" * 3_000_000})
    r = manager_api.post("/api/v1/accounts", body, content_type="application/json")
    assert 400 <= r.status_code < 500
    assert not Account.objects.exists()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)
# Plausible values too, so that many bodies get past the schema into the services.
plausible = st.integers(min_value=1, max_value=40) | st.sampled_from(
    ["douyin", "weibo", "active", "retired", "enterprise", "2024-01-01", "13812345678", "锦程"]
)
overrides = st.dictionaries(st.sampled_from(FIELDS), json_values | plausible, max_size=4)
bodies = overrides.map(lambda o: {**VALID, **o}) | st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=8), json_values, max_size=6
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies, patch=overrides)
def test_any_json_object_is_answered_without_a_server_error(
    world: World, tree: Tree, manager_api: Any, body: dict[str, Any], patch: dict[str, Any]
) -> None:
    created = manager_api.post(
        "/api/v1/accounts", json.dumps(body), content_type="application/json"
    )
    assert created.status_code in {201, 400, 403, 422}, (body, created.content[:300])
    event(f"POST {created.status_code}")
    url = f"/api/v1/accounts/{tree.xian.pk}"
    changed = manager_api.patch(url, json.dumps(patch), content_type="application/json")
    assert changed.status_code in {200, 400, 403, 422}, (patch, changed.content[:300])
    event(f"PATCH {changed.status_code}")
