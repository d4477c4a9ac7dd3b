"""Goal pages (tree, detail, rows behind a figure), home cards and the demo."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from mediadesk.planning import services
from mediadesk.planning.models import Goal, KeyResult, Task
from tests.analytics.conftest import Posts, at, ingest
from tests.conftest import World

pytestmark = pytest.mark.django_db


def make_goal(world: World, posts: Posts, **kw: Any) -> Goal:
    return services.create_goal(world.manager, organisation_id=world.org.pk, data={
        "name": "五月公众号曝光", "level": "team", "start": dt.date(2024, 5, 1),
        "end": dt.date(2024, 5, 31), "owner": world.planner, "top_level_reason": "演示",
        "key_results": [{"metric": "exposure", "target": 50_000, "scope": {"accounts": [posts.wechat.pk]}}],
        **kw,
    })  # fmt: skip


def test_every_figure_opens_the_rows_behind_it(world: World, posts: Posts, login: Any) -> None:
    ingest(
        world.operator,
        "wechat_mp",
        {"url": posts.wx_post.published_url, "taken_at": at(48), "reads": 28_000},
    )
    goal = make_goal(world, posts)
    child = make_goal(world, posts, name="下级", parent=goal)
    client = login(world.planner)
    tree = client.get(reverse("planning:goals")).content.decode()
    assert tree.index(goal.name) < tree.index("└ ") < tree.index(child.name)
    page = client.get(reverse("planning:goal", args=[goal.pk])).content.decode()
    kr = KeyResult.objects.filter(goal=goal).get()
    assert "28000" in page and reverse("planning:kr_rows", args=[goal.pk, kr.pk]) in page
    rows = client.get(reverse("planning:kr_rows", args=[goal.pk, kr.pk])).content.decode()
    assert "曲江府五月开放日" in rows and "28000" in rows


def test_goal_pages_hide_other_organisations(world: World, posts: Posts, login: Any) -> None:
    goal = make_goal(world, posts)
    outsider = login(world.outsider)
    assert outsider.get(reverse("planning:goal", args=[goal.pk])).status_code == 404
    assert goal.name not in outsider.get(reverse("planning:goals")).content.decode()


def test_goal_tree_query_count_is_pinned(
    world: World, posts: Posts, login: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        make_goal(world, posts, name=f"目标{i}")
    client = login(world.planner)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("planning:goals")).status_code == 200


def test_home_shows_my_agenda_and_goals_at_risk(world: World, posts: Posts, login: Any) -> None:
    goal = make_goal(world, posts)
    Goal.objects.filter(pk=goal.pk).update(status="at_risk")
    Task.objects.create(organisation=world.org, title="今日要事", owner=world.planner, urgent=True)
    client = login(world.planner)
    response = client.get("/")
    home = response.content.decode()
    assert 'data-testid="card-my_agenda"' in home and "今日要事" in home
    assert 'data-testid="card-goals_at_risk"' in home and goal.name in home
    cards = {
        c["cockpit"].key: c["cockpit"] for _p, c in response.context["plug_cards"] if "cockpit" in c
    }
    for key in ("my_agenda", "goals_at_risk"):
        figure = cards[key].figures[0]
        assert figure.value == 1 and figure.counted
        assert client.get(figure.url).context["page"].paginator.count == 1, key
    other = make_goal(world, posts, name="别人的目标")
    Goal.objects.filter(pk=other.pk).update(status="missed", owner=world.manager)
    again = {
        c["cockpit"].key: c["cockpit"]
        for _p, c in client.get("/").context["plug_cards"]
        if "cockpit" in c
    }
    assert again["goals_at_risk"].figures[0].value == 1  # only the planner's own
    nav = login(world.planner).get(reverse("planning:goals")).content.decode()
    assert reverse("planning:goals") in nav


def test_demo_loads_the_seed_goals_and_tasks_once(settings: Any) -> None:
    from mediadesk.orgs import demo as org_demo
    from mediadesk.planning import demo

    loaded = org_demo.load()
    org = loaded["organisation"]
    company = org.companies.get(name="西安公司")
    projects = {p.name: p for p in org.projects.all()}
    demo.load(org=org, company=company, projects=projects, users=loaded["users"])
    names = set(Goal.objects.filter(organisation=org).values_list("name", flat=True))
    assert {demo.TOP, "3天内通过公众号推文+微博话题，使新品曝光量达50万+",
            "1个月内抖音账号粉丝增长2万，互动率提升至5%"} <= names  # fmt: skip
    douyin = Goal.objects.get(name__startswith="1个月内抖音")
    assert all(kr.actual is not None for kr in douyin.key_results.all())
    from mediadesk.planning.models import Scorecard

    assert Scorecard.objects.filter(person=loaded["users"]["sales"]).count() == 1
    from mediadesk.planning.models import Meeting, Milestone, PdcaCycle

    assert PdcaCycle.objects.get().decisions.count() == 2 and Meeting.objects.count() == 1
    assert Milestone.objects.exclude(done_at=None).filter(metric="").count() == 2
    demo.load(org=org, company=company, projects=projects, users=loaded["users"])  # again: no-op
    assert PdcaCycle.objects.count() == 1
    manager_tasks = Task.objects.filter(owner=loaded["users"]["manager"], source="manual",
                                        link="")  # fmt: skip
    assert {(t.important, t.urgent) for t in manager_tasks} == {
        (True, True),
        (True, False),
        (False, True),
        (False, False),
    }
