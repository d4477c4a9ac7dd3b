"""Bad input through the pages (the item's publish panel and the variant's schedule form) is
refused with a clear message and changes nothing; an account without a connection gets a
publish package and the page says so."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from mediadesk.content.models import Status, Variant
from mediadesk.core.models import AuditEntry
from mediadesk.publishing.models import PublishJob, State
from tests.conftest import audit_actions
from tests.publishing.conftest import Desk

pytestmark = pytest.mark.django_db

LATER = (timezone.localdate() + timezone.timedelta(days=2)).strftime("%Y-%m-%dT10:00")
PAST = (timezone.localtime() - timezone.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")


def page_messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def nothing_scheduled() -> bool:
    """No job, and no audit entry of scheduling."""
    return (
        not PublishJob.objects.exists()
        and not AuditEntry.objects.filter(
            action__in=["publishing.schedule", "publishing.reschedule", "publishing.package"]
        ).exists()
    )


def panel(pk: int) -> str:
    return reverse("publishing:schedule_item", args=[pk])


def test_the_panel_refuses_an_unapproved_variant_with_a_message(desk: Desk, login: Any) -> None:
    desk.connect("weibo")
    v = desk.submitted("weibo")["weibo"]
    assert v.status == Status.IN_REVIEW
    c = login(desk.world.operator)
    for data in ({"variant": [v.pk], "at": LATER}, {"variant": [v.pk], "now": "1"}):
        page = c.post(panel(v.item_id), data, follow=True)
        assert page.status_code == 200 and page.redirect_chain[-1][0] == reverse(
            "publishing:item", args=[v.item_id]
        )
        [(level, text)] = page_messages(page)
        assert level == "error" and "只有审核通过的平台稿可以排期（当前：审核中）" in text
        assert text in page.content.decode()
    whole = c.post(panel(v.item_id), {"at": LATER}, follow=True)
    assert page_messages(whole) == [("error", "该内容没有可排期的已通过平台稿")]
    v.refresh_from_db()
    assert v.status == Status.IN_REVIEW and nothing_scheduled()
    assert "publishing.schedule" not in audit_actions("variant", v.pk)


def test_the_variant_schedule_form_refuses_an_unapproved_variant(desk: Desk, login: Any) -> None:
    desk.connect("weibo")
    v = desk.submitted("weibo")["weibo"]
    back = reverse("publishing:item", args=[v.item_id])
    url = reverse("publishing:schedule", args=[v.pk])
    page = login(desk.world.operator).post(url, {"at": LATER, "next": back}, follow=True)
    assert page.redirect_chain[-1][0] == back
    assert "只有审核通过的平台稿可以排期" in page.content.decode()
    assert nothing_scheduled()
    # an outside `next` is not followed
    away = login(desk.world.operator).post(url, {"at": LATER, "next": "https://evil.example/"})
    assert away["Location"] == reverse("publishing:queue")


def test_a_selection_with_one_unapproved_variant_schedules_none_of_it(
    desk: Desk, login: Any
) -> None:
    desk.connect("weibo")
    approved = desk.approved("weibo")["weibo"]
    added = Variant.objects.create(  # a 抖音 version added after the review: not approved
        item=approved.item, organisation=approved.organisation, company=approved.company,
        project=approved.project, owner=approved.owner, account=desk.connect("douyin"),
        platform=desk.connect("douyin").platform, title="抖音版", body="抖音版文案",
        status=Status.DRAFT,
    )  # fmt: skip
    page = login(desk.world.operator).post(
        panel(approved.item_id), {"variant": [approved.pk, added.pk], "at": LATER}, follow=True
    )
    [(level, text)] = page_messages(page)
    assert level == "error" and "只有审核通过的平台稿可以排期（当前：草稿）" in text
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED and nothing_scheduled()


def test_a_time_in_the_past_is_refused_on_both_forms(desk: Desk, login: Any) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    c = login(desk.world.operator)
    for url, data in (
        (panel(v.item_id), {"variant": [v.pk], "at": PAST}),
        (panel(v.item_id), {"at": PAST}),  # the whole item
        (reverse("publishing:schedule", args=[v.pk]), {"at": PAST}),
    ):
        page = c.post(url, data, follow=True)
        assert page.status_code == 200
        assert page_messages(page) == [("error", "发布时间不能早于当前时间")], url
    garbled = c.post(panel(v.item_id), {"variant": [v.pk], "at": "明天上午"}, follow=True)
    assert page_messages(garbled) == [("error", "时间格式不正确")]
    v.refresh_from_db()
    assert v.status == Status.APPROVED and nothing_scheduled()


def test_a_tampered_selection_gets_a_message_not_an_error_page(desk: Desk, login: Any) -> None:
    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    other = desk.approved("weibo", title="别的内容")["weibo"]
    c = login(desk.world.operator)
    bad = c.post(panel(v.item_id), {"variant": ["abc"], "at": LATER}, follow=True)
    assert bad.status_code == 200
    assert page_messages(bad) == [("error", "所选平台稿无效，请刷新页面后重新选择")]
    foreign = c.post(panel(v.item_id), {"variant": [v.pk, other.pk], "at": LATER}, follow=True)
    assert page_messages(foreign) == [("error", "所选平台稿不属于该内容，请刷新页面后重新选择")]
    assert nothing_scheduled()


@pytest.mark.parametrize("form", ["panel", "variant"])
def test_an_account_without_a_connection_gets_a_package_and_the_page_says_so(
    desk: Desk, login: Any, form: str
) -> None:
    v = desk.approved("weibo")["weibo"]  # the Weibo account is not connected
    url = panel(v.item_id) if form == "panel" else reverse("publishing:schedule", args=[v.pk])
    data = {"variant": [v.pk], "at": LATER} if form == "panel" else {"at": LATER}
    page = login(desk.world.operator).post(url, data, follow=True)
    job = PublishJob.objects.get(variant=v)
    assert job.state == State.MANUAL
    assert page_messages(page) == [
        ("warning", "1 条：该账号未连接发布接口，已生成发布包，请到时按发布包手动发布并粘贴链接")
    ]
    html = page.content.decode()
    assert "已生成发布包" in html and reverse("publishing:package", args=[job.pk]) in html
    assert audit_actions("variant", v.pk)[-1] == "publishing.schedule"
    v.refresh_from_db()
    assert v.status == Status.SCHEDULED


def test_the_calendar_refuses_dragging_a_scheduled_variant_into_the_past(
    desk: Desk, login: Any
) -> None:
    from mediadesk.publishing import services

    desk.connect("weibo")
    v = desk.approved("weibo")["weibo"]
    at = timezone.now().replace(microsecond=0) + timezone.timedelta(days=2)
    job, _ = services.schedule_variant(v, by=desk.world.operator, at=at)
    url = reverse("content:calendar_reschedule", args=[v.pk])
    c = login(desk.world.operator)
    refused = c.post(url, {"planned_at": PAST})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "该平台稿已排期发布，发布时间不能早于当前时间"
    job.refresh_from_db()
    v.refresh_from_db()
    assert job.scheduled_at == at and job.next_try_at == at and v.planned_at == at
    assert "content.reschedule" not in audit_actions("variant", v.pk)
    moved = c.post(url, {"planned_at": LATER})  # a future slot moves the job along
    assert moved.status_code == 200
    job.refresh_from_db()
    assert timezone.localtime(job.scheduled_at).strftime("%Y-%m-%dT%H:%M") == LATER
