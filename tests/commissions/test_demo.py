"""The commissions demo: schemes, deals, last month approved, this month draft; idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from mediadesk.commissions import demo, rules
from mediadesk.commissions.models import Incentive, Scheme, Statement
from mediadesk.core.models import AuditEntry
from mediadesk.leads.models import Deal
from mediadesk.orgs import demo as org_demo
from mediadesk.orgs.models import Project


def _load() -> dict:  # type: ignore[type-arg]
    loaded = org_demo.load()
    org = loaded["organisation"]
    projects = {p.name: p for p in Project.objects.filter(organisation=org)}
    demo.load(org=org, company=projects["锦程·曲江府"].company, projects=projects,
              users=loaded["users"])  # fmt: skip
    return loaded


def test_demo_builds_schemes_statements_and_is_idempotent(db) -> None:  # type: ignore[no-untyped-def]
    loaded = _load()
    sales = loaded["users"]["sales"]
    this_month = rules.month_start(timezone.localdate())
    last_month = rules.month_start(this_month - dt.timedelta(days=1))
    assert Scheme.objects.count() == 3 and Incentive.objects.count() == 3
    last_month_deals = Deal.objects.filter(
        consultant=sales, subscribed_at__date__gte=last_month, subscribed_at__date__lt=this_month
    )
    assert last_month_deals.count() == 6
    last = Statement.objects.get(person=sales, month=last_month)
    assert last.status == Statement.Status.APPROVED and last.total_fen > 0
    current = Statement.objects.get(person=sales, month=this_month)
    assert current.status == Statement.Status.DRAFT
    assert current.lines.filter(kind="clawback", amount_fen__lt=0).exists()
    counts = (Deal.objects.count(), Statement.objects.count(), AuditEntry.objects.count())
    _load()
    assert (Deal.objects.count(), Statement.objects.count(), AuditEntry.objects.count()) == counts
