"""Analytics benchmarks (03-analytics.md · Speed): 200,000 posts with 2,000,000 snapshots, then
a 100,000-row CSV import (budget: < 15 s and < 500 MB).

`build_data(scale)` builds the data set once and returns a `BenchData`; the dashboard and
template-3 measurements plug in through `PAGE_BENCHES` (functions taking the BenchData) so
they reuse the same data: `PAGE_BENCHES.append(my_bench)` from their module, or edit `run`.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

SNAPSHOT_HOURS = (1, 24, 48, 72, 96, 120, 168, 240, 336, 720)
ACCOUNTS = 200
DAYS = 365
# 60% of the accounts on 抖音, so the 100,000-row 抖音 export matches existing posts.
PLATFORMS = ("douyin", "douyin", "douyin", "wechat_mp", "xiaohongshu")


@dataclass
class BenchData:
    """What build_data made: the organisation, its importer, accounts and the post count."""

    org: Any
    user: Any
    accounts: list[Any]
    posts: int
    snapshots: int
    start: dt.datetime  # the earliest publish time


def _org() -> tuple[Any, Any, list[Any]]:
    from mediadesk.orgs.models import Company, Organisation, Project, RoleGrant, User
    from mediadesk.orgs.roles import Role

    org = Organisation.objects.create(name="数据基准集团", brand_keyword="锦程")
    company = Company.objects.create(organisation=org, name="西安公司")
    projects = [
        Project.objects.create(organisation=org, company=company, name=f"项目{i}")
        for i in range(10)
    ]
    user = User.objects.create(username="bench-analyst", organisation=org, display_name="分析师")
    RoleGrant.objects.create(user=user, role=Role.ADMIN, organisation=org)
    return org, user, projects


def _accounts(org: Any, user: Any, projects: list[Any]) -> list[Any]:
    from mediadesk.matrix.models import Account, Platform

    platforms = {p.code: p for p in Platform.objects.filter(code__in=PLATFORMS)}
    accounts = [
        Account(organisation=org, company=projects[i % 10].company, project=projects[i % 10],
                platform=platforms[PLATFORMS[i % len(PLATFORMS)]], name=f"基准账号{i}", level=2,
                custodian=user, followers=10_000 + i * 100)
        for i in range(ACCOUNTS)
    ]  # fmt: skip
    return Account.objects.bulk_create(accounts)


def _posts(org: Any, user: Any, accounts: list[Any], n: int, start: dt.datetime) -> None:
    from mediadesk.content.models import ContentItem, Form, Status, Variant

    rng = random.Random(3)
    for first in range(0, n, 5000):
        size = min(5000, n - first)
        items = ContentItem.objects.bulk_create([
            ContentItem(organisation=org, title=f"基准内容{first + i}", owner=user, created_by=user,
                        form=Form.SHORT_VIDEO, status=Status.PUBLISHED,
                        target_exposure=rng.choice((None, 50_000, 500_000)))
            for i in range(size)
        ])  # fmt: skip
        Variant.objects.bulk_create([
            Variant(item=item, organisation=org, owner=user, account=(a := accounts[(first + i) % len(accounts)]),
                    company_id=a.company_id, project_id=a.project_id, platform_id=a.platform_id,
                    status=Status.PUBLISHED, title=item.title, external_id=f"bench-{first + i}",
                    published_at=start + dt.timedelta(minutes=rng.randrange(DAYS * 24 * 60)))
            for i, item in enumerate(items)
        ])  # fmt: skip


def _snapshots(org: Any, per_post: int) -> int:
    """Raw multi-row inserts: 2,000,000 ORM objects would dominate the benchmark."""
    from mediadesk.analytics.models import MetricSnapshot
    from mediadesk.content.models import Variant

    table = MetricSnapshot._meta.db_table
    sql = (f"INSERT INTO {table} (variant_id, organisation_id, taken_at, hours_after_publish, "
           "impressions, reads, likes, comments, shares, favourites, extra, source, recorded_at) "
           "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)")  # fmt: skip
    rng, now, count = random.Random(5), timezone.now(), 0
    posts = (
        Variant.objects.filter(organisation=org, published_at__isnull=False)
        .values_list("pk", "published_at")
        .order_by("pk")
    )
    with connection.cursor() as cursor:
        batch: list[tuple[Any, ...]] = []
        for pk, published in posts.iterator(chunk_size=5000):
            assert published is not None
            reads = rng.randint(100, 200_000)
            for h in SNAPSHOT_HOURS[:per_post]:
                grow = min(1.0, h / 72)
                batch.append((pk, org.pk, published + dt.timedelta(hours=h), h, int(reads * 1.3 * grow),
                              int(reads * grow), int(reads * grow * 0.03), int(reads * grow * 0.004),
                              int(reads * grow * 0.002), None, "{}", "import", now))  # fmt: skip
            if len(batch) >= 20_000:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        cursor.executemany(sql, batch)
    return count + len(batch)


def build_data(scale: float = 1.0) -> BenchData:
    """200,000 × scale posts with 10 snapshots each, and their aggregates."""
    from mediadesk.analytics.aggregates import rebuild_aggregates

    n_posts = max(1000, int(200_000 * scale))
    start = timezone.now() - dt.timedelta(days=DAYS)
    began = time.perf_counter()
    with transaction.atomic():
        org, user, projects = _org()
        accounts = _accounts(org, user, projects)
        _posts(org, user, accounts, n_posts, start)
        snapshots = _snapshots(org, len(SNAPSHOT_HOURS))
    built = time.perf_counter()
    rebuild_aggregates(org.pk)
    print(f"  built {n_posts:,} posts and {snapshots:,} snapshots in {built - began:.1f} s; "
          f"aggregates rebuilt in {time.perf_counter() - built:.1f} s")  # fmt: skip
    return BenchData(org, user, accounts, n_posts, snapshots, start)


def export_csv(data: BenchData, rows: int, *, bump: int) -> bytes:
    """A 抖音-style export of `rows` existing posts (with an 账号 column) as GB18030 CSV."""
    import csv
    import io

    from mediadesk.content.models import Variant

    posts = Variant.objects.filter(organisation=data.org, platform__code="douyin").values_list(
        "external_id", "title", "published_at", "account__name")[:rows]  # fmt: skip
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["作品ID", "作品名称", "发布时间", "账号", "播放量", "点赞", "评论", "分享", "收藏",
                  "整体完播率", "均播时长"])  # fmt: skip
    n = 0
    for i, (ext, title, published, account) in enumerate(posts.iterator(chunk_size=5000)):
        out.writerow([ext, title, timezone.localtime(published).strftime("%Y-%m-%d %H:%M"), account,
                      f"{(i % 900 + 1) * 1000 + bump}", i % 500 + bump, i % 50, i % 30, i % 20,
                      f"{i % 60 + 10}.5%", "12.3"])  # fmt: skip
        n += 1
    data_bytes = buf.getvalue().encode("gb18030")
    print(f"  export file: {n:,} rows, {len(data_bytes) / 1024 / 1024:.1f} MB")
    return data_bytes


def import_once(data: BenchData, csv_data: bytes, as_of: dt.datetime) -> Any:
    """The CLI/job path: stream the file, validate every row, write in one transaction."""
    from mediadesk.analytics import imports, services
    from mediadesk.matrix.models import Platform

    headers, rows = imports.iter_table(csv_data, "bench.csv")
    preset = imports.presets.guess(headers, "douyin")
    mapping = imports.presets.apply(preset.mapping, headers)
    batch = services.start_batch(by=data.user, platform=Platform.objects.get(code="douyin"),
                                 as_of=as_of, filename="bench.csv", mapping=mapping)  # fmt: skip
    ctx = services.Context(user=data.user, batch=batch, columns=imports.columns_of(mapping))
    report = services.validate(imports.raw_rows(headers, rows, mapping), ctx)
    return services.write(report, ctx)


def measure_import(data: BenchData, rows: int) -> None:
    """Time one import, then measure the peak Python memory of a second (different figures)."""
    first = export_csv(data, rows, bump=0)
    began = time.perf_counter()
    report = import_once(data, first, timezone.now())
    seconds = time.perf_counter() - began
    verdict = "✓ within" if seconds < 15 else "✗ OVER"
    print(f"  import {report.total:,} rows: {seconds:.1f} s ({report.created:,} created, "
          f"{len(report.errors)} errors)  {verdict} budget 15 s")  # fmt: skip
    second = export_csv(data, rows, bump=1)
    tracemalloc.start()
    import_once(data, second, timezone.now() + dt.timedelta(hours=1))
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    del first, second
    verdict = "✓ within" if peak < 500 else "✗ OVER"
    print(
        f"  import peak memory (Python allocations, file included): {peak:.0f} MB  {verdict} budget 500 MB"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"  process peak RSS so far (Django, data build and both imports): {rss:.0f} MB")


# Page benchmarks (dashboards, template 3) register here: fn(data) → prints its figures.
PAGE_BENCHES: list[Callable[[BenchData], None]] = []


def measure_pages(data: BenchData) -> None:
    """p95 of the overview dashboard and the template-3 table (first page, 90 days) over HTTP
    with a logged-in client (budget: < 300 ms)."""
    from django.test import Client

    from bench import timing

    if connection.vendor == "postgresql":
        # planner statistics, as a live database has them: right after the bulk load the
        # template-3 queries otherwise get a bad plan (1.3 s instead of 0.2 s)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(data.user, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    end = timezone.localdate()
    period = {"start": (end - dt.timedelta(days=89)).isoformat(), "end": end.isoformat()}
    for name, url in (("overview dashboard, 90 days", "/analytics/"),
                      ("template-3 table, 90 days (page 1)", "/analytics/monitoring/"),
                      ("template-3 API, 90 days (50 rows)", "/api/v1/analytics/monitoring")):  # fmt: skip

        def get(url: str = url) -> None:
            response = client.get(url, period)
            assert response.status_code == 200, response.status_code

        timing.report(name, timing.measure(get, repeat=15), budget_ms=300)


PAGE_BENCHES.append(measure_pages)


def run(scale: float = 1.0) -> None:
    print("Analytics")
    data = build_data(scale)
    for bench in PAGE_BENCHES:
        bench(data)
    measure_import(data, max(1000, int(100_000 * scale)))
