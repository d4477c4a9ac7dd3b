"""Demo data: members from the demo customers, a segment, a wake-up plan (idempotent)."""

from __future__ import annotations

from typing import Any

from mediadesk.leads.models import Customer
from mediadesk.private import services
from mediadesk.private.models import Segment, WakeUpPlan


def load(*, org: Any, company: Any, projects: Any, users: Any) -> None:
    for customer in Customer.objects.filter(organisation=org)[:200]:
        services.member_for_customer(customer)
    Segment.objects.get_or_create(
        organisation=org,
        name="兴趣阶段沉默 30 天",
        defaults={"rules": {"stage": "interest", "silent_days": 30}},
    )
    WakeUpPlan.objects.get_or_create(
        organisation=org,
        name="沉默用户唤醒（30 天）",
        defaults={"channel": "task", "content": "样板间开放日邀约"},
    )
