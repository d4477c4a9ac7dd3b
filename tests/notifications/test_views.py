"""The notification centre, robot settings and delivery status pages, per persona."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from mediadesk.core import crypto
from mediadesk.core.models import AuditEntry
from mediadesk.notifications import queries, services
from mediadesk.notifications.models import Notification, Robot, RobotDelivery
from tests.conftest import audit_actions
from tests.fakes.robots import FakeRobotServer
from tests.notifications.conftest import make_robot, ready_tasks

Status = RobotDelivery.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- notification centre -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client: Any, world: Any) -> None:
    for name in ("notifications:inbox", "notifications:robots", "notifications:deliveries"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("orgs:login"))
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("orgs:login"))


def test_the_inbox_lists_only_the_users_own_notifications_with_an_unread_filter(
    login: Any, world: Any
) -> None:
    services.notify([world.sales_a], kind="system.test", title="给销售A")
    services.notify([world.sales_b], kind="system.test", title="给销售B")
    [read] = services.notify([world.sales_a], kind="system.test", title="已读的")
    services.mark_read(read, by=world.sales_a)
    client = login(world.sales_a)

    everything = client.get(reverse("notifications:inbox")).content.decode()
    unread = client.get(reverse("notifications:inbox") + "?show=unread").content.decode()

    assert "给销售A" in everything and "已读的" in everything and "给销售B" not in everything
    assert "给销售A" in unread and "已读的" not in unread


def test_marking_a_notification_read_via_htmx_updates_the_row(login: Any, world: Any) -> None:
    [mine] = services.notify([world.sales_a], kind="system.test", title="待读")
    client = login(world.sales_a)

    response = client.post(reverse("notifications:read", args=[mine.pk]), **HTMX)

    assert response.status_code == 200
    assert 'id="md-unread-total" hx-swap-oob="true">0<' in response.content.decode()
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_nobody_can_mark_someone_elses_notification(login: Any, world: Any) -> None:
    [theirs] = services.notify([world.sales_b], kind="system.test", title="别人的")

    response = login(world.sales_a).post(reverse("notifications:read", args=[theirs.pk]), **HTMX)

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_the_users_notifications(login: Any, world: Any) -> None:
    services.notify([world.sales_a, world.sales_b], kind="system.test", title="群发")
    services.notify([world.sales_a], kind="system.test", title="第二条")

    response = login(world.sales_a).post(reverse("notifications:read_all"), **HTMX)

    assert response["HX-Refresh"] == "true"
    assert not Notification.objects.filter(recipient=world.sales_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=world.sales_b, read_at__isnull=True).count() == 1


def test_the_inbox_pages_its_list(login: Any, world: Any) -> None:
    for i in range(25):
        services.notify([world.planner], kind="system.test", title=f"通知{i:02d}")
    client = login(world.planner)

    first = client.get(reverse("notifications:inbox")).content.decode()
    second = client.get(reverse("notifications:inbox") + "?page=2").content.decode()

    assert "通知24" in first and "通知04" not in first
    assert "通知04" in second and "共 25 条" in second


# --- robots --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sales_a", "planner", "operator", "channel"])
def test_roles_without_notifications_manage_get_403_on_every_robot_page(
    login: Any, world: Any, robot_server: FakeRobotServer, persona: str
) -> None:
    robot = make_robot(world.admin, world.org, "wecom", robot_server.add_wecom())
    delivery = RobotDelivery.objects.create(
        robot=robot, kind="system.test", title="x", status=Status.FAILED
    )
    client = login(getattr(world, persona))
    before = AuditEntry.objects.count()

    gets = [reverse("notifications:robots"), reverse("notifications:robot_create"),
            reverse("notifications:robot_edit", args=[robot.pk]), reverse("notifications:deliveries")]  # fmt: skip
    posts = [reverse("notifications:robot_create"), reverse("notifications:robot_delete", args=[robot.pk]),
             reverse("notifications:robot_test", args=[robot.pk]),
             reverse("notifications:delivery_retry", args=[delivery.pk])]  # fmt: skip
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert (
            client.post(
                url, {"name": "x", "kind": "wecom", "webhook": robot_server.add_wecom()}
            ).status_code
            == 403
        )

    assert Robot.objects.count() == 1
    assert RobotDelivery.objects.count() == 1
    assert AuditEntry.objects.count() == before
    assert queries.failed_delivery_count(getattr(world, persona)) == 0


def test_a_manager_creates_a_robot_whose_key_is_sealed_and_never_shown(
    login: Any, world: Any, robot_server: FakeRobotServer
) -> None:
    url = robot_server.add_dingtalk(secret="SEC" + "ab" * 32)
    key = url.split("access_token=")[1]
    client = login(world.manager)

    response = client.post(reverse("notifications:robot_create"), {
        "name": "营销中心钉钉群", "kind": "dingtalk", "webhook": url, "secret": "SEC" + "ab" * 32,
        "keyword": "锦程", "fmt": "text", "event_kinds": ["account.custody"], "enabled": "on",
    })  # fmt: skip

    assert response.status_code == 302
    robot = Robot.objects.get()
    assert (robot.organisation, robot.created_by, robot.event_kinds) == (
        world.org,
        world.manager,
        ["account.custody"],
    )
    assert key not in robot.webhook_sealed and key not in robot.webhook_masked
    assert crypto.unseal(robot.webhook_sealed) == url
    assert crypto.unseal(robot.secret_sealed) == "SEC" + "ab" * 32
    assert audit_actions("robot", robot.pk) == ["robot.create"]
    entry = AuditEntry.objects.get(action="robot.create")
    assert key not in str(entry.changes) and "SECabab" not in str(entry.changes)
    assert entry.changes["secret"] == [None, "已设置"]
    page = client.get(reverse("notifications:robots")).content.decode()
    assert robot.webhook_masked in page and key not in page
    edit = client.get(reverse("notifications:robot_edit", args=[robot.pk])).content.decode()
    assert key not in edit and "SECabab" not in edit


def test_a_company_manager_may_manage_robots_too(
    login: Any, world: Any, robot_server: FakeRobotServer
) -> None:
    response = login(world.manager_xa).post(
        reverse("notifications:robot_create"),
        {
            "name": "西安群",
            "kind": "wecom",
            "webhook": robot_server.add_wecom(),
            "fmt": "text",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    assert Robot.objects.filter(name="西安群", organisation=world.org).exists()


@pytest.mark.parametrize(
    ("values", "field_error"),
    [
        ({"kind": "wecom", "webhook": "https://example.com/hook"}, "qyapi.weixin.qq.com"),
        ({"kind": "dingtalk", "webhook": "https://oapi.dingtalk.com/robot/send"}, "缺少机器人标识"),
        (
            {
                "kind": "dingtalk",
                "webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc",
                "secret": "abc",
            },
            "SEC 开头",
        ),
        (
            {
                "kind": "wecom",
                "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                "secret": "x",
            },
            "没有加签密钥",
        ),
    ],
)
def test_bad_robot_input_names_the_problem_and_writes_nothing(
    login: Any, world: Any, values: dict[str, str], field_error: str
) -> None:
    response = login(world.admin).post(
        reverse("notifications:robot_create"), {"name": "群", "fmt": "text", **values}
    )

    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not Robot.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="robot.").exists()


def test_editing_with_a_blank_webhook_keeps_the_stored_one(
    login: Any, world: Any, robot_server: FakeRobotServer
) -> None:
    url = robot_server.add_feishu(secret="s1")
    robot = make_robot(world.admin, world.org, "feishu", url, secret="s1")

    response = login(world.manager).post(
        reverse("notifications:robot_edit", args=[robot.pk]),
        {"name": "改名后的飞书群", "kind": "feishu", "webhook": "", "secret": "", "fmt": "rich"},
    )

    assert response.status_code == 302
    robot.refresh_from_db()
    assert (robot.name, robot.fmt, robot.enabled) == ("改名后的飞书群", "rich", False)
    assert crypto.unseal(robot.webhook_sealed) == url
    assert crypto.unseal(robot.secret_sealed) == "s1"
    assert audit_actions("robot", robot.pk) == ["robot.create", "robot.update"]
    changes = AuditEntry.objects.get(action="robot.update").changes
    assert set(changes) == {"name", "fmt", "enabled"}


def test_robots_of_another_organisation_are_invisible(
    login: Any, world: Any, robot_server: FakeRobotServer
) -> None:
    robot = make_robot(world.admin, world.org, "wecom", robot_server.add_wecom())
    client = login(world.outsider)

    assert robot.name not in client.get(reverse("notifications:robots")).content.decode()
    assert client.get(reverse("notifications:robot_edit", args=[robot.pk])).status_code == 404
    assert client.post(reverse("notifications:robot_delete", args=[robot.pk])).status_code == 404
    assert client.post(reverse("notifications:robot_test", args=[robot.pk])).status_code == 404
    assert Robot.objects.filter(pk=robot.pk).exists()
    assert not RobotDelivery.objects.exists()


def test_deleting_a_robot_is_audited(login: Any, world: Any, robot_server: FakeRobotServer) -> None:
    robot = make_robot(world.admin, world.org, "wecom", robot_server.add_wecom())

    response = login(world.manager).post(reverse("notifications:robot_delete", args=[robot.pk]))

    assert response.status_code == 302
    assert not Robot.objects.exists()
    assert audit_actions("robot", robot.pk) == ["robot.create", "robot.delete"]


def test_the_test_button_queues_a_delivery_after_commit(
    login: Any, world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    robot = make_robot(world.admin, world.org, "wecom", robot_server.add_wecom())

    with django_capture_on_commit_callbacks(execute=True):
        response = login(world.manager).post(reverse("notifications:robot_test", args=[robot.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:deliveries") + f"?robot={robot.pk}"
    delivery = RobotDelivery.objects.get(robot=robot)
    assert (delivery.kind, delivery.status, delivery.title) == (
        "system.test",
        Status.PENDING,
        "MediaDesk 测试消息",
    )
    assert ready_tasks() == 1
    assert audit_actions("robot", robot.pk) == ["robot.create", "robot.test"]


def test_the_test_button_refuses_a_disabled_robot(
    login: Any, world: Any, robot_server: FakeRobotServer
) -> None:
    robot = make_robot(world.admin, world.org, "wecom", robot_server.add_wecom(), enabled=False)

    response = login(world.manager).post(
        reverse("notifications:robot_test", args=[robot.pk]), follow=True
    )

    assert "机器人已停用" in response.content.decode()
    assert not RobotDelivery.objects.exists()


# --- deliveries ----------------------------------------------------------------------------


def _deliveries(world: Any, server: FakeRobotServer) -> tuple[Robot, RobotDelivery, RobotDelivery]:
    robot = make_robot(world.admin, world.org, "wecom", server.add_wecom())
    failed = RobotDelivery.objects.create(
        robot=robot, kind="system.test", title="失败的消息", status=Status.FAILED, attempts=5,
        last_error="企业微信返回 93000（invalid webhook url）：Webhook 地址无效",
    )  # fmt: skip
    sent = RobotDelivery.objects.create(
        robot=robot, kind="system.test", title="成功的消息", status=Status.SENT
    )
    return robot, failed, sent


def test_the_status_page_highlights_failures_and_filters_by_status(
    login: Any, world: Any, robot_server: FakeRobotServer
) -> None:
    _deliveries(world, robot_server)
    client = login(world.manager)

    page = client.get(reverse("notifications:deliveries")).content.decode()
    failed_only = client.get(
        reverse("notifications:deliveries") + "?status=failed"
    ).content.decode()

    assert 'class="table-danger" data-testid="delivery" data-status="failed"' in page
    assert "Webhook 地址无效" in page and "成功的消息" in page
    assert "失败的消息" in failed_only and "成功的消息" not in failed_only
    assert queries.failed_delivery_count(world.manager) == 1
    assert queries.failed_delivery_count(world.outsider) == 0


def test_retrying_a_failed_delivery_queues_it_again_and_is_audited(
    login: Any, world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    _robot, failed, sent = _deliveries(world, robot_server)
    client = login(world.manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("notifications:delivery_retry", args=[failed.pk]),
            {"next": "//evil.example.com/"},
        )
    client.post(reverse("notifications:delivery_retry", args=[sent.pk]))

    assert response["Location"] == reverse("notifications:deliveries")
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Status.PENDING, 0, "")
    assert ready_tasks() == 1
    assert audit_actions("robot_delivery", failed.pk) == ["robot_delivery.retry"]
    sent.refresh_from_db()
    assert sent.status == Status.SENT
    assert audit_actions("robot_delivery", sent.pk) == []


def test_the_home_page_shows_failed_deliveries_to_robot_managers_only(
    login: Any, world: Any, robot_server: FakeRobotServer
) -> None:
    _deliveries(world, robot_server)

    assert (
        "1 条机器人消息发送失败" in login(world.manager).get(reverse("core:home")).content.decode()
    )
    assert (
        "机器人消息发送失败" not in login(world.sales_a).get(reverse("core:home")).content.decode()
    )


def test_the_robot_form_renders_for_a_manager(login: Any, world: Any) -> None:
    page = login(world.manager).get(reverse("notifications:robot_create")).content.decode()

    assert "Webhook 地址" in page and "加签密钥" in page
    assert "账号负责人变更" in page  # kinds registered by other apps are offered
