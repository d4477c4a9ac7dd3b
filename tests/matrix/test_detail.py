"""Account detail, custody transfer and soft delete."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Account
from tests.conftest import World, audit_actions
from tests.matrix.conftest import Matrix

pytestmark = pytest.mark.django_db


def test_anonymous_users_are_sent_to_login(client: Any, matrix: Matrix) -> None:
    response = client.get(reverse("matrix:detail", args=[matrix.qujiang.pk]))
    assert response.status_code == 302 and "/login/" in response.url


@pytest.mark.parametrize("persona", ["operator_cd", "outsider", "sales_b"])
def test_users_outside_the_accounts_scope_get_404(
    world: World, login: Any, matrix: Matrix, persona: str
) -> None:
    response = login(world.users[persona]).get(reverse("matrix:detail", args=[matrix.qujiang.pk]))
    assert response.status_code == 404


def test_the_detail_shows_profile_findings_children_and_history(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.planner).get(reverse("matrix:detail", args=[matrix.qujiang.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "锦程置业" in html  # the parent
    assert list(response.context["children"]) == [matrix.sales_a_acc]
    assert {f.code for f in response.context["findings"]} >= {"bio_missing", "avatar_missing"}
    assert [e.action for e in response.context["history"]] == ["account.create"]
    assert "创建账号" in html
    assert "编辑" not in html and "转交负责人" not in html  # a viewer cannot manage


def test_the_bound_phone_is_shown_masked(world: World, login: Any, matrix: Matrix) -> None:
    response = login(world.manager).get(reverse("matrix:detail", args=[matrix.qujiang.pk]))
    html = response.content.decode()
    assert "138****5678" in html
    assert "13812345678" not in html


def test_a_deleted_account_is_gone_from_the_pages(world: World, login: Any, matrix: Matrix) -> None:
    client = login(world.manager)
    response = client.post(
        reverse("matrix:delete", args=[matrix.sales_a_acc.pk]), {"reason": "员工离职"}
    )
    assert response.status_code == 302
    account = Account.objects.get(pk=matrix.sales_a_acc.pk)
    assert account.deleted_at is not None
    assert audit_actions("account", account.pk)[-1] == "account.delete"
    assert client.get(reverse("matrix:detail", args=[account.pk])).status_code == 404


def test_an_account_with_children_cannot_be_deleted(
    world: World, login: Any, matrix: Matrix
) -> None:
    client = login(world.manager)
    response = client.post(reverse("matrix:delete", args=[matrix.qujiang.pk]), follow=True)
    assert "还有下级账号" in response.content.decode()
    assert Account.objects.get(pk=matrix.qujiang.pk).deleted_at is None
    assert "account.delete" not in audit_actions("account", matrix.qujiang.pk)


def test_a_viewer_cannot_delete(world: World, login: Any, matrix: Matrix) -> None:
    response = login(world.planner).post(reverse("matrix:delete", args=[matrix.sales_a_acc.pk]))
    assert response.status_code == 403
    assert Account.objects.get(pk=matrix.sales_a_acc.pk).deleted_at is None


@pytest.mark.parametrize("persona", ["planner", "sales_a"])
def test_viewers_and_sales_get_403_on_custody(
    world: World, login: Any, matrix: Matrix, persona: str
) -> None:
    client = login(world.users[persona])
    url = reverse("matrix:custody", args=[matrix.sales_a_acc.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"custodian": world.users[persona].pk, "reason": "我来管"})
    assert response.status_code == 403
    assert Account.objects.get(pk=matrix.sales_a_acc.pk).custodian == world.sales_a


def test_a_custody_transfer_changes_the_custodian_and_is_audited(
    world: World, login: Any, matrix: Matrix
) -> None:
    response = login(world.operator).post(
        reverse("matrix:custody", args=[matrix.sales_a_acc.pk]),
        {"custodian": world.sales_b.pk, "backup_custodian": world.operator.pk, "reason": "调岗"},
    )
    assert response.status_code == 302
    account = Account.objects.get(pk=matrix.sales_a_acc.pk)
    assert (account.custodian, account.backup_custodian) == (world.sales_b, world.operator)
    entry = AuditEntry.objects.filter(
        action="account.custody_transfer", target_id=str(account.pk)
    ).get()
    assert entry.actor == world.operator
    assert entry.changes["custodian"] == ["sales_a", "sales_b"]
    assert entry.changes["reason"] == [None, "调岗"]


def test_custody_needs_a_reason_and_distinct_backup(
    world: World, login: Any, matrix: Matrix
) -> None:
    client = login(world.operator)
    url = reverse("matrix:custody", args=[matrix.sales_a_acc.pk])
    response = client.post(url, {"custodian": world.sales_b.pk, "reason": ""})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    response = client.post(
        url, {"custodian": world.sales_b.pk, "backup_custodian": world.sales_b.pk, "reason": "x"}
    )
    assert "备份负责人不能与负责人相同" in response.content.decode()
    assert Account.objects.get(pk=matrix.sales_a_acc.pk).custodian == world.sales_a
    assert "account.custody_transfer" not in audit_actions("account", matrix.sales_a_acc.pk)
