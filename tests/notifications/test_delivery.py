"""notify() → commit → task queue → the real worker → the fake robot server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mediadesk.core import crypto
from mediadesk.notifications import services, tasks
from mediadesk.notifications.jobs import requeue_stuck
from mediadesk.notifications.models import Notification, Robot, RobotDelivery
from tests.fakes.robots import FakeRobotServer
from tests.notifications.conftest import make_robot, pass_time, ready_tasks, run_worker

DING_SECRET = "SEC" + "7d" * 32
FEISHU_SECRET = "feishu-signing-secret"
Status = RobotDelivery.Status


def _robot_on(server: FakeRobotServer, world: Any, kind: str, **values: Any) -> tuple[Robot, str]:
    if kind == "wecom":
        url = server.add_wecom()
    elif kind == "dingtalk":
        url = server.add_dingtalk(secret=DING_SECRET, keyword=values.get("keyword", ""))
        values.setdefault("secret", DING_SECRET)
    else:
        url = server.add_feishu(secret=FEISHU_SECRET, keyword=values.get("keyword", ""))
        values.setdefault("secret", FEISHU_SECRET)
    return make_robot(world.admin, world.org, kind, url, **values), url


def _notify(
    world: Any, capture: Any, *, kind: str = "system.test", title: str = "新线索待分配", n: int = 1
) -> None:
    with capture(execute=True):
        for i in range(n):
            services.notify(
                [world.manager],
                kind=kind,
                title=f"{title} #{i + 1}",
                body="请在 2 小时内处理",
                organisation=world.org,
            )


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_a_notification_reaches_each_kind_of_robot_correctly_signed(
    world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any, kind: str
) -> None:
    robot, url = _robot_on(robot_server, world, kind)

    _notify(world, django_capture_on_commit_callbacks)
    assert ready_tasks() == 1
    run_worker()

    [request] = robot_server.requests_to(url)
    assert request.accepted, request.answer
    assert request.text == "新线索待分配 #1\n请在 2 小时内处理"
    if kind == "dingtalk":
        assert set(request.query) == {"access_token", "timestamp", "sign"}
    if kind == "feishu":
        assert {"timestamp", "sign"} <= set(request.body)
    delivery = RobotDelivery.objects.get(robot=robot)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Status.SENT, 1, "")
    assert delivery.sent_at is not None
    assert (
        Notification.objects.filter(recipient=world.manager, title="新线索待分配 #1").count() == 1
    )
    assert not DBTaskResult.objects.filter(status="FAILED").exists()


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_before_commit_and_nothing_at_all_after_rollback(
    world: Any, robot_server: FakeRobotServer
) -> None:
    _robot, url = _robot_on(robot_server, world, "wecom")

    with transaction.atomic():
        services.notify(
            [world.manager], kind="system.test", title="提交后才发送", organisation=world.org
        )
        assert ready_tasks() == 0
    assert ready_tasks() == 1

    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(
            [world.manager], kind="system.test", title="回滚的通知", organisation=world.org
        )
        raise RuntimeError("boom")
    assert ready_tasks() == 1
    assert not Notification.objects.filter(title="回滚的通知").exists()
    assert not RobotDelivery.objects.filter(title="回滚的通知").exists()

    run_worker()
    assert [r.text for r in robot_server.requests_to(url)] == ["提交后才发送"]


def test_twenty_five_messages_to_one_wecom_robot_are_sent_twenty_per_minute(
    world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    robot, url = _robot_on(robot_server, world, "wecom")
    _notify(world, django_capture_on_commit_callbacks, n=25)

    run_worker()

    assert len(robot_server.requests_to(url)) == 20  # the robot's limit was never hit
    assert all(r.accepted for r in robot_server.requests_to(url))
    deliveries = RobotDelivery.objects.filter(robot=robot)
    assert deliveries.filter(status=Status.SENT).count() == 20
    waiting = deliveries.filter(status=Status.PENDING)
    assert waiting.count() == 5
    assert all(d.next_attempt_at and d.next_attempt_at > timezone.now() for d in waiting)
    assert ready_tasks() == 5

    pass_time(61, robot_server)
    run_worker()

    texts = [r.text.split("\n")[0] for r in robot_server.requests_to(url)]
    assert len(texts) == 25
    assert sorted(texts) == sorted(f"新线索待分配 #{i}" for i in range(1, 26))
    assert deliveries.filter(status=Status.SENT).count() == 25
    assert not deliveries.filter(status=Status.FAILED).exists()


def test_transient_errors_are_retried_with_backoff_then_fail_with_the_error_kept(
    world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    robot, url = _robot_on(robot_server, world, "dingtalk")
    robot_server.fail_next(url, *[(502, b"<html>Bad Gateway</html>")] * 5)
    _notify(world, django_capture_on_commit_callbacks)
    delivery = RobotDelivery.objects.get(robot=robot)

    delays = []
    for attempt in range(1, 5):
        run_worker()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (Status.PENDING, attempt)
        assert "HTTP 502" in delivery.last_error
        assert delivery.next_attempt_at and delivery.last_attempt_at
        delays.append(round((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()))
        run_worker()  # not due yet: nothing happens
        assert len(robot_server.requests_to(url)) == attempt
        pass_time(delays[-1], robot_server)
    run_worker()

    delivery.refresh_from_db()
    assert delays == [60, 120, 240, 480]
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 5)
    assert "HTTP 502" in delivery.last_error and "已尝试 5 次" in delivery.last_error
    assert len(robot_server.requests_to(url)) == 5
    assert ready_tasks() == 0


@pytest.mark.parametrize(("kind", "says"), [("dingtalk", "签名不匹配"), ("feishu", "签名校验失败")])
def test_a_wrong_signing_secret_fails_at_once_with_a_clear_error(
    world: Any,
    robot_server: FakeRobotServer,
    django_capture_on_commit_callbacks: Any,
    kind: str,
    says: str,
) -> None:
    wrong = "SEC" + "00" * 32 if kind == "dingtalk" else "not-the-secret"
    robot, url = _robot_on(robot_server, world, kind, secret=wrong)
    _notify(world, django_capture_on_commit_callbacks)

    run_worker()

    delivery = RobotDelivery.objects.get(robot=robot)
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert says in delivery.last_error
    assert len(robot_server.requests_to(url)) == 1
    assert ready_tasks() == 0


@pytest.mark.parametrize("kind", ["dingtalk", "feishu"])
def test_the_robot_keyword_is_added_when_the_message_lacks_it(
    world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any, kind: str
) -> None:
    _robot, url = _robot_on(robot_server, world, kind, keyword="MediaDesk")
    _notify(world, django_capture_on_commit_callbacks)

    run_worker()

    [message] = robot_server.messages_to(url)
    assert message.text.startswith("【MediaDesk】新线索待分配 #1")


def test_rich_format_is_markdown_on_wecom(
    world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    _robot, url = _robot_on(robot_server, world, "wecom", fmt="rich")
    _notify(world, django_capture_on_commit_callbacks)

    run_worker()

    [message] = robot_server.messages_to(url)
    assert message.body["msgtype"] == "markdown"
    assert message.text.startswith("**新线索待分配 #1**")


def test_a_throttled_answer_pauses_the_robot_and_sends_later_without_failing(
    world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    robot, url = _robot_on(robot_server, world, "dingtalk")
    robot_server.fail_next(
        url, (200, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
    )
    _notify(world, django_capture_on_commit_callbacks, n=2)

    run_worker()

    robot.refresh_from_db()
    assert robot.throttled_until is not None
    pause = (robot.throttled_until - timezone.now()).total_seconds()
    assert 590 < pause <= 600
    assert len(robot_server.requests_to(url)) == 1  # the second message waited too
    assert set(RobotDelivery.objects.values_list("status", flat=True)) == {Status.PENDING}

    pass_time(601, robot_server)
    run_worker()

    assert len(robot_server.messages_to(url)) == 2
    assert set(RobotDelivery.objects.values_list("status", flat=True)) == {Status.SENT}
    assert set(RobotDelivery.objects.values_list("attempts", flat=True)) == {1}


def test_a_sent_delivery_is_never_sent_twice(
    world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    robot, url = _robot_on(robot_server, world, "feishu")
    _notify(world, django_capture_on_commit_callbacks)
    delivery = RobotDelivery.objects.get(robot=robot)
    services.enqueue([delivery.pk])  # a duplicate task for the same delivery

    run_worker()

    assert len(robot_server.requests_to(url)) == 1
    assert tasks.deliver(delivery.pk) == "skipped"
    assert len(robot_server.requests_to(url)) == 1


def test_robots_get_only_subscribed_kinds_and_disabled_robots_nothing(
    world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    custody, _ = _robot_on(robot_server, world, "wecom", event_kinds=["account.custody"])
    everything, _ = _robot_on(robot_server, world, "wecom")
    off, _ = _robot_on(robot_server, world, "wecom", enabled=False)
    elsewhere = make_robot(world.outsider, world.other_org, "wecom", robot_server.add_wecom())

    _notify(world, django_capture_on_commit_callbacks, kind="system.test")

    assert set(RobotDelivery.objects.values_list("robot_id", flat=True)) == {everything.pk}
    assert custody.pk and off.pk and elsewhere.pk


def test_notify_without_organisation_stays_in_app(
    world: Any, robot_server: FakeRobotServer
) -> None:
    _robot_on(robot_server, world, "wecom")

    rows = services.notify(
        [world.manager, world.planner, world.manager], kind="system.test", title="仅站内"
    )

    assert sorted(n.recipient.username for n in rows) == ["manager", "planner"]
    assert not RobotDelivery.objects.exists()


def test_a_disabled_robot_leaves_its_queued_message_failed(
    world: Any, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    robot, url = _robot_on(robot_server, world, "wecom")
    _notify(world, django_capture_on_commit_callbacks)
    Robot.objects.filter(pk=robot.pk).update(enabled=False)

    run_worker()

    delivery = RobotDelivery.objects.get(robot=robot)
    assert (delivery.status, delivery.last_error) == (Status.FAILED, "机器人已停用，消息未发送")
    assert robot_server.requests_to(url) == []


def test_an_unreachable_robot_is_a_transient_failure(
    world: Any, robot_server: FakeRobotServer
) -> None:
    url = robot_server.add_wecom()
    robot = make_robot(world.admin, world.org, "wecom", url)
    robot_server.stop()  # nothing listens on the port any more
    delivery = RobotDelivery.objects.create(robot=robot, kind="system.test", title="x")

    assert tasks.deliver(delivery.pk) == "retry"

    delivery.refresh_from_db()
    assert delivery.status == Status.PENDING
    assert "无法连接企业微信" in delivery.last_error
    assert crypto.unseal(robot.webhook_sealed).split("key=")[1] not in delivery.last_error


def test_the_periodic_sweep_requeues_only_deliveries_whose_task_was_lost(
    world: Any, robot_server: FakeRobotServer
) -> None:
    robot = make_robot(world.admin, world.org, "wecom", robot_server.add_wecom())
    now = timezone.now()
    long_ago = now - timedelta(minutes=20)
    lost = RobotDelivery.objects.create(
        robot=robot, kind="system.test", title="丢失的任务", created_at=long_ago
    )
    cut_off = RobotDelivery.objects.create(
        robot=robot,
        kind="system.test",
        title="中断的发送",
        status=Status.SENDING,
        last_attempt_at=long_ago,
    )
    RobotDelivery.objects.create(robot=robot, kind="system.test", title="刚排队的")
    RobotDelivery.objects.create(
        robot=robot,
        kind="system.test",
        title="稍后重试",
        next_attempt_at=now + timedelta(minutes=5),
    )
    RobotDelivery.objects.create(
        robot=robot, kind="system.test", title="已发送", status=Status.SENT, created_at=long_ago
    )

    assert requeue_stuck(now) == 2

    queued = DBTaskResult.objects.filter(status="READY").values_list("args_kwargs", flat=True)
    assert sorted(args["args"][0] for args in queued) == sorted([lost.pk, cut_off.pk])
    run_worker()
    assert sorted(r.text for r in robot_server.received) == sorted(["中断的发送", "丢失的任务"])


def test_a_webhook_sealed_with_a_lost_key_fails_clearly(
    world: Any, robot_server: FakeRobotServer
) -> None:
    robot = make_robot(world.admin, world.org, "wecom", robot_server.add_wecom())
    Robot.objects.filter(pk=robot.pk).update(webhook_sealed="gAAAAA-not-a-token")
    delivery = RobotDelivery.objects.create(robot=robot, kind="system.test", title="x")

    assert tasks.deliver(delivery.pk) == "failed"

    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert "无法解密" in delivery.last_error
    assert robot_server.received == []
