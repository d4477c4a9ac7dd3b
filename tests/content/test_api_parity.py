"""API parity of content planning: the lists answer the pages' rows for the same query and
persona; editing an item and its variants through the API writes what the pages write."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from mediadesk.content import exports
from mediadesk.content.models import ContentItem, MarketingNode, Series, Variant
from tests.api.parity import assert_same_rows, audit_of, same_audit
from tests.conftest import World
from tests.content.conftest import Plan, aware

pytestmark = pytest.mark.django_db
PERSONAS = ("manager", "manager_xa", "planner", "operator", "operator_cd", "legal", "sales_a",
            "outsider")  # fmt: skip


@pytest.fixture
def planned(plan: Plan, world: World) -> list[ContentItem]:
    day = dt.date(2031, 5, 6)
    series = Series.objects.create(organisation=world.org, company=world.xian, name="城市漫步",
                                   weekly_quota=3)  # fmt: skip
    items = [plan.item("城墙夜色", series=series), plan.item("五一看房团", form="article"),
             plan.item("备选：样板间", is_reserve=True),
             plan.item("天府夜景", by=world.manager, company=world.chengdu)]  # fmt: skip
    plan.variant(items[0], planned_at=aware(day))
    plan.variant(items[1], "wechat_mp", planned_at=aware(day + dt.timedelta(days=2)))
    plan.variant(items[3], account=plan.tianfu_dy, by=world.manager, planned_at=aware(day))
    MarketingNode.objects.create(organisation=world.org, name="五一", kind="holiday",
                                 starts_on=dt.date(2031, 5, 1), ends_on=dt.date(2031, 5, 5))  # fmt: skip
    MarketingNode.objects.create(organisation=world.org, name="旧节点", kind="holiday",
                                 starts_on=dt.date(2020, 5, 1), ends_on=dt.date(2020, 5, 5))  # fmt: skip
    return items


def test_content_lists_answer_the_pages_rows(
    world: World, login: Any, api: Any, plan: Plan, planned: list[ContentItem]
) -> None:
    series = Series.objects.get()
    lists = [
        ("/content/items/", "/api/v1/content/plan/items",
         [{}, {"status": "draft"}, {"series": series.pk}, {"reserve": "1"}, {"reserve": "0"},
          {"q": "夜"}, {"platform": "wechat_mp"}, {"account": plan.tianfu_dy.pk},
          {"date_from": "2031-05-06", "date_to": "2031-05-06"}, {"form": "article"},
          {"owner": world.planner.pk}, {"sort": "title"}]),
        ("/content/series/", "/api/v1/content/plan/series", [{}, {"active": "true"}]),
        ("/content/nodes/", "/api/v1/content/plan/nodes", [{}, {"when": "all"}, {"kind": "holiday"}]),
        ("/content/assets/", "/api/v1/content/plan/assets", [{}, {"licence": "none"}]),
    ]  # fmt: skip
    for page_url, api_url, cases in lists:
        listed = 0
        for name in PERSONAS:
            user = getattr(world, name)
            listed += assert_same_rows(login(user), api(user), page_url, api_url, cases, limit=30)
        if "assets" not in page_url:
            assert listed, page_url
    page = login(world.planner).get("/content/categories/").context["categories"]
    categories = api(world.planner).get("/api/v1/content/plan/categories").json()
    assert [c["id"] for c in categories["items"]] == [c.pk for c in page.order_by("sort", "pk")]


def test_an_item_through_the_api_reads_as_on_its_page(
    world: World, api: Any, planned: list[ContentItem]
) -> None:
    item = planned[0]
    data = api(world.planner).get(f"/api/v1/content/plan/items/{item.pk}").json()
    assert (data["title"], data["series"], data["status"]) == ("城墙夜色", item.series_id, "draft")
    assert [v["platform"] for v in data["variants"]] == ["douyin"]
    assert api(world.operator_cd).get(f"/api/v1/content/plan/items/{item.pk}").status_code == 404
    assert api(world.sales_a).get(f"/api/v1/content/plan/items/{item.pk}").status_code in (403, 404)


def test_editing_an_item_through_the_api_writes_what_the_page_writes(
    world: World, login: Any, api: Any, plan: Plan, planned: list[ContentItem]
) -> None:
    web, by_api = plan.item("甲"), plan.item("乙")
    page = audit_of(lambda: login(world.planner).post(f"/content/items/{web.pk}/edit/", {
        "title": "春季样板间开放", "form": "short_video", "owner": world.planner.pk,
        "company": world.xian.pk, "target_exposure": "50000", "seo_keywords": "样板间",
    }))  # fmt: skip
    answer: list[Any] = []
    client = api(world.planner)
    through_api = audit_of(lambda: answer.append(client.patch(
        f"/api/v1/content/plan/items/{by_api.pk}",
        {"title": "春季样板间开放", "target_exposure": 50000, "seo_keywords": "样板间"},
        content_type="application/json")))  # fmt: skip
    assert answer[0].status_code == 200, answer[0].json()
    same_audit(page, through_api)
    fields = (
        "title",
        "form",
        "owner_id",
        "company_id",
        "target_exposure",
        "seo_keywords",
        "status",
    )
    rows = [ContentItem.objects.values(*fields).get(pk=i.pk) for i in (web, by_api)]
    assert rows[0] == rows[1]
    bad = client.patch(f"/api/v1/content/plan/items/{by_api.pk}", {"series": 999999},
                       content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "series"
    refused = api(world.operator_cd).patch(f"/api/v1/content/plan/items/{by_api.pk}",
                                          {"title": "x"}, content_type="application/json")  # fmt: skip
    assert refused.status_code == 404
    assert api(world.legal).patch(f"/api/v1/content/plan/items/{by_api.pk}", {"title": "x"},
                                  content_type="application/json").status_code == 403  # fmt: skip
    assert ContentItem.objects.get(pk=by_api.pk).title == "春季样板间开放"


def test_variants_through_the_api_write_what_the_pages_write(
    world: World, login: Any, api: Any, plan: Plan, planned: list[ContentItem]
) -> None:
    web, by_api = plan.item("甲"), plan.item("乙")
    account = plan.accounts["xiaohongshu"]
    body = {"account": account.pk, "title": "城墙下的春天", "body": "正文", "tags": "#西安"}
    page = audit_of(lambda: login(world.planner).post(
        f"/content/items/{web.pk}/variants/new/", {**body, "planned_at": "2031-05-07T19:00"}))  # fmt: skip
    client = api(world.planner)
    answer: list[Any] = []
    through_api = audit_of(lambda: answer.append(client.post(
        f"/api/v1/content/plan/items/{by_api.pk}/variants",
        {**body, "planned_at": "2031-05-07T19:00:00+08:00"}, content_type="application/json")))  # fmt: skip
    assert answer[0].status_code == 201, answer[0].json()
    same_audit(page, through_api)
    fields = ("account_id", "platform_id", "title", "body", "tags", "planned_at", "status")
    pair = [Variant.objects.values(*fields).get(item=i) for i in (web, by_api)]
    assert pair[0] == pair[1]
    variants = [Variant.objects.get(item=i) for i in (web, by_api)]
    page = audit_of(lambda: login(world.planner).post(
        f"/content/variants/{variants[0].pk}/edit/",
        {**body, "title": "改了标题", "planned_at": "2031-05-08T19:00"}))  # fmt: skip
    through_api = audit_of(lambda: client.patch(
        f"/api/v1/content/plan/variants/{variants[1].pk}",
        {"title": "改了标题", "planned_at": "2031-05-08T19:00:00+08:00"},
        content_type="application/json"))  # fmt: skip
    same_audit(page, through_api)
    pair = [Variant.objects.values(*fields).get(item=i) for i in (web, by_api)]
    assert pair[0] == pair[1] and pair[0]["title"] == "改了标题"
    too_long = client.patch(f"/api/v1/content/plan/variants/{variants[1].pk}",
                            {"title": "长" * 201}, content_type="application/json")  # fmt: skip
    assert too_long.status_code == 422
    listed = client.get("/api/v1/content/plan/variants", {"item": by_api.pk}).json()
    assert [v["id"] for v in listed["items"]] == [variants[1].pk]
    page = audit_of(
        lambda: login(world.planner).post(f"/content/variants/{variants[0].pk}/delete/")
    )
    through_api = audit_of(lambda: client.delete(f"/api/v1/content/plan/variants/{variants[1].pk}"))
    same_audit(page, through_api)
    assert not Variant.objects.filter(item__in=[web, by_api]).exists()


def _plan_file(rows: list[str]) -> io.BytesIO:
    text = "\ufeff" + ",".join(exports.PLAN_HEADERS) + "\n" + "".join(r + "\n" for r in rows)
    upload = io.BytesIO(text.encode("gb18030"))
    upload.name = "计划.csv"
    return upload


def test_the_plan_import_through_the_api_previews_then_writes(
    world: World, api: Any, plan: Plan, planned: list[ContentItem]
) -> None:
    client = api(world.planner)
    bad = _plan_file(["1,2031-06-01,抖音,新选题,图文,互动500,planner,,待发布,",
                      "2,2031-13-01,火星,新选题,图文,,planner,,待发布,"])  # fmt: skip
    data = client.post("/api/v1/content/plan/imports", {"file": bad}).json()
    assert (data["ok"], data["rows"]) == (False, 2) and any("第 3 行" in e for e in data["errors"])
    before = (ContentItem.objects.count(), Variant.objects.count())
    refused = client.post(f"/api/v1/content/plan/imports/{data['token']}/confirm")
    assert refused.status_code == 400 and refused.json()["errors"]
    assert (ContentItem.objects.count(), Variant.objects.count()) == before
    good = _plan_file(["1,2031-06-01,抖音,新选题,图文,互动500,planner,,待发布,",
                       "2,2031-06-01,小红书,新选题,图文,互动500,planner,,待发布,"])  # fmt: skip
    data = client.post("/api/v1/content/plan/imports", {"file": good}).json()
    assert data["ok"], data
    other = api(world.manager).post(f"/api/v1/content/plan/imports/{data['token']}/confirm")
    assert other.status_code == 404
    done = client.post(f"/api/v1/content/plan/imports/{data['token']}/confirm")
    assert done.status_code == 200 and done.json() == {"created": 3, "updated": 0}
    new = ContentItem.objects.get(title="新选题")
    assert new.variants.count() == 2 and new.status == "draft"
    assert api(world.sales_a).post("/api/v1/content/plan/imports",
                                   {"file": _plan_file([])}).status_code == 403  # fmt: skip
