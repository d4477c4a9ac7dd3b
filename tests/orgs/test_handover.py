"""Deactivating a user (离职交接): custody moves to a successor in one transaction, audited per record."""

from __future__ import annotations

import pytest
from django.test import Client

from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Account, Platform
from mediadesk.matrix.services import create_account
from mediadesk.orgs.auth import user_for_token
from mediadesk.orgs.models import ApiToken
from mediadesk.orgs.services import create_api_token
from tests.conftest import PASSWORD, audit_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(world):
    """Three accounts in the operator's custody (one as backup custodian) and an API token."""
    douyin, _ = Platform.objects.get_or_create(code="douyin", defaults={"name": "抖音"})
    flagship = create_account(
        by=world.admin, organisation=world.org,
        values={"platform": douyin, "name": "锦程集团", "level": 1, "custodian": world.operator},
    )  # fmt: skip
    city = create_account(
        by=world.admin, organisation=world.org,
        values={"platform": douyin, "name": "锦程西安", "level": 2, "parent": flagship, "company": world.xian,
                "custodian": world.operator},
    )  # fmt: skip
    project = create_account(
        by=world.admin, organisation=world.org,
        values={"platform": douyin, "name": "锦程曲江府", "level": 3, "parent": city, "project": world.qujiang,
                "custodian": world.planner, "backup_custodian": world.operator},
    )  # fmt: skip
    _, key = create_api_token(world.operator, by=world.operator, name="脚本")
    AuditEntry.objects.all().delete()  # only the handover's own entries matter below
    return {"accounts": [flagship, city, project], "key": key}


def _url(user):
    return f"/settings/users/{user.pk}/deactivate/"


def test_the_page_lists_what_the_user_holds(world, login, held):
    body = login(world.admin).get(_url(world.operator)).content.decode()
    assert "账号（负责人/备份负责人）" in body and "<strong>3</strong>" in body


def test_a_custodian_cannot_be_deactivated_without_a_successor(world, login, held):
    response = login(world.admin).post(_url(world.operator), {"successor": ""})
    assert response.status_code == 200
    assert "请选择交接人" in response.content.decode()
    world.operator.refresh_from_db()
    assert world.operator.is_active
    assert Account.objects.filter(custodian=world.operator).count() == 2
    assert Account.objects.filter(backup_custodian=world.operator).count() == 1
    assert not AuditEntry.objects.exists()
    assert user_for_token(held["key"]) == world.operator


def test_the_successor_must_be_an_active_colleague(world, login, held):
    client = login(world.admin)
    for successor in (world.outsider, world.operator):
        response = client.post(_url(world.operator), {"successor": successor.pk})
        assert response.status_code == 200
    world.operator.refresh_from_db()
    assert world.operator.is_active
    assert not AuditEntry.objects.exists()


def test_with_a_successor_everything_moves_and_the_user_is_locked_out(world, login, held):
    client = login(world.admin)
    response = client.post(_url(world.operator), {"successor": world.manager.pk})
    assert response["Location"] == f"/settings/users/{world.operator.pk}/"
    message = client.get(response["Location"]).content.decode()
    assert "已交接给" in message and "3 项" in message

    world.operator.refresh_from_db()
    assert not world.operator.is_active and world.operator.deactivated_at is not None
    flagship, city, project = (Account.objects.get(pk=a.pk) for a in held["accounts"])
    assert flagship.custodian == world.manager and city.custodian == world.manager
    assert (project.custodian, project.backup_custodian) == (world.planner, world.manager)
    for account in (flagship, city, project):
        assert audit_actions("account", account.pk) == ["account.custody_transfer"]
    assert audit_actions("user", world.operator.pk) == ["user.deactivate"]
    assert audit_actions("user", world.manager.pk) == ["user.handover"]

    assert not ApiToken.objects.filter(user=world.operator, revoked_at__isnull=True).exists()
    assert user_for_token(held["key"]) is None
    login_page = Client().post("/login/", {"username": "operator", "password": PASSWORD})
    assert "用户名/手机号或密码不正确" in login_page.content.decode()


def test_a_user_holding_nothing_is_deactivated_without_a_successor(world, login):
    client = login(world.admin)
    client.post(_url(world.channel), {"successor": ""})
    world.channel.refresh_from_db()
    assert not world.channel.is_active
    assert audit_actions("user", world.channel.pk) == ["user.deactivate"]


def test_an_admin_cannot_deactivate_themselves(world, login):
    response = login(world.admin).post(_url(world.admin), {"successor": world.manager.pk})
    assert "不能停用自己" in response.content.decode()
    world.admin.refresh_from_db()
    assert world.admin.is_active


def test_a_deactivated_user_can_be_reactivated(world, login):
    client = login(world.admin)
    client.post(_url(world.channel), {"successor": ""})
    client.post(f"/settings/users/{world.channel.pk}/reactivate/")
    world.channel.refresh_from_db()
    assert world.channel.is_active and world.channel.deactivated_at is None
    assert audit_actions("user", world.channel.pk) == ["user.deactivate", "user.reactivate"]
    # reactivating an active user is refused without a new entry
    client.post(f"/settings/users/{world.channel.pk}/reactivate/")
    assert audit_actions("user", world.channel.pk) == ["user.deactivate", "user.reactivate"]
