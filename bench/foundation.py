"""Foundation benchmarks: the matrix pages and API with a large matrix, and the audit trail.

Budgets: 01-foundation.md names none; we hold pages to the product-wide 300 ms p95 the
other capability specs use for interactive pages, and report audit write throughput.
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.db import transaction
from django.test import Client

from bench.timing import measure, report


def build_matrix(
    org: Any, company: Any, projects: list[Any], users: list[Any], n_level3: int
) -> int:
    from mediadesk.matrix.models import Account, Platform

    douyin = Platform.objects.get(code="douyin")
    rng = random.Random(7)
    with transaction.atomic():
        brand = Account.objects.create(
            organisation=org, platform=douyin, name="锦程置业", level=1, brand_keyword="锦程"
        )
        level2 = [
            Account.objects.create(organisation=org, company=company, project=p, platform=douyin,
                                   name=f"锦程{p.name}", level=2, parent=brand, custodian=users[0])
            for p in projects
        ]  # fmt: skip
        batch = []
        for i in range(n_level3):
            parent = level2[i % len(level2)]
            batch.append(Account(
                organisation=org, company=company, project=parent.project, platform=douyin,
                name=f"锦程顾问{i}" if rng.random() > 0.2 else f"西安买房{i}", level=3, parent=parent,
                custodian=users[i % len(users)], bio="匠心品质，关注我预约看房" * rng.randint(1, 20),
                followers=rng.randint(0, 50_000),
            ))  # fmt: skip
        Account.objects.bulk_create(batch, batch_size=1000)
    return Account.objects.count()


def build_audit(n: int, actor: Any) -> None:
    from mediadesk.core.models import AuditEntry

    rows = [
        AuditEntry(actor=actor, actor_label=actor.username, action="account.update", target_type="account",
                   target_id=str(i % 5000), target_label=f"账号{i}", changes={"bio": ["a", "b"]}, source="web")
        for i in range(n)
    ]  # fmt: skip
    AuditEntry.objects.bulk_create(rows, batch_size=2000)


def audit_write_rate(actor: Any, target: Any, n: int = 2000) -> float:
    from mediadesk.core import audit

    start = time.perf_counter()
    with transaction.atomic():
        for i in range(n):
            audit.record(
                actor=actor, action="account.update", target=target, changes={"n": [i, i + 1]}
            )
    return n / (time.perf_counter() - start)


def run(*, scale: float = 1.0) -> None:
    from mediadesk.orgs.models import Company, Organisation, Project, RoleGrant, User

    n_accounts = int(5000 * scale)
    n_audit = int(200_000 * scale)
    org = Organisation.objects.create(name="基准测试集团", brand_keyword="锦程")
    company = Company.objects.create(organisation=org, name="西安公司")
    projects = [
        Project.objects.create(organisation=org, company=company, name=f"项目{i}")
        for i in range(10)
    ]
    manager = User.objects.create(username="bench-manager", organisation=org)
    RoleGrant.objects.create(user=manager, role="manager", organisation=org)
    users = [manager] + [User.objects.create(username=f"u{i}", organisation=org) for i in range(20)]

    t = time.perf_counter()
    total = build_matrix(org, company, projects, users, n_accounts)
    print(f"\n[matrix] {total} accounts built in {time.perf_counter() - t:.1f} s")
    client = Client()
    client.force_login(manager, backend="mediadesk.orgs.auth.UsernameOrPhoneBackend")
    some = total // 2

    def get(path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    report(
        "matrix tree page (all accounts, filtered to 1 project)",
        measure(lambda: get(f"/matrix/?project={projects[0].pk}")),
        300,
    )
    report("matrix tree page (whole matrix)", measure(lambda: get("/matrix/"), repeat=5), None)
    report("account list page (page 1 of 50)", measure(lambda: get("/matrix/accounts/")), 300)
    report("account detail page", measure(lambda: get(f"/matrix/accounts/{some}/")), 300)
    report("standards report page", measure(lambda: get("/matrix/standards/"), repeat=5), None)
    report(
        "API GET /api/v1/accounts?limit=50", measure(lambda: get("/api/v1/accounts?limit=50")), 300
    )
    report(
        "API GET /api/v1/accounts/{id}/standards",
        measure(lambda: get(f"/api/v1/accounts/{some}/standards")),
        300,
    )

    t = time.perf_counter()
    build_audit(n_audit, manager)
    print(f"\n[audit] {n_audit} entries built in {time.perf_counter() - t:.1f} s")
    from mediadesk.matrix.models import Account

    target = Account.objects.get(pk=some)
    print(
        f"  audit.record() throughput (one transaction)        {audit_write_rate(manager, target):8.0f} entries/s"
    )
    report("audit page, newest 50", measure(lambda: get("/audit/")), 300)
    report(
        "audit page, one record's history",
        measure(lambda: get(f"/audit/?target_type=account&target_id={some}")),
        300,
    )
    report(
        "API GET /api/v1/audit?target_type=account&target_id=…",
        measure(lambda: get(f"/api/v1/audit?target_type=account&target_id={some}")),
        300,
    )
