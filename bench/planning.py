"""Planning benchmarks (08-planning.md "Speed"), on the analytics benchmark's data (200,000
posts with 2,000,000 snapshots and their aggregates), 1,000,000 customers each with an
opportunity and a lead (touch), 500 people and 2,000 goals with 6,000 key results (曝光 and
互动率 over three accounts, 线索量 over a project): recomputing every goal's progress after an
import (< 10 s), the goal tree page and a person's 今日 agenda (p95 < 200 ms), a month's
scorecards for 500 people (< 30 s). `scale` shrinks every size.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

from django.db import connection, transaction
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


def _daily(org: Any, accounts: list[Any], today: dt.date) -> None:
    from mediadesk.analytics.models import AccountDaily

    rng = random.Random(9)
    AccountDaily.objects.bulk_create([
        AccountDaily(account=a, organisation=org, date=today - dt.timedelta(days=d),
                     new_followers=rng.randrange(500), cancelled_followers=rng.randrange(100))
        for a in accounts for d in range(90)
    ], batch_size=BATCH)  # fmt: skip


def _tasks(org: Any, person: Any, today: dt.date) -> None:
    from mediadesk.planning.models import Task

    now = timezone.now()
    Task.objects.bulk_create([
        Task(organisation=org, title=f"任务{i}", owner=person, urgent=i % 2 == 0,
             important=i % 3 == 0, due_at=now + dt.timedelta(hours=i - 20))
        for i in range(60)
    ])  # fmt: skip


def _customers(data: Any, projects: list[Any], n: int, today: dt.date) -> None:
    """n customers with an opportunity each (bench.leads.build) and one lead (touch) each."""
    from bench.leads import _insert, build
    from mediadesk.leads.models import Channel, Customer, Touch
    from mediadesk.orgs.models import Company

    company = Company.objects.filter(organisation=data.org).first()
    channel = Channel.objects.create(organisation=data.org, name="基准渠道", kind="agency")
    build(data.org, company, projects, [channel.pk], data.user, n, 0, [data.user.pk])
    rng = random.Random(11)
    now = timezone.now()
    columns = ["organisation_id", "customer_id", "project_id", "source", "account_id",
               "live_session_label", "utm_source", "utm_medium", "utm_campaign", "utm_content",
               "utm_term", "name", "note", "captured_at"]  # fmt: skip
    first = (
        Customer.objects.filter(organisation=data.org)
        .order_by("pk")
        .values_list("pk", flat=True)[0]
    )
    for start in range(0, n, 20_000):
        rows = [(data.org.pk, first + i, projects[i % len(projects)].pk, "form",
                 data.accounts[i % len(data.accounts)].pk, "", "", "", "", "", "", "", "",
                 now - dt.timedelta(days=rng.randrange(90), minutes=rng.randrange(1440)))
                for i in range(start, min(start + 20_000, n))]  # fmt: skip
        with transaction.atomic():
            _insert(Touch._meta.db_table, columns, rows)


def _goals(org: Any, accounts: list[Any], projects: list[Any], people: list[Any], n: int,
           today: dt.date) -> None:  # fmt: skip
    from mediadesk.planning.models import Goal, KeyResult

    rng = random.Random(10)
    start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=30)
    goals = Goal.objects.bulk_create([
        Goal(organisation=org, name=f"基准目标{i}", level="person", start=start, end=end,
             owner=people[i % len(people)], top_level_reason="基准",
             parent_id=None)
        for i in range(n)
    ], batch_size=BATCH)  # fmt: skip
    krs = []
    for g in goals:
        scope = {"accounts": [a.pk for a in rng.sample(accounts, 3)]}
        project = {"projects": [rng.choice(projects).pk]}
        krs += [
            KeyResult(goal=g, metric="exposure", target=2_000_000, scope=scope, start=start, end=end),
            KeyResult(goal=g, metric="interaction_rate", target=5, scope=scope, start=start, end=end),
            KeyResult(goal=g, metric="leads", target=20_000, scope=project, start=start, end=end),
        ]  # fmt: skip
    KeyResult.objects.bulk_create(krs, batch_size=BATCH)


def run(scale: float = 1.0) -> None:
    from bench.analytics import build_data
    from mediadesk.orgs.models import Project, RoleGrant
    from mediadesk.orgs.roles import Role
    from mediadesk.planning import services

    n_people, n_goals = max(10, int(500 * scale)), max(20, int(2_000 * scale))
    n_customers = max(1_000, int(1_000_000 * scale))
    print(f"Planning · {n_people} people, {n_goals} goals / {n_goals * 3} key results, "
          f"{n_customers:,} customers, on the analytics data:")  # fmt: skip
    data = build_data(scale)
    org, today = data.org, timezone.localdate()
    company = data.accounts[0].company
    projects = list(Project.objects.filter(organisation=org).order_by("pk"))
    began = time.perf_counter()
    _customers(data, projects, n_customers, today)
    people = _people(org, company, n_people)
    manager = people[-1]
    RoleGrant.objects.create(user=manager, role=Role.MANAGER, organisation=org)
    _daily(org, data.accounts, today)
    _goals(org, data.accounts, projects, people, n_goals, today)
    _tasks(org, people[1], today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  built customers, people, goals in {time.perf_counter() - began:.0f} s")

    started = time.perf_counter()
    count = services.recompute(organisation_id=org.pk)
    seconds = time.perf_counter() - started
    print(f"  recompute all progress after an import ({count} goals)       {seconds:8.2f} s   budget 10 s"
          f"  {'✓ within' if seconds < 10 else '✗ OVER'}")  # fmt: skip

    for label, user in (("planner", people[0]), ("manager", manager)):
        client = Client()
        client.force_login(user, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
        report(f"goal tree page as {label} (GET /planning/)",
               measure(lambda c=client: c.get("/planning/")), 200)  # fmt: skip
    person = Client()
    person.force_login(people[1], backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    report("a person's 今日 agenda (GET /planning/agenda/)",
           measure(lambda: person.get("/planning/agenda/")), 200)  # fmt: skip
    report("GET /api/v1/agenda", measure(lambda: person.get("/api/v1/agenda")), 200)
    seconds, cards = scorecards_for(manager, today.replace(day=1))
    print(f"  a month's scorecards for {cards} people                  {seconds:8.2f} s   budget 30 s"
          f"  {'✓ within' if seconds < 30 else '✗ OVER'}")  # fmt: skip


def scorecards_for(manager: Any, month: dt.date) -> tuple[float, int]:
    """Seconds to compute a month's scorecards for everyone, as the page's button does."""
    from mediadesk.planning import scorecards

    started = time.perf_counter()
    cards = scorecards.compute_month(manager, month)
    return time.perf_counter() - started, len(cards)
