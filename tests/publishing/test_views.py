"""Pages of publishing: anonymous, wrong role, other scope, permitted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mediadesk.publishing import services
from mediadesk.publishing.models import PublishJob, State
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["publishing:queue", "publishing:checks", "publishing:connections"]
)
def test_lists_need_login_and_the_permission(desk: Desk, login: Any, name: str) -> None:
    url = reverse(name)
    assert Client().get(url).status_code == 302
    assert login(desk.world.sales_a).get(url).status_code == 403
    assert login(desk.world.operator).get(url).status_code == 200


def test_the_package_page_shows_copy_and_takes_the_pasted_link(desk: Desk, login: Any) -> None:
    v = desk.approved("xiaohongshu")["xiaohongshu"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    url = reverse("publishing:package", args=[job.pk])
    page = login(desk.world.operator).get(url)
    assert (
        page.status_code == 200
        and v.title in page.content.decode()
        and "已发布，粘贴链接" in page.content.decode()
    )
    z = login(desk.world.operator).get(reverse("publishing:package_zip", args=[job.pk]))
    assert z.status_code == 200 and z["Content-Type"] == "application/zip"
    assert login(desk.world.operator_cd).get(url).status_code == 404
    login(desk.world.operator).post(url, {"url": "https://www.xiaohongshu.com/explore/1"})
    assert PublishJob.objects.get(pk=job.pk).state == State.PUBLISHED


def test_the_queue_lists_jobs_and_bulk_cancels(desk: Desk, login: Any) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    c = login(desk.world.operator)
    assert v.title in c.get(reverse("publishing:queue") + "?state=queued").content.decode()
    assert (
        v.title
        not in login(desk.world.operator_cd).get(reverse("publishing:queue")).content.decode()
    )
    c = login(desk.world.operator)
    assert (
        c.post(reverse("publishing:bulk"), {"action": "cancel", "job": [job.pk]}).status_code == 302
    )
    assert PublishJob.objects.get(pk=job.pk).state == State.CANCELLED
    assert c.get(reverse("publishing:job", args=[job.pk])).status_code == 200


def test_the_connect_page_saves_and_shows_no_secret(desk: Desk, login: Any) -> None:
    from tests.publishing.conftest import account

    acc = account(desk.world, "wechat_mp", "锦程曲江府公众号")
    url = reverse("publishing:connect", args=[acc.pk])
    c = login(desk.world.operator)
    c.post(url, {"app_id": "wx9", "app_secret": "topsecret"})
    page = c.get(url).content.decode()
    assert "wx9" in page and "topsecret" not in page
    assert "已连接" in c.get(reverse("publishing:connections")).content.decode()


def test_the_calendar_shows_failed_and_package_states(desk: Desk, login: Any) -> None:
    from django.utils import timezone

    from mediadesk.content import calendar

    v = desk.approved("xiaohongshu")["xiaohongshu"]
    services.schedule_variant(v, by=desk.world.operator, now=True)
    rows = [{"id": v.pk, "item_id": v.item_id, "title": v.title, "item__title": "", "status": "scheduled",
             "platform__code": "xiaohongshu", "platform__name": "小红书", "account__name": "x",
             "can_edit": True, "at": timezone.now(), "rank": 1, "day_total": 1, "day": None}]  # fmt: skip
    [event] = calendar.variant_events(rows, cap=5)
    assert event["extendedProps"]["statusLabel"] == "待人工发布"
    assert event["classNames"] == ["md-cal-status-manual"]


def test_the_item_panel_schedules_a_selection_or_the_whole_item_and_cancels(
    desk: Desk, login: Any
) -> None:
    desk.connect("weibo")
    variants = desk.approved("weibo", "xiaohongshu")
    item_id = variants["weibo"].item_id
    url = reverse("publishing:item", args=[item_id])
    assert Client().get(url).status_code == 302
    assert login(desk.world.sales_a).get(url).status_code == 403
    assert login(desk.world.operator_cd).get(url).status_code == 404
    c = login(desk.world.operator)
    assert c.get(url).status_code == 200
    c.post(
        reverse("publishing:schedule_item", args=[item_id]),
        {"variant": [variants["weibo"].pk], "at": "2099-01-01T10:00"},
    )
    assert list(PublishJob.objects.values_list("state", flat=True)) == ["queued"]
    c.post(reverse("publishing:schedule_item", args=[item_id]), {"now": "1"})
    assert sorted(PublishJob.objects.values_list("state", flat=True)) == ["manual", "queued"]
    c.post(reverse("publishing:cancel", args=[variants["weibo"].pk]))
    assert sorted(PublishJob.objects.values_list("state", flat=True)) == ["cancelled", "manual"]
    past = c.post(
        reverse("publishing:schedule_item", args=[item_id]),
        {"variant": [variants["weibo"].pk], "at": "2001-01-01T10:00"},
        follow=True,
    )
    assert "不能早于当前时间" in past.content.decode()
    assert PublishJob.objects.filter(state="queued").count() == 0


@pytest.mark.parametrize("code", ["douyin", "weibo"])
def test_oauth_connect_exchanges_the_code_and_stores_the_token_sealed(
    desk: Desk, login: Any, code: str
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from mediadesk.core import crypto
    from mediadesk.publishing.models import Connection
    from tests.publishing.conftest import NAMES, account

    acc = account(desk.world, code, NAMES[code])
    c = login(desk.world.operator)
    start = c.get(reverse("publishing:oauth_start", args=[acc.pk]))
    assert start.status_code == 302
    target = urlsplit(start["Location"])
    fake = desk.fakes.douyin if code == "douyin" else desk.fakes.weibo
    assert start["Location"].startswith(fake.base)
    state = parse_qs(target.query)["state"][0]
    callback = reverse("publishing:oauth_callback")
    c.get(callback, {"code": "forged", "state": state})
    assert not Connection.objects.filter(account=acc).exists()  # a bad code changes nothing
    c.get(callback, {"code": fake.issue_code(), "state": state + "x"})
    assert not Connection.objects.filter(account=acc).exists()  # a tampered state neither
    c.get(callback, {"code": fake.issue_code(), "state": state})
    conn = Connection.objects.get(account=acc)
    assert conn.status == "connected" and crypto.unseal(conn.secret_sealed) in fake.tokens
    assert (
        login(desk.world.sales_a).get(reverse("publishing:oauth_start", args=[acc.pk])).status_code
        == 403
    )


def test_a_broken_connection_shows_on_the_account_and_in_the_standards_report(
    desk: Desk, login: Any
) -> None:
    from mediadesk.matrix import queries as matrix_queries
    from mediadesk.publishing.models import Connection

    acc = desk.connect("weibo")
    assert not any(f.code == "publishing_connection" for f in matrix_queries.standards_for(acc))
    Connection.objects.filter(account=acc).update(
        status="expired", last_error="授权已过期，请重新授权"
    )
    assert any(f.code == "publishing_connection" for f in matrix_queries.standards_for(acc))
    report = dict(matrix_queries.standards_report([acc]))
    assert any("重新授权" in f.message for f in report[acc])
    page = login(desk.world.operator).get(reverse("matrix:detail", args=[acc.pk])).content.decode()
    assert "发布接口连接异常" in page


def test_the_home_page_shows_failed_jobs(desk: Desk, login: Any) -> None:
    from mediadesk.publishing.models import PublishJob

    v = desk.approved("xiaohongshu")["xiaohongshu"]
    job, _ = services.schedule_variant(v, by=desk.world.operator, now=True)
    PublishJob.objects.filter(pk=job.pk).update(state="failed", error_message="测试失败")
    client = login(desk.world.operator)
    home = client.get(reverse("core:home"))
    assert 'data-testid="card-publishing"' in home.content.decode()
    card = next(c["cockpit"] for _, c in home.context["plug_cards"] if c.get("cockpit")
                and c["cockpit"].key == "publishing")  # fmt: skip
    failed = next(f for f in card.figures if f.url.endswith("state=failed"))
    assert failed.value == 1
    for figure in card.figures:  # every number is the length of the list it links to
        assert client.get(figure.url).context["page"].paginator.count == figure.value, figure
    assert (
        'data-testid="card-publishing"'
        not in login(desk.world.sales_a).get(reverse("core:home")).content.decode()
    )
