"""Private-domain benchmarks (09-private-domain.md "Speed"): with 1,000,000 members and
20,000,000 events, a three-rule segment count < 1 s, the member page < 200 ms p95, event
ingestion through the API (5,000/s target, stage recomputation included), the nightly
stage/silent pass < 10 min.

The default run uses 2 % of those sizes (BENCH_SCALE=1 → 20,000 members, 400,000 events) so
it finishes in a few minutes on the 2-core machine; BENCH_SCALE=50 is the spec's size.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench.timing import measure, report

FRACTION = 0.02
BATCH = 20_000
STAGES = ["aware", "interest", "purchase", "loyal"]


def _insert(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def build(org: Any, n_members: int, n_events: int) -> None:
    """Members spread over stages, tags and activity; events spread over members."""
    from mediadesk.private.models import Event, Member

    now, rng = timezone.now(), random.Random(9)
    for start in range(0, n_members, BATCH):
        with transaction.atomic():
            _insert(Member._meta.db_table,
                    ["organisation_id", "name", "phone", "unionid", "sources", "tags", "stage",
                     "purchases", "monetary_fen", "last_active_at", "anonymous", "created_at"],
                    [(org.pk, "", f"139{i:08d}", f"u{i}", json.dumps(["leads"]),
                      json.dumps(["高意向"] if i % 3 == 0 else []), STAGES[i % 4], i % 3, 0,
                      now - dt.timedelta(days=rng.randint(0, 90)), False, now)
                     for i in range(start, min(start + BATCH, n_members))])  # fmt: skip
    first = Member.objects.filter(organisation=org).order_by("pk").values_list("pk", flat=True)[0]
    for start in range(0, n_events, BATCH):
        with transaction.atomic():
            _insert(Event._meta.db_table,
                    ["organisation_id", "member_id", "event_id", "kind", "at", "meta"],
                    [(org.pk, first + i % n_members, f"b{i}", "page_view",
                      now - dt.timedelta(minutes=(i * 37) % 129_600), "{}")
                     for i in range(start, min(start + BATCH, n_events))])  # fmt: skip


def run(scale: float = 1.0) -> None:
    from mediadesk.orgs.models import Organisation, RoleGrant, User
    from mediadesk.orgs.roles import Role
    from mediadesk.private import queries, tasks
    from mediadesk.private.models import Member, WakeUpPlan

    n_members = int(1_000_000 * scale * FRACTION)
    n_events = int(20_000_000 * scale * FRACTION)
    org = Organisation.objects.create(name="私域基准集团", brand_keyword="锦程")
    user = User.objects.create(username="bench-private", organisation=org)
    RoleGrant.objects.create(user=user, role=Role.ADMIN, organisation=org)
    start = time.perf_counter()
    build(org, n_members, n_events)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"private: {n_members:,} members, {n_events:,} events built in "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    base = Member.objects.filter(organisation=org, merged_into=None)
    rules = {"stage": "interest", "tag": "高意向", "silent_days": 30}
    report("private.segment_count_3_rules", measure(
        lambda: queries.apply_rules(base, rules).count(), repeat=10), budget_ms=1000)  # fmt: skip
    client = Client()
    client.force_login(user, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    report("private.member_page", measure(
        lambda: client.get("/api/v1/private/members?stage=loyal"), repeat=30), budget_ms=200)  # fmt: skip
    n_ingest = 10_000
    items = [{"event_id": f"n{i}", "kind": "page_view", "at": timezone.now().isoformat(),
              "unionid": f"u{i * 7 % n_members}"} for i in range(n_ingest)]  # fmt: skip
    t0 = time.perf_counter()
    for chunk in range(0, n_ingest, 1000):
        client.post("/api/v1/private/events", {"items": items[chunk : chunk + 1000]},
                    content_type="application/json")  # fmt: skip
    rate = n_ingest / (time.perf_counter() - t0)
    print(f"private.event_ingestion: {rate:,.0f} events/s through the API "
          f"(stage recomputation included; target 5,000/s)")  # fmt: skip
    WakeUpPlan.objects.create(organisation=org, name="bench", channel="task")
    t0 = time.perf_counter()
    changed = tasks.nightly(timezone.now())
    took = time.perf_counter() - t0
    targets = WakeUpPlan.objects.get(organisation=org).targets.count()
    print(f"private.nightly_pass: {took:.1f} s for {n_members:,} members, {targets:,} silent "
          f"entered, {changed:,} changes (budget 600 s)")  # fmt: skip
