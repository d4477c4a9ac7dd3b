"""Content calendar benchmark (02-content-review.md · "Speed of pages"): 100,000 variants over
2026 with 10,000 of them in March, month and week views over HTTP as a logged-in manager.

Budget: each page and each feed request under 300 ms (median of 5 after a warm-up; p95 shown).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.test import Client

from bench.timing import measure, report

SH = ZoneInfo("Asia/Shanghai")
YEAR = 2026
SHOWN_MONTH = 3
PLATFORMS = ("douyin", "wechat_mp", "xiaohongshu", "weibo", "wechat_channels")
# Posting hours weighted towards the commonly cited windows (domain-cn §6).
HOURS = [7, 8, 8, 9, 11, 12, 12, 12, 13, 17, 18, 18, 19, 19, 20, 20, 20, 21, 21, 22]
TODAY = dt.datetime(YEAR, SHOWN_MONTH, 16, tzinfo=SH)  # the past is mostly published
PLANNING = ("draft", "in_review", "changes", "approved", "scheduled")


def build_people(org: Any, n_projects: int) -> tuple[Any, list[Any], list[Any]]:
    from mediadesk.orgs.models import Company, Project, RoleGrant, User

    company = Company.objects.create(organisation=org, name="西安公司", city="西安")
    projects = [
        Project.objects.create(organisation=org, company=company, name=f"锦程·项目{i}")
        for i in range(n_projects)
    ]
    manager = User.objects.create(username="bench-manager", organisation=org)
    RoleGrant.objects.create(user=manager, role="manager", organisation=org)
    planners = [manager] + [
        User.objects.create(username=f"planner{i}", organisation=org) for i in range(12)
    ]
    return manager, projects, planners


def build_accounts(org: Any, projects: list[Any], per_project: int) -> list[Any]:
    from mediadesk.matrix.models import Account, Platform

    platforms = {p.code: p for p in Platform.objects.filter(code__in=PLATFORMS)}
    accounts = [
        Account(organisation=org, company=p.company, project=p, level=2, name=f"{p.name}{code}{i}",
                platform=platforms[code])
        for p in projects for i in range(per_project) for code in [PLATFORMS[i % len(PLATFORMS)]]
    ]  # fmt: skip
    return Account.objects.bulk_create(accounts)


def random_moment(rng: random.Random, month: int | None) -> dt.datetime:
    """A posting time in `month` (or any month but the shown one), weekdays busier."""
    while True:
        m = month or rng.choice([x for x in range(1, 13) if x != SHOWN_MONTH])
        day = dt.date(YEAR, m, 1) + dt.timedelta(days=rng.randrange(28 + (m != 2) * 2))
        if day.weekday() < 5 or rng.random() < 0.6:
            break
    return dt.datetime(
        YEAR, day.month, day.day, rng.choice(HOURS), rng.randrange(0, 60, 5), tzinfo=SH
    )


def build_variants(org: Any, accounts: list[Any], owners: list[Any], n: int, n_shown: int) -> None:
    from mediadesk.content.models import ContentItem, Variant

    rng = random.Random(11)
    per_item = 3
    items = ContentItem.objects.bulk_create(
        [ContentItem(organisation=org, title=f"内容{i}", owner=owners[i % len(owners)], form="short_video",
                     created_by=owners[0], company=accounts[0].company) for i in range(n // per_item + 1)],
        batch_size=2000,
    )  # fmt: skip
    batch = []
    for i in range(n):
        item = items[i // per_item]
        account = accounts[(i * 7 + i // per_item) % len(accounts)]
        when = random_moment(rng, SHOWN_MONTH if i < n_shown else None)
        past = when < TODAY
        status = "published" if past and rng.random() < 0.9 else rng.choice(PLANNING)
        batch.append(Variant(
            item=item, organisation=org, company=account.company, project=account.project,
            owner=item.owner, account=account, platform=account.platform, status=status,
            title=f"{item.title}·{account.platform.name}", planned_at=when,
            published_at=when + dt.timedelta(minutes=rng.randrange(0, 20)) if status == "published" else None,
        ))  # fmt: skip
    Variant.objects.bulk_create(batch, batch_size=2000)


def run(*, scale: float = 1.0) -> None:
    from mediadesk.content.models import Variant
    from mediadesk.orgs.models import Organisation

    n_variants, n_shown = int(100_000 * scale), int(10_000 * scale)
    t = time.perf_counter()
    with transaction.atomic():
        org = Organisation.objects.create(name="日历基准集团", brand_keyword="锦程")
        manager, projects, planners = build_people(org, 10)
        accounts = build_accounts(org, projects, 8)
        build_variants(org, accounts, planners, n_variants, n_shown)
    total = Variant.objects.filter(organisation=org).count()
    print(f"\n[content calendar] {total} variants on {len(accounts)} accounts "
          f"({n_shown} in {YEAR}-{SHOWN_MONTH:02d}) built in {time.perf_counter() - t:.1f} s")  # fmt: skip
    client = Client()
    client.force_login(manager, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")

    def get(path: str, params: dict[str, str] | None = None) -> None:
        response = client.get(path, params)
        assert response.status_code == 200, (path, response.status_code)

    month = {"start": "2026-02-23T00:00:00", "end": "2026-04-06T00:00:00"}
    week = {"start": "2026-03-16T00:00:00", "end": "2026-03-23T00:00:00"}
    day = {"start": "2026-03-17T00:00:00", "end": "2026-03-18T00:00:00"}
    feed = "/content/calendar/feed/"
    timed = [
        ("calendar month page", lambda: get("/content/calendar/", {"date": "2026-03-16"})),
        ("calendar month feed (10k variants in range)", lambda: get(feed, month)),
        ("calendar month feed, one platform", lambda: get(feed, {**month, "platform": "douyin"})),
        ("calendar week page", lambda: get("/content/calendar/", {"date": "2026-03-16", "view": "timeGridWeek"})),
        ("calendar week feed", lambda: get(feed, week)),
        ("calendar one-day list feed (after a \"+N\")", lambda: get(feed, day)),
    ]  # fmt: skip
    for name, fn in timed:
        report(name, measure(fn, repeat=5, warmup=1), 300)
