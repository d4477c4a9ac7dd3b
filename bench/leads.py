"""Leads benchmarks (04-leads.md "Speed"): with 1,000,000 customers and 3,000,000 reports,
judging a report < 20 ms p95, the lead list < 200 ms, and 50 concurrent reports of one
phone → exactly one 报备成功.

Data is bulk-inserted in batches with raw executemany (the ORM would take most of the
run building objects). `scale` shrinks every size.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from bench.timing import measure, report

BATCH = 20_000


def _insert(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _phone(i: int) -> str:
    return f"13{i % 10}{i:08d}"[:11]


def build(org: Any, company: Any, projects: list[Any], channel_ids: list[int], user: Any,
          n_customers: int, n_reports: int, consultant_ids: list[int]) -> None:  # fmt: skip
    """Customers, one opportunity each (two in three owned by one of the consultants), and
    reports spread over projects and channels."""
    from mediadesk.leads.models import Customer, Opportunity, Report

    now = timezone.now()
    rng = random.Random(4)
    cust, opp, rep = Customer._meta.db_table, Opportunity._meta.db_table, Report._meta.db_table
    for start in range(0, n_customers, BATCH):
        ids = range(start, min(start + BATCH, n_customers))
        with transaction.atomic():
            _insert(cust, ["organisation_id", "phone", "name", "is_group_owner", "notes",
                           "created_at", "updated_at"],
                    [(org.pk, _phone(i), "", False, "", now, now) for i in ids])  # fmt: skip
    first = Customer.objects.filter(organisation=org).order_by("pk").values_list("pk", flat=True)[0]
    for start in range(0, n_customers, BATCH):
        ids = range(start, min(start + BATCH, n_customers))
        with transaction.atomic():
            _insert(opp, ["organisation_id", "company_id", "project_id", "customer_id", "source",
                          "stage", "stage_reason", "intent", "is_owner", "in_pool", "pool_reason",
                          "consultant_id", "created_at", "updated_at"],
                    [(org.pk, company.pk, projects[i % len(projects)].pk, first + i, "walk_in",
                      "new", "", "", False, False, "",
                      consultant_ids[i % len(consultant_ids)] if i % 3 else None, now, now)
                     for i in ids])  # fmt: skip
    for start in range(0, n_reports, BATCH):
        ids = range(start, min(start + BATCH, n_reports))
        rows = []
        for i in ids:
            phone = _phone(rng.randrange(n_customers))
            at = now - dt.timedelta(days=rng.randrange(400), minutes=rng.randrange(1440))
            rows.append((org.pk, projects[i % len(projects)].pk, channel_ids[i % len(channel_ids)],
                         user.pk, phone, phone[:3], phone[-4:], False, at, at, 4, "已被其他渠道报备",
                         "invalid", False, "protect"))  # fmt: skip
        with transaction.atomic():
            _insert(rep, ["organisation_id", "project_id", "channel_id", "reporter_id", "phone",
                          "phone_prefix", "phone_suffix", "is_masked", "reported_at", "judged_at",
                          "result_code", "reason", "status", "protecting", "mode"], rows)  # fmt: skip


def concurrent_winners(project: Any, channels: list[Any], by: Any, phone: str) -> int:
    """50 threads, each with its own connection, report one new phone at once."""
    from mediadesk.leads import attribution

    barrier = threading.Barrier(50)
    codes: list[int] = []

    def one(i: int) -> None:
        try:
            barrier.wait()
            r = attribution.file_report(project=project, phone=phone,
                                        channel=channels[i % len(channels)], by=by)  # fmt: skip
            codes.append(r.result_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes.count(0)


def _http_get(user: Any, url: str) -> Any:
    client = Client()
    client.force_login(user, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    return lambda: client.get(url, {"stage": "new"})


def _list_timer(user: Any) -> tuple[str, Any]:
    """The lead list over HTTP when the desk's page exists, else the visible-query page."""
    from mediadesk.leads import access

    for name in ("leads:home", "leads:customers"):
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        return f"lead list page GET {url}?stage=new (HTTP)", _http_get(user, url)

    def query() -> None:
        qs = access.visible_opportunities(user).filter(stage="new").select_related("customer")
        list(qs.order_by("-created_at", "-id")[:50])
        qs.count()

    return "lead list: visible_opportunities filtered + page 1 (no page yet)", query


def run(scale: float = 1.0) -> None:
    from mediadesk.leads import attribution
    from mediadesk.leads.models import Channel, Consultant
    from mediadesk.orgs.models import Company, Organisation, Project, RoleGrant, User
    from mediadesk.orgs.roles import Role

    n_customers, n_reports = int(1_000_000 * scale), int(3_000_000 * scale)
    org = Organisation.objects.create(name="判客基准集团", brand_keyword="锦程")
    company = Company.objects.create(organisation=org, name="西安公司")
    projects = [Project.objects.create(organisation=org, company=company, name=f"项目{i}")
                for i in range(5)]  # fmt: skip
    user = User.objects.create(username="bench-leads", organisation=org)
    RoleGrant.objects.create(user=user, role=Role.ADMIN, organisation=org)
    channels = [Channel.objects.create(organisation=org, name=f"渠道{i}", kind="agency")
                for i in range(20)]  # fmt: skip
    # A realistic sales floor: 500 consultants, about 1,300 open leads each at full scale.
    consultants = User.objects.bulk_create(
        User(username=f"bench-consultant-{n}", organisation=org) for n in range(500)
    )
    start = time.perf_counter()
    build(org, company, projects, [c.pk for c in channels], user, n_customers, n_reports,
          [c.pk for c in consultants])  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh planner statistics, as a database in use would have
    print(f"leads: {n_customers:,} customers, {n_reports:,} reports built in "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    for p in projects:
        rule_set = attribution.rules_for(p)
        rule_set.daily_report_limit = 1_000_000  # one bench user files every report
        rule_set.save()
        # Three on-duty seats: a new opportunity is allocated inside file_report, as in real use.
        for n in range(3):
            sales = User.objects.create(username=f"bench-sales-{p.pk}-{n}", organisation=org)
            Consultant.objects.create(organisation=org, project=p, user=sales, daily_cap=10_000)
    rng = random.Random(9)
    counter = iter(range(10**9))

    def judge_new() -> None:
        # Half known numbers (priors to weigh), half new ones.
        i = next(counter)
        phone = _phone(rng.randrange(n_customers)) if i % 2 else f"199{i:08d}"[:11]
        attribution.file_report(project=projects[i % 5], phone=phone,
                                channel=channels[i % 20], by=user)  # fmt: skip

    report("judge a report through file_report", measure(judge_new, repeat=200, warmup=10), 20)
    label, list_page = _list_timer(user)
    report(label, measure(list_page, repeat=30, warmup=3), 200)
    winners = concurrent_winners(projects[0], channels, user, "19912345678")
    print(f"  50 concurrent reports of one phone → {winners} 报备成功 "
          f"{'✓' if winners == 1 else '✗ MUST BE 1'}")  # fmt: skip
