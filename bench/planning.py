"""Planning benchmarks (08-planning.md "Speed"): recomputing every goal's progress after an
import (< 10 s for 2,000 goals / 6,000 key results), the goal tree page and a person's 今日
agenda (p95 < 200 ms).

Data: 500 people, 60 accounts with 90 days of daily figures, published posts with their
current figures (PostMetrics, as the analytics aggregates hold them) and 2,000 goals with
three key results each (曝光 and 互动率 over a few accounts, 净增粉). `scale` shrinks every
size; posts default to 40,000 at scale 1 (the analytics benchmark's 200,000 posts are not
rebuilt here — each key result's actual is an indexed aggregate over its accounts' posts).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.db import transaction
from django.test import Client
from django.utils import timezone

from bench.timing import measure, report

BATCH = 5_000


def _people(org: Any, company: Any, n: int) -> list[Any]:
    from mediadesk.orgs.models import RoleGrant, User
    from mediadesk.orgs.roles import Role

    users = User.objects.bulk_create(
        [
            User(username=f"p{i}", organisation=org, display_name=f"员工{i}", password="!")
            for i in range(n)
        ]
    )
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=u, role=Role.PLANNER, organisation=org, company=company) for u in users]
    )
    return users


def _accounts(org: Any, company: Any, project: Any, n: int) -> list[Any]:
    from mediadesk.matrix.models import Account, Platform

    douyin = Platform.objects.get(code="douyin")
    return Account.objects.bulk_create([
        Account(organisation=org, company=company, project=project, platform=douyin,
                name=f"基准抖音{i}", level=2) for i in range(n)
    ])  # fmt: skip


def _posts(org: Any, accounts: list[Any], owner: Any, n: int, today: dt.date) -> None:
    from mediadesk.analytics.models import PostMetrics
    from mediadesk.content.models import ContentItem, Form, Status, Variant

    rng = random.Random(8)
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        with transaction.atomic():
            items = ContentItem.objects.bulk_create([
                ContentItem(organisation=org, title=f"基准内容{start + i}", owner=owner,
                            created_by=owner, form=Form.SHORT_VIDEO, status=Status.PUBLISHED)
                for i in range(size)
            ])  # fmt: skip
            variants = Variant.objects.bulk_create([
                Variant(item=it, organisation=org, owner=owner, account=accounts[i % len(accounts)],
                        platform=accounts[0].platform, status=Status.PUBLISHED, title=it.title,
                        published_at=timezone.now() - dt.timedelta(days=rng.randrange(90)))
                for i, it in enumerate(items)
            ])  # fmt: skip
            PostMetrics.objects.bulk_create([
                PostMetrics(variant=v, organisation=org, account=v.account, platform=v.platform,
                            owner=owner, published_at=v.published_at,
                            published_on=timezone.localtime(v.published_at).date(),
                            exposure=rng.randrange(1000, 200_000), reads=rng.randrange(1000, 200_000),
                            interactions=rng.randrange(10, 9_000))
                for v in variants
            ])  # fmt: skip


def _daily(org: Any, accounts: list[Any], today: dt.date) -> None:
    from mediadesk.analytics.models import AccountDaily

    rng = random.Random(9)
    AccountDaily.objects.bulk_create([
        AccountDaily(account=a, organisation=org, date=today - dt.timedelta(days=d),
                     new_followers=rng.randrange(500), cancelled_followers=rng.randrange(100))
        for a in accounts for d in range(90)
    ], batch_size=BATCH)  # fmt: skip


def _goals(org: Any, accounts: list[Any], people: list[Any], n: int, today: dt.date) -> None:
    from mediadesk.planning.models import Goal, KeyResult

    rng = random.Random(10)
    start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=30)
    goals = Goal.objects.bulk_create([
        Goal(organisation=org, name=f"基准目标{i}", level="person", start=start, end=end,
             owner=people[i % len(people)], top_level_reason="基准")
        for i in range(n)
    ], batch_size=BATCH)  # fmt: skip
    krs = []
    for g in goals:
        scope = {"accounts": [a.pk for a in rng.sample(accounts, 3)]}
        krs += [
            KeyResult(
                goal=g, metric="exposure", target=2_000_000, scope=scope, start=start, end=end
            ),
            KeyResult(
                goal=g, metric="interaction_rate", target=5, scope=scope, start=start, end=end
            ),
            KeyResult(
                goal=g, metric="net_followers", target=20_000, scope=scope, start=start, end=end
            ),
        ]
    KeyResult.objects.bulk_create(krs, batch_size=BATCH)


def _tasks(org: Any, person: Any, today: dt.date) -> None:
    from mediadesk.planning.models import Task

    now = timezone.now()
    Task.objects.bulk_create([
        Task(organisation=org, title=f"任务{i}", owner=person, urgent=i % 2 == 0,
             important=i % 3 == 0, due_at=now + dt.timedelta(hours=i - 20))
        for i in range(60)
    ])  # fmt: skip


def run(scale: float = 1.0) -> None:
    from mediadesk.matrix import defaults
    from mediadesk.matrix.models import Platform, StandardRule
    from mediadesk.orgs.models import Company, Organisation, Project
    from mediadesk.planning import services

    n_people, n_goals = max(10, int(500 * scale)), max(20, int(2_000 * scale))
    n_posts, n_accounts = max(500, int(40_000 * scale)), max(10, int(60 * scale))
    print(f"planning · {n_people} people, {n_accounts} accounts, {n_posts} posts, "
          f"{n_goals} goals / {n_goals * 3} key results")  # fmt: skip
    defaults.install(Platform, StandardRule)
    today = timezone.localdate()
    org = Organisation.objects.create(name="目标基准集团", brand_keyword="锦程")
    company = Company.objects.create(organisation=org, name="西安公司", city="西安")
    project = Project.objects.create(organisation=org, company=company, name="基准项目")
    people = _people(org, company, n_people)
    accounts = _accounts(org, company, project, n_accounts)
    _posts(org, accounts, people[0], n_posts, today)
    _daily(org, accounts, today)
    _goals(org, accounts, people, n_goals, today)
    _tasks(org, people[1], today)

    started = time.perf_counter()
    count = services.recompute(organisation_id=org.pk)
    seconds = time.perf_counter() - started
    print(f"  recompute all progress after an import ({count} goals)       {seconds:8.2f} s   budget 10 s"
          f"  {'✓ within' if seconds < 10 else '✗ OVER'}")  # fmt: skip

    client = Client()
    client.force_login(people[0], backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    report("goal tree page (GET /planning/)", measure(lambda: client.get("/planning/")), 200)
    person = Client()
    person.force_login(people[1], backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    report("a person's 今日 agenda (GET /planning/agenda/)",
           measure(lambda: person.get("/planning/agenda/")), 200)  # fmt: skip
    report("GET /api/v1/agenda", measure(lambda: person.get("/api/v1/agenda")), 200)
    seconds = scorecards_for(people, today.replace(day=1))
    print(f"  a month's scorecards for {len(people)} people                  {seconds:8.2f} s   budget 30 s"
          f"  {'✓ within' if seconds < 30 else '✗ OVER'}")  # fmt: skip


def scorecards_for(people: list[Any], month: dt.date) -> float:
    """Seconds to compute a month's scorecards for every person."""
    from mediadesk.orgs.roles import Role
    from mediadesk.planning import scorecards

    started = time.perf_counter()
    for person in people:
        scorecards.compute(person, Role.PLANNER, month)
    return time.perf_counter() - started
