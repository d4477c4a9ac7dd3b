"""The content calendar: page, JSON feed (scoping, caps, filters, bad input) and the
drag-to-reschedule endpoint (permission, state, audit).

Data: a 西安 抖音 account (曲江府), a 西安 公众号 account, a 成都 account and an org-wide
微博 brand account, with items owned by the planner; times are Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from mediadesk.content.models import ContentItem, Form, MarketingNode, Series, Status, Variant
from mediadesk.core.models import AuditEntry
from mediadesk.matrix.models import Account, Platform
from tests.conftest import World, audit_actions

SH = ZoneInfo("Asia/Shanghai")
FEED = "/content/calendar/feed/"
MARCH = {"start": "2026-02-23T00:00:00", "end": "2026-04-06T00:00:00"}  # the month grid


def at(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


@dataclass
class Desk:
    world: World
    xa_douyin: Account
    xa_mp: Account
    cd_douyin: Account
    brand_weibo: Account
    item: ContentItem
    series: Series

    def variant(self, account: Account, when: dt.datetime | None, **values: Any) -> Variant:
        """A variant of a fresh item on `account`, planned at `when`."""
        item = ContentItem.objects.create(
            organisation=account.organisation, company=account.company, project=account.project,
            title=values.pop("item_title", "曲江府开放日"), owner=values.get("owner", self.world.planner),
            form=Form.SHORT_VIDEO, created_by=self.world.planner,
        )  # fmt: skip
        values.setdefault("owner", self.world.planner)
        return Variant.objects.create(
            item=item, organisation=account.organisation, company=account.company,
            project=account.project, account=account, platform=account.platform,
            planned_at=when, **values,
        )  # fmt: skip


def _account(world: World, code: str, name: str, project: Any = None, level: int = 2) -> Account:
    return Account.objects.create(
        organisation=world.org, company=project.company if project else None, project=project,
        platform=Platform.objects.get(code=code), name=name, level=level,
    )  # fmt: skip


@pytest.fixture
def desk(world: World) -> Desk:
    xa_douyin = _account(world, "douyin", "锦程曲江府", world.qujiang)
    series = Series.objects.create(organisation=world.org, company=world.xian, name="美好西安")
    item = ContentItem.objects.create(
        organisation=world.org, company=world.xian, project=world.qujiang, title="曲江府样板间",
        owner=world.planner, form=Form.ARTICLE, created_by=world.planner,
    )  # fmt: skip
    return Desk(
        world=world,
        xa_douyin=xa_douyin,
        xa_mp=_account(world, "wechat_mp", "锦程高新云境", world.yunjing),
        cd_douyin=_account(world, "douyin", "锦程天府", world.tianfu),
        brand_weibo=_account(world, "weibo", "锦程置业", None, level=1),
        item=item,
        series=series,
    )


def feed(client: Client, **params: Any) -> Any:
    return client.get(FEED, {**MARCH, **params})


def variant_ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.content
    return {int(e["id"]) for e in response.json() if e["extendedProps"]["kind"] == "variant"}


# ---- access ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client: Client, desk: Desk) -> None:
    for response in (client.get("/content/calendar/"), feed(client)):
        assert response.status_code == 302 and "/login/" in response["Location"]
    v = desk.variant(desk.xa_douyin, at(10))
    response = client.post(
        f"/content/calendar/variants/{v.pk}/reschedule/", {"planned_at": "2026-03-11T10:00"}
    )
    assert response.status_code == 302
    assert Variant.objects.get(pk=v.pk).planned_at == at(10)


def test_sales_sees_nothing(login: Any, desk: Desk) -> None:
    v = desk.variant(desk.xa_douyin, at(10))
    client = login(desk.world.sales_a)
    assert client.get("/content/calendar/").status_code == 403
    response = feed(client)
    assert response.status_code == 403 and response.json()["detail"] == "没有查看内容日历的权限"
    response = client.post(
        f"/content/calendar/variants/{v.pk}/reschedule/", {"planned_at": "2026-03-11T10:00"}
    )
    assert response.status_code == 403
    assert Variant.objects.get(pk=v.pk).planned_at == at(10)


def test_each_viewer_sees_their_scope(login: Any, desk: Desk) -> None:
    xa = desk.variant(desk.xa_douyin, at(10))
    xa_mp = desk.variant(desk.xa_mp, at(11))
    cd = desk.variant(desk.cd_douyin, at(12))
    brand = desk.variant(desk.brand_weibo, at(13))
    assert variant_ids(feed(login(desk.world.planner))) == {xa.pk, xa_mp.pk, brand.pk}
    assert variant_ids(feed(login(desk.world.operator_cd))) == {cd.pk, brand.pk}
    assert variant_ids(feed(login(desk.world.manager))) == {xa.pk, xa_mp.pk, cd.pk, brand.pk}
    assert variant_ids(feed(login(desk.world.outsider))) == set()


def test_page_renders_filters_legend_and_feed_config(login: Any, desk: Desk) -> None:
    client = login(desk.world.planner)
    response = client.get(
        "/content/calendar/", {"platform": "douyin", "view": "timeGridWeek", "date": "2026-03-09"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-feed-url="/content/calendar/feed/"' in html
    assert 'data-initial-view="timeGridWeek"' in html and 'data-initial-date="2026-03-09"' in html
    assert 'data-can-edit="1"' in html
    assert '<option value="douyin" selected>' in html
    assert "锦程曲江府（抖音）" in html and "美好西安" in html
    assert "黄金档" in html  # 公众号 best-time window in the legend
    assert 'id="md-cal-best-times"' in html and "<script>" not in html  # no inline script (CSP)


def test_page_ignores_odd_parameters(login: Any, desk: Desk) -> None:
    client = login(desk.world.legal)
    response = client.get(
        "/content/calendar/", {"view": "<x>", "date": "2026-13-45", "account": "abc"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-initial-view=""' in html and 'data-initial-date=""' in html
    assert 'data-can-edit="0"' in html


# ---- feed content ------------------------------------------------------------------------


def test_event_shows_platform_colour_status_time_and_link(login: Any, desk: Desk) -> None:
    planned = desk.variant(
        desk.xa_douyin, at(10, 19, 30), title="样板间探访", status=Status.APPROVED
    )
    published = desk.variant(
        desk.xa_mp,
        at(11),
        status=Status.PUBLISHED,
        published_at=at(12, 8, 5),
        item_title="云境开盘",
    )
    events = {e["id"]: e for e in feed(login(desk.world.planner)).json()}
    e = events[str(planned.pk)]
    assert e["title"] == "样板间探访" and e["start"] == "2026-03-10T19:30"
    assert e["backgroundColor"] == "#1f1f2e" and e["classNames"] == ["md-cal-status-approved"]
    assert e["extendedProps"]["statusLabel"] == "已通过(待发布)"
    assert e["extendedProps"]["account"] == "锦程曲江府" and e["startEditable"] is True
    p = events[str(published.pk)]
    assert p["title"] == "云境开盘" and p["start"] == "2026-03-12T08:05"  # at its publish time
    assert p["startEditable"] is False and p["backgroundColor"] == "#07a35a"


def test_events_link_to_their_item_page(login: Any, desk: Desk) -> None:
    v = desk.variant(desk.xa_douyin, at(10))
    event = feed(login(desk.world.planner)).json()[0]
    assert event["url"] == f"/content/items/{v.item_id}/"
    assert login(desk.world.planner).get(event["url"]).status_code == 200


def test_viewer_without_edit_permission_gets_fixed_events(login: Any, desk: Desk) -> None:
    desk.variant(desk.xa_douyin, at(10))
    events = feed(login(desk.world.legal)).json()
    assert [e["startEditable"] for e in events] == [False]


def test_busy_day_shows_first_three_by_time_and_a_count(login: Any, desk: Desk) -> None:
    accounts = [desk.xa_douyin, desk.xa_mp, desk.brand_weibo]
    made = [desk.variant(accounts[i % 3], at(10, 8 + i)) for i in range(5)]
    lone = desk.variant(desk.xa_douyin, at(11))
    events = feed(login(desk.world.planner)).json()
    assert [e["id"] for e in events if e["start"].startswith("2026-03-10T")] == [
        str(v.pk) for v in made[:3]
    ]
    more = [e for e in events if e["extendedProps"]["kind"] == "more"]
    assert len(more) == 1
    assert more[0]["start"] == "2026-03-10" and more[0]["title"] == "+2 条"
    assert more[0]["extendedProps"] == {
        "kind": "more",
        "rank": 4,
        "date": "2026-03-10",
        "hidden": 2,
    }
    assert str(lone.pk) in {e["id"] for e in events}


def test_a_week_shows_eight_per_day_and_a_single_day_shows_them_all(login: Any, desk: Desk) -> None:
    for i in range(11):
        desk.variant(desk.brand_weibo, at(10, 7, i * 5))
    params = {"start": "2026-03-09T00:00:00", "end": "2026-03-16T00:00:00"}
    events = feed(login(desk.world.planner), **params).json()
    assert sum(e["extendedProps"]["kind"] == "variant" for e in events) == 8
    assert [e["title"] for e in events if e["extendedProps"]["kind"] == "more"] == ["+3 条"]
    day = {"start": "2026-03-10T00:00:00", "end": "2026-03-11T00:00:00"}
    assert len(variant_ids(feed(login(desk.world.planner), **day))) == 11


def test_days_are_cut_at_shanghai_midnight(login: Any, desk: Desk) -> None:
    late = [desk.variant(desk.xa_douyin, at(10, 23, m)) for m in (10, 20, 30, 40)]
    early = desk.variant(desk.xa_douyin, at(11, 0, 30))  # 16:30 UTC on the 10th
    events = feed(login(desk.world.planner)).json()
    more = {e["start"]: e["title"] for e in events if e["extendedProps"]["kind"] == "more"}
    assert more == {"2026-03-10": "+1 条"}
    assert str(late[3].pk) not in {e["id"] for e in events}
    assert next(e for e in events if e["id"] == str(early.pk))["start"] == "2026-03-11T00:30"


def test_range_is_half_open_and_unplanned_variants_are_left_out(login: Any, desk: Desk) -> None:
    inside = desk.variant(desk.xa_douyin, at(22, 0, 0, month=2) + dt.timedelta(days=1))
    desk.variant(desk.xa_douyin, dt.datetime(2026, 4, 6, 0, 0, tzinfo=SH))  # == end
    desk.variant(desk.xa_douyin, None)
    assert variant_ids(feed(login(desk.world.planner))) == {inside.pk}


def test_feed_query_count_does_not_grow_with_rows(
    login: Any, desk: Desk, django_assert_max_num_queries: Any
) -> None:
    for day in range(1, 29):
        for i in range(6):
            desk.variant(desk.xa_douyin if i % 2 else desk.brand_weibo, at(day, 8 + i))
    MarketingNode.objects.create(organisation=desk.world.org, name="城市领导直播", kind="live",
                                 starts_on=dt.date(2026, 1, 1), monthly_day=20)  # fmt: skip
    client = login(desk.world.planner)
    # session, user, grants, ranked variants, their details, nodes + the session save
    # (savepoint, update, release)
    with django_assert_max_num_queries(11):  # +1 publishing status overlay, +1 live sessions
        response = feed(client)
    events = response.json()
    assert sum(e["extendedProps"]["kind"] == "variant" for e in events) == 28 * 3
    assert sum(e["extendedProps"]["kind"] == "more" for e in events) == 28


def test_page_query_count_is_bounded(
    login: Any, desk: Desk, django_assert_max_num_queries: Any
) -> None:
    client = login(desk.world.planner)
    with django_assert_max_num_queries(25):
        assert client.get("/content/calendar/").status_code == 200


def test_marketing_nodes_are_background_events(login: Any, desk: Desk) -> None:
    MarketingNode.objects.create(organisation=desk.world.org, name="城市领导直播", kind="live",
                                 starts_on=dt.date(2026, 1, 1), monthly_day=20)  # fmt: skip
    MarketingNode.objects.create(organisation=desk.world.org, company=desk.world.chengdu,
                                 name="天府开盘", kind="project", starts_on=dt.date(2026, 3, 5))  # fmt: skip
    nodes = [
        e for e in feed(login(desk.world.planner)).json() if e["extendedProps"]["kind"] == "node"
    ]
    assert [(n["title"], n["start"], n["end"], n["display"]) for n in nodes] == [
        ("直播·城市领导直播", "2026-03-20", "2026-03-21", "background")
    ]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("platform", "wechat_mp", {"xa_mp"}),
        ("status", Status.SCHEDULED, {"xa_mp"}),
        ("account", "xa_douyin", {"xa_douyin"}),
        ("series", "series", {"brand"}),
        ("owner", "manager", {"brand"}),
    ],
)
def test_filters_narrow_the_feed(
    login: Any, desk: Desk, name: str, value: Any, expected: set[str]
) -> None:
    made = {
        "xa_douyin": desk.variant(desk.xa_douyin, at(10)),
        "xa_mp": desk.variant(desk.xa_mp, at(10), status=Status.SCHEDULED),
        "brand": desk.variant(
            desk.brand_weibo, at(11), series=desk.series, owner=desk.world.manager
        ),
    }
    resolved = {
        "xa_douyin": desk.xa_douyin.pk,
        "series": desk.series.pk,
        "manager": desk.world.manager.pk,
    }
    response = feed(login(desk.world.planner), **{name: resolved.get(value, value)})
    assert variant_ids(response) == {made[k].pk for k in expected}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": ""}, "start"),
        ({"start": "2026-02-30T00:00:00"}, "start"),
        ({"end": "tomorrow"}, "end"),
        ({"end": "2026-02-01T00:00:00"}, "end"),  # before start
        ({"end": "2026-06-01T00:00:00"}, "end"),  # more than 45 days
        ({"account": "abc"}, "account"),
        ({"owner": "99999999999999999999"}, "owner"),
        ({"series": "-3"}, "series"),
        ({"status": "lost"}, "status"),
        ({"platform": "抖 音"}, "platform"),
    ],
)
def test_bad_feed_parameters_are_400_with_the_field(
    login: Any, desk: Desk, params: dict[str, str], field: str
) -> None:
    response = feed(login(desk.world.planner), **params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "日历参数无效"
    assert [e["field"] for e in body["errors"]] == [field]


# ---- reschedule --------------------------------------------------------------------------


def reschedule(client: Client, variant_id: Any, planned_at: str) -> Any:
    return client.post(
        f"/content/calendar/variants/{variant_id}/reschedule/", {"planned_at": planned_at}
    )


def test_planner_moves_a_variant_and_it_is_audited(login: Any, desk: Desk) -> None:
    v = desk.variant(desk.xa_douyin, at(10, 19))
    response = reschedule(login(desk.world.planner), v.pk, "2026-03-12T20:30")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": v.pk,
        "planned_at": "2026-03-12T20:30",
        "message": "已改期至 2026-03-12 20:30",
    }
    assert Variant.objects.get(pk=v.pk).planned_at == at(12, 20, 30)
    assert audit_actions("variant", v.pk) == ["content.reschedule"]
    entry = AuditEntry.objects.get(target_type="variant", target_id=str(v.pk))
    assert entry.actor == desk.world.planner and entry.source == "web"
    before, after = (dt.datetime.fromisoformat(t) for t in entry.changes["planned_at"])
    assert (before, after) == (at(10, 19), at(12, 20, 30))


def test_a_time_with_an_offset_is_taken_as_given(login: Any, desk: Desk) -> None:
    v = desk.variant(desk.xa_douyin, at(10, 19))
    assert reschedule(login(desk.world.planner), v.pk, "2026-03-12T01:00:00Z").status_code == 200
    assert Variant.objects.get(pk=v.pk).planned_at == at(12, 9)


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.WITHDRAWN])
def test_published_and_withdrawn_variants_stay_put(login: Any, desk: Desk, status: str) -> None:
    v = desk.variant(desk.xa_douyin, at(10), status=status, published_at=at(10))
    response = reschedule(login(desk.world.planner), v.pk, "2026-03-12T20:30")
    assert response.status_code == 400
    assert "不能再修改" in response.json()["detail"]
    assert Variant.objects.get(pk=v.pk).planned_at == at(10)
    assert audit_actions("variant", v.pk) == []


def test_viewer_without_edit_permission_is_refused(login: Any, desk: Desk) -> None:
    v = desk.variant(desk.xa_douyin, at(10))
    response = reschedule(login(desk.world.legal), v.pk, "2026-03-12T20:30")
    assert response.status_code == 403 and response.json()["detail"]
    assert Variant.objects.get(pk=v.pk).planned_at == at(10)
    assert audit_actions("variant", v.pk) == []


@pytest.mark.parametrize("who", ["operator_cd", "outsider"])
def test_variants_out_of_scope_are_not_found(login: Any, desk: Desk, who: str) -> None:
    v = desk.variant(desk.xa_douyin, at(10))
    response = reschedule(login(getattr(desk.world, who)), v.pk, "2026-03-12T20:30")
    assert response.status_code == 404
    assert Variant.objects.get(pk=v.pk).planned_at == at(10)


@pytest.mark.parametrize("variant_id", ["abc", "0", "-1", "99999999999999999999", "²"])
def test_bad_variant_ids_are_not_found(login: Any, desk: Desk, variant_id: str) -> None:
    response = reschedule(login(desk.world.planner), variant_id, "2026-03-12T20:30")
    assert response.status_code == 404 and response.json()["detail"]


@pytest.mark.parametrize("value", ["", "2026-03-32T10:00", "next friday"])
def test_bad_times_are_400(login: Any, desk: Desk, value: str) -> None:
    v = desk.variant(desk.xa_douyin, at(10))
    response = reschedule(login(desk.world.planner), v.pk, value)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "planned_at"
    assert Variant.objects.get(pk=v.pk).planned_at == at(10)


def test_reschedule_needs_post(login: Any, desk: Desk) -> None:
    v = desk.variant(desk.xa_douyin, at(10))
    assert (
        login(desk.world.planner).get(f"/content/calendar/variants/{v.pk}/reschedule/").status_code
        == 405
    )
