"""Role-within-scope resolution: scope_q for lists and allows for single records agree."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediadesk.core import scopes
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import User
from mediadesk.orgs.roles import ALL_PERMS, Perm, Role
from tests.conftest import World

SCOPES = ["org", "xian", "chengdu", "qujiang", "yunjing", "tianfu", "other_org"]


def place(world: World, scope: str) -> tuple[int, int | None, int | None]:
    """(organisation, company, project) ids of a scope name."""
    if scope == "org":
        return world.org.pk, None, None
    if scope == "other_org":
        return world.other_org.pk, None, None
    if scope in ("xian", "chengdu"):
        return world.org.pk, getattr(world, scope).pk, None
    project = getattr(world, scope)
    return world.org.pk, project.company_id, project.pk


@pytest.fixture
def accounts(world: World) -> dict[str, Account]:
    """One account at each scope: organisation-wide, company-level and in each project."""
    platform = Platform.objects.order_by("pk").first()
    made = {}
    for scope in SCOPES:
        org_id, company_id, project_id = place(world, scope)
        made[scope] = Account.objects.create(
            organisation_id=org_id, company_id=company_id, project_id=project_id,
            platform=platform, name=f"账号-{scope}", level=2,
        )  # fmt: skip
    return made


def visible(user: Any, perm: str, *, shared: bool) -> set[str]:
    return set(
        Account.objects.filter(scopes.scope_q(user, perm, shared=shared)).values_list(
            "name", flat=True
        )
    )


def names(*scope_names: str) -> set[str]:
    return {f"账号-{s}" for s in scope_names}


def test_an_organisation_grant_covers_the_whole_organisation_only(
    world: World, accounts: Any
) -> None:
    assert visible(world.manager, Perm.MATRIX_VIEW, shared=True) == names(*SCOPES[:-1])
    assert all(
        scopes.allows(world.manager, Perm.MATRIX_VIEW, a)
        for k, a in accounts.items()
        if k != "other_org"
    )
    assert not scopes.allows(world.manager, Perm.MATRIX_VIEW, accounts["other_org"])


def test_a_company_grant_covers_the_company_and_its_projects(world: World, accounts: Any) -> None:
    assert visible(world.operator, Perm.MATRIX_MANAGE, shared=False) == names(
        "xian", "qujiang", "yunjing"
    )
    assert not scopes.allows(world.operator, Perm.MATRIX_MANAGE, accounts["tianfu"])
    assert not scopes.allows(world.operator, Perm.MATRIX_MANAGE, accounts["chengdu"])


def test_organisation_wide_records_are_shared_with_every_holder_of_the_permission(
    world: World, accounts: Any
) -> None:
    assert visible(world.operator, Perm.MATRIX_VIEW, shared=True) == names(
        "org", "xian", "qujiang", "yunjing"
    )
    assert scopes.allows(world.operator, Perm.MATRIX_VIEW, accounts["org"], shared=True)
    assert not scopes.allows(world.operator, Perm.MATRIX_VIEW, accounts["org"], shared=False)


def test_a_project_grant_covers_that_project_only(world: World, accounts: Any) -> None:
    assert visible(world.sales_a, Perm.MATRIX_VIEW_OWN, shared=False) == names("qujiang")
    assert visible(world.sales_a, Perm.MATRIX_VIEW_OWN, shared=True) == names("qujiang", "org")
    assert not scopes.allows(world.sales_a, Perm.MATRIX_VIEW_OWN, accounts["xian"])
    assert not scopes.allows(world.sales_a, Perm.MATRIX_VIEW_OWN, accounts["yunjing"])


def test_a_permission_the_role_lacks_gives_nothing(world: World, accounts: Any) -> None:
    assert visible(world.sales_a, Perm.MATRIX_VIEW, shared=True) == set()
    assert visible(world.channel, Perm.MATRIX_VIEW, shared=True) == set()
    assert not scopes.has_perm(world.planner, Perm.MATRIX_MANAGE)
    assert scopes.has_perm(world.planner, Perm.MATRIX_VIEW)


def test_another_organisation_is_isolated(world: World, accounts: Any) -> None:
    assert visible(world.outsider, Perm.MATRIX_VIEW, shared=True) == names("other_org")
    assert not any(
        scopes.allows(world.outsider, Perm.MATRIX_VIEW, a, shared=True)
        for k, a in accounts.items()
        if k != "other_org"
    )


def test_inactive_and_anonymous_users_hold_nothing(world: World, accounts: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    world.manager.is_active = False
    assert scopes.grants(world.manager) == []
    assert visible(world.manager, Perm.MATRIX_VIEW, shared=True) == set()
    assert scopes.grants(AnonymousUser()) == []
    assert not scopes.has_perm(AnonymousUser(), Perm.MATRIX_VIEW)


def test_grants_are_read_once_per_user_object(world: World, django_assert_num_queries: Any) -> None:
    user = User.objects.get(pk=world.manager_xa.pk)
    with django_assert_num_queries(1):
        assert scopes.roles(user) == {Role.MANAGER}
        assert scopes.has_perm(user, Perm.AUDIT_VIEW)
        assert scopes.organisation_ids(user) == {world.org.pk}


def test_get_or_404_hides_rows_outside_the_scope(world: World, accounts: Any) -> None:
    qs = Account.objects.filter(scopes.scope_q(world.operator, Perm.MATRIX_VIEW))
    assert scopes.get_or_404(qs, accounts["qujiang"].pk) == accounts["qujiang"]
    for pk in (accounts["tianfu"].pk, "abc", None):
        with pytest.raises(Http404):
            scopes.get_or_404(qs, pk)


def test_require_raises_permission_denied_with_the_message() -> None:
    scopes.require(True)
    with pytest.raises(PermissionDenied, match="只有负责人"):
        scopes.require(False, "只有负责人可以操作")


grant_lists = st.lists(st.tuples(st.sampled_from(Role.values), st.sampled_from(SCOPES)), max_size=4)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(grants=grant_lists, perm=st.sampled_from(sorted(ALL_PERMS)), shared=st.booleans())
def test_allows_agrees_with_scope_q_for_any_grants(
    world: World, accounts: Any, grants: Any, perm: str, shared: bool
) -> None:
    user = User(username="someone", is_active=True)
    user._grants_cache = [scopes.Grant(role, *place(world, scope)) for role, scope in grants]  # type: ignore[attr-defined]
    listed = set(
        Account.objects.filter(scopes.scope_q(user, perm, shared=shared)).values_list(
            "pk", flat=True
        )
    )
    allowed = {a.pk for a in accounts.values() if scopes.allows(user, perm, a, shared=shared)}
    assert listed == allowed
    if not any(perm in scopes.perms_of({role}) for role, _ in grants):
        assert listed == set()
