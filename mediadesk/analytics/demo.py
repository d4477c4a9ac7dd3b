"""Analytics demo: 90 days of figures for the demo accounts so every chart shows something
real — published demo posts (the content demo has only a few) with 1 h/24 h/48 h/72 h
snapshots, account daily figures, mini-program days, two competitors and one A/B test.

Deterministic (seeded random) and idempotent: the A/B test is written last in the same
transaction, so its presence means the demo is complete and a second run changes nothing.
Snapshots go through the data side's aggregates.refresh_posts, so the aggregates are filled
exactly as an import fills them.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediadesk.analytics import aggregates
from mediadesk.analytics.models import (
    ABTest,
    ABVariant,
    AccountDaily,
    BenchmarkAccount,
    BenchmarkFigure,
    MetricSnapshot,
    MiniProgramDaily,
    Source,
)
from mediadesk.content import services as content_services
from mediadesk.content.models import ContentItem, Form, Series, Status, TopicCategory, Variant
from mediadesk.matrix.models import Account, Platform
from mediadesk.orgs.models import Company, Organisation, Project

DAYS = 90
AB_NAME = "五月开放日标题测试（演示）"
CHECKS = ((1, 0.18), (24, 0.72), (48, 0.9), (72, 1.0))  # hours after publishing, share of final
# platform code → (form, exposure range, interaction rate range, posts per week, hours)
PLAN = {
    "douyin": (Form.SHORT_VIDEO, (30_000, 600_000), (0.03, 0.08), 4, (12, 18, 20, 21, 10)),
    "wechat_mp": (Form.ARTICLE, (4_000, 30_000), (0.015, 0.045), 3, (8, 12, 20, 15)),
    "xiaohongshu": (Form.NOTE, (3_000, 50_000), (0.04, 0.1), 2, (12, 21, 22, 9)),
    "weibo": (Form.OTHER, (5_000, 80_000), (0.005, 0.02), 2, (12, 20, 23)),
}
TITLES = {
    "douyin": ["样板间实拍", "周末探盘vlog", "工地进度播报", "城市漫步·曲江池", "业主说", "一分钟看懂户型"],
    "wechat_mp": ["五月开放日邀请函", "曲江府工程月报", "购房政策解读", "社区活动回顾", "交房倒计时"],
    "xiaohongshu": ["西安新房避坑笔记", "120㎡四居室软装灵感", "曲江周末去哪儿", "样板间拍照打卡"],
    "weibo": ["#西安楼市# 五一看房", "锦程开放日直播预告", "城市更新话题讨论"],
}  # fmt: skip


@transaction.atomic
def load(
    *, org: Organisation, company: Company, projects: dict[str, Project], users: dict[str, Any]
) -> None:
    """Create the analytics demo data once (a second run changes nothing)."""
    if ABTest.objects.filter(organisation=org, name=AB_NAME).exists():
        return
    rng = random.Random(20240501)
    today = timezone.localdate()
    accounts = list(
        Account.objects.alive()
        .filter(organisation=org, level__in=(1, 2), platform__code__in=PLAN)
        .select_related("platform")
    )
    owner = users.get("operator") or users["admin"]
    content_services.ensure_categories(org, by=owner)
    posts = _posts(org, accounts, owner, rng, today)
    existing = Variant.objects.filter(organisation=org, status=Status.PUBLISHED).exclude(
        pk__in=[p.pk for p in posts]
    )
    _snapshots([*posts, *existing.select_related("platform", "item")], rng)
    _account_days(org, accounts, rng, today)
    _mini_program(org, projects, rng, today)
    _benchmarks(org, company, rng, today)
    _abtest(org, company, owner)


def _posts(org: Organisation, accounts: list[Account], owner: Any, rng: random.Random,
           today: dt.date) -> list[Variant]:  # fmt: skip
    """Published demo posts over the last 90 days on every level-1/2 account."""
    categories = list(TopicCategory.objects.filter(organisation=org))
    series = {
        s.account_id: s for s in Series.objects.filter(organisation=org, account__isnull=False)
    }
    out = []
    for account in accounts:
        form, _exp, _rate, per_week, hours = PLAN[account.platform.code]
        for day in range(DAYS, 0, -1):
            if rng.random() > per_week / 7:
                continue
            when = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=day),
                                                           dt.time(rng.choice(hours), rng.choice((0, 30)))))  # fmt: skip
            out.append(
                _post(org, account, owner, form, when, rng, categories, series.get(account.pk))
            )
    return out


def _post(org: Organisation, account: Account, owner: Any, form: str, when: dt.datetime,
          rng: random.Random, categories: list[TopicCategory], series: Series | None) -> Variant:  # fmt: skip
    _form, (low, high), _rate, _n, _h = PLAN[account.platform.code]
    title = f"{rng.choice(TITLES[account.platform.code])}（{timezone.localtime(when):%m.%d}）"
    target = rng.randint(low, high)
    use_series = series if series is not None and rng.random() < 0.5 else None
    item = ContentItem.objects.create(
        organisation=org, company=account.company, project=account.project, title=title,
        category=rng.choice(categories) if categories else None, series=use_series, owner=owner,
        created_by=owner, form=form, status=Status.PUBLISHED, target_exposure=target,
        target_interactions=int(target * 0.04), target_conversions=rng.choice((None, 50, 200)),
    )  # fmt: skip
    return Variant.objects.create(
        item=item, organisation=org, company=account.company, project=account.project,
        owner=owner, series=use_series, account=account, platform=account.platform,
        status=Status.PUBLISHED, title=title, published_at=when,
        mentions="@西安探房达人" if rng.random() < 0.1 else "",
        tags="#西安楼市#" if rng.random() < 0.15 else "",
        external_id=f"demo-{account.pk}-{when:%Y%m%d%H%M}",
    )  # fmt: skip


def _snapshots(posts: list[Any], rng: random.Random) -> None:
    """1 h/24 h/48 h/72 h snapshots (only those already in the past), then the aggregates."""
    now = timezone.now()
    rows = []
    for post in posts:
        code = post.platform.code if post.platform.code in PLAN else "douyin"
        _form, (low, high), (r_low, r_high), _n, _h = PLAN[code]
        planned = post.item.target_exposure or rng.randint(low, high)
        final = int(planned * rng.uniform(0.6, 1.35))  # around the item's target
        rate = rng.uniform(r_low, r_high) * (1.6 if post.mentions or post.tags else 1)
        for hours, share in CHECKS:
            taken = post.published_at + dt.timedelta(hours=hours)
            if taken <= now:
                rows.append(_snapshot(post, code, taken, hours, int(final * share), rate, rng))
    MetricSnapshot.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    aggregates.refresh_posts([p.pk for p in posts])


def _snapshot(post: Any, code: str, taken: dt.datetime, hours: int, exposure: int, rate: float,
              rng: random.Random) -> MetricSnapshot:  # fmt: skip
    interactions = int(exposure * rate)
    likes = int(interactions * 0.7)
    comments = int(interactions * 0.12)
    values: dict[str, Any] = {
        "likes": likes, "comments": comments, "shares": interactions - likes - comments,
        "favourites": int(interactions * 0.2), "follower_gain": int(exposure * 0.002),
        "conv_leads": int(exposure * rng.uniform(0.0005, 0.004)),
    }  # fmt: skip
    if code == "wechat_mp":
        readers = int(exposure * 0.85)
        values |= {"reads": exposure, "readers": readers, "sharers": int(readers * 0.03),
                   "delivered": 42_000, "message_reads": int(exposure * 0.6)}  # fmt: skip
    elif code == "douyin":
        values |= {"reads": exposure, "completion_rate": round(rng.uniform(0.1, 0.45), 4)}
    else:
        values |= {"impressions": exposure * 3, "reads": exposure}
    return MetricSnapshot(variant_id=post.pk, organisation_id=post.organisation_id,
                          taken_at=taken, hours_after_publish=hours, source=Source.MANUAL, **values)  # fmt: skip


def _account_days(org: Organisation, accounts: list[Account], rng: random.Random,
                  today: dt.date) -> None:  # fmt: skip
    rows = []
    for account in accounts:
        followers = int((account.followers or 20_000) * 0.85)
        for day in range(DAYS, 0, -1):
            new, cancelled = rng.randint(20, 400), rng.randint(5, 120)
            followers += new - cancelled
            rows.append(AccountDaily(account=account, organisation=org, date=today - dt.timedelta(days=day),
                                     followers=followers, new_followers=new, cancelled_followers=cancelled,
                                     source=Source.MANUAL))  # fmt: skip
    AccountDaily.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def _mini_program(org: Organisation, projects: dict[str, Project], rng: random.Random,
                  today: dt.date) -> None:  # fmt: skip
    project = next(iter(projects.values()), None)
    if project is None:
        return
    MiniProgramDaily.objects.bulk_create(
        [MiniProgramDaily(organisation=org, project=project, date=today - dt.timedelta(days=d),
                          visit_uv=(uv := rng.randint(300, 1500)), visit_pv=uv * 3,
                          new_users=uv // 4, buyers=rng.randint(0, 6), source=Source.MANUAL)
         for d in range(DAYS, 0, -1)],
        ignore_conflicts=True,
    )  # fmt: skip


def _benchmarks(org: Organisation, company: Company, rng: random.Random, today: dt.date) -> None:
    for code, name, owner_name, followers in (("douyin", "华景西安", "华景置业", 120_000),
                                              ("wechat_mp", "曲江观澜", "观澜地产", 36_000)):  # fmt: skip
        bench = BenchmarkAccount.objects.create(
            organisation=org, company=company, platform=Platform.objects.get(code=code),
            name=name, owner_name=owner_name,
        )  # fmt: skip
        BenchmarkFigure.objects.bulk_create(
            BenchmarkFigure(benchmark=bench, date=today - dt.timedelta(days=d),
                            followers=followers + (DAYS - d) * rng.randint(20, 120),
                            posts=rng.randint(0, 2), interactions=rng.randint(200, 9000))
            for d in range(DAYS, 0, -1)
        )  # fmt: skip


def _abtest(org: Organisation, company: Company, owner: Any) -> None:
    test = ABTest.objects.create(
        organisation=org, company=company, name=AB_NAME, kind=ABTest.Kind.TITLE,
        metric=ABTest.Metric.CLICK, created_by=owner,
        hypothesis="标题写明到访礼遇（利益点）比只写活动名的点击率更高",
    )  # fmt: skip
    ABVariant.objects.bulk_create([
        ABVariant(test=test, label="A", content="锦程·曲江府五月开放日", exposures=5000, successes=250),
        ABVariant(test=test, label="B", content="到访即送家电礼包｜曲江府五月开放日", exposures=5000,
                  successes=325, sort=1),
    ])  # fmt: skip
