"""Personas and helpers shared by the whole suite.

`world` builds one organisation (brand keyword 锦程) with 西安公司 (projects 曲江府 and 云境)
and 成都公司 (project 天府), plus a second organisation for the outsider. Each persona holds
the role named after it within the scope noted below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from mediadesk.core.models import AuditEntry
from mediadesk.orgs.models import Company, Organisation, Project, RoleGrant, User
from mediadesk.orgs.roles import Role

PASSWORD = "correct-horse-battery"

# Properties are about correctness, not speed: on a busy CI machine generation and single
# examples can be slow, which must not fail a test (timing belongs in bench/).
hypothesis_settings.register_profile(
    "mediadesk", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("mediadesk")


@dataclass
class World:
    org: Organisation
    xian: Company
    chengdu: Company
    qujiang: Project
    yunjing: Project
    tianfu: Project
    other_org: Organisation
    users: dict[str, User]

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def make_user(username: str, org: Organisation, *grants: tuple[str, Any], phone: str = "") -> User:
    user = User(username=username, organisation=org, display_name=username, phone=phone)
    user.set_password(PASSWORD)
    user.save()
    for role, scope in grants:
        RoleGrant.objects.create(
            user=user,
            role=role,
            organisation=org,
            company=scope
            if isinstance(scope, Company)
            else (scope.company if isinstance(scope, Project) else None),
            project=scope if isinstance(scope, Project) else None,
        )
    return user


@pytest.fixture(autouse=True)
def fast_hasher(settings: Any) -> None:
    """Tests exercise login rules, not the hash's cost (PBKDF2 makes `world` take seconds)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: Any) -> World:
    org = Organisation.objects.create(name="锦程置业集团", brand_keyword="锦程")
    xian = Company.objects.create(organisation=org, name="西安公司", city="西安")
    chengdu = Company.objects.create(organisation=org, name="成都公司", city="成都")
    qujiang = Project.objects.create(organisation=org, company=xian, name="锦程·曲江府")
    yunjing = Project.objects.create(organisation=org, company=xian, name="锦程·高新云境")
    tianfu = Project.objects.create(organisation=org, company=chengdu, name="锦程·天府")
    other_org = Organisation.objects.create(name="别家地产", brand_keyword="别家")
    users = {
        "admin": make_user("admin", org, (Role.ADMIN, org)),
        "manager": make_user("manager", org, (Role.MANAGER, org), phone="13900000002"),
        "manager_xa": make_user("manager_xa", org, (Role.MANAGER, xian)),
        "planner": make_user("planner", org, (Role.PLANNER, xian)),
        "legal": make_user("legal", org, (Role.LEGAL, org)),
        "operator": make_user("operator", org, (Role.OPERATOR, xian)),
        "operator_cd": make_user("operator_cd", org, (Role.OPERATOR, chengdu)),
        "sales_a": make_user("sales_a", org, (Role.SALES, qujiang)),
        "sales_b": make_user("sales_b", org, (Role.SALES, yunjing)),
        "channel": make_user("channel", org, (Role.CHANNEL, xian)),
        "outsider": make_user("outsider", other_org, (Role.ADMIN, other_org)),
    }
    return World(org, xian, chengdu, qujiang, yunjing, tianfu, other_org, users)


@pytest.fixture
def login(client: Client) -> Any:
    """login(user) → the Django test client logged in as `user`."""

    def _login(user: User) -> Client:
        client.force_login(user, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
        return client

    return _login


@pytest.fixture
def api(world: World) -> Any:
    """api(user) → a client whose requests carry a fresh bearer token of `user`."""
    from mediadesk.orgs.services import create_api_token

    def _api(user: User) -> Client:
        _, key = create_api_token(user, by=user, name="test")
        return Client(headers={"Authorization": f"Bearer {key}"})

    return _api


def audit_actions(target_type: str, target_id: Any) -> list[str]:
    """The action names recorded for one record, oldest first."""
    return list(
        AuditEntry.objects.filter(target_type=target_type, target_id=str(target_id))
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def _install_default_rows(django_db_blocker: Any) -> None:
    from mediadesk.matrix.defaults import install
    from mediadesk.matrix.models import Platform, StandardRule

    with django_db_blocker.unblock():
        install(Platform, StandardRule)


@pytest.fixture(autouse=True)
def _restore_default_rows(request: Any, django_db_blocker: Any) -> Any:
    """A transactional test ends with a flush that also empties the rows migrations install
    (default platforms, standards rules); put them back for the tests that follow — and
    before a transactional or live-server test too, whatever ran before it on this worker."""
    marker = request.node.get_closest_marker("django_db")
    names = request.fixturenames
    transactional = (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and marker.kwargs.get("transaction"))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        _install_default_rows(django_db_blocker)
    yield
    if transactional:
        _install_default_rows(django_db_blocker)


FULL_MOBILE_IN_AUDIT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture(autouse=True)
def _no_full_mobile_in_audit(request: Any) -> Any:
    """Every audit entry any test (or the demo it loads) creates is scanned for a full mobile."""
    names = request.fixturenames
    uses_db = "db" in names or "transactional_db" in names
    if not uses_db and request.node.get_closest_marker("django_db") is None:
        yield
        return
    # set the database up inside this fixture, so the scan runs before the rollback
    request.getfixturevalue("transactional_db" if "transactional_db" in names else "db")
    yield
    from mediadesk.core.models import AuditEntry

    rows = list(AuditEntry.objects.values_list("actor_label", "target_label", "changes"))
    leaks = [r for r in rows if FULL_MOBILE_IN_AUDIT.search(str(r).replace(" ", ""))]
    assert not leaks, f"audit entries hold a full mobile number: {leaks[:3]}"
