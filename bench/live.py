"""Live benchmarks (05-live.md "Speed"): with 5,000 sessions over 3 years on 200 accounts
(with figures and checklists) and 300,000 linked leads — the plan month page and a session
page under 200 ms p95, the slot heatmap under 300 ms, a 10,000-row figures import under 5 s.

Sessions are bulk-created (the services would spend the run on warm-up content items);
leads are raw-inserted customers + touches. `scale` shrinks every size.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench.timing import measure, report

BATCH = 20_000


def _insert(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def _sessions(
    org: Any, company: Any, project: Any, user: Any, n_accounts: int, n: int
) -> list[int]:
    from mediadesk.live import rules
    from mediadesk.live.models import ChecklistItem, Figures, Session, Stage
    from mediadesk.matrix.models import Account, Platform

    douyin = Platform.objects.get(code="douyin")
    accounts = Account.objects.bulk_create(
        Account(organisation=org, company=company, project=project, platform=douyin, level=2,
                name=f"直播号{i}", bio="每周一三五 15:00 直播")
        for i in range(n_accounts)
    )  # fmt: skip
    first = timezone.now() - dt.timedelta(days=3 * 365)
    step = dt.timedelta(days=3 * 365) / max(n, 1)
    sessions = Session.objects.bulk_create(
        Session(organisation=org, company=company, project=project,
                account=accounts[i % n_accounts], title=f"第{i}场", created_by=user,
                planned_start=(first + i * step).replace(hour=15, minute=0),
                planned_end=(first + i * step).replace(hour=17, minute=0), status="reviewed")
        for i in range(n)
    )  # fmt: skip
    Session.anchors.through.objects.bulk_create(
        Session.anchors.through(session_id=s.pk, user_id=user.pk) for s in sessions
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(session=s, code=c, auto=c in rules.AUTO_CODES, done=True,
                      due_at=s.planned_start - rules.DUE_BEFORE[c])
        for s in sessions for c in rules.CHECKLIST_CODES
    )  # fmt: skip
    Stage.objects.bulk_create(
        Stage(session=s, order=k, name=name, minutes=m, goal=g, text="…")
        for s in sessions for k, (name, m, g) in enumerate(rules.DEFAULT_STAGES)
    )  # fmt: skip
    Figures.objects.bulk_create(
        Figures(session=s, viewers=1000 + i % 900, views=1500 + i % 900, peak_online=80,
                avg_online=40 + i % 30, leads=10 + i % 40, new_followers=20, commenters=50)
        for i, s in enumerate(sessions)
    )  # fmt: skip
    return [s.pk for s in sessions]


def _leads(org: Any, project: Any, session_ids: list[int], n: int) -> None:
    from mediadesk.leads.models import Customer, Touch

    now = timezone.now()
    for start in range(0, n, BATCH):
        ids = range(start, min(start + BATCH, n))
        with transaction.atomic():
            _insert(Customer._meta.db_table, ["organisation_id", "phone", "name",
                    "is_group_owner", "notes", "created_at", "updated_at"],
                    [(org.pk, f"17{i:09d}", "", False, "", now, now) for i in ids])  # fmt: skip
    first = Customer.objects.filter(organisation=org).order_by("pk").values_list("pk", flat=True)[0]
    cols = ["organisation_id", "customer_id", "project_id", "source", "live_session_id",
            "live_session_label", "utm_source", "utm_medium", "utm_campaign", "utm_content",
            "utm_term", "name", "note", "captured_at"]  # fmt: skip
    for start in range(0, n, BATCH):
        ids = range(start, min(start + BATCH, n))
        with transaction.atomic():
            _insert(Touch._meta.db_table, cols,
                    [(org.pk, first + i, project.pk, "live", session_ids[i % len(session_ids)],
                      "", "", "", "", "", "", "", "", now) for i in ids])  # fmt: skip


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    return client


def _import_file(session_ids: list[int], rows: int) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    buf = io.StringIO()
    buf.write("场次ID,观看人数,观看人次,最高在线人数,人均观看时长,涨粉量,评论人数,全场景留资人数\n")
    for i in range(rows):
        pk = session_ids[i % len(session_ids)]
        buf.write(f"{pk},1.2万,{18000 + i},600,3分20秒,{300 + i % 7},800,{90 + i % 11}\n")
    return SimpleUploadedFile("live.csv", buf.getvalue().encode("utf-8"))


def run(scale: float = 1.0) -> None:
    from mediadesk.live import imports, queries
    from mediadesk.orgs.models import Company, Organisation, Project, RoleGrant, User
    from mediadesk.orgs.roles import Role

    n_sessions, n_leads = max(50, int(5_000 * scale)), int(300_000 * scale)
    n_accounts, n_rows = max(5, int(200 * scale)), max(100, int(10_000 * scale))
    org = Organisation.objects.create(name="直播基准集团", brand_keyword="锦程")
    company = Company.objects.create(organisation=org, name="西安公司")
    project = Project.objects.create(organisation=org, company=company, name="曲江府")
    user = User.objects.create(username="bench-live", organisation=org)
    RoleGrant.objects.create(user=user, role=Role.ADMIN, organisation=org)
    start = time.perf_counter()
    ids = _sessions(org, company, project, user, n_accounts, n_sessions)
    _leads(org, project, ids, n_leads)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"live: {n_sessions:,} sessions on {n_accounts} accounts, {n_leads:,} leads built in "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    client = _client(user)
    month = timezone.localdate() - dt.timedelta(days=40)
    url = f"/live/?month={month:%Y-%m}"
    assert client.get(url).status_code == 200
    report("plan month page GET /live/?month=… (HTTP)", measure(lambda: client.get(url)), 200)
    session_url = f"/live/sessions/{ids[len(ids) // 2]}/"
    assert client.get(session_url).status_code == 200
    report("session page GET /live/sessions/{id}/ (HTTP)",
           measure(lambda: client.get(session_url)), 200)  # fmt: skip
    account_id = (
        connection.cursor()
        .execute("SELECT account_id FROM live_session WHERE id = %s", [ids[0]])
        .fetchone()[0]
    )
    report("slot heatmap (weekday × hour) of one account",
           measure(lambda: queries.heatmap(account_id)), 300)  # fmt: skip
    upload = _import_file(ids, n_rows)
    table = imports.read(upload)
    t0 = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        prof = cProfile.Profile()
        written = prof.runcall(imports.confirm, table, user=user)
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)
    else:
        written = imports.confirm(table, user=user)
    took = time.perf_counter() - t0
    verdict = "✓ within" if took <= 5 else "✗ OVER"
    print(f"  figures import of {n_rows:,} rows ({written:,} written)"
          f"{'':<18} {took:8.2f} s   {verdict} budget 5 s")  # fmt: skip
