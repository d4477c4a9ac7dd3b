"""Planning pages: the planner's week, access per role and scope, lists and forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from mediadesk.content import rules
from mediadesk.content.models import ContentItem, Series, Variant
from mediadesk.core.models import AuditEntry
from tests.conftest import audit_actions
from tests.content.conftest import Plan

FORMAT = "%Y-%m-%dT%H:%M"


def _post_series(client: Any, name: str, quota: int, account: Any, plan: Plan) -> Series:
    response = client.post(reverse("content:series_create"), {
        "name": name, "weekly_quota": quota, "account": account.pk, "company": plan.world.xian.pk,
        "is_active": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    return Series.objects.get(name=name)


def test_a_planner_plans_a_week_and_the_plan_page_shows_quota_vs_planned(
    plan: Plan, login: Any
) -> None:
    client = login(plan.world.planner)
    brand_dy = plan.accounts["douyin"]
    meihao = _post_series(client, "美好西安", 2, brand_dy, plan)
    progress = _post_series(client, "曲江府工程进度", 1, brand_dy, plan)
    monday = rules.week_start(timezone.localdate())
    specs = [("美好西安｜城墙", meihao, ["douyin", "xiaohongshu"]), ("美好西安｜钟楼", meihao, ["douyin"]),
             ("工程进度｜封顶", progress, ["wechat_mp"]), ("样板间开放", None, ["wechat_mp", "xiaohongshu"]),
             ("公积金答疑", None, ["xiaohongshu"])]  # fmt: skip
    for n, (title, series, codes) in enumerate(specs):
        response = client.post(reverse("content:item_create"), {
            "title": title, "form": "short_video", "owner": plan.world.planner.pk,
            "company": plan.world.xian.pk, "series": series.pk if series else "",
        })  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:3000]
        item = ContentItem.objects.get(title=title)
        for code in codes:
            when = timezone.make_aware(
                dt.datetime.combine(monday + dt.timedelta(days=n), dt.time(18))
            )
            response = client.post(reverse("content:variant_add", args=[item.pk]), {
                "account": plan.accounts[code].pk, "title": title, "body": "走进锦程",
                "planned_at": when.strftime(FORMAT),
            })  # fmt: skip
            assert response.status_code == 302, response.content.decode()[:3000]
    assert ContentItem.objects.count() == 5 and Variant.objects.count() == 7
    assert set(Variant.objects.values_list("platform__code", flat=True)) == {
        "douyin",
        "wechat_mp",
        "xiaohongshu",
    }
    page = client.get(reverse("content:home"), {"week": rules.week_label(monday)}).content.decode()
    meihao_cell = _cell(page, meihao.pk, monday)
    assert '2</span><span class="text-muted">/2' in meihao_cell and "差" not in meihao_cell
    # 曲江府工程进度 counts only its account: the 公众号 variant is not on the quota account
    progress_cell = _cell(page, progress.pk, monday)
    assert '0</span><span class="text-muted">/1' in progress_cell and "差 1 条" in progress_cell
    assert 'data-testid="shortfall"' in page
    item = ContentItem.objects.get(title="美好西安｜城墙")
    assert audit_actions("content_item", item.pk) == ["content.create"]
    assert len(audit_actions("variant", item.variants.first().pk)) == 1  # type: ignore[union-attr]


def _cell(page: str, series_id: int, monday: dt.date) -> str:
    marker = f'data-testid="cell-{series_id}-{monday:%Y-%m-%d}"'
    start = page.index(marker)
    return page[start : page.index("</td>", start)]


def test_sales_cannot_see_drafts(plan: Plan, login: Any) -> None:
    item = plan.item("保密草稿")
    variant = plan.variant(item)
    client = login(plan.world.sales_a)
    assert client.get(reverse("content:items")).status_code == 403
    assert client.get(reverse("content:home")).status_code == 403
    assert client.get(reverse("content:item", args=[item.pk])).status_code == 404
    assert client.get(reverse("content:variant_edit", args=[variant.pk])).status_code == 404
    assert client.get(reverse("content:items_export")).status_code == 403


def test_anonymous_is_sent_to_login_and_outsider_sees_nothing(
    plan: Plan, client: Any, login: Any
) -> None:
    item = plan.item()
    response = client.get(reverse("content:item", args=[item.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    outsider = login(plan.world.outsider)
    assert outsider.get(reverse("content:item", args=[item.pk])).status_code == 404
    assert "美好西安" not in outsider.get(reverse("content:items")).content.decode()


def test_operator_of_chengdu_cannot_edit_or_even_open_a_xian_item(plan: Plan, login: Any) -> None:
    item = plan.item()
    client = login(plan.world.operator_cd)
    assert client.get(reverse("content:item_edit", args=[item.pk])).status_code == 404
    response = client.post(
        reverse("content:item_edit", args=[item.pk]), {"title": "改", "form": "article"}
    )
    assert response.status_code == 404
    assert ContentItem.objects.get(pk=item.pk).title == "美好西安｜城墙夜色"


def test_legal_can_read_but_not_edit(plan: Plan, login: Any) -> None:
    item = plan.item()
    client = login(plan.world.legal)
    assert client.get(reverse("content:item", args=[item.pk])).status_code == 200
    assert client.get(reverse("content:item_edit", args=[item.pk])).status_code == 403
    assert (
        client.post(reverse("content:item_create"), {"title": "x", "form": "article"}).status_code
        == 403
    )
    assert not AuditEntry.objects.filter(actor=plan.world.legal).exists()


def test_item_page_shows_variants_findings_history_and_live_check(plan: Plan, login: Any) -> None:
    item = plan.item("全网最低价｜曲江府", project=plan.world.qujiang)
    plan.variant(item, "weibo", title="全网最低价", tags="#曲江")
    page = login(plan.world.planner).get(reverse("content:item", args=[item.pk])).content.decode()
    assert 'data-testid="variant"' in page and "微博话题应写成 #话题#" in page
    assert "新增平台稿" in page and "创建内容" in page  # history of item and variant
    edit = login(plan.world.planner).get(
        reverse("content:variant_edit", args=[item.variants.get().pk])
    )
    html = edit.content.decode()
    assert "data-compliance-check" in html and 'data-platform="weibo"' in html
    assert 'data-industry="real_estate"' in html and "mediadesk/compliance/live.js" in html
    assert 'id="best-time-hints"' in html


def test_item_list_filters_paginate_and_export(plan: Plan, login: Any) -> None:
    for n in range(3):
        plan.variant(plan.item(f"内容{n}"), "xiaohongshu" if n else "douyin")
    client = login(plan.world.planner)
    rows = client.get(reverse("content:items"), {"platform": "xiaohongshu"}).content.decode()
    assert rows.count('data-testid="item-row"') == 2 and "内容0" not in rows
    assert "没有符合条件" in client.get(reverse("content:items"), {"q": "不存在"}).content.decode()
    assert (
        client.get(reverse("content:items"), {"owner": "abc", "date_from": "bad"}).status_code
        == 200
    )
    response = client.get(reverse("content:items_export"), {"platform": "xiaohongshu"})
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/vnd.openxml"
    )


def test_reserve_items_are_listed_separately(plan: Plan, login: Any) -> None:
    plan.item("暴雨安全提示", is_reserve=True)
    plan.item("普通内容")
    page = login(plan.world.planner).get(reverse("content:reserve")).content.decode()
    assert "暴雨安全提示" in page and "普通内容" not in page


def test_best_times_page_is_editable_by_admin_only(plan: Plan, login: Any) -> None:
    from mediadesk.content.models import BestTime

    best = BestTime.objects.filter(platform__code="douyin").first()
    assert best is not None
    assert (
        login(plan.world.planner).get(reverse("content:best_time_edit", args=[best.pk])).status_code
        == 403
    )
    client = login(plan.world.admin)
    response = client.post(reverse("content:best_time_edit", args=[best.pk]), {
        "platform": best.platform_id, "starts": "17:30", "ends": "19:00", "note": "调整"})  # fmt: skip
    assert response.status_code == 302
    best.refresh_from_db()
    assert f"{best.starts:%H:%M}" == "17:30" and audit_actions("best_time", best.pk) == [
        "best_time.update"
    ]


def test_pages_render_for_the_planner(plan: Plan, login: Any) -> None:
    client = login(plan.world.planner)
    for name in ("home", "items", "reserve", "series", "categories", "nodes", "assets", "best_times",
                 "item_create", "series_create", "node_create", "asset_upload", "plan_import"):  # fmt: skip
        assert client.get(reverse(f"content:{name}")).status_code == 200, name
