"""A custody notification is written in the recipient's language, not the actor's."""

from __future__ import annotations

from django.utils import translation

from mediadesk.matrix import services
from mediadesk.notifications.models import Notification
from mediadesk.orgs.models import User
from tests.conftest import World
from tests.i18n.catalogue import ensure_compiled
from tests.matrix.conftest import make_account


def test_each_custodian_reads_the_notification_in_their_own_language(world: World) -> None:
    ensure_compiled()
    User.objects.filter(pk=world.operator.pk).update(language="en")
    operator = User.objects.get(pk=world.operator.pk)
    account = make_account(world, name="Qujiang", level=1, custodian=world.planner)
    with translation.override("en"):  # an English-speaking admin hands it to a Chinese user
        services.transfer_custody(account, by=world.admin, custodian=world.manager)
    with translation.override("zh-hans"):  # a Chinese-speaking admin, to an English user
        services.transfer_custody(account, by=world.admin, custodian=operator)
    titles = dict(
        Notification.objects.filter(kind="account.custody").values_list("recipient", "title")
    )
    assert titles[world.manager.pk] == "你被指定为账号「Qujiang」的负责人"
    assert titles[operator.pk] == "You are now the custodian of the account “Qujiang”"
