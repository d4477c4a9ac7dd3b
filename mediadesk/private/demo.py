"""Demo data (idempotent): members in every stage from the demo customers, mini-program
purchases this month (复购率 by hand: see REPURCHASE), a WeCom employee with contacts and a
customer group in the WeCom API's data shape, a segment, and a wake-up plan with results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from mediadesk.leads.models import Customer
from mediadesk.private import services, sync, tasks, wecom
from mediadesk.private.models import Event, Member, Segment, WakeUpPlan

EMPLOYEE = "zhoumanager"  # the WeCom userid of the demo employee
# Mini-program purchases this month: (event id, unionid or phone, amount).
PURCHASES = [
    ("demo-p1", {"phone": "13912340005"}, 199),  # 钱先生: deal + this → 2 purchases, 忠诚
    ("demo-p2", {"unionid": "demo-u1"}, 99),  # a mini-program buyer, twice
    ("demo-p3", {"unionid": "demo-u1"}, 99),
    ("demo-p4", {"unionid": "demo-u2"}, 49),  # once
]
# 复购率 of the demo month by hand: buyers = 赵女士, 钱先生, 孙女士 (leads demo deals)
# + 演示客户1–4 and 6 (commissions demo; 演示客户5's deal is cancelled) + demo-u1 + demo-u2 = 10;
# with ≥ 2 purchases = 钱先生 (deal + mini-program) and demo-u1 (two) = 2 → 2 / 10.
REPURCHASE = (2, 10)
SILENT = [("demo-s1", "demo-silent-1"), ("demo-s2", "demo-silent-2"), ("demo-s3", "demo-silent-3")]


def _contact(external: str, name: str, phone: str, tags: list[str]) -> dict[str, Any]:
    """An externalcontact/get answer (as tests/fakes/wecom.py and WeCom shape it)."""
    return {
        "external_contact": {"external_userid": external, "name": name, "type": 1},
        "follow_user": [
            {
                "userid": EMPLOYEE,
                "remark": name,
                "remark_mobiles": [phone],
                "createtime": 1764547200,
                "state": "qr-open-day",
                "tags": [{"group_name": "意向", "tag_name": t, "type": 1} for t in tags],
            }
        ],
    }


def _wecom(org: Any) -> None:
    contacts = [
        ("wmDemo0002", "李女士", "13912340002", ["高意向"]),
        ("wmDemo0005", "钱先生", "13912340005", ["已购", "老带新意向"]),
        ("wmDemo0006", "孙女士", "13912340006", ["已购"]),
    ]
    for ext, name, phone, tags in contacts:
        wecom.link_contact(org, _contact(ext, name, phone, tags))
    sync.apply_group(
        org.pk,
        {
            "chat_id": "wrDemoQujiang",
            "name": "曲江府业主群",
            "owner": EMPLOYEE,
            "create_time": 1764547200,
            "member_list": [
                {"userid": EMPLOYEE, "type": 1, "join_time": 1764547200},
                {"userid": "wmDemo0005", "type": 2, "join_time": 1764633600},
                {"userid": "wmDemo0006", "type": 2, "join_time": 1764633600},
            ],
        },
    )


def _silent_plan(org: Any, now: dt.datetime) -> None:
    """Three members silent for 40 days; one replied within the window: rate 1/3."""
    old = now - dt.timedelta(days=40)
    services.ingest(
        org, [{"event_id": e, "kind": "page_view", "at": old, "unionid": u} for e, u in SILENT]
    )
    plan, _ = WakeUpPlan.objects.get_or_create(
        organisation=org,
        name="沉默用户唤醒（30 天）",
        defaults={"channel": "task", "content": "样板间开放日邀约"},
    )
    silent = Member.objects.filter(organisation=org, unionid__in=[u for _e, u in SILENT])
    entered = now - dt.timedelta(days=7)
    for m in silent:
        plan.targets.get_or_create(
            member=m, defaults={"entered_at": entered, "reached_at": entered}
        )
    services.ingest(
        org,
        [{"event_id": "demo-s-reply", "kind": "course_view", "at": now - dt.timedelta(days=2),
          "unionid": SILENT[0][1]}],
    )  # fmt: skip
    tasks.score_responses(plan)


def load(*, org: Any, company: Any, projects: Any, users: Any) -> None:
    for customer in Customer.objects.filter(organisation=org)[:200]:
        services.member_for_customer(customer)
    now = timezone.now()
    if not Event.objects.filter(organisation=org, event_id="demo-p1").exists():
        items = [
            {"event_id": e, "kind": "purchase", "at": now, "amount": amount, **who}
            for e, who, amount in PURCHASES
        ]
        services.ingest(org, items)
    _wecom(org)
    Segment.objects.get_or_create(
        organisation=org,
        name="兴趣阶段沉默 30 天",
        defaults={"rules": {"stage": "interest", "silent_days": 30}},
    )
    Segment.objects.get_or_create(
        organisation=org, name="已购业主", defaults={"rules": {"tag": "已购"}}
    )
    _silent_plan(org, now)
    _layers(org, now, users)


def _layers(org: Any, now: dt.datetime, users: Any) -> None:
    """A meetup with one attendee, an active-member tier, a 欢迎语, stage content."""
    from mediadesk.engagement.models import StandardReply
    from mediadesk.private import activities
    from mediadesk.private.models import Activity, BenefitTier, StageContent, WelcomeMessage

    act, made = Activity.objects.get_or_create(
        organisation=org, title="曲江府业主见面会",
        defaults={"kind": "meetup", "starts_at": now - dt.timedelta(days=1), "place": "售楼处"},
    )  # fmt: skip
    if made:
        member = Member.objects.get(organisation=org, phone="13912340002")
        activities.attend(act, member, by=None)
    BenefitTier.objects.get_or_create(
        organisation=org, name="活跃业主", defaults={"min_events": 2, "benefit": "物业费抵扣券"}
    )
    WelcomeMessage.objects.get_or_create(
        organisation=org, state="qr-open-day",
        defaults={"text": "您好，欢迎预约曲江府样板间开放日，回复「预约」即可安排看房。"},
    )  # fmt: skip
    reply = StandardReply.objects.filter(organisation=org).order_by("pk").first()
    if reply is not None:
        StageContent.objects.get_or_create(organisation=org, stage="interest", standard_reply=reply)
