"""Users, role grants and companies through the API: the user list answers the page's rows
for the same query; grants and revocations go through the page's form and service (same
rows, same audit); only administrators of the organisation may call them."""

from __future__ import annotations

from typing import Any

import pytest

from mediadesk.orgs.models import RoleGrant
from mediadesk.orgs.roles import Role
from tests.api.parity import assert_same_rows, audit_of, same_audit
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_the_user_list_and_the_api_answer_the_same_rows(world: World, login: Any, api: Any) -> None:
    cases = [{}, {"role": Role.PLANNER}, {"company": world.xian.pk}, {"status": "active"},
             {"q": "plan"}, {"project": world.qujiang.pk}, {"sort": "username"}]  # fmt: skip
    listed = 0
    for user in (world.admin, world.outsider, world.manager, world.planner):
        listed += assert_same_rows(login(user), api(user), "/settings/users/", "/api/v1/users",
                                   cases, limit=50)  # fmt: skip
    assert listed >= 5
    items = api(world.admin).get("/api/v1/users", {"q": "planner"}).json()["items"]
    assert items and all("*" in i["phone_masked"] or not i["phone_masked"] for i in items)
    assert "phone" not in items[0]


def test_a_grant_through_the_api_is_what_the_page_writes(
    world: World, login: Any, api: Any
) -> None:
    page = audit_of(lambda: login(world.admin).post(
        f"/settings/users/{world.planner.pk}/roles/",
        {"role": Role.ANALYST, "scope": "company", "company": world.xian.pk}))  # fmt: skip
    on_api = audit_of(lambda: api(world.admin).post(
        f"/api/v1/users/{world.sales_a.pk}/roles",
        {"role": Role.ANALYST, "scope": "company", "company": world.xian.pk},
        content_type="application/json"))  # fmt: skip
    same_audit(page, on_api)
    a = RoleGrant.objects.get(user=world.planner, role=Role.ANALYST)
    b = RoleGrant.objects.get(user=world.sales_a, role=Role.ANALYST)
    assert (a.company_id, a.project_id) == (b.company_id, b.project_id) == (world.xian.pk, None)
    gone = api(world.admin).delete(f"/api/v1/users/{world.sales_a.pk}/roles/{b.pk}")
    assert gone.status_code == 204 and not RoleGrant.objects.filter(pk=b.pk).exists()


def test_grants_are_for_administrators_and_bad_input_writes_nothing(world: World, api: Any) -> None:
    before = RoleGrant.objects.count()
    body = {"role": Role.ADMIN, "scope": "org"}
    url = f"/api/v1/users/{world.planner.pk}/roles"
    for user in (world.manager, world.planner):
        assert api(user).post(url, body, content_type="application/json").status_code == 403
    # an administrator of another organisation does not see our users at all (as on the page)
    assert api(world.outsider).post(url, body, content_type="application/json").status_code == 404
    no_company = api(world.admin).post(url, {"role": Role.ANALYST, "scope": "company"},
                                       content_type="application/json")  # fmt: skip
    assert no_company.status_code == 400 and no_company.json()["errors"]
    bad_role = api(world.admin).post(url, {"role": "king"}, content_type="application/json")
    assert bad_role.status_code == 422
    assert RoleGrant.objects.count() == before


def test_companies_list_the_structure_page(world: World, api: Any) -> None:
    answer = api(world.admin).get("/api/v1/companies").json()
    names = {c["name"]: sorted(p["name"] for p in c["projects"]) for c in answer["items"]}
    assert names["西安公司"] == sorted(["锦程·曲江府", "锦程·高新云境"])
    assert api(world.planner).get("/api/v1/companies").status_code == 403
