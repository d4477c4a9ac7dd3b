"""Demo publishing (after the review demo): an approved item per state — scheduled on 微博,
published on 抖音 (with its 1-hour check open), failed on the brand 抖音 (authorisation expired),
a 小红书 publish package — and the 锦程西安 公众号 left unconnected to show how to connect."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.content import services as content
from mediadesk.content.models import ContentItem, Form
from mediadesk.matrix.models import Account
from mediadesk.orgs.models import Company, Organisation, Project
from mediadesk.publishing import engine, services
from mediadesk.publishing.connectors.base import PlatformError, Posted
from mediadesk.publishing.models import Connection, PublishJob, State
from mediadesk.review import services as review
from mediadesk.review.models import StepState

ITEMS = {
    "scheduled": ("曲江府冬日园林｜周末暖阳下的中式庭院", "weibo", 1),
    "published": ("曲江府样板间实拍｜120㎡三居的收纳巧思", "douyin", 2),
    "failed": ("锦程品质日｜匠心工法开放参观", "douyin", 1),
    "manual": ("曲江府周边配套｜地铁、学校、商业一图看懂", "xiaohongshu", 1),
}
BODY = "锦程·曲江府{title}，欢迎预约到访品鉴。https://www.jincheng.example.com/qujiang"


def _account(org: Organisation, project: Project, code: str, level: int) -> Account | None:
    qs = Account.objects.alive().filter(organisation=org, platform__code=code, level=level)
    if level == 2:
        qs = qs.filter(project=project)
    return qs.first()


def _approved(org: Organisation, company: Company, project: Project, title: str,
              account: Account, users: dict[str, Any]) -> Any:  # fmt: skip
    owner = users["operator"]
    item = content.create_item(by=owner, organisation=org, values={
        "title": title, "form": Form.ARTICLE, "owner": owner, "company": company,
        "project": project, "notes": "演示：发布"})  # fmt: skip
    variant = content.add_variant(item, by=owner, values={
        "account": account, "title": title[:20], "body": BODY.format(title=title),
        "planned_at": timezone.now() + timedelta(days=2)})  # fmt: skip
    run = review.submit_item(item, by=owner)
    for order, who in ((1, "planner"), (2, "manager"), (3, "legal")):
        state = StepState.objects.filter(run=run, order=order).first()
        if state is not None and state.status == StepState.Status.PENDING:
            review.approve_step(state, by=users[who], comment="演示通过")
    variant.refresh_from_db()
    return variant


def _connect(account: Account, users: dict[str, Any], days: int) -> None:
    if not Connection.objects.filter(account=account).exists():
        services.connect_account(account, by=users["admin"], values={
            "access_token": "demo-token", "open_id": f"demo-{account.pk}",
            "expires_at": (timezone.now() + timedelta(days=days)).isoformat()})  # fmt: skip


def load(*, org: Organisation, company: Company, projects: dict[str, Project],
         users: dict[str, Any]) -> None:  # fmt: skip
    """Create the demo jobs once; a second run changes nothing."""
    project = projects["锦程·曲江府"]
    operator = users["operator"]
    for state, (title, code, level) in ITEMS.items():
        if ContentItem.objects.filter(organisation=org, title=title).exists():
            continue
        account = _account(org, project, code, level)
        if account is None:
            continue
        if code != "xiaohongshu":
            _connect(account, users, days=5 if state != "failed" else 30)
        with transaction.atomic():
            variant = _approved(org, company, project, title, account, users)
            at = timezone.now() + (
                timedelta(days=2) if state == "scheduled" else timedelta(hours=-3)
            )
            job, _ = services.schedule_variant(variant, by=operator, at=max(at, timezone.now()))
            if state in ("published", "failed"):
                _finish(job, state)


def _finish(job: PublishJob, state: str) -> None:
    """Stand-ins for what the worker records (the demo never calls a platform)."""
    PublishJob.objects.filter(pk=job.pk).update(state=State.PUBLISHING, lease_owner="demo",
                                                attempts=1, submit_started_at=timezone.now())  # fmt: skip
    job.refresh_from_db()
    if state == "published":
        engine.record(job, Posted(ids={"external_id": "7301234567890"}, published=True,
                                  url="https://www.douyin.com/video/7301234567890",
                                  published_at=timezone.now() - timedelta(minutes=20)), "demo")  # fmt: skip
    else:
        error = PlatformError(
            "2190002", "access_token 无效（授权已取消或失效），请重新授权", reauth=True
        )
        engine.fail(job, error, "demo")
        Connection.objects.filter(account_id=job.account_id).update(
            status="expired", last_error=error.message
        )
