"""Planning demo: the seeds' example goals (SMART), tasks in every quadrant. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Company, Organisation, Project
from mediadesk.planning import generators, services, tasks_service
from mediadesk.planning.models import Goal, ManualValue, Task

TOP = "新媒体品牌声量与线上获客（演示）"


def _accounts(org: Organisation, *codes: str) -> list[int]:
    return list(
        Account.objects.filter(organisation=org, platform__code__in=codes).values_list(
            "pk", flat=True
        )
    )


def _goals(org: Organisation, users: dict[str, Any], today: dt.date) -> None:
    manager = users["manager"]
    create = services.create_goal
    top = create(manager, organisation_id=org.pk, data={
        "name": TOP, "level": "company", "horizon": "mid", "start": today - dt.timedelta(days=60),
        "end": today + dt.timedelta(days=120), "owner": manager, "top_level_reason": "年度部门目标",
        "key_results": [{"metric": "leads", "target": 2000}, {"metric": "deals", "target": 60}],
    })  # fmt: skip
    create(manager, organisation_id=org.pk, data={
        "name": "3天内通过公众号推文+微博话题，使新品曝光量达50万+", "level": "team",
        "horizon": "short", "start": today - dt.timedelta(days=2), "end": today, "owner": users["planner"],
        "parent": top, "key_results": [{"metric": "exposure", "target": 500000,
                                        "scope": {"platforms": ["wechat_mp", "weibo"]}}],
    })  # fmt: skip
    create(manager, organisation_id=org.pk, data={
        "name": "1个月内抖音账号粉丝增长2万，互动率提升至5%", "level": "account", "horizon": "short",
        "start": today - dt.timedelta(days=20), "end": today + dt.timedelta(days=10),
        "owner": users["operator"], "parent": top, "key_results": [
            {"metric": "net_followers", "target": 20000, "scope": {"accounts": _accounts(org, "douyin")}},
            {"metric": "interaction_rate", "target": 5, "scope": {"accounts": _accounts(org, "douyin")}},
        ],
    })  # fmt: skip
    quarter = create(manager, organisation_id=org.pk, data={
        "name": "一个季度内品牌满意度提升20%、品牌搜索量提升30%", "level": "company", "horizon": "short",
        "start": today - dt.timedelta(days=30), "end": today + dt.timedelta(days=60), "owner": manager,
        "parent": top, "key_results": [
            {"metric": "satisfaction", "target": 20}, {"metric": "brand_search", "target": 30}],
    })  # fmt: skip
    kr = quarter.key_results.get(metric="satisfaction")
    ManualValue.objects.create(
        key_result=kr,
        value=Decimal(8),
        at=today - dt.timedelta(days=3),
        evidence_url="https://example.invalid/survey.pdf",
        entered_by=manager,
    )
    services.recompute_goal(quarter)


def _tasks(org: Organisation, users: dict[str, Any]) -> None:
    now = timezone.now()
    owner = users["manager"]
    for title, imp, urg, due in (
        ("确认本周直播排期与主播分工", True, True, now + dt.timedelta(hours=3)),
        ("制定下季度内容题材占比", True, False, now + dt.timedelta(days=10)),
        ("回复合作媒体的临时采访邀约", False, True, now + dt.timedelta(hours=20)),
        ("整理素材库过期图片", False, False, None),
    ):
        task = tasks_service.create_task(owner, owner=owner, data={"title": title, "due_at": due})
        Task.objects.filter(pk=task.pk).update(important=imp, urgent=urg)


@transaction.atomic
def load(
    *, org: Organisation, company: Company, projects: dict[str, Project], users: dict[str, Any]
) -> None:
    """The example goals and tasks once; a second run changes nothing."""
    if Goal.objects.filter(organisation=org, name=TOP).exists():
        return
    _goals(org, users, timezone.localdate())
    _tasks(org, users)
    _scorecards(users, timezone.localdate())
    _plans(org, users, timezone.localdate())
    generators.sync_all()


def _plans(org: Organisation, users: dict[str, Any], today: dt.date) -> None:
    """The three-phase plan (started two months ago, two milestones ticked), last month's PDCA
    cycle with its decisions and this week's 例会."""
    from mediadesk.planning import pdca, phases
    from mediadesk.planning.models import Milestone

    manager = users["manager"]
    start = (today.replace(day=1) - dt.timedelta(days=45)).replace(day=1)
    plan = phases.from_template(manager, organisation_id=org.pk, name="新媒体三年规划（演示）",
                                start=start)  # fmt: skip
    for stone in Milestone.objects.filter(phase__plan=plan, metric="").order_by("id")[:2]:
        phases.tick(manager, stone, "https://example.invalid/evidence.pdf")
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    goal = Goal.objects.filter(organisation=org, name=TOP).first()
    cycle = pdca.create_cycle(manager, organisation_id=org.pk, data={
        "name": f"{last:%Y-%m} 月度复盘", "start": last, "goal": goal,
        "end": today.replace(day=1) - dt.timedelta(days=1),
        "plan_notes": "重点：抖音样板间短视频 + 每周 3 场直播"})  # fmt: skip
    planner = users.get("planner", manager)
    pdca.add_decision(manager, cycle=cycle, data={"kind": "more_topic", "owner": planner,
                      "text": "增加样板间实拍类短视频占比", "due": today + dt.timedelta(days=7)})  # fmt: skip
    pdca.add_decision(
        manager, cycle=cycle, data={"kind": "process", "text": "三审在 24 小时内完成"}
    )
    monday = today - dt.timedelta(days=today.weekday())
    meeting = pdca.create_meeting(manager, organisation_id=org.pk, data={
        "title": "新媒体周例会", "kind": "weekly", "held_on": monday, "cycle": cycle,
        "attendees": [u for u in (manager, planner) if u is not None]})  # fmt: skip
    pdca.add_decision(manager, meeting=meeting, data={"text": "本周完成 3 场直播复盘", "owner": manager,
                                                     "due": monday + dt.timedelta(days=4)})  # fmt: skip


def _scorecards(users: dict[str, Any], today: dt.date) -> None:
    """Last month's scorecards of the demo people who have a role template."""
    from mediadesk.core import scopes
    from mediadesk.planning.scorecards import TEMPLATES, compute

    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    for user in users.values():
        role = next((r for r in TEMPLATES if r in scopes.roles(user)), None)
        if role is not None:
            compute(user, role, month)
