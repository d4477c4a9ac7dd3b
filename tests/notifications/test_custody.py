"""The matrix tells a new custodian (专人专管) through the notification centre."""

from __future__ import annotations

from typing import Any

from mediadesk.matrix import services as matrix
from mediadesk.matrix.models import Account, Platform
from mediadesk.notifications.models import Notification
from mediadesk.orgs import services as orgs


def _account(world: Any, **values: Any) -> Account:
    platform = Platform.objects.get(code="douyin")
    return matrix.create_account(
        by=world.admin, organisation=world.org,
        values={"platform": platform, "name": "锦程曲江府", "level": 2, "project": world.qujiang, **values},
    )  # fmt: skip


def test_a_custody_transfer_notifies_the_new_custodian(world: Any) -> None:
    account = _account(world)

    matrix.transfer_custody(account, by=world.manager, custodian=world.operator)

    [note] = Notification.objects.filter(recipient=world.operator)
    assert (note.kind, note.title) == ("account.custody", "你被指定为账号「锦程曲江府」的负责人")
    assert note.url.endswith(f"/{account.pk}/")


def test_taking_an_account_oneself_sends_no_notification(world: Any) -> None:
    account = _account(world)

    matrix.transfer_custody(account, by=world.operator, custodian=world.operator)

    assert not Notification.objects.filter(recipient=world.operator).exists()


def test_a_handover_notifies_the_successor_per_account(world: Any) -> None:
    _account(world, custodian=world.sales_a)
    _account(world, name="锦程云境", project=world.yunjing, custodian=world.sales_a)

    orgs.deactivate_user(world.sales_a, by=world.admin, successor=world.sales_b)

    titles = sorted(
        Notification.objects.filter(recipient=world.sales_b).values_list("title", flat=True)
    )
    assert titles == ["你被指定为账号「锦程云境」的负责人", "你被指定为账号「锦程曲江府」的负责人"]
