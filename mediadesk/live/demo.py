"""Demo data: a month of sessions on the level-1 抖音 account in every state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from mediadesk.live import services
from mediadesk.live.models import Session, Status

DEMO_SCRIPTS = (
    ("opening", "欢迎来到{项目名}直播间，今天有{特价房源}等你！"),
    ("retain", "先别走，十分钟后抽取到访礼。"),
    ("product", "{项目名}南北通透，三房两厅，得房率高。"),
    ("interact", "想看哪个户型，打在评论区。"),
    ("follow", "点个关注加入粉丝团，下期{下期时间}见。"),
    ("leads", "点击小风车留下电话，置业顾问一对一讲解。"),
)


def load(*, org: Any, company: Any, projects: Any, users: Any) -> None:
    """Idempotent: does nothing once the account has sessions."""
    from mediadesk.content.models import Variant
    from mediadesk.matrix.models import Account

    account = Account.objects.filter(organisation=org, level=1, platform__code="douyin").first()
    if account is None or Session.objects.filter(account=account).exists():
        return
    by = users.get("admin") if isinstance(users, dict) else None
    by = by or next(iter(users.values())) if isinstance(users, dict) else users[0]
    project = account.project or (
        next(iter(projects.values() if isinstance(projects, dict) else projects))
        if projects
        else None
    )
    if account.project is None and project is not None:
        account.project = project
    today = timezone.localdate()
    first = (
        (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        if today.day < 10
        else today.replace(day=1)
    )
    sessions = services.generate_plan(
        by=by, account=account, year=first.year, month=first.month, anchors=[by]
    )
    for text_cat, text in DEMO_SCRIPTS:
        services.save_script(
            None, by=by, organisation=org, values={"category": text_cat, "text": text}, usable=True
        )
    leader = next(s for s in sessions if s.type == "leader")
    if project is not None:
        services.add_offer(
            leader,
            by=by,
            values={
                "project": project,
                "unit": "3号楼1单元1201",
                "area": 118,
                "list_price": 2_360_000,
                "offer_price": 2_180_000,
                "quantity": 2,
            },
        )
    states = [Status.REVIEWED, Status.ENDED, Status.CANCELLED, Status.LIVE, Status.PREPARING]
    for session, state in zip(sessions, states, strict=False):
        _walk(session, by, state)
    Variant.objects.filter(item_id=sessions[0].warmup_item_id).update(
        status="published", published_at=sessions[0].planned_start - dt.timedelta(hours=3)
    )


def _walk(session: Session, by: Any, state: str) -> None:
    if state == Status.CANCELLED:
        services.change_status(session, by=by, to=state, reason="节假日调整")
        return
    for step in (Status.PREPARING, Status.LIVE, Status.ENDED):
        session = services.change_status(session, by=by, to=step)
        if step == state:
            return
    services.save_figures(
        session,
        by=by,
        values={
            "viewers": 12000,
            "views": 18500,
            "peak_online": 620,
            "new_followers": 360,
            "commenters": 840,
            "leads": 96,
        },
        source="demo",
    )
    if session.project is not None:
        for phone in ("13800138001", "13800138002"):
            services.capture_lead(session, by=by, phone=phone, note="演示")
    if state == Status.REVIEWED:
        services.save_review(
            session,
            by=by,
            values={
                "worked": "开场福利吸引停留",
                "problems": "产品介绍偏长",
                "actions": "下场缩短到 60 分钟",
            },
        )
