"""Demo reviews (run after the content demo): one item waiting at 二审, one held at 二审 by a
`block` finding, one approved through all three steps and published."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.content import services as content
from mediadesk.content.models import ContentItem, Form, Variant
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Company, Organisation, Project
from mediadesk.review import services
from mediadesk.review.models import ReviewRun, StepState

WAITING = "曲江府样板间开放｜周末预约品鉴"
BLOCKED = "曲江府限时特惠｜年末购房季"
PUBLISHED = "曲江府园林实景开放日回顾"
BODIES = {
    WAITING: "锦程·曲江府样板间本周六正式开放，三种户型实景呈现，欢迎预约到访品鉴。",
    BLOCKED: "锦程·曲江府年末购房季，全网最低价！地铁口精装住宅，买到就是升值。",
    PUBLISHED: "上周末的园林实景开放日，近百组家庭到访，一起回顾曲江府的四季园林。",
}


def _accounts(org: Organisation, project: Project) -> list[Account]:
    alive = Account.objects.alive().filter(organisation=org)
    return [
        alive.get(project=project, level=2, platform__code="douyin"),
        alive.get(level=1, platform__code="wechat_mp"),
    ]


def _item(
    org: Organisation, company: Company, project: Project, title: str, users: dict[str, Any]
) -> ContentItem:
    owner = users["operator"]
    item = content.create_item(by=owner, organisation=org, values={
        "title": title, "form": Form.ARTICLE, "owner": owner, "company": company, "project": project,
        "notes": "演示：三级审核",
    })  # fmt: skip
    planned = timezone.now() + timedelta(days=3)
    for account in _accounts(org, project):
        content.add_variant(item, by=owner, values={
            "account": account, "title": title, "body": BODIES[title], "planned_at": planned,
        })  # fmt: skip
    return item


def _approve(run: ReviewRun, order: int, user: Any, comment: str, **extra: Any) -> None:
    state = StepState.objects.select_related("step").get(run=run, order=order)
    services.approve_step(state, by=user, comment=comment, **extra)


def _published(run: ReviewRun, users: dict[str, Any]) -> None:
    _approve(run, 2, users["manager"], "品牌调性一致")
    _approve(run, 3, users["legal"], "无舆情风险")
    at = timezone.now() - timedelta(hours=2)
    for variant in Variant.objects.filter(item=run.item).select_related("platform").order_by("pk"):
        url = f"https://example.com/{variant.platform.code}/jincheng-{variant.pk}"
        services.mark_published(variant, by=users["operator"], url=url, published_at=at)


@transaction.atomic
def load(
    *, org: Organisation, company: Company, projects: dict[str, Project], users: dict[str, Any]
) -> None:
    """Create the three demo reviews once; a second run changes nothing."""
    project = projects["锦程·曲江府"]
    for title in (WAITING, BLOCKED, PUBLISHED):
        if ContentItem.objects.filter(organisation=org, title=title).exists():
            continue
        item = _item(org, company, project, title, users)
        run = services.submit_item(item, by=users["operator"])
        _approve(
            run,
            1,
            users["planner"],
            "主题契合，数据已核对" if title != BLOCKED else "文案含绝对化用语，请二审关注",
        )
        if title == PUBLISHED:
            _published(run, users)
